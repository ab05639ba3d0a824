// aalgate/worker's `tokens` (issue 14) in real workerd (miniflare), bundled as wrangler bundles
// it, in front of the Kratos emulator (through the counting proxy: every whoami call is seen) and
// an origin that echoes what it got. A request with Kratos's session JWT is decided from the
// token's claims without whoami; an expired or refused token falls back to whoami (one call) or,
// with `fallback: 'challenge'`, to the core's decision without a session (401, no call); a
// token of another issuer or key is never allowed; the token never reaches the origin unless
// `forward`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { serve } from '../../examples/demo/http.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { bundleWorker, stagePackage, startCountingProxy, startOrigin, startWorkers, tempDir, unusedUrl } from './harness.js';

const APP = 'https://app.example.com';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const POLICY = {
  rules: [
    { path: '/billing/**', aal: 'aal2', maxAge: '5m' },
    { path: '/public/**', aal: 'none' },
  ],
  default: { aal: 'aal1' },
};
const STEP_UP_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A second authentication factor is required", acr_values="aal2"';

// The worker: createWorkerGate with the configuration in the GATE binding (JSON), every request
// proxied to ORIGIN_URL.
const SOURCE = `import { createWorkerGate } from 'aalgate/worker';
let gate = null;
export default {
  async fetch(request, env) {
    gate ??= createWorkerGate(JSON.parse(env.GATE)).catch((error) => {
      gate = null;
      throw error;
    });
    return (await gate).proxy(request, env.ORIGIN_URL);
  },
};
`;

test('aalgate/worker with tokens in workerd', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir('aalgate-worker-tokens-');
  const cleanups = [() => tmp.remove()];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  const kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => kratos.close());
  const K = kratos.url.replace(/\/+$/, '');
  const proxy = await startCountingProxy(kratos.url);
  cleanups.push(() => proxy.close());
  const origin = await startOrigin();
  cleanups.push(() => origin.close());

  // Kratos's signing key (its public JWKS served over HTTP, as a tokenizer template's jwks_url
  // is), and an attacker's key under the same kid.
  const kratosKey = await generateKeyPair('ES256', { extractable: true });
  const attackerKey = await generateKeyPair('ES256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(kratosKey.publicKey)), kid: 'kratos-1', alg: 'ES256', use: 'sig' }] };
  let jwksFetches = 0;
  const jwksServer = await serve((req, res) => {
    jwksFetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  cleanups.push(() => jwksServer.close());
  const nowhere = await unusedUrl();

  await stagePackage(tmp.path);
  const bundle = await bundleWorker(tmp.path, 'tokens', SOURCE);
  const base = { baseUrl: K, whoamiUrl: `${proxy.url}/sessions/whoami`, policy: POLICY, forward: true };
  const tokens = { jwks: `${jwksServer.url}/jwks.json`, issuer: K };
  const worker = (config) => ({ bundle, bindings: { GATE: JSON.stringify(config), ORIGIN_URL: origin.url } });
  const workers = await startWorkers('2026-04-01', {
    whoami: worker({ ...base, tokens }),
    challenge: worker({ ...base, tokens: { ...tokens, fallback: 'challenge' } }),
    inline: worker({ ...base, tokens: { jwks, issuer: K, fallback: 'challenge' } }),
    cookie: worker({ ...base, tokens: { ...tokens, from: { cookie: 'kratos_jwt' } } }),
    forwarded: worker({ ...base, tokens: { ...tokens, forward: true } }),
    noJwks: worker({ ...base, tokens: { jwks: `${nowhere}/jwks.json`, issuer: K, fallback: 'challenge' } }),
    noJwksWhoami: worker({ ...base, tokens: { jwks: `${nowhere}/jwks.json`, issuer: K } }),
    plain: worker(base),
    // Kratos Lax (session.whoami.required_aal: aal1), mirrored: an aal1 token may be stepped up.
    lax: worker({ ...base, kratos: { session: { whoami: { required_aal: 'aal1' } } }, tokens }),
  });
  cleanups.push(() => workers.dispose());

  // A token as Kratos's tokenizer writes it: the fixed claims and aalgate.jsonnet's.
  const SEC = () => Math.floor(Date.now() / 1000);
  const claims = (overrides = {}) => {
    const now = SEC();
    const base = {
      jti: crypto.randomUUID(), iss: K, sub: 'identity-ada', sid: 'session-ada',
      iat: now, nbf: now, exp: now + 60,
      acr: 'aal2', amr: ['password', 'totp'], auth_time: now - 30, aal2_time: now - 30, aal2_amr: ['totp'],
      session_exp: now + 86400, identity_id: 'identity-ada',
    };
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete base[key];
      else base[key] = value;
    }
    return base;
  };
  const sign = (payload, { key = kratosKey, kid = 'kratos-1', alg = 'ES256' } = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key.privateKey);
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

  /** One request through a worker: its answer, the whoami calls and origin requests it made. */
  async function send(name, path, { method = 'GET', headers = {}, body } = {}) {
    const [whoamiBefore, originBefore, proxyBefore] = [proxy.whoamiCalls(), origin.requests.length, proxy.requests.length];
    const response = await workers.fetch(name, `${APP}${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: () => JSON.parse(text),
      whoamiCalls: proxy.whoamiCalls() - whoamiBefore,
      whoamiRequests: proxy.requests.slice(proxyBefore),
      seen: origin.requests.slice(originBefore),
    };
  }
  const bearer = (jwt) => ({ authorization: `Bearer ${jwt}`, accept: 'application/json' });
  const loginUrl = (path) => `${K}/self-service/login/browser?return_to=${encodeURIComponent(`${APP}${path}`)}`;

  await t.test('the bundle holds aalgate/tokens and jose (wrangler inlines the dynamic import)', () => {
    assert.ok(bundle.inputs.includes('node_modules/aalgate/js/tokens.js'), bundle.inputs.join(', '));
    assert.ok(bundle.inputs.some((input) => /(^|\/)node_modules\/jose\/dist\/webapi\/jwt\/verify\.js$/.test(input)), 'jose is bundled');
  });

  await t.test('a valid token: allowed from its claims with zero whoami calls; the origin never sees it', async () => {
    const jwt = await sign(claims());
    const answer = await send('whoami', '/billing/pay?x=1', { method: 'POST', headers: { ...bearer(jwt), 'x-app': 'kept' }, body: 'pay' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.whoamiCalls, 0);
    assert.equal(answer.seen.length, 1);
    const [seen] = answer.seen;
    assert.deepEqual([seen.method, seen.url, seen.body, seen.headers['x-app']], ['POST', '/billing/pay?x=1', 'pay', 'kept']);
    assert.equal(seen.headers.authorization, undefined, 'the token is not forwarded');
    assert.ok(!JSON.stringify(seen).includes(jwt), 'nowhere in what the origin got');
    // forward: true takes the identity and session from the verified claims.
    assert.equal(seen.headers['x-aalgate-identity-id'], 'identity-ada');
    assert.equal(seen.headers['x-aalgate-session-id'], 'session-ada');
    assert.equal(seen.headers['x-aalgate-aal'], 'aal2');
    // Many requests with tokens: still no whoami call, and the JWKS was fetched once.
    for (let i = 0; i < 5; i += 1) {
      const again = await send('whoami', '/dashboard', { headers: bearer(await sign(claims())) });
      assert.deepEqual([again.status, again.whoamiCalls], [200, 0]);
    }
    assert.equal(jwksFetches, 1, 'the JWKS is cached');
  });

  await t.test('a valid token that falls short: the core decides from its claims (enroll, step-up, refresh), zero whoami calls', async () => {
    const aal1 = await sign(claims({ acr: 'aal1', amr: ['password'], aal2_time: undefined, aal2_amr: [] }));
    // Strict Kratos tokenizes only what whoami answers: an aal1 token means no second factor.
    const enroll = await send('whoami', '/billing/pay', { headers: bearer(aal1) });
    assert.deepEqual([enroll.status, enroll.json().verdict, enroll.json().reason, enroll.whoamiCalls], [403, 'enroll', 'second_factor_unavailable', 0]);
    // Lax: the step-up, with the RFC 9470 challenge.
    const stepUp = await send('lax', '/billing/pay', { headers: bearer(aal1) });
    assert.equal(stepUp.status, 401, stepUp.text);
    assert.equal(stepUp.json().reason, 'aal2_required');
    assert.equal(stepUp.headers.get('www-authenticate'), STEP_UP_CHALLENGE);
    assert.equal(stepUp.whoamiCalls, 0);
    assert.deepEqual(stepUp.seen, []);
    const stale = await sign(claims({ aal2_time: SEC() - 600 }));
    const refresh = await send('whoami', '/billing/pay', { headers: bearer(stale) });
    assert.deepEqual([refresh.status, refresh.json().verdict, refresh.json().reason, refresh.whoamiCalls], [401, 'refresh', 'second_factor_stale', 0]);
    // The same stale token passes a route without a max age.
    assert.equal((await send('whoami', '/dashboard', { headers: bearer(stale) })).status, 200);
    // A navigation gets the core's 303.
    const nav = await send('lax', '/billing/pay', { headers: { authorization: `Bearer ${aal1}`, accept: BROWSER_ACCEPT } });
    assert.equal(nav.status, 303);
    assert.equal(new URL(nav.headers.get('location')).searchParams.get('aal'), 'aal2');
  });

  await t.test('an expired token: one whoami call (fallback) with the other credentials, never the token', async () => {
    const now = SEC();
    const expired = await sign(claims({ iat: now - 120, nbf: now - 120, exp: now - 60 }));
    const cookie = await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] });
    const answer = await send('whoami', '/billing/pay', { headers: { ...bearer(expired), cookie } });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.whoamiCalls, 1);
    const [asked] = answer.whoamiRequests;
    assert.equal(asked.headers.cookie, cookie);
    assert.equal(asked.headers.authorization, undefined, 'Kratos would take a Bearer JWT for a session token');
    assert.equal(answer.seen[0].headers.authorization, undefined, 'nor does the origin get it');
    assert.equal(answer.seen[0].headers.cookie, cookie, 'the cookie goes on as before');
    // Without a cookie: whoami says no session, the core says login.
    const alone = await send('whoami', '/billing/pay', { headers: bearer(expired) });
    assert.deepEqual([alone.status, alone.json().reason, alone.whoamiCalls], [401, 'no_session', 1]);
    // No token at all: whoami, as without `tokens`.
    const none = await send('whoami', '/dashboard', { headers: { cookie } });
    assert.deepEqual([none.status, none.whoamiCalls], [200, 1]);
  });

  await t.test("fallback 'challenge': 401 with WWW-Authenticate and zero whoami calls; a navigation 303 to login", async () => {
    const now = SEC();
    const expired = await sign(claims({ iat: now - 120, nbf: now - 120, exp: now - 60 }));
    const cookie = await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] });
    for (const headers of [bearer(expired), { ...bearer(expired), cookie }, { cookie, accept: 'application/json' }, { accept: 'application/json' }]) {
      const answer = await send('challenge', '/billing/pay', { headers });
      assert.equal(answer.status, 401, answer.text);
      assert.deepEqual(answer.json(), { verdict: 'login', url: loginUrl('/billing/pay'), reason: 'no_session' });
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
      assert.equal(answer.whoamiCalls, 0);
      assert.deepEqual(answer.seen, []);
    }
    const nav = await send('challenge', '/dashboard', { headers: { authorization: `Bearer ${expired}`, accept: BROWSER_ACCEPT } });
    assert.deepEqual([nav.status, nav.headers.get('location'), nav.whoamiCalls], [303, loginUrl('/dashboard'), 0]);
    // A valid token still passes, with the JWKS given inline too.
    for (const name of ['challenge', 'inline']) {
      const ok = await send(name, '/billing/pay', { headers: bearer(await sign(claims())) });
      assert.deepEqual([ok.status, ok.whoamiCalls], [200, 0], name);
    }
  });

  await t.test('another issuer, another key, alg none, HS256 with the public key: never allowed', async () => {
    const hmacSecret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const hostile = {
      'another issuer': await sign(claims({ iss: 'https://evil.example.com' })),
      'another key under the same kid': await sign(claims(), { key: attackerKey }),
      'an unknown kid': await sign(claims(), { key: attackerKey, kid: 'attacker' }),
      'alg none': `${b64({ alg: 'none', kid: 'kratos-1', typ: 'JWT' })}.${b64(claims())}.`,
      'alg none with a signature part': `${b64({ alg: 'none', kid: 'kratos-1' })}.${b64(claims())}.${b64('x')}`,
      'HS256 with the public JWK as secret': await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'kratos-1' }).sign(hmacSecret),
      'claims changed after signing': await (async () => {
        const [h, , s] = (await sign(claims({ acr: 'aal1' }))).split('.');
        return `${h}.${b64(claims())}.${s}`;
      })(),
      'not yet valid': await sign(claims({ nbf: SEC() + 300 })),
    };
    for (const [label, jwt] of Object.entries(hostile)) {
      for (const name of ['whoami', 'challenge', 'inline', 'forwarded']) {
        for (const path of ['/billing/pay', '/dashboard']) {
          const answer = await send(name, path, { headers: bearer(jwt) });
          assert.equal(answer.status, 401, `${label} on ${name} ${path}: ${answer.text}`);
          assert.equal(answer.json().verdict, 'login', label);
          assert.deepEqual(answer.seen, [], `${label}: nothing reaches the origin`);
          assert.equal(answer.whoamiCalls, name === 'challenge' || name === 'inline' ? 0 : 1, `${label} on ${name}`);
          for (const asked of answer.whoamiRequests) assert.equal(asked.headers.authorization, undefined, label);
        }
      }
    }
  });

  await t.test('a Kratos session token in Authorization is not a JWT: whoami gets it, as without tokens', async () => {
    const cookie = await kratos.createSession({ email: 'bob@example.com', methods: ['password'] });
    const token = cookie.slice(cookie.indexOf('=') + 1);
    const answer = await send('whoami', '/dashboard', { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual([answer.status, answer.whoamiCalls], [200, 1]);
    assert.equal(answer.whoamiRequests[0].headers.authorization, `Bearer ${token}`);
    assert.equal(answer.seen[0].headers.authorization, `Bearer ${token}`, 'and the origin too, as before');
  });

  await t.test('from a cookie: decided without whoami; the token cookie is removed, the others go on', async () => {
    const jwt = await sign(claims());
    const answer = await send('cookie', '/billing/pay', { headers: { cookie: `theme=dark; kratos_jwt=${jwt}; lang=de`, accept: 'application/json' } });
    assert.deepEqual([answer.status, answer.whoamiCalls], [200, 0], answer.text);
    assert.equal(answer.seen[0].headers.cookie, 'theme=dark; lang=de');
    // The cookie twice: which one is meant is unknown, so neither is taken (whoami decides).
    const twice = await send('cookie', '/billing/pay', { headers: { cookie: `kratos_jwt=${jwt}; kratos_jwt=${jwt}`, accept: 'application/json' } });
    assert.deepEqual([twice.status, twice.whoamiCalls], [401, 1]);
    assert.equal(twice.whoamiRequests[0].headers.cookie, undefined, 'the token cookie is not sent to whoami');
    // The Authorization header is not where this worker looks.
    const header = await send('cookie', '/billing/pay', { headers: bearer(jwt) });
    assert.equal(header.whoamiCalls, 1);
    // An expired token cookie and Kratos's cookie: whoami with Kratos's cookie only.
    const now = SEC();
    const expired = await sign(claims({ iat: now - 120, nbf: now - 120, exp: now - 60 }));
    const session = await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] });
    const fallback = await send('cookie', '/billing/pay', { headers: { cookie: `kratos_jwt=${expired}; ${session}` } });
    assert.deepEqual([fallback.status, fallback.whoamiCalls], [200, 1], fallback.text);
    assert.equal(fallback.whoamiRequests[0].headers.cookie, session);
    assert.equal(fallback.seen[0].headers.cookie, session);
  });

  await t.test('tokens.forward: the origin gets the Authorization header as it came', async () => {
    const jwt = await sign(claims());
    const answer = await send('forwarded', '/billing/pay', { headers: bearer(jwt) });
    assert.deepEqual([answer.status, answer.whoamiCalls], [200, 0]);
    assert.equal(answer.seen[0].headers.authorization, `Bearer ${jwt}`);
  });

  await t.test('public routes: no whoami, no verification, and the token is still not forwarded', async () => {
    const jwt = await sign(claims());
    const answer = await send('challenge', '/public/logo.svg', { headers: bearer(jwt) });
    assert.deepEqual([answer.status, answer.whoamiCalls], [200, 0]);
    assert.equal(answer.seen[0].headers.authorization, undefined);
  });

  await t.test('the JWKS cannot be fetched: 503 with fallback challenge (no login loop), whoami otherwise', async () => {
    const jwt = await sign(claims());
    const down = await send('noJwks', '/billing/pay', { headers: bearer(jwt) });
    assert.deepEqual([down.status, down.json().verdict, down.json().reason, down.whoamiCalls], [503, 'error', 'kratos_unreachable', 0]);
    assert.deepEqual(down.seen, []);
    const cookie = await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] });
    const viaWhoami = await send('noJwksWhoami', '/billing/pay', { headers: { ...bearer(jwt), cookie } });
    assert.deepEqual([viaWhoami.status, viaWhoami.whoamiCalls], [200, 1]);
  });

  await t.test('without tokens the worker is unchanged: a Bearer JWT goes to whoami as a credential', async () => {
    const jwt = await sign(claims());
    const answer = await send('plain', '/dashboard', { headers: bearer(jwt) });
    assert.deepEqual([answer.status, answer.whoamiCalls], [401, 1]);
    assert.equal(answer.whoamiRequests[0].headers.authorization, `Bearer ${jwt}`);
  });
});
