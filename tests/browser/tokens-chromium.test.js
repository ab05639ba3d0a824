// aalgate/browser's `tokenizeAs` in Debian's Chromium, driven by playwright-core (issue 14): the
// page imports the package as published (npm pack's files, jose beside it as npm installs it)
// through an import map, and the Kratos emulator on another port (CORS with credentials) mints
// the session's JWT at whoami?tokenize_as= with aalgate.jsonnet run by Debian's jsonnet. The test
// sees every request the page makes: the token is fetched with tokenize_as, kept in memory only
// (every storage the page has is empty, and no cookie holds it), renewed before its exp (a 4 s
// template on the emulator's clock), and attached to allowed origins only, never to another
// origin, not even through a redirect. Nothing is mocked: every server is a real HTTP server.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { test } from 'node:test';

import { serve } from '../../examples/demo/http.mjs';
import { MAPPER_URL } from '../../tools/kratos-emulator/tokenize.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { stagePackage } from '../support/cases.js';
import { launchChromium, needChromium } from '../support/chromium.js';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
const TTL_S = 4;

const page = (kratosUrl, issuer, apiOrigin) => `<!doctype html><html><head><meta charset="utf-8"><title>tokens</title>
<script type="importmap">${JSON.stringify({
  imports: {
    aalgate: '/node_modules/aalgate/js/index.js',
    'aalgate/browser': '/node_modules/aalgate/js/browser.js',
    jose: '/node_modules/jose/dist/webapi/index.js',
  },
  scopes: { '/node_modules/aalgate/': { '#load-core': '/node_modules/aalgate/js/loader/browser.js' } },
})}</script>
<script type="module">
import { createBrowserGate } from 'aalgate/browser';
const tokens = { jwks: '${kratosUrl}/__emulator/jwks', issuer: '${issuer}' };
window.gates = {
  own: await createBrowserGate({ baseUrl: '${kratosUrl}', tokenizeAs: 'short', tokens }),
  listed: await createBrowserGate({ baseUrl: '${kratosUrl}', tokenizeAs: 'short', tokens: { ...tokens, origins: ['${apiOrigin}'] } }),
};
document.body.dataset.ready = 'true';
</script></head><body><p>tokens</p></body></html>`;

test('aalgate/browser tokenizeAs in Chromium: fetched with tokenize_as, in memory only, renewed before exp, allowed origins only', { timeout: 120_000 }, async (t) => {
  if (!needChromium(t)) return;
  const tmp = await mkdtemp(join(tmpdir(), 'aalgate-browser-tokens-'));
  const closing = [];
  let browser;
  try {
    await stagePackage(tmp);
    const root = await realpath(tmp);

    // The page's origin: the page, the staged node_modules, and its API (records Authorization).
    const seen = [];
    let pageHtml = '';
    const record = (server) => (req) => seen.push({ server, method: req.method, path: req.url, authorization: req.headers.authorization ?? null });
    const pageServer = await serve(async (req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml);
      if (path.startsWith('/api/')) {
        record('page')(req);
        if (path === '/api/redirect') return res.writeHead(307, { location: `${other.url}/landed` }).end();
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
      if (path.startsWith('/node_modules/')) {
        // Symlinks (jose) followed, but nothing outside node_modules of the staged copy.
        const file = normalize(join(root, decodeURIComponent(path)));
        if (!file.startsWith(join(root, 'node_modules') + sep)) return res.writeHead(403).end();
        const info = await stat(file).catch(() => null);
        if (info?.isFile()) {
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
          return createReadStream(file).pipe(res);
        }
      }
      return res.writeHead(404).end();
    });
    closing.push(() => pageServer.close());
    // Two more origins (other ports): `other`, never allowed; `listed`, allowed by tokens.origins.
    // Both answer CORS, Authorization allowed, so that only the gate decides what is sent.
    const corsServer = (name) =>
      serve((req, res) => {
        const cors = {
          'access-control-allow-origin': new URL(pageServer.url).origin,
          'access-control-allow-headers': 'authorization',
          'access-control-allow-methods': 'GET, POST',
        };
        if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
        record(name)(req);
        return res.writeHead(200, { 'content-type': 'application/json', ...cors }).end('{"ok":true}');
      });
    const other = await corsServer('other');
    closing.push(() => other.close());
    const listed = await corsServer('listed');
    closing.push(() => listed.close());

    const pageOrigin = new URL(pageServer.url).origin;
    const kratos = await startKratosEmulator({
      host: '127.0.0.1',
      port: 0,
      requiredAal: 'aal1',
      corsOrigins: [pageOrigin],
      tokenizeTemplates: { short: { ttl: `${TTL_S}s`, claims_mapper_url: MAPPER_URL, alg: 'ES256' } },
    });
    closing.push(() => kratos.close());
    const kratosUrl = kratos.url.replace(/\/+$/, '');
    pageHtml = page(kratosUrl, kratos.issuer, new URL(listed.url).origin);
    const cookie = await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];

    browser = await launchChromium();
    const context = await browser.newContext();
    await context.addCookies([{ name, value, url: kratosUrl }]);
    const tab = await context.newPage();
    const problems = [];
    tab.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
    const kratosRequests = [];
    tab.on('request', (request) => {
      if (request.url().startsWith(kratosUrl)) kratosRequests.push(request.url().slice(kratosUrl.length));
    });

    await tab.goto(pageServer.url);
    await tab.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    const inPage = (fn, arg) => tab.evaluate(fn, arg);
    const fetchIn = (gate, url) => inPage(async ([g, u]) => (await window.gates[g].fetch(u)).status, [gate, url]);
    const tokenOf = (gate) => inPage(async (g) => {
      const token = await window.gates[g].token();
      return token && { jwt: token.jwt, expiresAt: token.expiresAt, claims: token.verified.claims, decided: window.gates[g].decide(token.verified, { aal: 'aal2', maxAge: '5m' }).verdict };
    }, gate);

    await t.test('fetched with tokenize_as (the cookie included), attached to the page origin only', async () => {
      assert.equal(await fetchIn('own', '/api/orders'), 200);
      assert.deepEqual(kratosRequests.filter((u) => u.startsWith('/sessions/whoami')), ['/sessions/whoami?tokenize_as=short']);
      assert.equal(kratos.counters.tokenized, 1);
      const token = await tokenOf('own');
      assert.equal(token.claims.iss, kratos.issuer);
      assert.equal(token.claims.acr, 'aal2');
      assert.deepEqual(token.claims.aal2_amr, ['totp']);
      assert.equal(token.decided, 'allow', 'decided in the page from the verified claims');
      assert.deepEqual(seen.filter((s) => s.server === 'page').map((s) => [s.path, s.authorization]), [['/api/orders', `Bearer ${token.jwt}`]]);
      // Never to another origin, nor to Kratos.
      assert.equal(await fetchIn('own', `${other.url}/collect`), 200);
      assert.equal(await fetchIn('own', `${listed.url}/api`), 200);
      assert.deepEqual(seen.filter((s) => s.server !== 'page').map((s) => s.authorization), [null, null]);
      await inPage(async (u) => (await window.gates.own.fetch(u, { credentials: 'include' })).status, `${kratosUrl}/sessions/whoami`);
      assert.equal(kratos.counters.tokenized, 1, 'still one tokenize call: the token is held');
    });

    await t.test('tokens.origins: the listed origin gets it, the page origin does not', async () => {
      const before = seen.length;
      assert.equal(await fetchIn('listed', `${listed.url}/api/pay`), 200);
      assert.equal(await fetchIn('listed', '/api/own'), 200);
      const token = await tokenOf('listed');
      assert.deepEqual(seen.slice(before).map((s) => [s.server, s.authorization]), [['listed', `Bearer ${token.jwt}`], ['page', null]]);
    });

    await t.test('a redirect from the allowed origin to another: Chromium drops the Authorization header', async () => {
      const before = seen.length;
      assert.equal(await fetchIn('own', '/api/redirect'), 200);
      const [redirect, landed] = seen.slice(before);
      assert.match(redirect.authorization, /^Bearer ey/);
      assert.deepEqual([landed.server, landed.path, landed.authorization], ['other', '/landed', null]);
    });

    await t.test('kept in memory only: no storage, no cookie holds it', async () => {
      const { jwt } = await tokenOf('own');
      const storage = await inPage(async () => ({
        local: localStorage.length,
        session: sessionStorage.length,
        cookie: document.cookie,
        databases: (await indexedDB.databases()).length,
        caches: (await caches.keys()).length,
      }));
      assert.deepEqual(storage, { local: 0, session: 0, cookie: storage.cookie, databases: 0, caches: 0 });
      assert.ok(!storage.cookie.includes(jwt.split('.')[2]), 'not in document.cookie');
      const cookies = await context.cookies();
      assert.ok(cookies.every((c) => !c.value.includes(jwt.split('.')[2])), 'no cookie of any origin');
      const state = JSON.stringify(await context.storageState());
      assert.ok(!state.includes(jwt.split('.')[1]), 'nothing the browser keeps holds it');
    });

    await t.test(`renewed before exp (${TTL_S} s tokens: margin ${TTL_S / 2} s), never sent expired`, async () => {
      const first = await tokenOf('own');
      const tokenized = kratos.counters.tokenized;
      // Past exp − margin on this machine's clock, before exp.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, first.expiresAt - (TTL_S / 2) * 1000 - Date.now()) + 200));
      const before = seen.length;
      assert.equal(await fetchIn('own', '/api/later'), 200);
      const sentAt = Date.now();
      assert.ok(sentAt < first.expiresAt, `sent ${first.expiresAt - sentAt} ms before the first token's exp`);
      assert.equal(kratos.counters.tokenized, tokenized + 1, 'one renewal');
      const second = await tokenOf('own');
      assert.notEqual(second.jwt, first.jwt);
      assert.ok(second.claims.exp > first.claims.exp);
      assert.deepEqual(seen.slice(before).map((s) => s.authorization), [`Bearer ${second.jwt}`]);
      assert.deepEqual(kratosRequests.filter((u) => u.startsWith('/sessions/whoami?')).at(-1), '/sessions/whoami?tokenize_as=short');
    });

    await t.test('the emulator clock moved past exp with the page asleep: a new token, not the expired one', async () => {
      const held = await tokenOf('own');
      // Kratos's clock jumps a minute: the held token is expired on Kratos's clock, and its Date
      // header tells the page at the next tokenize call. On the page's clock it is renewed at
      // exp − margin, which has passed once real time catches up with it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, held.expiresAt - Date.now()) + 100));
      kratos.clock.advance(60_000);
      const before = seen.length;
      assert.equal(await fetchIn('own', '/api/after-sleep'), 200);
      const fresh = await tokenOf('own');
      assert.notEqual(fresh.jwt, held.jwt);
      assert.ok(fresh.claims.iat * 1000 >= kratos.clock.now() - 5_000, 'minted on the emulator clock');
      assert.deepEqual(seen.slice(before).map((s) => s.authorization), [`Bearer ${fresh.jwt}`]);
    });

    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await browser?.close().catch(() => {});
    for (const close of closing.reverse()) await close().catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  }
});
