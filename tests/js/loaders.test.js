// The runtime loaders behind `#load-core`: node (used by the other tests), browser (with a
// stand-in fetch) and workerd (with `.wasm` imports giving a compiled WebAssembly.Module).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { afterEach, describe, test } from 'node:test';

const WASM_URL = new URL('../../js/core/aalgate-core.wasm', import.meta.url);
const wasmBytes = await readFile(WASM_URL);

// A loader module instance of its own, with its own once-per-process cache.
let instance = 0;
const freshLoader = (name) => import(new URL(`../../js/loader/${name}.js?instance=${(instance += 1)}`, import.meta.url));

// The module a loader gives is the Embind module: a Gate that configures and decides (one run()
// through its call block, wasm/bindings.cpp CallBlock: no session, the requirement {}).
function assertWorkingCore(core) {
  const gate = new core.Gate();
  try {
    assert.equal(gate.configure(JSON.stringify({ baseUrl: 'https://auth.example.com' }), '').ok, true);
    const { ok, handle } = gate.compile('{}', true);
    assert.equal(ok, true);
    const block = gate.call();
    core.HEAPF64[(block >> 3) + 1] = NaN; // now: the clock
    core.HEAP32.set([1, 0, 0, 0, handle, -1], (block >> 2) + 4); // decide, nothing, text, 0 B
    assert.equal(gate.run(), 0);
    const [verdict, , , , , , url, urlLength] = core.HEAP32.subarray((block >> 2) + 14);
    assert.equal(core.names().split('|')[0].split(',')[verdict], 'login');
    const text = new TextDecoder().decode(core.HEAPU8.subarray(url, url + urlLength));
    assert.equal(text, 'https://auth.example.com/self-service/login/browser');
  } finally {
    gate.delete();
  }
}

describe('node loader', () => {
  test('compiles the .wasm next to the glue and loads once', async () => {
    const { loadCore } = await freshLoader('node');
    const [a, b] = await Promise.all([loadCore(), loadCore()]);
    assert.equal(a, b);
    assertWorkingCore(a);
  });
});

describe('browser loader', () => {
  const realFetch = globalThis.fetch;
  const realCompileStreaming = WebAssembly.compileStreaming;
  afterEach(() => {
    globalThis.fetch = realFetch;
    WebAssembly.compileStreaming = realCompileStreaming;
  });

  function serve(responses) {
    const requested = [];
    globalThis.fetch = async (url) => {
      requested.push(String(url));
      const next = responses.shift();
      return new Response(next.status === 200 ? wasmBytes : 'not found', {
        status: next.status,
        headers: { 'content-type': next.type },
      });
    };
    let streamed = 0;
    WebAssembly.compileStreaming = (source) => {
      streamed += 1;
      return realCompileStreaming.call(WebAssembly, source);
    };
    return { requested, streamed: () => streamed };
  }

  test('streams the .wasm next to the glue when served as application/wasm', async () => {
    const server = serve([{ status: 200, type: 'application/wasm' }]);
    const { loadCore } = await freshLoader('browser');
    const [a, b] = await Promise.all([loadCore(), loadCore()]);
    assert.equal(a, b);
    assertWorkingCore(a);
    assert.deepEqual(server.requested, [WASM_URL.href]);
    assert.equal(server.streamed(), 1);
  });

  test('compiles the bytes when the server sends another MIME type', async () => {
    const server = serve([{ status: 200, type: 'application/octet-stream' }]);
    const { loadCore } = await freshLoader('browser');
    assertWorkingCore(await loadCore());
    assert.equal(server.streamed(), 0);
  });

  test('a failed fetch rejects, and the next call tries again', async () => {
    const server = serve([
      { status: 404, type: 'text/plain' },
      { status: 200, type: 'application/wasm; charset=binary' },
    ]);
    const { loadCore } = await freshLoader('browser');
    await assert.rejects(loadCore(), /HTTP 404/);
    assertWorkingCore(await loadCore());
    assert.equal(server.requested.length, 2);
  });
});

describe('workerd loader', () => {
  test('instantiates the imported WebAssembly.Module without compiling or fetching', async () => {
    register(new URL('./wasm-as-module-hooks.js', import.meta.url));
    const realCompile = WebAssembly.compile;
    const realFetch = globalThis.fetch;
    const { loadCore } = await freshLoader('workerd');
    let compiled = 0;
    WebAssembly.compile = (...args) => {
      compiled += 1;
      return realCompile.apply(WebAssembly, args);
    };
    globalThis.fetch = () => Promise.reject(new Error('workerd loader must not fetch'));
    try {
      const [a, b] = await Promise.all([loadCore(), loadCore()]);
      assert.equal(a, b);
      assertWorkingCore(a);
      assert.equal(compiled, 0);
    } finally {
      WebAssembly.compile = realCompile;
      globalThis.fetch = realFetch;
    }
  });
});
