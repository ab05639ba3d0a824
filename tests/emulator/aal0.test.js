// Sessions with no authentication method (aal0): session/session.go SetAuthenticatorAssuranceLevel
// gives them aal0; session/manager_http.go FetchFromRequest finds them like any active session;
// DoesSessionSatisfy decides whoami; selfservice/flow/login/handler.go NewLoginFlow and
// updateLoginFlow treat them as a session.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ADA, BOB, HTML, JSON_ACCEPT, cookieOf, emulator, fixture, http, param, whoami } from './helpers.js';

test('createSession({ methods: [] }) holds an aal0 session (JS and HTTP)', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'highest_available' });
  const cookie = await kratos.createSession({ email: BOB.email, methods: [] });
  const w = await whoami(kratos, cookie);
  assert.equal(w.status, 200);
  assert.equal(w.body.authenticator_assurance_level, 'aal0');
  assert.deepEqual(w.body.authentication_methods, []);
  const r = (await http(kratos, '/__emulator/session', { method: 'POST', json: { email: BOB.email, methods: [] } })).json();
  assert.equal(r.session.authenticator_assurance_level, 'aal0');
  const state = (await http(kratos, '/__emulator/state')).json();
  assert.deepEqual(state.sessions.map((s) => s.aal), ['aal0', 'aal0']);
});

test('whoami, highest_available: an aal0 session passes unless the identity has a second factor (available AAL)', async (t) => {
  const kratos = await emulator(t);
  // bob's available AAL is aal1 (a password): DoesSessionSatisfy says nothing is owed
  assert.equal((await whoami(kratos, await kratos.createSession({ email: BOB.email, methods: [] }))).status, 200);
  // oidc@example.com: aal1 through the OIDC credential
  assert.equal((await whoami(kratos, await kratos.createSession({ email: 'oidc@example.com', methods: [] }))).status, 200);
  // ada has TOTP (available aal2): 403 session_aal2_required
  const ada = await whoami(kratos, await kratos.createSession({ email: ADA.email, methods: [] }));
  assert.equal(ada.status, 403);
  assert.equal(ada.text, fixture('derived-whoami-403-session_aal2_required.json', { url: kratos.url }));
});

test('whoami, aal1 required: an aal0 session gets 403 session_aal2_required (not 401)', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  for (const email of [BOB.email, ADA.email]) {
    const w = await whoami(kratos, await kratos.createSession({ email, methods: [] }));
    assert.equal(w.status, 403, email);
    assert.equal(w.text, fixture('derived-whoami-403-session_aal2_required.json', { url: kratos.url }), email);
  }
});

test('login init with an aal0 session: a session like any other', async (t) => {
  const kratos = await emulator(t);
  const bob = await kratos.createSession({ email: BOB.email, methods: [] });
  const already = fixture('derived-login-init-400-session_already_available.json');
  // aal1 (or none) → session_already_available; a browser is sent straight back (a loop for an app)
  for (const path of ['/self-service/login/api', '/self-service/login/api?aal=aal1', '/self-service/login/browser']) {
    const r = await http(kratos, path, { cookie: bob, accept: JSON_ACCEPT });
    assert.equal(r.status, 400, path);
    assert.equal(r.text, already, path);
  }
  const html = await http(kratos, '/self-service/login/browser', { cookie: bob, accept: HTML });
  assert.equal(html.status, 303);
  assert.equal(html.location, `${kratos.url}/`);
  // refresh=true → a first-factor refresh flow (bob's password)
  const refresh = (await http(kratos, '/self-service/login/api?refresh=true', { cookie: bob })).json();
  assert.deepEqual([refresh.refresh, refresh.requested_aal], [true, 'aal1']);
  assert.deepEqual(refresh.ui.nodes.map((n) => n.attributes.name), ['identifier', 'password', 'method']);
  assert.equal(refresh.ui.nodes[0].attributes.value, BOB.email);
  // aal=aal2 → a second-factor flow (aal2 > aal0); bob has none to show
  const up = (await http(kratos, '/self-service/login/api?aal=aal2', { cookie: bob })).json();
  assert.deepEqual([up.refresh, up.requested_aal], [false, 'aal2']);
  assert.deepEqual(up.ui.nodes, []);
  // ada's aal2 flow shows TOTP; her TOTP alone makes an aal1 session (a lone second factor)
  const ada = await kratos.createSession({ email: ADA.email, methods: [] });
  const f = await http(kratos, '/self-service/login/browser?aal=aal2', { cookie: ada, accept: HTML });
  const page = await http(kratos, f.location, { cookie: ada });
  assert.match(page.text, /id="totp_code"/);
  const done = await http(kratos, `/self-service/login?flow=${param(f.location, 'flow')}`, {
    method: 'POST', cookie: ada, accept: HTML, form: { method: 'totp', totp_code: ADA.totp },
  });
  assert.equal(done.status, 303);
  const lax = await emulator(t, { requiredAal: 'aal1' });
  const adaLax = await lax.createSession({ email: ADA.email, methods: [] });
  const f2 = (await http(lax, '/self-service/login/api?aal=aal2', { cookie: adaLax })).json();
  const r2 = await http(lax, `/self-service/login?flow=${f2.id}`, { method: 'POST', cookie: adaLax, json: { method: 'totp', totp_code: ADA.totp } });
  assert.equal(r2.status, 200);
  assert.equal(r2.json().session.authenticator_assurance_level, 'aal1');
});

test('login submit: an aal1 flow goes on for an aal0 session (aal1 > aal0), no refresh needed', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const flow = (await http(kratos, '/self-service/login/browser', { accept: JSON_ACCEPT })).json();
  const cookie = await kratos.createSession({ email: BOB.email, methods: [] });
  const r = await http(kratos, `/self-service/login?flow=${flow.id}`, {
    method: 'POST', cookie, json: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(r.status, 200);
  assert.equal(cookieOf(r.setCookie), cookie); // the same session, now aal1
  const w = await whoami(kratos, cookie);
  assert.equal(w.body.authenticator_assurance_level, 'aal1');
  assert.deepEqual(w.body.authentication_methods.map((m) => m.method), ['password']);
});
