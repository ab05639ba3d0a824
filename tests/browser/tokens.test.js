// aalgate/browser's `tokenizeAs` in Node (issue 14): the session JWT is fetched from
// whoami?tokenize_as=<template> with the page's cookies, verified, held in memory, renewed before
// its `exp` and attached by gate.fetch to the allowed origins only. "Kratos" here is a real HTTP
// server that signs tokens with a test key as Kratos's tokenizer does (fixed claims plus
// aalgate.jsonnet's), on a clock the test sets; the APIs are real servers that record the
// Authorization header they got. The Chromium suite (tokens-chromium.test.js) runs the same
// against the Kratos emulator.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { createBrowserGate } from 'aalgate/browser';

import { serve } from '../../examples/demo/http.mjs';
import { browserEnv } from './helpers.js';

const TEMPLATE = 'aalgate';
let kratosKey;
let otherKey;
let jwks;
before(async () => {
  kratosKey = await generateKeyPair('ES256', { extractable: true });
  otherKey = await generateKeyPair('ES256', { extractable: true });
  jwks = { keys: [{ ...(await exportJWK(kratosKey.publicKey)), kid: 'kratos-1', alg: 'ES256', use: 'sig' }] };
});

/**
 * A stand-in for Kratos's public API: GET /sessions/whoami answers the session (200) to the
 * cookie `session=ok`, else 401; with `?tokenize_as=aalgate` the body has `tokenized`, a JWT
 * signed as `options.key` says, valid `ttl` seconds from `clock()` (its Date header is on that
 * clock too). Records each request (path, query, cookie).
 */
async function kratosStandIn(t, { ttl = 60, clock = Date.now, key = () => kratosKey } = {}) {
  const requests = [];
  const server = await serve(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    requests.push({ path: url.pathname, tokenizeAs: url.searchParams.get('tokenize_as'), cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null });
    const date = new Date(clock()).toUTCString();
    if (url.pathname !== '/sessions/whoami') return res.writeHead(404, { date }).end();
    if (req.headers.cookie !== 'session=ok') {
      res.writeHead(401, { 'content-type': 'application/json', date });
      return res.end('{"error":{"id":"session_inactive","code":401,"status":"Unauthorized"}}');
    }
    const now = Math.floor(clock() / 1000);
    const session = {
      id: 'session-1', active: true, authenticator_assurance_level: 'aal2',
      expires_at: new Date((now + 86400) * 1000).toISOString(),
      authenticated_at: new Date((now - 30) * 1000).toISOString(),
      authentication_methods: [
        { method: 'password', aal: 'aal1', completed_at: new Date((now - 30) * 1000).toISOString() },
        { method: 'totp', aal: 'aal2', completed_at: new Date((now - 20) * 1000).toISOString() },
      ],
      identity: { id: 'identity-1' },
    };
    const template = url.searchParams.get('tokenize_as');
    if (template !== null) {
      if (template !== TEMPLATE) {
        res.writeHead(400, { 'content-type': 'application/json', date });
        return res.end('{"error":{"code":400,"status":"Bad Request","reason":"Requested tokenize template does not exist."}}');
      }
      const claims = {
        jti: crypto.randomUUID(), iss: server.url, sub: 'identity-1', sid: 'session-1', iat: now, nbf: now, exp: now + ttl,
        acr: 'aal2', amr: ['password', 'totp'], auth_time: now - 30, aal2_time: now - 20, aal2_amr: ['totp'],
        session_exp: now + 86400, identity_id: 'identity-1',
      };
      session.tokenized = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'kratos-1', typ: 'JWT' }).sign(key().privateKey);
    }
    res.writeHead(200, { 'content-type': 'application/json', date });
    res.end(JSON.stringify(session));
  });
  t.after(() => server.close());
  return { url: server.url, requests, tokenizeCalls: () => requests.filter((r) => r.tokenizeAs !== null).length };
}

/** An API that answers 200 (or `status`) and records the Authorization header of each request. */
async function api(t, status = () => 200) {
  const seen = [];
  const server = await serve(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method, path: req.url, authorization: req.headers.authorization ?? null, body });
    res.writeHead(status(req), { 'content-type': 'application/json' });
    res.end('{}');
  });
  t.after(() => server.close());
  return { url: server.url, origin: new URL(server.url).origin, seen };
}

async function setup(t, { kratosOptions, tokens = {}, cookie = 'session=ok', href } = {}) {
  const kratos = await kratosStandIn(t, kratosOptions);
  const own = await api(t);
  const other = await api(t);
  // The page is on the API's origin (`own`); `other` is a third party.
  const env = browserEnv({ href: href ?? `${own.url}/app/billing` });
  // browserEnv's fetch adds the cookie for credentials: 'include' (as a browser would for Kratos).
  const fetchWithCookie = (input, init = {}) => env.fetch(input, init.credentials === 'include' ? { ...init, headers: { ...Object.fromEntries(new Headers(init.headers)), cookie } } : init);
  const gate = await createBrowserGate({
    baseUrl: kratos.url,
    fetch: fetchWithCookie,
    location: env.location,
    tokenizeAs: TEMPLATE,
    tokens: { jwks, issuer: kratos.url, ...tokens },
  });
  t.after(() => gate.dispose());
  return { kratos, own, other, env, gate };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the token: fetched with tokenize_as, attached to allowed origins only', () => {
  test('GET whoami?tokenize_as=<template> with the cookies; Bearer on the page origin, nothing elsewhere', async (t) => {
    const { kratos, own, other, env, gate } = await setup(t);
    const res = await gate.fetch(`${own.url}/api/pay`, { method: 'POST', body: 'x=1' });
    assert.equal(res.status, 200);
    assert.deepEqual(kratos.requests.map((r) => [r.path, r.tokenizeAs, r.cookie]), [['/sessions/whoami', TEMPLATE, 'session=ok']]);
    const tokenize = env.calls.find((c) => c.url.includes('tokenize_as'));
    assert.equal(tokenize.init.credentials, 'include');
    assert.equal(tokenize.init.redirect, 'manual');
    const { jwt } = await gate.token();
    assert.deepEqual(own.seen, [{ method: 'POST', path: '/api/pay', authorization: `Bearer ${jwt}`, body: 'x=1' }]);
    await gate.fetch(`${other.url}/collect`, { method: 'POST', body: 'y' });
    await gate.fetch(new Request(`${other.url}/beacon`));
    assert.deepEqual(other.seen.map((s) => s.authorization), [null, null], 'never to another origin');
    assert.equal(kratos.tokenizeCalls(), 1, 'held: no second tokenize call');
  });

  test('tokens.origins replaces the default: listed origins get it, the page origin then does not', async (t) => {
    const { own, other, gate } = await setup(t, { tokens: { origins: [] } });
    await gate.fetch(`${own.url}/api/x`);
    assert.equal(own.seen[0].authorization, null, 'origins: [] sends it nowhere');
    const listed = await setup(t);
    const gate2 = await createBrowserGate({
      baseUrl: listed.kratos.url,
      fetch: (input, init = {}) => listed.env.fetch(input, init.credentials === 'include' ? { ...init, headers: { cookie: 'session=ok' } } : init),
      location: listed.env.location,
      tokenizeAs: TEMPLATE,
      tokens: { jwks, issuer: listed.kratos.url, origins: [other.origin] },
    });
    t.after(() => gate2.dispose());
    await gate2.fetch(`${other.url}/api`);
    await gate2.fetch(`${listed.own.url}/api/own`);
    assert.match(other.seen.at(-1).authorization, /^Bearer ey/);
    assert.equal(listed.own.seen.at(-1).authorization, null);
  });

  test('never to Kratos (a Bearer JWT there would be read as a session token), even on a listed origin', async (t) => {
    const kratos = await kratosStandIn(t);
    const env = browserEnv({ href: `${kratos.url}/app` });
    const gate = await createBrowserGate({
      baseUrl: kratos.url,
      fetch: (input, init = {}) => env.fetch(input, init.credentials === 'include' ? { ...init, headers: { cookie: 'session=ok' } } : init),
      location: env.location,
      tokenizeAs: TEMPLATE,
      tokens: { jwks, issuer: kratos.url, origins: [new URL(kratos.url).origin] },
    });
    t.after(() => gate.dispose());
    await gate.fetch(`${kratos.url}/sessions/whoami`, { headers: { cookie: 'session=ok' } });
    assert.deepEqual(kratos.requests.map((r) => r.authorization), [null]);
    assert.equal(kratos.tokenizeCalls(), 0, 'not even asked for');
  });

  test("the app's own Authorization is kept; a Request's headers and body go on with the token", async (t) => {
    const { own, gate } = await setup(t);
    await gate.fetch(`${own.url}/api/a`, { headers: { authorization: 'Basic YWxhZGRpbjpvcGVu' } });
    assert.equal(own.seen[0].authorization, 'Basic YWxhZGRpbjpvcGVu');
    await gate.fetch(new Request(`${own.url}/api/b`, { method: 'PUT', body: 'kept', headers: { 'x-app': '1' } }));
    assert.match(own.seen[1].authorization, /^Bearer ey/);
    assert.deepEqual([own.seen[1].method, own.seen[1].body], ['PUT', 'kept']);
  });

  test('a redirect from an allowed origin to another: fetch drops the Authorization header', async (t) => {
    const other = await api(t);
    const sent = [];
    const redirecting = await serve((req, res) => {
      sent.push(req.headers.authorization ?? null);
      res.writeHead(307, { location: `${other.url}/landed` }).end();
    });
    t.after(() => redirecting.close());
    // The page's origin redirects elsewhere: the token went to the page's origin only.
    const page = await setup(t, { href: `${redirecting.url}/app` });
    const res = await page.gate.fetch(`${redirecting.url}/api/moved`);
    assert.equal(res.status, 200);
    assert.match(sent[0], /^Bearer ey/, 'the allowed origin got it');
    assert.deepEqual(other.seen.map((s) => [s.path, s.authorization]), [['/landed', null]]);
  });

  test('concurrent calls share one tokenize call', async (t) => {
    const { kratos, own, gate } = await setup(t);
    await Promise.all([1, 2, 3, 4, 5].map((i) => gate.fetch(`${own.url}/api/${i}`)));
    assert.equal(kratos.tokenizeCalls(), 1);
    assert.equal(new Set(own.seen.map((s) => s.authorization)).size, 1);
  });

  test('token(): { jwt, verified, expiresAt }; the page may decide locally from verified', async (t) => {
    const { gate } = await setup(t);
    const token = await gate.token();
    assert.ok(Object.isFrozen(token));
    assert.match(token.jwt, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(token.verified.claims.acr, 'aal2');
    assert.ok(Math.abs(token.expiresAt - (Date.now() + 60_000)) < 3000, `${token.expiresAt - Date.now()} ms left`);
    assert.equal(gate.decide(token.verified, { aal: 'aal2', maxAge: '5m' }).verdict, 'allow');
    assert.equal(gate.decide(token.verified, { aal: 'aal2', maxAge: '10s' }).verdict, 'refresh');
  });
});

describe('no token: the request goes without one', () => {
  test('no session (whoami 401): nothing attached, token() null, asked again next time', async (t) => {
    const { kratos, own, gate } = await setup(t, { cookie: 'session=none' });
    await gate.fetch(`${own.url}/api/a`);
    assert.equal(await gate.token(), null);
    await gate.fetch(`${own.url}/api/b`);
    assert.deepEqual(own.seen.map((s) => s.authorization), [null, null]);
    assert.equal(kratos.tokenizeCalls(), 3);
  });
  test('a token signed by another key, or for another issuer: never attached', async (t) => {
    const wrongKey = await setup(t, { kratosOptions: { key: () => otherKey } });
    await wrongKey.gate.fetch(`${wrongKey.own.url}/api/a`);
    assert.equal(wrongKey.own.seen[0].authorization, null);
    const wrongIssuer = await setup(t, { tokens: { issuer: 'https://auth.example.com' } });
    await wrongIssuer.gate.fetch(`${wrongIssuer.own.url}/api/a`);
    assert.equal(wrongIssuer.own.seen[0].authorization, null);
    assert.equal(await wrongIssuer.gate.token(), null);
  });
  test('an unknown template (Kratos 400) and Kratos unreachable: nothing attached, the call still goes', async (t) => {
    const { own, gate, kratos } = await setup(t);
    const other = await createBrowserGate({ baseUrl: kratos.url, tokenizeAs: 'nope', tokens: { jwks, issuer: kratos.url }, location: { href: `${own.url}/`, assign() {} } });
    t.after(() => other.dispose());
    assert.equal((await other.fetch(`${own.url}/api/x`)).status, 200);
    assert.equal(own.seen.at(-1).authorization, null);
    void gate;
    const down = await createBrowserGate({ baseUrl: 'http://127.0.0.1:9', tokenizeAs: TEMPLATE, tokens: { jwks, issuer: 'http://127.0.0.1:9' }, location: { href: `${own.url}/`, assign() {} } });
    t.after(() => down.dispose());
    assert.equal((await down.fetch(`${own.url}/api/y`)).status, 200);
    assert.equal(own.seen.at(-1).authorization, null);
  });
});

describe('renewal before exp', () => {
  test('renewed once less than its margin (at most half its lifetime) is left, never sent expired', async (t) => {
    // 4 s tokens: the margin is min(15 s, 2 s) = 2 s.
    const { kratos, own, gate } = await setup(t, { kratosOptions: { ttl: 4 } });
    await gate.fetch(`${own.url}/api/1`);
    const first = await gate.token();
    await gate.fetch(`${own.url}/api/2`);
    assert.equal(kratos.tokenizeCalls(), 1);
    await sleep(Math.max(0, first.expiresAt - 2000 - Date.now()) + 150);
    assert.ok(Date.now() < first.expiresAt, 'the first token has not expired yet');
    await gate.fetch(`${own.url}/api/3`);
    assert.equal(kratos.tokenizeCalls(), 2, 'renewed before exp');
    const second = await gate.token();
    assert.notEqual(second.jwt, first.jwt);
    assert.deepEqual(own.seen.map((s) => s.authorization), [`Bearer ${first.jwt}`, `Bearer ${first.jwt}`, `Bearer ${second.jwt}`]);
  });
  test('renewBeforeMs: 0 renews at exp; Kratos an hour ahead (Date header): its times read on its clock', async (t) => {
    const ahead = () => Date.now() + 3_600_000;
    const { kratos, own, gate } = await setup(t, { kratosOptions: { clock: ahead }, tokens: { renewBeforeMs: 0 } });
    const token = await gate.token();
    assert.ok(token !== null, 'verified on Kratos clock, not refused as issued in the future');
    assert.ok(Math.abs(token.expiresAt - (Date.now() + 60_000)) < 3000, 'expiresAt is on this machine’s clock');
    for (let i = 0; i < 3; i += 1) await gate.fetch(`${own.url}/api/x`);
    assert.equal(kratos.tokenizeCalls(), 1);
  });
  test('a 401 or 403 to a request that carried the token drops it: the next call gets a new one', async (t) => {
    const kratos = await kratosStandIn(t);
    let status = 200;
    const own = await api(t, () => status);
    const env = browserEnv({ href: `${own.url}/app` });
    const gate = await createBrowserGate({
      baseUrl: kratos.url,
      fetch: (input, init = {}) => env.fetch(input, init.credentials === 'include' ? { ...init, headers: { cookie: 'session=ok' } } : init),
      location: env.location,
      tokenizeAs: TEMPLATE,
      tokens: { jwks, issuer: kratos.url },
    });
    t.after(() => gate.dispose());
    await gate.fetch(`${own.url}/api/a`);
    status = 403;
    await gate.fetch(`${own.url}/api/b`);
    status = 200;
    await gate.fetch(`${own.url}/api/c`);
    assert.equal(kratos.tokenizeCalls(), 2);
    assert.notEqual(own.seen[2].authorization, own.seen[0].authorization);
  });
});

describe('configuration', () => {
  const refused = (options, code) =>
    assert.rejects(createBrowserGate({ baseUrl: 'https://auth.example.com', ...options }), (error) => {
      assert.equal(error.code, code, error.message);
      return true;
    });
  test('each invalid option is named', async () => {
    const tokens = { jwks: { keys: [] }, issuer: 'https://auth.example.com' };
    await refused({ tokenizeAs: 'aalgate' }, 'config.tokens');
    await refused({ tokens }, 'config.tokenizeAs');
    await refused({ tokenizeAs: '', tokens }, 'config.tokenizeAs');
    await refused({ tokenizeAs: 42, tokens }, 'config.tokenizeAs');
    await refused({ tokenizeAs: 'a\nb', tokens }, 'config.tokenizeAs');
    await refused({ tokenizeAs: 'aalgate', tokens: 'yes' }, 'config.tokens');
    await refused({ tokenizeAs: 'aalgate', tokens: { jwks: { keys: [] } } }, 'config.tokens.issuer');
    await refused({ tokenizeAs: 'aalgate', tokens: { issuer: 'https://auth.example.com' } }, 'config.tokens.jwks');
    await refused({ tokenizeAs: 'aalgate', tokens: { ...tokens, origins: 'https://api.example.com' } }, 'config.tokens.origins');
    for (const origin of ['https://api.example.com/', 'https://api.example.com/v1', '*', 'api.example.com', 'ftp://api.example.com', 'https://*.example.com', 42]) {
      await refused({ tokenizeAs: 'aalgate', tokens: { ...tokens, origins: ['https://ok.example.com', origin] } }, 'config.tokens.origins[1]');
    }
    await refused({ tokenizeAs: 'aalgate', tokens: { ...tokens, renewBeforeMs: -1 } }, 'config.tokens.renewBeforeMs');
    await refused({ tokenizeAs: 'aalgate', tokens: { ...tokens, from: 'authorization' } }, 'config.tokens.from');
  });
  test('without tokenizeAs: token() is null and fetch sends nothing more', async (t) => {
    const own = await api(t);
    const gate = await createBrowserGate({ baseUrl: 'https://auth.example.com', location: { href: `${own.url}/`, assign() {} } });
    assert.equal(await gate.token(), null);
    await gate.fetch(`${own.url}/x`);
    assert.equal(own.seen[0].authorization, null);
    gate.dispose();
    await assert.rejects(gate.token(), (error) => error.code === 'gate.disposed');
  });
});
