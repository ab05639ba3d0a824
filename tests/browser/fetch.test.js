// aalgate/browser in Node: gate.fetch against a scripted API and the Kratos emulator. A 401/403
// with an RFC 9470 challenge or aalgate's JSON leads to one step-up redirect at most, only to
// Kratos (baseUrl's origin), and never when the session already satisfies the challenge.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createBrowserGate } from 'aalgate/browser';

import { LAX, PAGE, STEP_UP_CHALLENGE, apiServer, browserEnv, gateOnEmulator, returnToOf, unusedUrl } from './helpers.js';

const base = (kratos) => kratos.url.replace(/\/+$/, '');

// The API's answers; `kratos` is the emulator's base URL, `api` the API's own origin.
function routes(kratos, api) {
  const json = (status, body, headers = {}) => () => ({ status, body, headers });
  const apiLogin = `${kratos}/self-service/login/browser?return_to=${encodeURIComponent(`${api}/api/billing/pay`)}`;
  return {
    '/ok': json(200, { paid: true }),
    '/challenge': json(401, { verdict: 'step_up', url: null, reason: 'aal2_required' }, { 'www-authenticate': STEP_UP_CHALLENGE }),
    '/challenge-forbidden': json(403, 'denied', { 'www-authenticate': STEP_UP_CHALLENGE }),
    '/challenge-now': json(401, '', {
      'www-authenticate':
        'Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", acr_values="aal2", max_age="0"',
    }),
    '/challenge-among-others': json(401, '', {
      'www-authenticate': `Basic realm="api", ${STEP_UP_CHALLENGE.replace('Bearer', 'bearer')}`,
    }),
    '/other-challenge': json(401, '', { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' }),
    '/json-login': json(401, { verdict: 'login', url: apiLogin, reason: 'no_session' }),
    '/json-enroll': json(403, {
      verdict: 'enroll',
      url: `${kratos}/self-service/settings/browser`,
      reason: 'second_factor_unavailable',
    }),
    '/json-both': json(401, { verdict: 'step_up', url: `${kratos}/self-service/login/browser?aal=aal2`, reason: 'aal2_required' }, {
      'www-authenticate': STEP_UP_CHALLENGE,
    }),
    '/json-evil-origin': json(401, { verdict: 'login', url: 'https://evil.example.net/self-service/login/browser', reason: 'no_session' }),
    '/json-evil-port': json(401, { verdict: 'login', url: `${api}/self-service/login/browser`, reason: 'no_session' }),
    '/json-other-path': json(401, { verdict: 'login', url: `${kratos}/admin/identities`, reason: 'no_session' }),
    '/json-dot-segments': json(401, { verdict: 'login', url: `${kratos}/self-service/%2e%2e/admin`, reason: 'no_session' }),
    '/json-userinfo': json(401, { verdict: 'login', url: kratos.replace('http://', 'http://user@') + '/self-service/login/browser', reason: 'no_session' }),
    '/json-relative': json(401, { verdict: 'login', url: '/self-service/login/browser', reason: 'no_session' }),
    '/json-javascript': json(401, { verdict: 'login', url: 'javascript:alert(1)', reason: 'no_session' }),
    '/json-error': json(401, { verdict: 'error', url: null, reason: 'kratos_unreachable' }),
    '/json-allow': json(403, { verdict: 'allow', url: `${kratos}/self-service/login/browser`, reason: 'satisfied' }),
    '/json-503': json(503, { verdict: 'login', url: `${kratos}/self-service/login/browser`, reason: 'no_session' }),
    '/json-login-padded': json(401, { verdict: 'login', url: `${kratos}/self-service/login/browser`, reason: 'no_session', padding: 'p'.repeat(4096) }),
    '/html-401': () => ({ status: 401, body: '<h1>Unauthorized</h1>', headers: { 'content-type': 'text/html' } }),
  };
}

async function setup(t, { methods = null, kratosOptions } = {}) {
  const { kratos, env, gate } = await gateOnEmulator(t, { methods, kratosOptions });
  // The routes need the API's own URL, known once it listens: looked up per request.
  const api = await apiServer(t, (path) => routes(base(kratos), api.url)[path]);
  const whoamiCalls = () => env.calls.filter((c) => c.url.endsWith('/sessions/whoami')).length;
  return { kratos, env, api, gate, whoamiCalls };
}

test('a success passes through untouched: no whoami, no redirect', async (t) => {
  const { env, api, gate, whoamiCalls } = await setup(t);
  const res = await gate.fetch(`${api.url}/ok`, { method: 'POST', body: 'x=1', headers: { 'x-app': '1' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { paid: true });
  assert.equal(whoamiCalls(), 0);
  assert.deepEqual(env.assigned, []);
  assert.deepEqual(api.seen, [{ method: 'POST', path: '/ok', body: 'x=1' }]);
  assert.equal(new Headers(env.calls[0].init.headers).get('x-app'), '1', 'the init is passed as is');
});

test('a Request object as input is passed as is', async (t) => {
  const { api, gate } = await setup(t);
  const res = await gate.fetch(new Request(`${api.url}/ok`, { method: 'PUT', body: 'y' }));
  assert.equal(res.status, 200);
  assert.deepEqual(api.seen, [{ method: 'PUT', path: '/ok', body: 'y' }]);
});

test('401 with an RFC 9470 challenge and an aal1 session: step-up back to the page', async (t) => {
  const { kratos, env, api, gate, whoamiCalls } = await setup(t, { methods: ['password'] });
  const res = await gate.fetch(`${api.url}/challenge`, { method: 'POST' });
  assert.equal(res.status, 401, 'the Response comes back either way');
  assert.equal(res.headers.get('www-authenticate'), STEP_UP_CHALLENGE);
  assert.deepEqual(await res.json(), { verdict: 'step_up', url: null, reason: 'aal2_required' }, 'its body is unread');
  assert.equal(whoamiCalls(), 1);
  assert.deepEqual(env.assigned, [`${base(kratos)}/self-service/login/browser?aal=aal2&return_to=${encodeURIComponent(PAGE)}`]);
});

test('403 with a challenge, and a challenge among other challenges, work the same', async (t) => {
  const { env, api, gate } = await setup(t, { methods: ['password'] });
  await gate.fetch(`${api.url}/challenge-forbidden`);
  await gate.fetch(`${api.url}/challenge-among-others`);
  assert.equal(env.assigned.length, 2);
  for (const url of env.assigned) assert.equal(new URL(url).searchParams.get('aal'), 'aal2');
});

test('no loop: a session that already satisfies the challenge is not redirected', async (t) => {
  const { env, api, gate, whoamiCalls } = await setup(t, { methods: ['password', 'totp'] });
  for (let i = 0; i < 3; i++) {
    const res = await gate.fetch(`${api.url}/challenge`, { method: 'POST' });
    assert.equal(res.status, 401);
  }
  assert.equal(whoamiCalls(), 3, 'each call asks Kratos once');
  assert.deepEqual(env.assigned, [], 'the API keeps refusing, the gate does not bounce the user');
});

test('a challenge with max_age="0" asks an aal2 session to re-authenticate with the second factor', async (t) => {
  const { env, api, gate } = await setup(t, { methods: ['password', 'totp'] });
  // The challenge carries no `now`: the decision uses the real clock, a few ms after sign-in.
  await new Promise((resolve) => setTimeout(resolve, 5));
  await gate.fetch(`${api.url}/challenge-now`);
  assert.equal(env.assigned.length, 1);
  const url = new URL(env.assigned[0]);
  assert.equal(url.searchParams.get('refresh'), 'true');
  assert.equal(url.searchParams.get('aal'), 'aal2');
  assert.equal(url.searchParams.get('return_to'), PAGE);
});

test('no session and a challenge: login first (the core decides), back to the page', async (t) => {
  const { kratos, env, api, gate } = await setup(t);
  await gate.fetch(`${api.url}/challenge`);
  assert.deepEqual(env.assigned, [`${base(kratos)}/self-service/login/browser?return_to=${encodeURIComponent(PAGE)}`]);
});

test('challenge and JSON together: one redirect, the one require decides', async (t) => {
  const { kratos, env, api, gate } = await setup(t, { methods: ['password'] });
  await gate.fetch(`${api.url}/json-both`);
  assert.deepEqual(env.assigned, [`${base(kratos)}/self-service/login/browser?aal=aal2&return_to=${encodeURIComponent(PAGE)}`]);
});

test("aalgate's JSON with a Kratos URL: the browser goes there, exactly", async (t) => {
  const { kratos, env, api, gate, whoamiCalls } = await setup(t);
  const login = await gate.fetch(`${api.url}/json-login`);
  assert.equal(login.status, 401);
  assert.equal((await login.json()).verdict, 'login', 'the body is still readable');
  const enroll = await gate.fetch(`${api.url}/json-enroll`);
  assert.equal(enroll.status, 403);
  assert.deepEqual(env.assigned, [
    `${base(kratos)}/self-service/login/browser?return_to=${encodeURIComponent(`${api.url}/api/billing/pay`)}`,
    `${base(kratos)}/self-service/settings/browser`,
  ]);
  assert.equal(whoamiCalls(), 0, 'the JSON is followed as it is');
});

test("aalgate's JSON pointing anywhere but Kratos's self-service pages is ignored", async (t) => {
  const { env, api, gate } = await setup(t);
  for (const path of [
    '/json-evil-origin',
    '/json-evil-port',
    '/json-other-path',
    '/json-dot-segments',
    '/json-userinfo',
    '/json-relative',
    '/json-javascript',
    '/json-error',
    '/json-503',
    '/html-401',
    '/other-challenge',
  ]) {
    const res = await gate.fetch(`${api.url}${path}`);
    assert.ok(res instanceof Response, path);
  }
  assert.deepEqual(env.assigned, []);
});

test("aalgate's JSON is read up to maxBodyBytes: a longer body is not followed, and comes back whole", async (t) => {
  for (const [maxBodyBytes, followed] of [[1024, false], [8192, true]]) {
    const { kratos, env, gate } = await gateOnEmulator(t, { gateOptions: { kratos: LAX, maxBodyBytes } });
    const api = await apiServer(t, (path) => routes(base(kratos), api.url)[path]);
    const res = await gate.fetch(`${api.url}/json-login-padded`);
    assert.equal(res.status, 401);
    assert.equal((await res.json()).padding.length, 4096, 'the caller reads the whole body');
    assert.deepEqual(env.assigned, followed ? [`${base(kratos)}/self-service/login/browser`] : [], `maxBodyBytes ${maxBodyBytes}`);
  }
});

test("aalgate's JSON is followed by its URL alone (the core's own-page check), not by its verdict", async (t) => {
  // A 403 whose JSON says "allow" but carries a Kratos self-service URL: the browser goes to that
  // page of Kratos (never anywhere else); no verdict is read in JS.
  const { env, api, gate, kratos } = await setup(t);
  await gate.fetch(`${api.url}/json-allow`);
  assert.deepEqual(env.assigned, [`${base(kratos)}/self-service/login/browser`]);
});

test('Kratos unreachable during a challenge: no redirect, the Response comes back', async (t) => {
  const env = browserEnv();
  const api = await apiServer(t, { '/challenge': () => ({ status: 401, body: '', headers: { 'www-authenticate': STEP_UP_CHALLENGE } }) });
  const gate = await createBrowserGate({ baseUrl: await unusedUrl(), fetch: env.fetch, location: env.location });
  t.after(() => gate.dispose());
  const res = await gate.fetch(`${api.url}/challenge`);
  assert.equal(res.status, 401);
  assert.deepEqual(env.assigned, []);
});

test('a network failure of the app request rejects as fetch does, no redirect', async (t) => {
  const env = browserEnv();
  const gate = await createBrowserGate({ baseUrl: 'https://auth.example.com', fetch: env.fetch, location: env.location });
  t.after(() => gate.dispose());
  await assert.rejects(gate.fetch(`${await unusedUrl()}/api`), TypeError);
  assert.deepEqual(env.assigned, []);
});

test('concurrent calls: one redirect per call, all to the same step-up URL', async (t) => {
  const { env, api, gate } = await setup(t, { methods: ['password'] });
  const results = await Promise.all([1, 2, 3].map(() => gate.fetch(`${api.url}/json-both`)));
  assert.deepEqual(results.map((r) => r.status), [401, 401, 401]);
  assert.equal(env.assigned.length, 3, 'one per call');
  assert.equal(new Set(env.assigned).size, 1, 'all to the same step-up URL');
  assert.equal(returnToOf(env.assigned[0]), PAGE);
});
