// Shared by tests/worker/*.test.js (not a test file itself): examples/worker bundled as wrangler
// would bundle it and run in workerd through miniflare, a tiny origin that echoes what it got,
// and a counting proxy in front of the Kratos emulator.
//
// The example imports 'aalgate/worker' from node_modules, where the staged package holds exactly
// what `npm pack` publishes. esbuild bundles it with wrangler's conditions (workerd, worker,
// browser), so '#load-core' is js/loader/workerd.js, and leaves its `.wasm` import external;
// miniflare loads the .wasm with a CompiledWasm rule, as wrangler uploads it.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { bundleModuleWorker, readWranglerToml as readExampleToml } from '../../examples/demo/bundle.mjs';
import { readBody, serve } from '../../examples/demo/http.mjs';
import { ROOT, stagePackage } from '../support/cases.js';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';

export { ROOT, stagePackage };
export { unusedUrl } from '../../examples/demo/http.mjs';

/** The app's origin in the workerd tests, and the Accept header of a browser's navigation. */
export const APP = 'https://app.example.com';
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

export const EXAMPLE_DIR = join(ROOT, 'examples/worker');

/** The example's source file (wrangler.toml's `main`), as text. */
export const exampleSource = (main) => readFile(join(EXAMPLE_DIR, main), 'utf8');

/** The one ```js sample of examples/worker/README.md. */
export async function readmeSample() {
  const text = await readFile(join(EXAMPLE_DIR, 'README.md'), 'utf8');
  const samples = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (samples.length !== 1) throw new Error(`examples/worker/README.md: expected one js sample, found ${samples.length}`);
  return samples[0];
}

/** examples/worker/wrangler.toml's `name`, `main`, `compatibility_date` and `[vars]`. */
export const readWranglerToml = () => readExampleToml(EXAMPLE_DIR);

/** The path where the bundled worker reports its WebAssembly calls (see WRAPPER). */
export const WASM_CALLS_PATH = '/__test/wasm-calls';

// The bundle's entry: the example as it is, with the WebAssembly counters of
// tests/support/wasm-instrument.js imported first, and one extra path that reports them.
const WRAPPER = `import { calls } from './wasm-instrument.js';
import example from './example.js';

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '${WASM_CALLS_PATH}') return Response.json(calls);
    return example.fetch(request, env, ctx);
  },
};
`;

/**
 * Copies the package into `<tmp>/node_modules/aalgate` as `npm pack` would publish it, once per
 * folder; then bundles a worker's source (`import ... from 'aalgate/worker'`) with it into
 * `<tmp>/dist/<name>/worker.js`, the .wasm beside it.
 * @param {string} tmp
 * @param {string} name a folder name for this worker
 * @param {string} source the worker module's text
 * @returns {Promise<{ scriptPath: string, inputs: string[], wasmFiles: string[] }>}
 */
export async function bundleWorker(tmp, name, source) {
  const app = join(tmp, 'app', name);
  await mkdir(app, { recursive: true });
  await writeFile(join(app, 'example.js'), source);
  for (const file of ['wasm-instrument.js', 'count-wasm-calls.js']) {
    await copyFile(join(ROOT, 'tests/support', file), join(app, file));
  }
  const entry = join(app, 'entry.js');
  await writeFile(entry, WRAPPER);
  const { scriptPath, wasmFiles, inputs } = await bundleModuleWorker({
    entry,
    outDir: join(tmp, 'dist', name),
    absWorkingDir: tmp,
  });
  return { scriptPath, inputs, wasmFiles: wasmFiles.map((file) => relative(tmp, file)) };
}

/**
 * What every workerd test starts with: a temporary folder and the Kratos emulator on loopback.
 * `defer(cleanup)` adds a cleanup; after the test they all run, the last added first (the emulator
 * and the folder last), each awaited, a failing one not stopping the others.
 * @param {import('node:test').TestContext} t
 * @param {string} prefix the folder's name prefix
 * @returns {Promise<{ tmp: { path: string }, kratos: object, defer(cleanup: () => unknown): void }>}
 */
export async function testbed(t, prefix) {
  const cleanups = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // the others still run
      }
    }
  });
  const defer = (cleanup) => cleanups.push(cleanup);
  const tmp = await tempDir(prefix);
  defer(() => tmp.remove());
  const kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0 });
  defer(() => kratos.close());
  return { tmp, kratos, defer };
}

/** A temporary folder, removed by the returned `remove()`. */
export async function tempDir(prefix) {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * The origin behind the worker: answers 200 with JSON `{ method, url, headers, body }` of what it
 * got, and keeps each request in `requests`.
 * @returns {Promise<{ url: string, requests: object[], close(): Promise<void> }>}
 */
export async function startOrigin() {
  const requests = [];
  const { url, close } = await serve(async (request, response) => {
    const seen = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await readBody(request),
    };
    requests.push(seen);
    response.writeHead(200, { 'content-type': 'application/json', 'x-origin': 'echo' });
    response.end(JSON.stringify(seen));
  });
  return { url, requests, close };
}

/**
 * A proxy in front of Kratos that keeps every request it forwards (`requests`: method, url,
 * headers), so tests can count whoami calls and see exactly which headers the worker sent.
 * @param {string} target the Kratos (emulator) URL
 * @returns {Promise<{ url: string, requests: object[], whoamiCalls(): number, close(): Promise<void> }>}
 */
export async function startCountingProxy(target) {
  const requests = [];
  const { url, close } = await serve(async (request, response) => {
    requests.push({ method: request.method, url: request.url, headers: { ...request.headers } });
    const headers = { ...request.headers };
    delete headers.host;
    delete headers.connection;
    try {
      const answer = await fetch(new URL(request.url, target), {
        method: request.method,
        headers,
        redirect: 'manual',
      });
      const body = Buffer.from(await answer.arrayBuffer());
      const outHeaders = {};
      for (const [name, value] of answer.headers) {
        if (name !== 'content-encoding' && name !== 'content-length' && name !== 'transfer-encoding') {
          outHeaders[name] = value;
        }
      }
      response.writeHead(answer.status, outHeaders);
      response.end(body);
    } catch {
      response.destroy(); // the emulator is down: so is the proxy, as far as the worker can tell
    }
  });
  return {
    url,
    requests,
    whoamiCalls: () => requests.filter((r) => r.url.startsWith('/sessions/whoami')).length,
    close,
  };
}


/**
 * Starts workerd with one worker per entry of `workers` (name → { bundle, bindings }), each
 * with its own isolate.
 * @returns {Promise<{ url: URL, fetch(name: string, url: string, init?: object): Promise<Response>, dispose(): Promise<void> }>}
 */
export async function startWorkers(compatibilityDate, workers) {
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    cf: false, // the placeholder Request.cf, not one fetched from the Internet
    workers: Object.entries(workers).map(([name, { bundle, bindings }]) => ({
      name,
      modules: true,
      scriptPath: bundle.scriptPath,
      modulesRoot: dirname(bundle.scriptPath),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate,
      bindings,
    })),
  });
  const entry = await mf.ready;
  return {
    // miniflare's entry socket (as `wrangler dev` serves it): plain HTTP, `MF-Route-Override`
    // picks the worker and `MF-Original-URL` sets request.url.
    url: entry,
    // Through miniflare's entry, as a request from the Internet: `MF-Route-Override` picks the
    // worker, `MF-Sec-Fetch-Mode` carries Sec-Fetch-Mode (Node's fetch would set its own).
    fetch(name, url, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('MF-Route-Override', name);
      const mode = headers.get('sec-fetch-mode');
      if (mode !== null) headers.set('MF-Sec-Fetch-Mode', mode);
      // `manual`: the tests look at the worker's own 303s.
      return mf.dispatchFetch(url, { redirect: 'manual', ...init, headers });
    },
    dispose: () => mf.dispose(),
  };
}
