// examples/worker in real workerd (miniflare), bundled as wrangler bundles it (see harness.js),
// in front of the Kratos emulator (tools/kratos-emulator, Strict: whoami needs the highest
// available level) and an origin that echoes what it got. A counting proxy between the worker
// and the emulator sees every whoami call and its headers.
//
// Users: ada has a second factor (TOTP), bob has none. Sessions are made in the emulator, with
// its clock moved when a session must be older (or expire sooner) than now: the worker's
// clock is the real one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { INSTANTIATED_ONLY } from '../support/cases.js';
import {
  APP,
  BROWSER_ACCEPT,
  WASM_CALLS_PATH,
  bundleWorker,
  exampleSource,
  readWranglerToml,
  readmeSample,
  stagePackage,
  startCountingProxy,
  startOrigin,
  startWorkers,
  testbed,
  unusedUrl,
} from './harness.js';

const ADA = 'ada@example.com';
const BOB = 'bob@example.com';
const PASSWORD = ['password'];
const PASSWORD_TOTP = ['password', 'totp'];
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const STEP_UP_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A second authentication factor is required", acr_values="aal2"';
const STALE_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", acr_values="aal2", max_age="300"';
const REAUTH_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age="3600"';

// aalgate's return_to encoding: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded.
const escape = (text) =>
  [...new TextEncoder().encode(text)]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');

test('examples/worker in workerd, in front of the Kratos emulator', { timeout: 180_000 }, async (t) => {
  const toml = await readWranglerToml();
  const { tmp, kratos, defer } = await testbed(t, 'aalgate-worker-');

  const proxy = await startCountingProxy(kratos.url);
  defer(() => proxy.close());
  const origin = await startOrigin();
  defer(() => origin.close());
  const nowhere = await unusedUrl();

  await stagePackage(tmp.path);
  const bundle = await bundleWorker(tmp.path, 'example', await exampleSource(toml.main));
  // The README's sample, with the policy it leaves out (its text above the sample says it).
  const readmeBundle = await bundleWorker(
    tmp.path,
    'readme',
    `const policy = { rules: [{ path: '/billing/**', aal: 'aal2', maxAge: '5m' }, { path: '/public/**', aal: 'none' }] };\n${await readmeSample()}`,
  );
  const example = (more) => ({
    bundle,
    bindings: { ...toml.vars, KRATOS_URL: kratos.url, KRATOS_WHOAMI_URL: `${proxy.url}/sessions/whoami`, ORIGIN_URL: origin.url, ...more },
  });
  const workers = await startWorkers(toml.compatibility_date, {
    main: example(),
    direct: example({ KRATOS_WHOAMI_URL: '' }),
    impatient: example({ WHOAMI_TIMEOUT_MS: '300' }),
    down: example({ KRATOS_URL: nowhere, KRATOS_WHOAMI_URL: '' }),
    cached: example({ WHOAMI_CACHE_TTL_MS: '60000' }),
    briefly: example({ WHOAMI_CACHE_TTL_MS: '1000' }),
    fresh: example(),
    alwaysPrivileged: example({ KRATOS_PRIVILEGED_SESSION_MAX_AGE: '0s' }),
    privileged15m: example({ KRATOS_PRIVILEGED_SESSION_MAX_AGE: '15m' }),
    readme: { bundle: readmeBundle, bindings: { KRATOS_URL: kratos.url, ORIGIN_URL: origin.url } },
  });
  defer(() => workers.dispose());

  const K = kratos.url;
  const login = (query) => `${K}/self-service/login/browser?${query}`;

  /** One request through a worker: its answer, and how many whoami calls and origin requests it made. */
  async function send(worker, path, { method = 'GET', headers = {}, body } = {}) {
    const [whoamiBefore, originBefore] = [proxy.whoamiCalls(), origin.requests.length];
    const response = await workers.fetch(worker, `${APP}${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: () => JSON.parse(text),
      whoamiCalls: proxy.whoamiCalls() - whoamiBefore,
      originRequests: origin.requests.slice(originBefore),
    };
  }

  /** A session made with the emulator's clock moved by `offsetMs` (negative: in the past). */
  async function sessionAt(offsetMs, options) {
    kratos.clock.advance(offsetMs);
    try {
      return await kratos.createSession(options);
    } finally {
      kratos.clock.advance(-offsetMs);
    }
  }
  const session = (email, methods) => sessionAt(0, { email, methods });

  function assertJsonAnswer(answer, status, body) {
    assert.equal(answer.status, status, answer.text);
    assert.equal(answer.headers.get('content-type'), 'application/json');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.headers.get('location'), null);
    assert.deepEqual(answer.json(), body);
    assert.deepEqual(answer.originRequests, [], 'the origin never sees a denied request');
  }

  function assertRedirect(answer, location) {
    assert.equal(answer.status, 303, answer.text);
    assert.equal(answer.headers.get('location'), location);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.deepEqual(answer.originRequests, [], 'the origin never sees a denied request');
  }

  await t.test('the bundle has the workerd loader and imports the .wasm as a module', () => {
    const loader = (name) => `node_modules/aalgate/js/loader/${name}.js`;
    assert.ok(bundle.inputs.includes('node_modules/aalgate/js/worker.js'));
    assert.ok(bundle.inputs.includes(loader('workerd')), bundle.inputs.join(', '));
    assert.ok(!bundle.inputs.includes(loader('browser')));
    assert.ok(!bundle.inputs.includes(loader('node')));
    assert.deepEqual(bundle.wasmFiles, ['node_modules/aalgate/js/core/aalgate-core.wasm']);
  });

  await t.test('wrangler.toml names the example and its [vars]', () => {
    assert.equal(toml.main, 'worker.js');
    assert.match(toml.compatibility_date, /^\d{4}-\d{2}-\d{2}$/);
    for (const name of ['KRATOS_URL', 'ORIGIN_URL']) assert.match(toml.vars[name], /^https?:\/\//, name);
  });

  await t.test('allowed: the request reaches the origin as it came (method, path, query, headers, body)', async () => {
    const cookie = await session(BOB, PASSWORD);
    const answer = await send('main', '/dashboard/items?sort=desc&x=%2F', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-app': 'kept', accept: 'application/json' },
      body: '{"item":42}',
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get('x-origin'), 'echo');
    assert.equal(answer.whoamiCalls, 1);
    assert.equal(answer.originRequests.length, 1);
    const seen = answer.json();
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/dashboard/items?sort=desc&x=%2F');
    assert.equal(seen.body, '{"item":42}');
    assert.equal(seen.headers['x-app'], 'kept');
    assert.equal(seen.headers.cookie, cookie, 'the origin gets the cookies too');
  });

  await t.test('a navigation without a session → 303 to login, return_to = the request URL', async () => {
    const path = '/dashboard?tab=1&q=caf%C3%A9';
    for (const headers of [{ accept: BROWSER_ACCEPT }, { 'sec-fetch-mode': 'navigate', accept: '*/*' }]) {
      const answer = await send('main', path, { headers });
      assertRedirect(answer, login(`return_to=${escape(`${APP}${path}`)}`));
      assert.equal(answer.headers.get('location'), `${K}/self-service/login/browser?return_to=https%3A%2F%2Fapp.example.com%2Fdashboard%3Ftab%3D1%26q%3Dcaf%25C3%25A9`);
      assert.equal(new URL(answer.headers.get('location')).searchParams.get('return_to'), `${APP}${path}`);
      assert.equal(answer.text, '');
      assert.equal(answer.whoamiCalls, 1);
    }
  });

  await t.test('an API request without a session → 401 JSON login, WWW-Authenticate: Bearer (RFC 9110), no RFC 9470 challenge', async () => {
    for (const headers of [{ accept: 'application/json' }, {}, { accept: '*/*' }]) {
      const answer = await send('main', '/api/orders', { headers });
      assertJsonAnswer(answer, 401, { verdict: 'login', url: login(`return_to=${escape(`${APP}/api/orders`)}`), reason: 'no_session' });
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
    }
  });

  await t.test('step_up: ada signed in with a password only (Kratos answers 403) → 401 + RFC 9470 challenge, or 303 aal=aal2', async () => {
    const cookie = await session(ADA, PASSWORD);
    const api = await send('main', '/billing/invoices', { headers: { cookie, accept: 'application/json' } });
    const url = login(`aal=aal2&return_to=${escape(`${APP}/billing/invoices`)}`);
    assertJsonAnswer(api, 401, { verdict: 'step_up', url, reason: 'server_requires_aal2' });
    assert.equal(api.headers.get('www-authenticate'), STEP_UP_CHALLENGE);
    assertRedirect(await send('main', '/billing/invoices', { headers: { cookie, accept: BROWSER_ACCEPT } }), url);
  });

  await t.test('enroll: bob has no second factor → 403 JSON on /billing, or 303 to settings', async () => {
    const cookie = await session(BOB, PASSWORD);
    const settings = `${K}/self-service/settings/browser?return_to=${escape(`${APP}/billing`)}`;
    const api = await send('main', '/billing', { headers: { cookie } });
    assertJsonAnswer(api, 403, { verdict: 'enroll', url: settings, reason: 'second_factor_unavailable' });
    assert.equal(api.headers.get('www-authenticate'), null);
    assertRedirect(await send('main', '/billing', { headers: { cookie, 'sec-fetch-mode': 'navigate' } }), settings);
  });

  await t.test('refresh: a second factor older than 5 minutes on /billing → 401 max_age="300", or 303 refresh=true&aal=aal2', async () => {
    const cookie = await sessionAt(-10 * MINUTE, { email: ADA, methods: PASSWORD_TOTP });
    const url = login(`refresh=true&aal=aal2&return_to=${escape(`${APP}/billing/pay`)}`);
    const api = await send('main', '/billing/pay', { method: 'POST', headers: { cookie } });
    assertJsonAnswer(api, 401, { verdict: 'refresh', url, reason: 'second_factor_stale' });
    assert.equal(api.headers.get('www-authenticate'), STALE_CHALLENGE);
    assertRedirect(await send('main', '/billing/pay', { headers: { cookie, accept: BROWSER_ACCEPT } }), url);
    // The same session is good enough elsewhere.
    assert.equal((await send('main', '/dashboard', { headers: { cookie } })).status, 200);
  });

  await t.test('settings routes: privileged_session_max_age (1h) applies to /account/**', async () => {
    const old = await sessionAt(-2 * 60 * MINUTE, { email: BOB, methods: PASSWORD });
    const answer = await send('main', '/account/email', { headers: { cookie: old } });
    assertJsonAnswer(answer, 401, {
      verdict: 'refresh',
      url: login(`refresh=true&return_to=${escape(`${APP}/account/email`)}`),
      reason: 'reauthentication_required',
    });
    assert.equal(answer.headers.get('www-authenticate'), REAUTH_CHALLENGE);
    const recent = await session(BOB, PASSWORD);
    assert.equal((await send('main', '/account/email', { headers: { cookie: recent } })).status, 200);
  });

  await t.test('settings routes: KRATOS_PRIVILEGED_SESSION_MAX_AGE mirrors Kratos ("0s" always privileged, "15m")', async () => {
    const old = await sessionAt(-2 * 60 * MINUTE, { email: BOB, methods: PASSWORD });
    // 0s: Kratos never asks to re-authenticate for settings, nor does the worker (no loop).
    for (const headers of [{ cookie: old }, { cookie: old, accept: BROWSER_ACCEPT }]) {
      const answer = await send('alwaysPrivileged', '/account/email', { headers });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.originRequests.length, 1);
    }
    // 15m: 20 minutes is too old; 10 minutes is not.
    const twentyMinutes = await sessionAt(-20 * MINUTE, { email: BOB, methods: PASSWORD });
    const url = login(`refresh=true&return_to=${escape(`${APP}/account/email`)}`);
    const api = await send('privileged15m', '/account/email', { headers: { cookie: twentyMinutes } });
    assertJsonAnswer(api, 401, { verdict: 'refresh', url, reason: 'reauthentication_required' });
    assert.equal(api.headers.get('www-authenticate'), REAUTH_CHALLENGE.replace('max_age="3600"', 'max_age="900"'));
    assertRedirect(await send('privileged15m', '/account/email', { headers: { cookie: twentyMinutes, accept: BROWSER_ACCEPT } }), url);
    const tenMinutes = await sessionAt(-10 * MINUTE, { email: BOB, methods: PASSWORD });
    assert.equal((await send('privileged15m', '/account/email', { headers: { cookie: tenMinutes } })).status, 200);
    // The same 20-minute-old session under the default (1h) passes.
    assert.equal((await send('main', '/account/email', { headers: { cookie: twentyMinutes } })).status, 200);
  });

  await t.test('a fresh aal2 session passes /billing and /account', async () => {
    const cookie = await session(ADA, PASSWORD_TOTP);
    for (const path of ['/billing/invoices/7', '/account/security', '/']) {
      const answer = await send('main', path, { headers: { cookie, accept: BROWSER_ACCEPT } });
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
      assert.equal(answer.json().url, path);
    }
  });

  await t.test('public routes go through without a whoami call, even with Kratos down', async () => {
    for (const worker of ['main', 'down']) {
      const answer = await send(worker, '/public/logo.svg?v=2');
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.whoamiCalls, 0);
      assert.equal(answer.json().url, '/public/logo.svg?v=2');
    }
    // A path that only looks public is not.
    const sneaky = await send('main', '/public/..;/billing', { headers: { accept: 'application/json' } });
    assert.equal(sneaky.status, 401);
  });

  await t.test('credentials: only Cookie, Authorization and X-Session-Token reach whoami; the emulator takes each', async () => {
    const cookie = await session(BOB, PASSWORD);
    const token = cookie.slice(cookie.indexOf('=') + 1);
    const noise = {
      accept: BROWSER_ACCEPT,
      'accept-language': 'de-CH',
      'user-agent': 'leaky-agent/1.0',
      referer: 'https://leak.example/',
      origin: 'https://leak.example',
      'x-forwarded-for': '203.0.113.99',
      'x-custom-secret': 'do-not-forward',
      'content-type': 'text/plain',
    };
    const allowedNames = new Set(['host', 'accept', 'cookie', 'authorization', 'x-session-token', 'cf-worker', 'accept-encoding', 'connection', 'content-length']);
    for (const [credentials, name] of [
      [{ cookie }, 'cookie'],
      [{ 'x-session-token': token }, 'x-session-token'],
      [{ authorization: `Bearer ${token}` }, 'authorization'],
    ]) {
      const before = proxy.requests.length;
      const answer = await send('main', '/dashboard', { headers: { ...noise, ...credentials } });
      assert.equal(answer.status, 200, `${name}: the emulator accepted the session (${answer.text})`);
      const [sent] = proxy.requests.slice(before);
      assert.equal(sent.method, 'GET');
      assert.equal(sent.url, '/sessions/whoami');
      assert.equal(sent.headers[name], credentials[name]);
      assert.equal(sent.headers.accept, 'application/json');
      for (const header of Object.keys(sent.headers)) assert.ok(allowedNames.has(header), `${header} must not be forwarded`);
      for (const value of Object.values(noise)) assert.ok(!Object.values(sent.headers).includes(value), `${value} leaked`);
    }
    const all = await send('main', '/dashboard', { headers: { cookie, 'x-session-token': token, authorization: `Bearer ${token}` } });
    assert.equal(all.status, 200);
    const last = proxy.requests.at(-1).headers;
    assert.deepEqual([last.cookie, last['x-session-token'], last.authorization], [cookie, token, `Bearer ${token}`]);
  });

  await t.test('without whoamiUrl, whoami is {baseUrl}/sessions/whoami', async () => {
    const cookie = await session(BOB, PASSWORD);
    const answer = await send('direct', '/dashboard', { headers: { cookie } });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.whoamiCalls, 0, 'straight to the emulator, not through the proxy');
    assert.equal((await send('direct', '/dashboard', { headers: { accept: 'application/json' } })).status, 401);
  });

  await t.test('Kratos unreachable → 503 kratos_unreachable, navigations too; the origin is not called', async () => {
    const cookie = await session(BOB, PASSWORD);
    for (const headers of [{ cookie }, { cookie, accept: BROWSER_ACCEPT }, { 'sec-fetch-mode': 'navigate' }]) {
      const answer = await send('down', '/dashboard', { headers });
      assertJsonAnswer(answer, 503, { verdict: 'error', url: null, reason: 'kratos_unreachable' });
    }
  });

  await t.test('Kratos faults → 503, never a pass, never a redirect', async (t) => {
    const cookie = await session(ADA, PASSWORD_TOTP);
    t.after(() => kratos.fault({ mode: 'none' }));
    const cases = [
      ['slower than timeoutMs', { mode: 'slow', delayMs: 2000 }, 'impatient', 'kratos_timeout'],
      ['a 500', { mode: 'status500' }, 'main', 'unexpected_response'],
      ['garbage with a 200', { mode: 'garbage' }, 'main', 'invalid_session'],
    ];
    for (const [name, fault, worker, reason] of cases) {
      kratos.fault(fault);
      for (const headers of [{ cookie }, { cookie, accept: BROWSER_ACCEPT }]) {
        const started = performance.now();
        const answer = await send(worker, '/billing', { headers });
        const elapsed = performance.now() - started;
        assertJsonAnswer(answer, 503, { verdict: 'error', url: null, reason });
        assert.equal(answer.whoamiCalls, 1, name);
        if (reason === 'kratos_timeout') assert.ok(elapsed < 1500, `answered after ${elapsed.toFixed(0)} ms, not after Kratos's 2000`);
      }
    }
    kratos.fault({ mode: 'none' });
    assert.equal((await send('impatient', '/billing', { headers: { cookie } })).status, 200, 'back to normal');
  });

  await t.test('cache: the same credentials again → no whoami call; other credentials → one', async () => {
    const cookie = await session(BOB, PASSWORD);
    const first = await send('cached', '/dashboard', { headers: { cookie } });
    assert.deepEqual([first.status, first.whoamiCalls], [200, 1]);
    const second = await send('cached', '/dashboard', { headers: { cookie } });
    assert.deepEqual([second.status, second.whoamiCalls], [200, 0]);
    // The answer is kept, not the verdict: the same session on another route, decided anew.
    const billing = await send('cached', '/billing', { headers: { cookie } });
    assert.deepEqual([billing.status, billing.whoamiCalls, billing.json().verdict], [403, 0, 'enroll']);
    const other = await send('cached', '/dashboard', { headers: { cookie: await session(BOB, PASSWORD) } });
    assert.deepEqual([other.status, other.whoamiCalls], [200, 1]);
    const token = cookie.slice(cookie.indexOf('=') + 1);
    const asToken = await send('cached', '/dashboard', { headers: { 'x-session-token': token } });
    assert.deepEqual([asToken.status, asToken.whoamiCalls], [200, 1], 'keyed by the headers as sent');
  });

  await t.test('cache: no session, no credentials and non-200 answers are not kept', async () => {
    const stepUp = await session(ADA, PASSWORD); // Kratos answers 403 session_aal2_required
    for (const headers of [{}, { cookie: 'ory_kratos_session=forged' }, { cookie: stepUp }]) {
      for (let i = 0; i < 2; i += 1) {
        const answer = await send('cached', '/dashboard', { headers });
        assert.equal(answer.status, 401);
        assert.equal(answer.whoamiCalls, 1, JSON.stringify(headers));
      }
    }
  });

  await t.test('cache: errors are not kept', async (t) => {
    const cookie = await session(BOB, PASSWORD);
    t.after(() => kratos.fault({ mode: 'none' }));
    for (const mode of ['status500', 'garbage']) {
      kratos.fault({ mode });
      const failed = await send('cached', '/dashboard', { headers: { cookie } });
      assert.deepEqual([failed.status, failed.whoamiCalls], [503, 1], mode);
    }
    kratos.fault({ mode: 'none' });
    const ok = await send('cached', '/dashboard', { headers: { cookie } });
    assert.deepEqual([ok.status, ok.whoamiCalls], [200, 1], 'the errors were not kept');
    const again = await send('cached', '/dashboard', { headers: { cookie } });
    assert.deepEqual([again.status, again.whoamiCalls], [200, 0], 'the good answer is');
  });

  await t.test('cache: not used past ttlMs', async () => {
    const cookie = await session(BOB, PASSWORD);
    assert.equal((await send('briefly', '/dashboard', { headers: { cookie } })).whoamiCalls, 1);
    assert.equal((await send('briefly', '/dashboard', { headers: { cookie } })).whoamiCalls, 0);
    await sleep(1300);
    const later = await send('briefly', '/dashboard', { headers: { cookie } });
    assert.deepEqual([later.status, later.whoamiCalls], [200, 1]);
  });

  await t.test('cache: not used past the session’s expires_at, even within ttlMs', async () => {
    const lifetime = 2500;
    const cookie = await sessionAt(-(DAY - lifetime), { email: BOB, methods: PASSWORD }); // expires in 2.5 s
    const expiresAt = Date.now() + lifetime;
    const first = await send('cached', '/dashboard', { headers: { cookie } });
    assert.deepEqual([first.status, first.whoamiCalls], [200, 1]);
    const second = await send('cached', '/dashboard', { headers: { cookie } });
    assert.deepEqual([second.status, second.whoamiCalls], [200, 0]);
    await sleep(Math.max(0, expiresAt - Date.now()) + 300);
    const expired = await send('cached', '/dashboard', { headers: { cookie, accept: 'application/json' } });
    assert.equal(expired.whoamiCalls, 1, 'asked again once the session expired (ttlMs is 60 s)');
    assertJsonAnswer(expired, 401, { verdict: 'login', url: login(`return_to=${escape(`${APP}/dashboard`)}`), reason: 'no_session' });
  });

  await t.test('the README sample works as it says', async () => {
    const cookie = await session(BOB, PASSWORD);
    const allowed = await send('readme', '/dashboard?x=1', { method: 'POST', headers: { cookie }, body: 'hi' });
    assert.equal(allowed.status, 200, allowed.text);
    assert.deepEqual([allowed.json().method, allowed.json().url, allowed.json().body], ['POST', '/dashboard?x=1', 'hi']);
    const enroll = await send('readme', '/billing', { headers: { cookie, accept: BROWSER_ACCEPT } });
    assertRedirect(enroll, `${K}/self-service/settings/browser?return_to=${escape(`${APP}/billing`)}`);
    assert.equal((await send('readme', '/public/x')).status, 200);
    assert.equal((await send('readme', '/dashboard', { headers: { accept: 'application/json' } })).status, 401);
  });

  await t.test('one gate per isolate, made by concurrent first requests; no Wasm compiled at request time', async () => {
    const cookie = await session(ADA, PASSWORD_TOTP);
    const answers = await Promise.all(
      ['/billing', '/dashboard', '/public/a', '/account', '/billing/x'].map((path) => send('fresh', path, { headers: { cookie } })),
    );
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    const calls = await (await workers.fetch('fresh', `${APP}${WASM_CALLS_PATH}`)).json();
    assert.deepEqual(calls, INSTANTIATED_ONLY);
  });
});
