// aalgate/worker's `tokens` (issue 14) in real workerd (miniflare), bundled as wrangler bundles
// it, in front of the Kratos emulator (through the counting proxy, and the emulator counts every
// whoami request too) and an origin that echoes what it got. The tokens are the emulator's:
// minted at whoami?tokenize_as=aalgate (its ES256 key, aalgate.jsonnet run by Debian's jsonnet),
// verified against its public JWKS fetched by URL. A request with such a token is decided from
// its claims with zero whoami calls; an expired or refused token falls back to whoami (one call)
// or, with `fallback: 'challenge'`, to the core's decision without a session (401, no call); a
// token of another issuer (a second emulator) or signed by another key is never allowed; the token
// never reaches the origin unless `forward`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SignJWT, generateKeyPair } from 'jose';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { APP, BROWSER_ACCEPT, bundleWorker, stagePackage, startCountingProxy, startOrigin, startWorkers, testbed, unusedUrl } from './harness.js';

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
  const { tmp, kratos, defer } = await testbed(t, 'aalgate-worker-tokens-');

  // Strict Kratos (the default), and a second one, Lax, with its own keys and issuer.
  const lax = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'aal1' });
  defer(() => lax.close());
  const K = kratos.url.replace(/\/+$/, '');
  const proxy = await startCountingProxy(kratos.url);
  defer(() => proxy.close());
  const origin = await startOrigin();
  defer(() => origin.close());
  const attackerKey = await generateKeyPair('ES256', { extractable: true });
  const kid = kratos.jwks.keys.find((key) => key.alg === 'ES256').kid;
  const nowhere = await unusedUrl();

  await stagePackage(tmp.path);
  const bundle = await bundleWorker(tmp.path, 'tokens', SOURCE);
  const base = { baseUrl: K, whoamiUrl: `${proxy.url}/sessions/whoami`, policy: POLICY, forward: true };
  // The emulator's public JWKS by URL, through the counting proxy (to count its fetches).
  const tokens = { jwks: `${proxy.url}/__emulator/jwks`, issuer: kratos.issuer };
  const jwksFetches = () => proxy.requests.filter((r) => r.url === '/__emulator/jwks').length;
  const worker = (config) => ({ bundle, bindings: { GATE: JSON.stringify(config), ORIGIN_URL: origin.url } });
  const workers = await startWorkers('2026-04-01', {
    whoami: worker({ ...base, tokens }),
    challenge: worker({ ...base, tokens: { ...tokens, fallback: 'challenge' } }),
    inline: worker({ ...base, tokens: { jwks: kratos.jwks, issuer: kratos.issuer, fallback: 'challenge' } }),
    cookie: worker({ ...base, tokens: { ...tokens, from: { cookie: 'kratos_jwt' } } }),
    forwarded: worker({ ...base, tokens: { ...tokens, forward: true } }),
    noJwks: worker({ ...base, tokens: { jwks: `${nowhere}/jwks.json`, issuer: kratos.issuer, fallback: 'challenge' } }),
    noJwksWhoami: worker({ ...base, tokens: { jwks: `${nowhere}/jwks.json`, issuer: kratos.issuer } }),
    plain: worker(base),
    // In front of the Lax emulator, mirrored: an aal1 token may be stepped up.
    lax: worker({
      baseUrl: lax.url,
      policy: POLICY,
      kratos: { session: { whoami: { required_aal: 'aal1' } } },
      tokens: { jwks: `${lax.url.replace(/\/+$/, '')}/__emulator/jwks`, issuer: lax.issuer },
    }),
  });
  defer(() => workers.dispose());

  // Sessions and tokens of the emulators. `at` moves the emulator's clock for the making (ms).
  const sessionOf = async (email, methods, { at = 0, on = kratos } = {}) => {
    on.clock.advance(at);
    try {
      return await on.createSession({ email, methods });
    } finally {
      on.clock.advance(-at);
    }
  };
  /** The token the emulator mints for `cookie`'s session at whoami?tokenize_as=aalgate. */
  const mint = async (cookie, { at = 0, on = kratos } = {}) => {
    on.clock.advance(at);
    try {
      const res = await fetch(`${on.url.replace(/\/+$/, '')}/sessions/whoami?tokenize_as=aalgate`, { headers: { cookie } });
      assert.equal(res.status, 200);
      return (await res.json()).tokenized;
    } finally {
      on.clock.advance(-at);
    }
  };
  const payloadOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const ada = await sessionOf('ada@example.com', ['password', 'totp']);
  const adaSession = await (await fetch(`${K}/sessions/whoami`, { headers: { cookie: ada } })).json();

  /**
   * One request through a worker: its answer, the whoami calls it made (the proxy's count and the
   * emulator's own), and the origin requests.
   */
  async function send(name, path, { method = 'GET', headers = {}, body } = {}) {
    const [whoamiBefore, emulatorBefore, originBefore, proxyBefore] = [proxy.whoamiCalls(), kratos.counters.whoami, origin.requests.length, proxy.requests.length];
    const response = await workers.fetch(name, `${APP}${path}`, { method, headers, body });
    const text = await response.text();
    const whoamiCalls = proxy.whoamiCalls() - whoamiBefore;
    assert.equal(kratos.counters.whoami - emulatorBefore, whoamiCalls, 'the emulator counts what the proxy saw');
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: () => JSON.parse(text),
      whoamiCalls,
      whoamiRequests: proxy.requests.slice(proxyBefore).filter((r) => r.url.startsWith('/sessions/whoami')),
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
    const jwt = await mint(ada);
    assert.equal(payloadOf(jwt).acr, 'aal2');
    const answer = await send('whoami', '/billing/pay?x=1', { method: 'POST', headers: { ...bearer(jwt), 'x-app': 'kept' }, body: 'pay' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.whoamiCalls, 0);
    assert.equal(answer.seen.length, 1);
    const [seen] = answer.seen;
    assert.deepEqual([seen.method, seen.url, seen.body, seen.headers['x-app']], ['POST', '/billing/pay?x=1', 'pay', 'kept']);
    assert.equal(seen.headers.authorization, undefined, 'the token is not forwarded');
    assert.ok(!JSON.stringify(seen).includes(jwt), 'nowhere in what the origin got');
    // forward: true takes the identity and session from the verified claims.
    assert.equal(seen.headers['x-aalgate-identity-id'], adaSession.identity.id);
    assert.equal(seen.headers['x-aalgate-session-id'], adaSession.id);
    assert.equal(seen.headers['x-aalgate-aal'], 'aal2');
    // Many requests with tokens: still no whoami call, and the JWKS was fetched once.
    for (let i = 0; i < 5; i += 1) {
      const again = await send('whoami', '/dashboard', { headers: bearer(await mint(ada)) });
      assert.deepEqual([again.status, again.whoamiCalls], [200, 0]);
    }
    assert.equal(jwksFetches(), 1, 'the JWKS is cached');
  });

  await t.test('a valid token that falls short: the core decides from its claims (enroll, step-up, refresh), zero whoami calls', async () => {
    // Strict Kratos tokenizes only what whoami answers: an aal1 token means no second factor.
    const bob = await mint(await sessionOf('bob@example.com', ['password']));
    assert.equal(payloadOf(bob).acr, 'aal1');
    const enroll = await send('whoami', '/billing/pay', { headers: bearer(bob) });
    assert.deepEqual([enroll.status, enroll.json().verdict, enroll.json().reason, enroll.whoamiCalls], [403, 'enroll', 'second_factor_unavailable', 0]);
    // Lax: ada with her password only tokenizes, and steps up, with the RFC 9470 challenge.
    const aal1 = await mint(await sessionOf('ada@example.com', ['password'], { on: lax }), { on: lax });
    const stepUp = await send('lax', '/billing/pay', { headers: bearer(aal1) });
    assert.equal(stepUp.status, 401, stepUp.text);
    assert.equal(stepUp.json().reason, 'aal2_required');
    assert.equal(stepUp.headers.get('www-authenticate'), STEP_UP_CHALLENGE);
    assert.equal(stepUp.whoamiCalls, 0);
    assert.deepEqual(stepUp.seen, []);
    // Second factor 10 minutes ago, token minted now: /billing's 5 minutes are past.
    const stale = await mint(await sessionOf('ada@example.com', ['password', 'totp'], { at: -10 * 60_000 }));
    const refresh = await send('whoami', '/billing/pay', { headers: bearer(stale) });
    assert.deepEqual([refresh.status, refresh.json().verdict, refresh.json().reason, refresh.whoamiCalls], [401, 'refresh', 'second_factor_stale', 0]);
    // The same stale token passes a route without a max age.
    assert.equal((await send('whoami', '/dashboard', { headers: bearer(stale) })).status, 200);
    // A navigation gets the core's 303.
    const nav = await send('lax', '/billing/pay', { headers: { authorization: `Bearer ${aal1}`, accept: BROWSER_ACCEPT } });
    assert.equal(nav.status, 303);
    assert.equal(new URL(nav.headers.get('location')).searchParams.get('aal'), 'aal2');
  });

  // Minted two minutes ago (the emulator's clock moved back for it): its 1m is over.
  const expiredToken = () => mint(ada, { at: -2 * 60_000 });

  await t.test('an expired token: one whoami call (fallback) with the other credentials, never the token', async () => {
    const expired = await expiredToken();
    const cookie = ada;
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
    const expired = await expiredToken();
    const cookie = ada;
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
      const ok = await send(name, '/billing/pay', { headers: bearer(await mint(ada)) });
      assert.deepEqual([ok.status, ok.whoamiCalls], [200, 0], name);
    }
  });

  await t.test('another issuer, another key, alg none, HS256 with the public key: never allowed', async () => {
    const publicJwk = kratos.jwks.keys.find((key) => key.kid === kid);
    const hmacSecret = new TextEncoder().encode(JSON.stringify(publicJwk));
    // What a real token of ada's aal2 session says, signed by others.
    const claims = payloadOf(await mint(ada));
    const bobOnLax = await mint(await sessionOf('bob@example.com', ['password', 'totp'], { on: lax }), { on: lax });
    const hostile = {
      'another issuer (another Kratos, its own key)': bobOnLax,
      'another issuer, signed under the right kid by another key': await new SignJWT({ ...payloadOf(bobOnLax) }).setProtectedHeader({ alg: 'ES256', kid }).sign(attackerKey.privateKey),
      'the right claims, another key under the same kid': await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(attackerKey.privateKey),
      'the right claims, an unknown kid': await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'attacker' }).sign(attackerKey.privateKey),
      'alg none': `${b64({ alg: 'none', kid, typ: 'JWT' })}.${b64(claims)}.`,
      'alg none with a signature part': `${b64({ alg: 'none', kid })}.${b64(claims)}.${b64('x')}`,
      'HS256 with the public JWK as secret': await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(hmacSecret),
      'claims changed after signing (bob’s aal1 token made aal2)': await (async () => {
        const bob = await mint(await sessionOf('bob@example.com', ['password']));
        const [h, , sig] = bob.split('.');
        return `${h}.${b64({ ...payloadOf(bob), acr: 'aal2', amr: ['password', 'totp'], aal2_time: payloadOf(bob).iat, aal2_amr: ['totp'] })}.${sig}`;
      })(),
      'not yet valid (minted on a clock 5 minutes ahead)': await mint(ada, { at: 5 * 60_000 }),
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
    const jwt = await mint(ada);
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
    const expired = await expiredToken();
    const session = ada;
    const fallback = await send('cookie', '/billing/pay', { headers: { cookie: `kratos_jwt=${expired}; ${session}` } });
    assert.deepEqual([fallback.status, fallback.whoamiCalls], [200, 1], fallback.text);
    assert.equal(fallback.whoamiRequests[0].headers.cookie, session);
    assert.equal(fallback.seen[0].headers.cookie, session);
  });

  await t.test('tokens.forward: the origin gets the Authorization header as it came', async () => {
    const jwt = await mint(ada);
    const answer = await send('forwarded', '/billing/pay', { headers: bearer(jwt) });
    assert.deepEqual([answer.status, answer.whoamiCalls], [200, 0]);
    assert.equal(answer.seen[0].headers.authorization, `Bearer ${jwt}`);
  });

  await t.test('public routes: no whoami, no verification, and the token is still not forwarded', async () => {
    const jwt = await mint(ada);
    const answer = await send('challenge', '/public/logo.svg', { headers: bearer(jwt) });
    assert.deepEqual([answer.status, answer.whoamiCalls], [200, 0]);
    assert.equal(answer.seen[0].headers.authorization, undefined);
  });

  await t.test('the JWKS cannot be fetched: 503 with fallback challenge (no login loop), whoami otherwise', async () => {
    const jwt = await mint(ada);
    const down = await send('noJwks', '/billing/pay', { headers: bearer(jwt) });
    assert.deepEqual([down.status, down.json().verdict, down.json().reason, down.whoamiCalls], [503, 'error', 'kratos_unreachable', 0]);
    assert.deepEqual(down.seen, []);
    const viaWhoami = await send('noJwksWhoami', '/billing/pay', { headers: { ...bearer(jwt), cookie: ada } });
    assert.deepEqual([viaWhoami.status, viaWhoami.whoamiCalls], [200, 1]);
  });

  await t.test('without tokens the worker is unchanged: a Bearer JWT goes to whoami as a credential', async () => {
    const jwt = await mint(ada);
    const answer = await send('plain', '/dashboard', { headers: bearer(jwt) });
    assert.deepEqual([answer.status, answer.whoamiCalls], [401, 1]);
    assert.equal(answer.whoamiRequests[0].headers.authorization, `Bearer ${jwt}`);
  });
});
