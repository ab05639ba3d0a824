// aalgate/browser in Node: gate.require against the Kratos emulator (a real HTTP server), with a
// browser-like fetch (cookies on `credentials: 'include'`) and a recording location.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AalgateError, createBrowserGate } from 'aalgate/browser';

import { ADA, LAX, PAGE, browserEnv, emulator, gateOnEmulator, kratosFaults, requireRedirecting, returnToOf, unusedUrl } from './helpers.js';

const base = (kratos) => kratos.url.replace(/\/+$/, '');
const loginUrl = (kratos, query) => `${base(kratos)}/self-service/login/browser${query}`;

test('no session: login with return_to = the page, whoami fetched with credentials', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t);

  const { decision: d } = await requireRedirecting(gate, { aal: 'aal1', now: kratos.clock.now() }, env);
  assert.equal(d.verdict, 'login');
  assert.equal(d.reason, 'no_session');
  assert.equal(d.url, loginUrl(kratos, `?return_to=${encodeURIComponent(PAGE)}`));
  assert.equal(returnToOf(d.url), PAGE);
  assert.ok(Object.isFrozen(d));
  assert.deepEqual(env.assigned, [d.url], 'location.assign once, with the decision URL');

  assert.equal(env.calls.length, 2, 'require, then require({ redirect: false }) for the decision');
  const [{ url, init }] = env.calls;
  assert.equal(url, `${base(kratos)}/sessions/whoami`);
  assert.equal(init.credentials, 'include');
  assert.equal(init.method, 'GET');
  assert.equal(new Headers(init.headers).get('accept'), 'application/json');
});

test('{ redirect: false } returns the decision and leaves the page alone', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t);

  const d = await gate.require({ aal: 'aal2', maxAge: '5m' }, { redirect: false });
  assert.equal(d.verdict, 'login');
  assert.equal(returnToOf(d.url), PAGE);
  assert.deepEqual(env.assigned, []);
  // `redirect: true` spelled out behaves as the default.
  const before = env.calls.length;
  gate.require({ aal: 'aal2' }, { redirect: true });
  while (env.calls.length === before || env.assigned.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(env.assigned, [d.url]);
});

test('aal1 session: aal1 allowed without a redirect; aal2 steps up to ?aal=aal2', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t, { methods: ['password'] });

  const allowed = await gate.require({ aal: 'aal1', now: kratos.clock.now() });
  assert.equal(allowed.verdict, 'allow');
  assert.equal(allowed.aal, 'aal1');
  assert.equal(allowed.url, null);
  assert.deepEqual(env.assigned, []);

  const { decision: stepUp } = await requireRedirecting(gate, { aal: 'aal2', now: kratos.clock.now() }, env);
  assert.equal(stepUp.verdict, 'step_up');
  assert.equal(stepUp.reason, 'aal2_required');
  assert.equal(stepUp.url, loginUrl(kratos, `?aal=aal2&return_to=${encodeURIComponent(PAGE)}`));
  assert.match(stepUp.challenge, /acr_values="aal2"/);
  assert.deepEqual(env.assigned, [stepUp.url]);
});

test('aal2 session: allowed while fresh, refresh with the second factor once older than maxAge', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t, { methods: ['password', 'totp'] });

  const fresh = await gate.require({ aal: 'aal2', maxAge: '5m', now: kratos.clock.now() });
  assert.equal(fresh.verdict, 'allow');
  assert.equal(fresh.aal, 'aal2');

  kratos.clock.advance(10 * 60 * 1000);
  const { decision: stale } = await requireRedirecting(gate, { aal: 'aal2', maxAge: '5m', now: kratos.clock.now() }, env);
  assert.equal(stale.verdict, 'refresh');
  assert.equal(stale.reason, 'second_factor_stale');
  assert.equal(stale.url, loginUrl(kratos, `?refresh=true&aal=aal2&return_to=${encodeURIComponent(PAGE)}`));
  assert.deepEqual(env.assigned, [stale.url]);
});

test('Strict Kratos: whoami 403 session_aal2_required is a step-up, not a logout', async (t) => {
  // The default mirror is Kratos's default: Strict.
  const { kratos, env, gate } = await gateOnEmulator(t, {
    methods: ['password'],
    kratosOptions: { requiredAal: 'highest_available' },
    gateOptions: {},
  });

  const { decision: d } = await requireRedirecting(gate, { now: kratos.clock.now() }, env);
  assert.equal(d.verdict, 'step_up');
  assert.equal(d.reason, 'server_requires_aal2');
  assert.equal(d.url, loginUrl(kratos, `?aal=aal2&return_to=${encodeURIComponent(PAGE)}`));
  assert.deepEqual(env.assigned, [d.url]);
});

test('returnTo: an explicit one wins, "" means none, no location means none', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t);

  const explicit = await gate.require({ returnTo: 'https://app.example.com/settings' }, { redirect: false });
  assert.equal(returnToOf(explicit.url), 'https://app.example.com/settings');
  const empty = await gate.require({ returnTo: '' }, { redirect: false });
  assert.equal(empty.url, loginUrl(kratos, ''));
  const nulled = await gate.require({ returnTo: null }, { redirect: false });
  assert.equal(returnToOf(nulled.url), PAGE, 'null is "not set": the page URL');

  // No injected location and none in this runtime (Node has no globalThis.location).
  assert.equal(globalThis.location, undefined);
  const bare = await createBrowserGate({ baseUrl: kratos.url, kratos: LAX, fetch: env.fetch });
  t.after(() => bare.dispose());
  const d = await bare.require({}, { redirect: false });
  assert.equal(d.url, loginUrl(kratos, ''));
  await assert.rejects(bare.require({}), { name: 'AalgateError', code: 'browser.location' });
});

test('allowedReturnUrls applies to the default returnTo too', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t, {
    href: 'https://elsewhere.example.net/page',
    gateOptions: { kratos: LAX, allowedReturnUrls: ['https://app.example.com/'] },
  });
  const { decision: d } = await requireRedirecting(gate, {}, env);
  assert.equal(d.url, loginUrl(kratos, ''));
  assert.deepEqual(d.warnings, ['return_to_dropped']);
  assert.deepEqual(env.assigned, [d.url]);
});

test('public requirement (aal none): allowed without asking Kratos', async (t) => {
  const { env, gate } = await gateOnEmulator(t, { gateOptions: {} });
  const d = await gate.require({ aal: 'none' });
  assert.equal(d.verdict, 'allow');
  assert.equal(d.reason, 'public');
  assert.deepEqual(env.calls, []);
  assert.deepEqual(env.assigned, []);
});

test('an invalid requirement rejects with its code before any request', async (t) => {
  const { env, gate } = await gateOnEmulator(t, { gateOptions: {} });
  await assert.rejects(gate.require({ aal: 'aal9' }), { name: 'AalgateError', code: 'requirement.aal' });
  await assert.rejects(gate.require({ maxage: '5m' }), { code: 'requirement.maxage' });
  await assert.rejects(gate.require('aal2'), { code: 'requirement' });
  await assert.rejects(gate.require({}, { redirect: 'no' }), { code: 'options.redirect' });
  await assert.rejects(gate.require({}, { redirct: false }), { code: 'options.redirct' });
  assert.deepEqual(env.calls, []);
});

test('Kratos unreachable: error kratos_unreachable, no redirect', async (t) => {
  const env = browserEnv();
  const gate = await createBrowserGate({ baseUrl: await unusedUrl(), fetch: env.fetch, location: env.location });
  t.after(() => gate.dispose());
  const d = await gate.require({ aal: 'aal2' });
  assert.deepEqual({ ...d, warnings: [...d.warnings] }, {
    verdict: 'error',
    url: null,
    reason: 'kratos_unreachable',
    aal: null,
    requiredAal: 'aal2',
    warnings: [],
    challenge: null,
  });
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.warnings));
  assert.deepEqual(env.assigned, []);

  // highest_available under Lax carries its warning whatever the verdict.
  const lax = await createBrowserGate({ baseUrl: await unusedUrl(), kratos: LAX, fetch: env.fetch, location: env.location });
  t.after(() => lax.dispose());
  const h = await lax.require({ aal: 'highest_available' });
  assert.equal(h.reason, 'kratos_unreachable');
  assert.deepEqual(h.warnings, ['highest_available_unverifiable']);
  assert.deepEqual(env.assigned, []);
});

test('Kratos faults (emulator): the core says error, never a pass, never a redirect', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t, { methods: ['password', 'totp'], gateOptions: { kratos: LAX, timeoutMs: 300 } });
  for (const [fault, reason] of FAULTS) {
    kratos.fault(fault);
    for (const requirement of [{ aal: 'aal1' }, { aal: 'aal2', maxAge: '5m' }]) {
      const d = await gate.require({ ...requirement, now: kratos.clock.now() });
      assert.deepEqual([d.verdict, d.reason, d.url], ['error', reason, null], JSON.stringify(fault));
    }
  }
  kratos.fault({ mode: 'none' });
  assert.equal((await gate.require({ aal: 'aal2', maxAge: '5m', now: kratos.clock.now() })).verdict, 'allow');
  assert.deepEqual(env.assigned, []);
});

test('a 16 MiB whoami answer: the browser gate reads no more than maxBodyBytes', async (t) => {
  const { kratos, gate } = await gateOnEmulator(t, { methods: ['password'], gateOptions: { kratos: LAX, maxBodyBytes: 65536 } });
  kratos.fault({ mode: 'huge', sizeBytes: 16 * 1024 * 1024 });
  const d = await gate.require({ now: kratos.clock.now() });
  assert.deepEqual([d.verdict, d.reason], ['error', 'body_too_large']);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const { sentBytes } = kratos.faultStats();
  assert.ok(sentBytes < 8 * 1024 * 1024, `the emulator sent ${sentBytes} bytes`);
  kratos.fault({ mode: 'huge', sizeBytes: 60000 });
  assert.equal((await gate.require({ now: kratos.clock.now() })).verdict, 'allow', 'within the limit');
});

test('timeoutMs: a number of milliseconds above 0 (config.timeoutMs); whoami past it is kratos_timeout', async (t) => {
  const kratos = await emulator(t);
  for (const timeoutMs of [0, -1, '300', NaN, 2 ** 31]) {
    await assert.rejects(createBrowserGate({ baseUrl: kratos.url, timeoutMs }), (error) => error.code === 'config.timeoutMs', String(timeoutMs));
  }
  const env = browserEnv();
  const gate = await createBrowserGate({ baseUrl: kratos.url, fetch: env.fetch, location: env.location, timeoutMs: 200 });
  t.after(() => gate.dispose());
  kratos.fault({ mode: 'slow', delayMs: 2000 });
  const started = performance.now();
  const d = await gate.require({}, { redirect: false });
  assert.deepEqual([d.verdict, d.reason], ['error', 'kratos_timeout']);
  assert.ok(performance.now() - started < 1500);
  kratos.fault({ mode: 'none' });
});

test('whoamiUrl: whoami is fetched there; URLs still come from baseUrl', async (t) => {
  const kratos = await emulator(t);
  const env = browserEnv();
  const gate = await createBrowserGate({
    baseUrl: 'https://auth.example.com/',
    whoamiUrl: `${base(kratos)}/sessions/whoami`,
    fetch: env.fetch,
    location: env.location,
  });
  t.after(() => gate.dispose());
  const { decision: d } = await requireRedirecting(gate, {}, env);
  assert.equal(env.calls[0].url, `${base(kratos)}/sessions/whoami`);
  assert.equal(d.url, `https://auth.example.com/self-service/login/browser?return_to=${encodeURIComponent(PAGE)}`);
});

test('fetch and location are looked up on globalThis at call time', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: ADA, methods: ['password'] });
  const gate = await createBrowserGate({ baseUrl: kratos.url, kratos: LAX });
  t.after(() => gate.dispose());

  const env = browserEnv({ cookie, href: 'https://app.example.com/orders' });
  const realFetch = globalThis.fetch;
  globalThis.fetch = env.fetch;
  globalThis.location = env.location;
  t.after(() => {
    globalThis.fetch = realFetch;
    delete globalThis.location;
  });
  const { decision: d } = await requireRedirecting(gate, { aal: 'aal2', now: kratos.clock.now() }, env);
  assert.equal(d.verdict, 'step_up');
  assert.equal(returnToOf(d.url), 'https://app.example.com/orders');
  assert.deepEqual(env.assigned, [d.url]);
  assert.equal(env.calls.length, 2, 'require, then require({ redirect: false }) for the decision');
});

test('decide is the core decision, with no defaults added', async (t) => {
  const env = browserEnv();
  const gate = await createBrowserGate({ baseUrl: 'https://auth.example.com', fetch: env.fetch, location: env.location });
  t.after(() => gate.dispose());
  const d = gate.decide(null, { aal: 'aal2' });
  assert.equal(d.verdict, 'login');
  assert.equal(d.url, 'https://auth.example.com/self-service/login/browser');
  assert.deepEqual(env.calls, []);
  assert.deepEqual(env.assigned, []);
});

test('configuration errors name the field', async () => {
  const bad = [
    [{ baseUrl: 'https://auth.example.com', whoamiUrl: '/sessions/whoami' }, 'config.whoamiUrl'],
    [{ baseUrl: 'https://auth.example.com', whoamiUrl: 'ftp://auth.example.com/x' }, 'config.whoamiUrl'],
    [{ baseUrl: 'https://auth.example.com', fetch: 'fetch' }, 'config.fetch'],
    [{ baseUrl: 'https://auth.example.com', location: {} }, 'config.location'],
    [{ baseUrl: 'https://auth.example.com', location: null }, 'config.location'],
    [{ baseUrl: 'ftp://auth.example.com' }, 'config.baseUrl'],
    [{ baseUrl: 'https://auth.example.com', timeout: 5 }, 'config.timeout'],
    [null, 'config'],
  ];
  for (const [options, code] of bad) {
    await assert.rejects(createBrowserGate(options), (error) => {
      assert.ok(error instanceof AalgateError, `${code}: ${error}`);
      assert.equal(error.code, code);
      return true;
    });
  }
});

test('dispose: later calls reject with gate.disposed; disposing twice is fine', async () => {
  const env = browserEnv();
  const gate = await createBrowserGate({ baseUrl: 'https://auth.example.com', fetch: env.fetch, location: env.location });
  gate.dispose();
  gate.dispose();
  await assert.rejects(gate.require(), { code: 'gate.disposed' });
  await assert.rejects(gate.fetch('https://api.example.com/'), { code: 'gate.disposed' });
  assert.throws(() => gate.decide(null), { code: 'gate.disposed' });
  assert.deepEqual(env.calls, []);
});

// A 'slow' Kratos waits past the gate's timeoutMs (300).
const FAULTS = kratosFaults({ delayMs: 2000 });

test('require() that redirects never settles: no code after it runs while the page leaves', async (t) => {
  const { kratos, env, gate } = await gateOnEmulator(t, { methods: ['password'] });
  let after = 'not yet';
  const pending = gate.require({ aal: 'aal2', now: kratos.clock.now() }).then(
    (d) => (after = `resolved ${d.verdict}`),
    (error) => (after = `rejected ${error}`),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(env.assigned.length, 1, 'the page was sent to the step-up');
  assert.equal(after, 'not yet', 'still pending 500 ms after location.assign');
  void pending;
  // Not redirecting, it resolves: { redirect: false }, allowed, and an error.
  assert.equal((await gate.require({ aal: 'aal2' }, { redirect: false })).verdict, 'step_up');
  assert.equal((await gate.require({ aal: 'aal1', now: kratos.clock.now() })).verdict, 'allow');
  assert.equal(env.assigned.length, 1);
});
