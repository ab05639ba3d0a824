// aalgate/standalone from a CDN, in Debian's Chromium driven by playwright-core: a plain static
// server (no import map, no bundler, no rewriting) serves the package as npm pack publishes it
// under /npm/aalgate@<version>/, as jsDelivr does, on another origin than the page. The page has no
// import map; it runs `await import('<cdn>/npm/aalgate@<version>/js/standalone/aalgate.mjs')` as a
// devtools console would, then createGate + decide, a wildcard configuration (the Public Suffix
// List table, imported relative to the module) and inspect() against the Kratos emulator with the
// browser's session cookie (console.table). Cross-origin module scripts and fetches are CORS
// requests: without `Access-Control-Allow-Origin` on the module the import fails, and without it
// on the .wasm the core does not load; both are checked, so the header is shown to be needed.
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { test } from 'node:test';

import { serve } from '../../examples/demo/http.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { stagePackage } from '../support/cases.js';
import { launchChromium, needChromium } from '../support/chromium.js';

import { ADA } from './helpers.js';

const TYPES = { '.mjs': 'text/javascript; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };
const STANDALONE = 'js/standalone/aalgate.mjs';
// What the module loads besides itself, each once: the glue, the .wasm and (for a wildcard) the
// Public Suffix List table.
const LOADED = [STANDALONE, 'js/core/aalgate-core.mjs', 'js/core/aalgate-core.wasm', 'js/core/aalgate-public-suffix.js'];
// The emulator's configuration mirrored: whoami aal1 (Lax), settings highest_available.
const MIRROR = {
  session: { whoami: { required_aal: 'aal1' } },
  selfservice: { flows: { settings: { required_aal: 'highest_available' } } },
};
const WHOAMI_403 = '{"error":{"id":"session_aal2_required","code":403}}';

/**
 * A CDN-like static server: the files of `packageDir` under `/npm/aalgate@<version>/`, with
 * `Access-Control-Allow-Origin: *` on the files `cors(path)` allows. Records every request.
 */
async function startCdn(packageDir, version) {
  const prefix = `/npm/aalgate@${version}/`;
  const cdn = { requests: [], cors: () => true };
  const server = await serve(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const record = { path: path.startsWith(prefix) ? path.slice(prefix.length) : path, origin: req.headers.origin ?? null, status: 404 };
    cdn.requests.push(record);
    const relative = normalize(decodeURIComponent(record.path));
    const headers = { 'cache-control': 'no-store' };
    if (cdn.cors(record.path)) headers['access-control-allow-origin'] = '*';
    let body = null;
    if (path.startsWith(prefix) && !relative.split(sep).includes('..')) body = await readFile(join(packageDir, relative)).catch(() => null);
    if (body === null) return res.writeHead(404, headers).end();
    record.status = 200;
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(relative)] ?? 'application/octet-stream' });
    res.end(body);
  });
  return Object.assign(cdn, { url: `${server.url}${prefix}`, close: server.close });
}

test('aalgate/standalone imported from another origin, as from a CDN, with no import map: decide, the Public Suffix List and inspect()', { timeout: 120_000 }, async (t) => {
  if (!needChromium(t)) return;
  const tmp = await mkdtemp(join(tmpdir(), 'aalgate-browser-standalone-'));
  let cdn;
  let site;
  let kratos;
  let browser;
  try {
    const { packageDir, files } = await stagePackage(tmp);
    for (const file of LOADED) assert.ok(files.includes(file), `${file} is published (built by 'npm run build')`);
    const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
    cdn = await startCdn(packageDir, version);
    const moduleUrl = `${cdn.url}${STANDALONE}`;
    // The page: its own origin on loopback (as the SPA server's page in devtools.test.js: a page
    // Playwright fulfilled itself would have no address space for Chromium's local network
    // access check), plain HTML with no import map and no script.
    site = await serve((req, res) => {
      if (new URL(req.url, 'http://x').pathname !== '/') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><meta charset="utf-8"><title>console</title></head><body><p>any page</p></body></html>');
    });
    const pageOrigin = site.url;
    assert.notEqual(new URL(moduleUrl).origin, pageOrigin, 'the module is cross-origin to the page');
    kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'aal1', corsOrigins: [pageOrigin] });
    const kratosUrl = kratos.url.replace(/\/+$/, '');
    const cookie = await kratos.createSession({ email: ADA, methods: ['password'] });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];

    browser = await launchChromium();
    /** A fresh context and page on the page origin; `run` gets the page and its console messages. */
    const onPage = async (run) => {
      const context = await browser.newContext();
      try {
        await context.addCookies([{ name, value, url: kratosUrl }]);
        const page = await context.newPage();
        const messages = [];
        const problems = [];
        page.on('console', (message) => messages.push({ type: message.type(), text: message.text() }));
        page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
        await page.goto(`${pageOrigin}/`);
        assert.equal(await page.evaluate(() => document.querySelector('script[type="importmap"]')), null, 'no import map');
        return await run(page, messages, problems);
      } finally {
        await context.close();
      }
    };

    // Without Access-Control-Allow-Origin the cross-origin import is refused.
    cdn.cors = () => false;
    const refused = await onPage((page) =>
      page.evaluate((url) => import(url).then(() => 'imported', (error) => `${error.name}: ${error.message}`), moduleUrl),
    );
    assert.match(refused, /^TypeError: .*dynamically imported module/, refused);
    assert.deepEqual(
      cdn.requests.map((r) => [r.path, r.origin, r.status]),
      [[STANDALONE, pageOrigin, 200]],
      'Chromium fetched the module in CORS mode (Origin sent) and refused the answer',
    );

    // With it on the modules but not on the .wasm, the module loads but the core does not.
    cdn.requests.length = 0;
    cdn.cors = (path) => !path.endsWith('.wasm');
    const noWasm = await onPage((page) =>
      page.evaluate(async (url) => {
        const { createGate } = await import(url);
        return createGate({ baseUrl: 'https://auth.example.com' }).then(
          () => 'loaded',
          (error) => ({ code: error.code, message: error.message }),
        );
      }, moduleUrl),
    );
    assert.equal(noWasm.code, 'core.load', JSON.stringify(noWasm));
    assert.deepEqual(cdn.requests.map((r) => r.path), LOADED.slice(0, 3));

    // With Access-Control-Allow-Origin: * on every file (what jsDelivr and unpkg send).
    cdn.requests.length = 0;
    cdn.cors = () => true;
    const { result, messages, problems } = await onPage(async (page, pageMessages, pageProblems) => {
      const evaluated = await page.evaluate(
        async ({ url, baseUrl, mirror, whoami403 }) => {
          const aalgate = await import(url);
          const gate = await aalgate.createGate({ baseUrl: 'https://auth.example.com' });
          const d = gate.decide({ status: 403, body: whoami403 }, { aal: 'aal2', returnTo: 'https://app.example.com/billing' });
          const wild = await aalgate.createGate({ baseUrl: 'https://auth.example.com', allowedReturnUrls: ['https://*.example.com/'] });
          const suffix = await aalgate
            .createGate({ baseUrl: 'https://auth.example.com', allowedReturnUrls: ['https://*.vercel.app/'] })
            .then(() => 'accepted', (error) => error.code);
          const inspected = await aalgate.inspect(baseUrl, { config: { kratos: mirror } });
          return {
            exports: Object.keys(aalgate).sort(),
            decision: { verdict: d.verdict, reason: d.reason, url: d.url },
            wildcard: [
              wild.decide(null, { returnTo: 'https://a.example.com/x' }).warnings,
              wild.decide(null, { returnTo: 'https://evil.example.net/x' }).warnings,
            ],
            suffix,
            inspected,
          };
        },
        { url: moduleUrl, baseUrl: kratosUrl, mirror: MIRROR, whoami403: WHOAMI_403 },
      );
      return { result: evaluated, messages: pageMessages, problems: pageProblems };
    });

    assert.deepEqual(result.exports, ['AalgateError', 'Gate', 'REQUIREMENTS', 'createBrowserGate', 'createGate', 'formatDuration', 'inspect']);
    assert.deepEqual(result.decision, {
      verdict: 'step_up',
      reason: 'server_requires_aal2',
      url: 'https://auth.example.com/self-service/login/browser?aal=aal2&return_to=https%3A%2F%2Fapp.example.com%2Fbilling',
    });
    assert.deepEqual(result.wildcard, [[], ['return_to_dropped']]);
    assert.equal(result.suffix, 'config.allowedReturnUrls[0]');
    // inspect(): whoami with the browser's aal1 cookie, the core's four decisions, two tables.
    const { session, decisions } = result.inspected;
    assert.equal(session.status, 200, JSON.stringify({ session, messages }));
    assert.equal(session.level, 'aal1');
    assert.deepEqual(session.methods.map((m) => [m.method, m.aal]), [['password', 'aal1']]);
    assert.deepEqual(
      decisions.map((d) => [d.requirement, d.verdict, d.reason]),
      [
        ['aal: aal1', 'allow', 'satisfied'],
        ['aal: aal2', 'step_up', 'aal2_required'],
        ['aal: aal2, maxAge: 5m', 'step_up', 'aal2_required'],
        ['operation: settings', 'allow', 'satisfied'],
      ],
    );
    for (const d of decisions.slice(1, 3)) assert.ok(d.url.startsWith(`${kratosUrl}/self-service/login/browser?aal=aal2`), d.url);
    assert.equal(messages.filter((m) => m.type === 'table').length, 2, JSON.stringify(messages));
    assert.deepEqual(problems, []);
    // The CDN served the module, the glue, the .wasm and the table, once each, all asked
    // cross-origin from the page, and nothing it did not have.
    assert.deepEqual(
      cdn.requests.map((r) => [r.path, r.origin, r.status]),
      LOADED.map((path) => [path, pageOrigin, 200]),
    );
  } finally {
    await browser?.close().catch(() => {});
    await site?.close();
    await cdn?.close();
    await kratos?.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
