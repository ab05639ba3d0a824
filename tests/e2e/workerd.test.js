// End-to-end: aalgate in workerd, the real Workers runtime (the binary inside miniflare's
// `workerd` npm dependency), run through miniflare.
//
// How the worker loads the package: as a Workers project built by wrangler does. The worker
// (worker-app/worker.js) imports 'aalgate' from node_modules (exactly the files `npm pack`
// publishes); esbuild bundles it with the conditions wrangler uses (workerd, worker, browser), so
// '#load-core' resolves to js/loader/workerd.js, and keeps its `import wasm from
// '../core/aalgate-core.wasm'` external. miniflare loads the bundle with a `CompiledWasm` module
// rule for *.wasm: workerd compiles the .wasm when it loads the script and the import gives the
// WebAssembly.Module; at request time the package only instantiates it.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

import {
  BAD_CONFIG,
  CONFIG,
  casesWithNodeAnswers,
  INSTANTIATED_ONLY,
  ROOT,
  stagePackage,
} from '../support/cases.js';
import { bundleModuleWorker } from '../../examples/demo/bundle.mjs';

const COMPATIBILITY_DATE = '2026-04-01';

// worker-app/worker.js and the support modules it imports, copied as they stand under tests/.
const WORKER_FILES = ['e2e/worker-app/worker.js', 'support/wasm-instrument.js', 'support/count-wasm-calls.js', 'support/run-cases.js'];

/** Bundles worker-app/ (its files copied to `<tmp>/e2e/worker-app`, `<tmp>/support`) into `<tmp>/dist`, with the .wasm next to it. */
async function bundleWorker(tmp) {
  for (const file of WORKER_FILES) {
    await mkdir(dirname(join(tmp, file)), { recursive: true });
    await copyFile(join(ROOT, 'tests', file), join(tmp, file));
  }
  const { scriptPath, wasmFiles, inputs } = await bundleModuleWorker({
    entry: join(tmp, 'e2e/worker-app/worker.js'),
    outDir: join(tmp, 'dist'),
    absWorkingDir: tmp,
  });
  return { scriptPath, inputs, wasmFiles: wasmFiles.map((file) => relative(tmp, file)) };
}

test('aalgate in workerd (miniflare) through the workerd condition', { timeout: 90_000 }, async (t) => {
  const { Miniflare } = await import('miniflare');
  const { cases, node } = await casesWithNodeAnswers();

  const tmp = await mkdtemp(join(tmpdir(), 'aalgate-e2e-workerd-'));
  let mf;
  const timings = [];
  try {
    await stagePackage(tmp);
    const bundle = await bundleWorker(tmp);
    const loader = (name) => `node_modules/aalgate/js/loader/${name}.js`;
    assert.ok(bundle.inputs.includes(loader('workerd')), `the bundle has the workerd loader: ${bundle.inputs.join(', ')}`);
    assert.ok(!bundle.inputs.includes(loader('browser')), 'the bundle has no browser loader');
    assert.ok(!bundle.inputs.includes(loader('node')), 'the bundle has no node loader');
    assert.deepEqual(bundle.wasmFiles, ['node_modules/aalgate/js/core/aalgate-core.wasm']);

    let started = performance.now();
    mf = new Miniflare({
      modules: true,
      scriptPath: bundle.scriptPath,
      modulesRoot: dirname(bundle.scriptPath),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: COMPATIBILITY_DATE,
    });
    await mf.ready;
    timings.push(`workerd start (loads the script, compiles the .wasm) ${(performance.now() - started).toFixed(0)} ms`);

    const decide = async () => {
      const response = await mf.dispatchFetch('http://worker.test/decide', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ config: CONFIG, cases, badConfig: BAD_CONFIG }),
      });
      const text = await response.text();
      assert.equal(response.status, 200, `the worker answered: ${text.slice(0, 2000)}`);
      return JSON.parse(text);
    };

    await t.test('decides in a request (createGate at request time) as Node does', async () => {
      started = performance.now();
      const first = await decide();
      timings.push(`first request (instantiate + ${cases.length} decisions) ${(performance.now() - started).toFixed(1)} ms`);
      assert.deepStrictEqual(first.results, node.results);
      assert.deepStrictEqual(first.badConfig, node.badConfig);
      // Nothing compiled from bytes at request time: one instantiation of workerd's module.
      assert.deepEqual(first.calls, INSTANTIATED_ONLY);

      started = performance.now();
      const second = await decide();
      timings.push(`second request (core loaded: configure + decisions) ${(performance.now() - started).toFixed(1)} ms`);
      assert.deepStrictEqual(second.results, node.results);
      assert.equal(second.calls.instantiateModule, 1, 'the core is loaded once per isolate');
    });

    await t.test('controls: this workerd refuses eval, new Function and compiling bytes at request time', async () => {
      // Had the package (or its Emscripten glue) done any of these in the requests above, they
      // would have failed: this is what makes the test above able to fail.
      const response = await mf.dispatchFetch('http://worker.test/controls');
      const controls = await response.json();
      t.diagnostic(`workerd refusals: ${JSON.stringify(controls)}`);
      assert.match(controls.newFunction, /^EvalError: /);
      assert.match(controls.eval, /^EvalError: /);
      assert.match(controls.compileBytes, /^CompileError: .*disallowed/);
    });
  } finally {
    await mf?.dispose().catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    for (const line of timings) t.diagnostic(`timing: ${line}`);
  }
});
