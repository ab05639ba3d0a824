// Loading the core: loadCore gives one module per process; js/loader/instantiate.js's once()
// shares a pending load and retries after a failure, and instantiateCore rejects rather than hangs.
// (The runtime loaders behind #load-core are tests/js/loaders.test.js.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loadCore } from '#load-core';

import { instantiateCore, once } from '../../js/loader/instantiate.js';

describe('loading', () => {
  test('the core loads once: every loadCore call gives the same module', async () => {
    const [a, b] = await Promise.all([loadCore(), loadCore()]);
    assert.equal(a, b);
    assert.equal(await loadCore(), a);
    assert.equal(typeof a.Gate, 'function');
  });

  test('once() shares a pending load and retries after a failure', async () => {
    let calls = 0;
    const load = once(async () => {
      calls += 1;
      if (calls === 1) throw new Error('network down');
      return { module: calls };
    });
    const [first, second] = await Promise.allSettled([load(), load()]);
    assert.equal(first.status, 'rejected');
    assert.equal(second.status, 'rejected');
    assert.equal(calls, 1);
    const [third, fourth] = await Promise.all([load(), load()]);
    assert.equal(calls, 2);
    assert.equal(third, fourth);
    assert.equal(await load(), third);
  });

  test('instantiateCore rejects, rather than hanging, when instantiation fails', async () => {
    // A module importing env.f, instantiated with no imports: a LinkError.
    const needsImport = new WebAssembly.Module(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0]),
    );
    const hangingFactory = (options) =>
      new Promise(() => {
        options.instantiateWasm({ env: {} }, () => {});
      });
    await assert.rejects(instantiateCore(hangingFactory, needsImport), WebAssembly.LinkError);
    const receiveThrows = (options) =>
      new Promise(() => {
        options.instantiateWasm({}, () => {
          throw new Error('bad exports');
        });
      });
    const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    await assert.rejects(instantiateCore(receiveThrows, empty), /bad exports/);
  });

  test('instantiateCore gives the factory locateFile and instantiateWasm', async () => {
    const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    const result = await instantiateCore(
      (options) =>
        new Promise((resolve) => {
          assert.equal(options.locateFile('aalgate-core.wasm'), 'aalgate-core.wasm');
          const exports = options.instantiateWasm({}, (instance, module) => resolve({ instance, module }));
          assert.deepEqual(exports, {});
        }),
      empty,
    );
    assert.ok(result.instance instanceof WebAssembly.Instance);
    assert.equal(result.module, empty);
  });
});
