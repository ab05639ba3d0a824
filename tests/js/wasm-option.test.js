// createGate(config, { wasm }): the core's .wasm given by the caller (for bundlers) as a URL, a
// URL string, a Response, a promise of one, bytes or a compiled WebAssembly.Module. The core loads
// once per process, so each form runs in a process of its own; the refusals (options.wasm, a CSP
// that forbids compiling) leave nothing loaded and run here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WASM_URL = new URL('../../js/core/aalgate-core.wasm', import.meta.url);
const CONFIG = { baseUrl: 'https://auth.example.com' };

// Runs `body` as an ES module in a fresh Node process (the package importable as 'aalgate'); the
// module has WASM_PATH, CONFIG and a `decideOnce(gate)` printing one decision's reason. Its stdout
// lines are returned.
async function inFreshProcess(body) {
  const source = `
import { readFileSync } from 'node:fs';
import * as aalgate from 'aalgate';
import * as worker from 'aalgate/worker';
import * as browser from 'aalgate/browser';
const WASM_PATH = ${JSON.stringify(fileURLToPath(WASM_URL))};
const WASM_URL = ${JSON.stringify(WASM_URL.href)};
const CONFIG = ${JSON.stringify(CONFIG)};
const decideOnce = (gate) => console.log(gate.decide({ status: 403, body: '{"error":{"id":"session_aal2_required","code":403}}' }).reason);
${body}`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT });
  return stdout.split('\n').filter(Boolean);
}

const FORMS = {
  'a file: URL': 'new URL(WASM_URL)',
  'a URL string': 'WASM_URL',
  'a Response of the bytes (application/wasm: compileStreaming)':
    "new Response(readFileSync(WASM_PATH), { headers: { 'content-type': 'application/wasm' } })",
  'a Response served as octet-stream (compiled from its bytes)':
    "new Response(readFileSync(WASM_PATH), { headers: { 'content-type': 'application/octet-stream' } })",
  'a promise of a Response': "Promise.resolve(new Response(readFileSync(WASM_PATH), { headers: { 'content-type': 'application/wasm' } }))",
  'a Uint8Array': 'new Uint8Array(readFileSync(WASM_PATH))',
  'an ArrayBuffer': 'new Uint8Array(readFileSync(WASM_PATH)).buffer',
  'a Node Buffer (a typed array over a larger pool)': 'readFileSync(WASM_PATH)',
  'a compiled WebAssembly.Module': 'new WebAssembly.Module(readFileSync(WASM_PATH))',
};

for (const [name, expression] of Object.entries(FORMS)) {
  test(`wasm as ${name}: the core loads from it`, async () => {
    const lines = await inFreshProcess(`
const gate = await aalgate.createGate(CONFIG, { wasm: ${expression} });
decideOnce(gate);
console.log(typeof gate.decideResponse);
`);
    assert.deepEqual(lines, ['server_requires_aal2', 'function']);
  });
}

test('the wasm given first loads the core; a later wasm is checked but not used', async () => {
  const lines = await inFreshProcess(`
const first = await aalgate.createGate(CONFIG, { wasm: new WebAssembly.Module(readFileSync(WASM_PATH)) });
// A broken module later: not compiled, the core is loaded already.
const later = await aalgate.createGate(CONFIG, { wasm: new Uint8Array([0, 1, 2, 3]) });
decideOnce(later);
// Without wasm: the loaded core too.
decideOnce(await aalgate.createGate(CONFIG));
// A wrong kind is still refused.
await aalgate.createGate(CONFIG, { wasm: 42 }).catch((error) => console.log(error.code));
`);
  assert.deepEqual(lines, ['server_requires_aal2', 'server_requires_aal2', 'options.wasm']);
});

test('a failed load is not kept: the next call tries again with its own wasm', async () => {
  const lines = await inFreshProcess(`
await aalgate.createGate(CONFIG, { wasm: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) }).catch((error) => console.log(error.code));
await aalgate.createGate(CONFIG, { wasm: 'file:///nonexistent/aalgate-core.wasm' }).catch((error) => console.log(error.code));
await aalgate.createGate(CONFIG, { wasm: Promise.resolve('not a response') }).catch((error) => console.log(error.code));
decideOnce(await aalgate.createGate(CONFIG, { wasm: readFileSync(WASM_PATH) }));
`);
  assert.deepEqual(lines, ['core.load', 'core.load', 'options.wasm', 'server_requires_aal2']);
});

test('createWorkerGate and createBrowserGate pass { wasm } on', async () => {
  const lines = await inFreshProcess(`
await worker.createWorkerGate(CONFIG, { wasm: 7 }).catch((error) => console.log('worker', error.code));
await browser.createBrowserGate(CONFIG, { wasm: 7 }).catch((error) => console.log('browser', error.code));
const gate = await worker.createWorkerGate({ ...CONFIG, policy: { rules: [{ path: '/**', aal: 'none' }] } }, { wasm: new WebAssembly.Module(readFileSync(WASM_PATH)) });
console.log(await gate.handle(new Request('https://app.example.com/x')));
const spa = await browser.createBrowserGate(CONFIG, { wasm: new Uint8Array([1]) }); // loaded already: not used
console.log(spa.decide(null).verdict);
`);
  assert.deepEqual(lines, ['worker options.wasm', 'browser options.wasm', 'null', 'login']);
});

test('invalid options and wasm values reject with options / options.<key> / options.wasm, before loading', async () => {
  const { createGate, AalgateError } = await import('aalgate');
  const bad = [
    ['options', 'wasm'],
    ['options', []],
    ['options.wasmUrl', { wasmUrl: 'x' }],
    ['options.wasm', { wasm: 42 }],
    ['options.wasm', { wasm: true }],
    ['options.wasm', { wasm: {} }],
    ['options.wasm', { wasm: 'not a url' }],
    ['options.wasm', { wasm: '/relative/outside/a/page.wasm' }],
    ['options.wasm', { wasm: [0, 97, 115, 109] }],
    ['options.wasm', { wasm: () => WASM_URL }],
  ];
  for (const [code, options] of bad) {
    await assert.rejects(createGate(CONFIG, options), (error) => {
      assert.ok(error instanceof AalgateError, `${code}: ${error}`);
      assert.equal(error.code, code, JSON.stringify(options));
      return true;
    });
  }
  // Options are checked before the core loads, so before the core checks the configuration.
  await assert.rejects(createGate({ baseUrl: 'ftp://x' }, { wasm: 42 }), { code: 'options.wasm' });
});

// What browsers and workerd throw when a page's CSP (or the runtime) refuses to compile Wasm.
const REFUSALS = {
  Chromium: new WebAssembly.CompileError(
    "WebAssembly.compile(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script in the following Content Security Policy directive: \"script-src 'self'\"",
  ),
  Safari: new EvalError(
    "Refused to create a WebAssembly object because 'unsafe-eval' or 'wasm-unsafe-eval' is not an allowed source of script in the following Content Security Policy directive: \"script-src 'self'\"",
  ),
  Firefox: new WebAssembly.CompileError('call to WebAssembly.compile() blocked by CSP'),
  workerd: new WebAssembly.CompileError('WebAssembly.compile(): Wasm code generation disallowed by embedder'),
};

test("a refused compilation: core.load says the page needs 'wasm-unsafe-eval'", async (t) => {
  const { createGate } = await import('aalgate');
  const realCompile = WebAssembly.compile;
  t.after(() => {
    WebAssembly.compile = realCompile;
  });
  const bytes = readFileSync(WASM_URL);
  for (const [runtime, refusal] of Object.entries(REFUSALS)) {
    WebAssembly.compile = async () => {
      throw refusal;
    };
    await assert.rejects(createGate(CONFIG, { wasm: bytes }), (error) => {
      assert.equal(error.code, 'core.load', runtime);
      assert.equal(error.cause, refusal, runtime);
      assert.ok(error.message.includes(refusal.message), runtime);
      assert.match(error.message, /Content-Security-Policy needs 'wasm-unsafe-eval' in script-src/, runtime);
      return true;
    });
  }
  // Any other failure is not blamed on a CSP.
  WebAssembly.compile = async () => {
    throw new WebAssembly.CompileError('WebAssembly.compile(): expected magic word 00 61 73 6d');
  };
  await assert.rejects(createGate(CONFIG, { wasm: bytes }), (error) => {
    assert.equal(error.code, 'core.load');
    assert.doesNotMatch(error.message, /wasm-unsafe-eval/);
    return true;
  });
});
