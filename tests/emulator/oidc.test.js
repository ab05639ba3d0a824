// Upstream MFA: an OIDC-only identity (oidc@example.com) whose provider performs the second factor.
// session/session.go SetAuthenticatorAssuranceLevel makes {oidc, aal2} an aal2 session on its own;
// selfservice/strategy/oidc/strategy_login.go offers only a first-factor refresh form
// (PopulateLoginMethodFirstFactorRefresh), so `?refresh=true&aal=aal2` shows no method at all.
import assert from 'node:assert/strict';
import test from 'node:test';

import { HTML, JSON_ACCEPT, cookieOf, emulator, http, param, whoami } from './helpers.js';

const OIDC = 'oidc@example.com';
const UPSTREAM_MFA = [{ method: 'oidc', aal: 'aal2' }];

test('the OIDC-only demo user: reachable by createSession (JS and HTTP), no password sign-in', async (t) => {
  const kratos = await emulator(t);
  assert.deepEqual(kratos.users.find((u) => u.email === OIDC), { email: OIDC, password: null, totpCode: null, oidc: true });
  // default methods: its first factor, recorded at aal1
  const plain = await whoami(kratos, await kratos.createSession({ email: OIDC }));
  assert.equal(plain.status, 200); // Strict, but its available AAL is aal1
  assert.deepEqual(plain.body.authentication_methods.map((m) => [m.method, m.aal]), [['oidc', 'aal1']]);
  assert.equal(plain.body.authenticator_assurance_level, 'aal1');
  const r = (await http(kratos, '/__emulator/session', { method: 'POST', json: { email: OIDC, methods: UPSTREAM_MFA } })).json();
  assert.equal(r.session.authenticator_assurance_level, 'aal2');
  const w = await whoami(kratos, r.cookie);
  assert.equal(w.status, 200);
  assert.equal(w.body.authenticator_assurance_level, 'aal2');
  // no password credential: invalid credentials, whatever the password
  const f = (await http(kratos, '/self-service/login/api')).json();
  for (const password of ['', 'null', 'anything']) {
    const bad = await http(kratos, `/self-service/login?flow=${f.id}`, { method: 'POST', json: { method: 'password', identifier: OIDC, password } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().ui.messages[0].id, 4000006);
  }
  // the stand-in provider does not sign anyone in from scratch
  const fresh = await http(kratos, `/self-service/login?flow=${f.id}`, { method: 'POST', json: { method: 'oidc', provider: 'emulator' } });
  assert.equal(fresh.status, 400);
  assert.equal(fresh.json().ui.messages[0].id, 4010002);
});

test('refresh=true: a first-factor "Continue with the provider" form; its submit appends {oidc, aal2} and moves authenticated_at', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: OIDC, methods: UPSTREAM_MFA });
  const before = (await whoami(kratos, cookie)).body;
  kratos.clock.advance(30 * 60e3);

  const flow = (await http(kratos, '/self-service/login/browser?refresh=true', { cookie, accept: JSON_ACCEPT })).json();
  assert.deepEqual([flow.refresh, flow.requested_aal], [true, 'aal1']);
  assert.deepEqual(flow.ui.nodes.map((n) => [n.group, n.attributes.name, n.attributes.value]), [
    ['default', 'csrf_token', flow.ui.nodes[0].attributes.value],
    ['oidc', 'provider', 'emulator'],
  ]);
  assert.equal(flow.ui.nodes[1].meta.label.id, 1010002);

  const r = await http(kratos, '/self-service/login/browser?refresh=true', { cookie, accept: HTML });
  const page = await http(kratos, r.location, { cookie });
  assert.match(page.text, /id="oidc-submit"/);
  assert.match(page.text, /Continue with the provider/);
  assert.doesNotMatch(page.text, /id="password"|id="totp_code"/);
  const done = await http(kratos, `/self-service/login?flow=${param(r.location, 'flow')}`, {
    method: 'POST', cookie, accept: HTML, form: { method: 'oidc', provider: 'emulator' },
  });
  assert.equal(done.status, 303);
  assert.equal(done.location, `${kratos.url}/`);
  assert.equal(cookieOf(done.setCookie), cookie);
  const after = (await whoami(kratos, cookie)).body;
  assert.equal(after.id, before.id);
  assert.deepEqual(after.authentication_methods.map((m) => [m.method, m.aal]), [['oidc', 'aal2'], ['oidc', 'aal2']]);
  assert.equal(after.authenticator_assurance_level, 'aal2');
  assert.ok(Date.parse(after.authenticated_at) - Date.parse(before.authenticated_at) >= 30 * 60e3);
  assert.equal(after.authenticated_at, after.authentication_methods[1].completed_at);
  assert.equal(after.authenticated_at, after.issued_at);
  // an unknown provider is not this form's
  const again = (await http(kratos, '/self-service/login/api?refresh=true', { cookie })).json();
  const wrong = await http(kratos, `/self-service/login?flow=${again.id}`, { method: 'POST', cookie, json: { method: 'oidc', provider: 'github' } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json().ui.messages[0].id, 4010002);
});

test('refresh=true&aal=aal2 for upstream MFA: a flow with no method at all (a dead end), and a page that says so', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: OIDC, methods: UPSTREAM_MFA });
  const flow = (await http(kratos, '/self-service/login/api?refresh=true&aal=aal2', { cookie })).json();
  assert.deepEqual([flow.refresh, flow.requested_aal], [true, 'aal2']);
  assert.deepEqual(flow.ui.nodes, []);
  const r = await http(kratos, '/self-service/login/browser?refresh=true&aal=aal2', { cookie, accept: HTML });
  assert.equal(r.status, 303);
  const page = await http(kratos, r.location, { cookie });
  assert.match(page.text, /id="no-method"/);
  assert.match(page.text, /upstream MFA/);
  assert.doesNotMatch(page.text, /<form/);
  // nothing it can be completed with
  for (const body of [{ method: 'totp', totp_code: '123456' }, { method: 'oidc', provider: 'emulator' }, { method: 'password', identifier: OIDC, password: 'x' }]) {
    const tried = await http(kratos, `/self-service/login?flow=${flow.id}`, { method: 'POST', cookie, json: body });
    assert.equal(tried.status, 400, body.method);
  }
  // without refresh, aal=aal2 on an aal2 session: session_already_available
  assert.equal((await http(kratos, '/self-service/login/api?aal=aal2', { cookie })).json().error.id, 'session_already_available');
});

test('an identity with a password and the provider gets both refresh forms', async (t) => {
  const kratos = await emulator(t, { privilegedSessionMaxAge: '0s' });
  // give the OIDC user a password through settings (max age 0s: the password strategy passes at once only on a frozen clock)
  kratos.clock.freeze();
  const cookie = await kratos.createSession({ email: OIDC, methods: UPSTREAM_MFA });
  const sf = (await http(kratos, '/self-service/settings/browser', { cookie, accept: JSON_ACCEPT })).json();
  const set = await http(kratos, `/self-service/settings?flow=${sf.id}`, { method: 'POST', cookie, json: { method: 'password', password: 'provider and password' } });
  assert.equal(set.status, 200);
  const flow = (await http(kratos, '/self-service/login/api?refresh=true', { cookie })).json();
  assert.deepEqual(flow.ui.nodes.map((n) => n.attributes.name), ['identifier', 'password', 'method', 'provider']);
  const r = await http(kratos, '/self-service/login/browser?refresh=true', { cookie, accept: HTML });
  const page = await http(kratos, r.location, { cookie });
  assert.match(page.text, /id="password"/);
  assert.match(page.text, /id="oidc-submit"/);
});
