// End-to-end: aalgate in a real browser (Debian's Chromium, driven by playwright-core).
//
// How the page loads the package: as a no-build browser app does, with an import map. The
// package (exactly the files `npm pack` publishes) is served under ./node_modules/aalgate/ and
// the page's import map says
//   "imports": { "aalgate": "./node_modules/aalgate/js/index.js" }
//   "scopes":  { "./node_modules/aalgate/": { "#load-core": "./node_modules/aalgate/js/loader/browser.js" } }
// i.e. the package's `exports` entry and its `imports` map under the `browser` condition, as an
// import-map generator (JSPM) writes them: '#load-core' is a bare specifier to the browser, so an
// import map can resolve it and no bundler is involved. The browser itself fetches the modules,
// runs the Emscripten glue and fetches/compiles the .wasm (new URL(..., import.meta.url)).
//
// Nothing of the runtime is mocked: WebAssembly.compile/compileStreaming/instantiate are only
// wrapped to count calls and then do the real work.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { test } from 'node:test';

import { serve } from '../../examples/demo/http.mjs';
import { BAD_CONFIG, CONFIG, casesWithNodeAnswers, ROOT, stagePackage } from '../support/cases.js';
import { launchChromium, needChromium } from '../support/chromium.js';
import { countWasmCalls } from '../support/count-wasm-calls.js';

const NONCE = 'aalgate-e2e-nonce';

// How each page prefix serves the .wasm, and whether its page carries a strict CSP.
const MODES = {
  wasm: { wasmType: 'application/wasm', csp: false },
  octet: { wasmType: 'application/octet-stream', csp: false },
  csp: { wasmType: 'application/wasm', csp: true },
  // A strict CSP without 'wasm-unsafe-eval': Chromium refuses to compile the core.
  nowasm: { wasmType: 'application/wasm', csp: true, wasmEval: false },
};

const IMPORT_MAP = JSON.stringify({
  imports: { aalgate: './node_modules/aalgate/js/index.js' },
  scopes: {
    './node_modules/aalgate/': { '#load-core': './node_modules/aalgate/js/loader/browser.js' },
  },
});

const pageHtml = (csp) => `<!doctype html>
<html><head><meta charset="utf-8"><title>aalgate e2e</title>
<script type="importmap"${csp ? ` nonce="${NONCE}"` : ''}>${IMPORT_MAP}</script>
<script type="module" src="./app.js"></script>
</head><body></body></html>`;

// No 'unsafe-eval': eval and new Function throw; Wasm compilation needs only 'wasm-unsafe-eval'.
const STRICT_CSP = `default-src 'none'; script-src 'self' 'nonce-${NONCE}' 'wasm-unsafe-eval'; connect-src 'self'`;
const NO_WASM_CSP = STRICT_CSP.replace(" 'wasm-unsafe-eval'", '');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Serves /<mode>/ (page), /<mode>/app.js, /<mode>/run-cases.js, /<mode>/node_modules/aalgate/*. */
async function startServer(packageDir) {
  const requests = [];
  const files = {
    'app.js': join(ROOT, 'tests/e2e/page/app.js'),
    'run-cases.js': join(ROOT, 'tests/support/run-cases.js'),
  };
  const { url, close } = await serve(async (req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    const record = { path, status: 404, type: null };
    requests.push(record);
    const send = (status, type, body, headers = {}) => {
      record.status = status;
      record.type = type;
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    try {
      const [, modeName, rest = ''] = /^\/([a-z]+)\/(.*)$/.exec(path) ?? [];
      const mode = MODES[modeName];
      if (path === '/favicon.ico') return send(204, 'image/x-icon', '');
      if (mode === undefined || req.method !== 'GET') return send(404, 'text/plain', 'not found');
      if (rest === '' || rest === 'index.html') {
        const csp = mode.wasmEval === false ? NO_WASM_CSP : STRICT_CSP;
        return send(200, MIME['.html'], pageHtml(mode.csp), mode.csp ? { 'content-security-policy': csp } : {});
      }
      let file = files[rest];
      if (file === undefined && rest.startsWith('node_modules/aalgate/')) {
        const relative = normalize(decodeURIComponent(rest.slice('node_modules/aalgate/'.length)));
        if (!relative.startsWith('..') && !relative.startsWith(sep)) file = join(packageDir, relative);
      }
      if (file === undefined || !existsSync(file)) return send(404, 'text/plain', 'not found');
      const ext = extname(file);
      const type = ext === '.wasm' ? mode.wasmType : MIME[ext] ?? 'application/octet-stream';
      return send(200, type, await readFile(file));
    } catch (error) {
      return send(500, 'text/plain', String(error));
    }
  });
  return { origin: url, requests, close };
}

// Runs before any page script: counts WebAssembly compile/instantiate calls with the worker
// tests' own counter (then does the real work) and records CSP violations.
const PAGE_INSTRUMENTATION = `
  window.__e2e = {
    calls: { compileStreaming: 0, compileBytes: 0, instantiateStreaming: 0, instantiateBytes: 0, instantiateModule: 0 },
    violations: [],
  };
  (${countWasmCalls})(WebAssembly, window.__e2e.calls);
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__e2e.violations.push(\`\${event.violatedDirective} \${event.blockedURI} \${event.sourceFile}:\${event.lineNumber}\`);
  });
`;

/** Opens /<mode>/ in a fresh context (empty cache) and waits for the app module. */
async function openPage(browser, origin, mode) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
  await page.addInitScript({ content: PAGE_INSTRUMENTATION });
  await page.goto(`${origin}/${mode}/`, { waitUntil: 'load' });
  try {
    await page.waitForFunction(() => window.e2e !== undefined, null, { timeout: 15_000 });
  } catch (error) {
    throw new Error(`the page's app module did not load: ${error.message}\n${problems.join('\n')}`);
  }
  return { context, page, problems };
}

const wasmRequests = (server, mode) =>
  server.requests.filter((r) => r.path === `/${mode}/node_modules/aalgate/js/core/aalgate-core.wasm`);

test('aalgate in Chromium through an import map (browser condition)', { timeout: 120_000 }, async (t) => {
  if (!needChromium(t)) return;
  const { cases, node } = await casesWithNodeAnswers();

  const tmp = await mkdtemp(join(tmpdir(), 'aalgate-e2e-browser-'));
  let server;
  let browser;
  const timings = {};
  try {
    const { packageDir } = await stagePackage(tmp);
    server = await startServer(packageDir);
    browser = await launchChromium();
    t.diagnostic(`Chromium ${browser.version()}, serving ${server.origin}`);

    // Opens /<mode>/, decides the cases there, runs `check` on what the page did, then checks
    // what every mode must give: Node's decisions, the .wasm fetched once with the mode's type,
    // no console or page errors. The page's context is closed whatever happens.
    async function decideInPage(mode, check) {
      const { context, page, problems } = await openPage(browser, server.origin, mode);
      try {
        let run;
        try {
          timings[mode] = await page.evaluate((config) => window.e2e.timeCreateGate(config), CONFIG);
          const results = await page.evaluate(([config, input]) => window.e2e.run(config, input), [CONFIG, cases]);
          const badConfig = await page.evaluate((config) => window.e2e.tryConfig(config), BAD_CONFIG);
          const { calls, violations } = await page.evaluate(() => window.__e2e);
          run = { page, problems, results, badConfig, calls, violations };
        } catch (error) {
          throw new Error(`${error.message}\n${problems.join('\n')}`);
        }
        await check(run);
        assert.deepEqual(run.problems, [], 'no console errors or page errors');
        assert.deepStrictEqual(run.results, node.results);
        assert.deepStrictEqual(run.badConfig, node.badConfig);
        const { wasmType } = MODES[mode];
        assert.deepEqual(
          wasmRequests(server, mode).map((r) => [r.status, r.type]),
          [[200, wasmType]],
          `the page fetches the .wasm once, served as ${wasmType}`,
        );
        assert.equal(run.calls.instantiateModule, 1, 'instantiated once from the compiled module');
      } finally {
        await context.close();
      }
    }

    await t.test('served as application/wasm: compileStreaming, same decisions as Node', () =>
      decideInPage('wasm', ({ calls }) => {
        assert.equal(calls.compileStreaming, 1, 'compiled with WebAssembly.compileStreaming');
        assert.equal(calls.compileBytes, 0, 'no WebAssembly.compile(bytes)');
        assert.equal(calls.instantiateBytes + calls.instantiateStreaming, 0, 'no second compilation through instantiate');
      }));

    await t.test('served as application/octet-stream: compiles the bytes, same decisions', () =>
      decideInPage('octet', ({ calls }) => {
        assert.equal(calls.compileBytes, 1, 'fell back to WebAssembly.compile(bytes)');
        // A compileStreaming attempt on a non-wasm response would reject (and log a TypeError).
        assert.equal(calls.compileStreaming, 0, 'no compileStreaming on a non-application/wasm response');
      }));

    await t.test("under a CSP without 'unsafe-eval': no eval or new Function", () =>
      decideInPage('csp', async ({ page, violations, calls }) => {
        // Loading, createGate and every decision ran under the CSP without a violation: the
        // package (and its Emscripten glue) used no eval and no new Function.
        assert.deepEqual(violations, [], 'no CSP violations while loading and deciding');
        assert.equal(calls.compileStreaming, 1);
        // The control: this page really refuses code generation from strings, in the same kind
        // of task the package ran in.
        const control = await page.evaluate(() => window.e2e.probeCodeGeneration());
        assert.equal(control, 'EvalError', "the page's CSP must forbid new Function");
      }));

    await t.test("a CSP without 'wasm-unsafe-eval': createGate rejects with core.load saying so", async () => {
      const { context, page } = await openPage(browser, server.origin, 'nowasm');
      try {
        const error = await page.evaluate((config) => window.e2e.tryCreateGate(config), CONFIG);
        assert.equal(error.name, 'AalgateError', JSON.stringify(error));
        assert.equal(error.code, 'core.load');
        assert.match(error.message, /Content-Security-Policy needs 'wasm-unsafe-eval' in script-src/);
        const { violations } = await page.evaluate(() => window.__e2e);
        assert.ok(violations.some((v) => v.startsWith('script-src')), violations.join('\n'));
      } finally {
        await context.close();
      }
    });

    const unexpected = server.requests.filter((r) => r.status !== 200 && r.path !== '/favicon.ico');
    assert.deepEqual(unexpected, [], 'every request the pages made was served');
  } finally {
    await browser?.close().catch(() => {});
    await server?.close();
    await rm(tmp, { recursive: true, force: true });
    for (const [mode, timing] of Object.entries(timings)) {
      const ms = (x) => `${x.toFixed(1)} ms`;
      const line = `timing (${mode}): app module graph ready ${ms(timing.moduleGraphMs)} after navigation start; first createGate (fetch + compile + instantiate + configure) ${ms(timing.firstCreateGateMs)}; second createGate ${ms(timing.secondCreateGateMs)}`;
      t.diagnostic(line);
    }
  }
});
