// The settings flow: session, AAL, privileged age (clock), enabling the TOTP factor.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ADA, BOB, HTML, JSON_ACCEPT, cookieOf, emulator, fixture, http, param, whoami } from './helpers.js';

const APP = 'https://app.example.com';
const BACK = `${APP}/billing?tab=2fa`;
const INIT = `/self-service/settings/browser?return_to=${encodeURIComponent(BACK)}`;

test('no session: JSON → 401 session_inactive (unwrapped fixture), API → 401 fixture, HTML → 303 to login with return_to', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const j = await http(kratos, INIT, { accept: JSON_ACCEPT });
  assert.equal(j.status, 401);
  assert.equal(j.text, fixture('derived-settings-browser-init-json-401-session_inactive-unwrapped.json'));
  const a = await http(kratos, '/self-service/settings/api');
  assert.equal(a.status, 401);
  assert.equal(a.text, fixture('derived-settings-api-init-401-session_inactive.json'));
  const h = await http(kratos, INIT, { accept: HTML });
  assert.equal(h.status, 303);
  assert.equal(h.location, `${kratos.url}/self-service/login/browser?return_to=${encodeURIComponent(BACK)}`);
});

test('AAL not met: JSON → 403 session_aal2_required with return_to = the request URL; HTML → 303 there', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  const j = await http(kratos, INIT, { cookie, accept: JSON_ACCEPT });
  assert.equal(j.status, 403);
  const want = fixture('derived-settings-submit-403-session_aal2_required-with-return_to.json', {
    url: kratos.url,
    returnTo: `${kratos.url}${INIT}`,
  });
  assert.equal(j.text, want);
  const h = await http(kratos, INIT, { cookie, accept: HTML });
  assert.equal(h.status, 303);
  assert.equal(h.location, j.json().redirect_browser_to);
  assert.equal(param(h.location, 'return_to'), `${kratos.url}${INIT}`);
  // without return_to, the redirect has none (as whoami's)
  const bare = await http(kratos, '/self-service/settings/browser', { cookie, accept: JSON_ACCEPT });
  assert.equal(bare.json().redirect_browser_to, `${kratos.url}/self-service/login/browser?aal=aal2`);
  // settingsRequiredAal aal1: no AAL demand
  const lax = await emulator(t, { settingsRequiredAal: 'aal1' });
  const c2 = await lax.createSession({ email: ADA.email, methods: ['password'] });
  assert.equal((await http(lax, '/self-service/settings/browser', { cookie: c2, accept: JSON_ACCEPT })).status, 200);
});

// selfservice/flow/settings/handler.go createBrowserSettingsFlow checks the session and the AAL
// only; the privileged session is checked when a change is submitted (selfservice/strategy/totp/
// settings.go continueSettingsFlow → session/manager_http.go IsPrivileged). The emulator used to
// check it at init too (option settingsRefreshOnInit, removed).
test('an old session still gets a settings flow (no privileged check at init)', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP], privilegedSessionMaxAge: '15m' });
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  kratos.clock.advance(2 * 3600e3);
  const h = await http(kratos, INIT, { cookie, accept: HTML });
  assert.equal(h.status, 303);
  assert.match(h.location, /\/ui\/settings\?flow=/);
  const j = await http(kratos, INIT, { cookie, accept: JSON_ACCEPT });
  assert.equal(j.status, 200);
  assert.equal(j.json().state, 'show_form');
  await assert.rejects(emulator(t, { settingsRefreshOnInit: true }), /unknown option: settingsRefreshOnInit/);
});

test('bob enables TOTP end to end: submit → refresh → resumed → 303 to return_to', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  kratos.clock.advance(2 * 3600e3);
  const r1 = await http(kratos, INIT, { cookie, accept: HTML });
  assert.match(r1.location, /\/ui\/settings\?flow=/);
  const sf = param(r1.location, 'flow');
  const page = await http(kratos, r1.location, { cookie });
  for (const el of ['id="totp_code"', 'name="totp_code"', 'id="submit"']) assert.ok(page.text.includes(el), el);
  // not privileged: the submission is paused, the browser goes to a refresh login
  const paused = await http(kratos, `/self-service/settings?flow=${sf}`, { method: 'POST', cookie, accept: HTML, form: { method: 'totp', totp_code: '123456' } });
  assert.equal(paused.status, 303);
  const submitUrl = `${kratos.url}/self-service/settings?flow=${sf}`;
  assert.equal(paused.location, `${kratos.url}/self-service/login/browser?refresh=true&return_to=${encodeURIComponent(submitUrl)}`);
  const login = await http(kratos, paused.location, { cookie, accept: HTML });
  const flowId = param(login.location, 'flow');
  const sub = await http(kratos, `/self-service/login?flow=${flowId}`, {
    method: 'POST', cookie, accept: HTML, form: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(sub.location, submitUrl);
  const ok = await http(kratos, sub.location, { cookie, accept: HTML });
  assert.equal(ok.status, 303);
  assert.equal(ok.location, BACK);
  assert.deepEqual(kratos.users.find((u) => u.email === BOB.email), { email: BOB.email, password: BOB.password, totpCode: '123456', oidc: false });
  // the session that enrolled gets the totp method and a new authenticated_at (SessionAddAuthenticationMethods)
  const w = await whoami(kratos, cookie);
  assert.equal(w.body.authenticator_assurance_level, 'aal2');
  assert.deepEqual(w.body.authentication_methods.map((m) => m.method), ['password', 'password', 'totp']);
  assert.equal(w.body.authenticated_at, w.body.authentication_methods[2].completed_at);
  // a new aal1 session of bob is now refused by whoami under Strict
  const fresh = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  assert.equal((await whoami(kratos, fresh)).status, 403);
});

test('wrong and missing TOTP codes are messages on the flow (303 to the UI / 400 flow)', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const sf = (await http(kratos, '/self-service/settings/browser', { cookie, accept: JSON_ACCEPT })).json().id;
  const wrong = await http(kratos, `/self-service/settings?flow=${sf}`, { method: 'POST', cookie, accept: HTML, form: { method: 'totp', totp_code: '111111' } });
  assert.equal(wrong.location, `${kratos.url}/ui/settings?flow=${sf}`);
  assert.match((await http(kratos, wrong.location, { cookie })).text, /authentication code is invalid/);
  const missing = await http(kratos, `/self-service/settings?flow=${sf}`, { method: 'POST', cookie, json: { method: 'totp' } });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.json().ui.messages, [{ id: 4000002, text: 'Property totp_code is missing.', type: 'error', context: { property: 'totp_code' } }]);
  const none = await http(kratos, `/self-service/settings?flow=${sf}`, { method: 'POST', cookie, json: { method: 'webauthn' } });
  assert.equal(none.status, 400);
  assert.equal(none.json().ui.messages[0].id, 4010004);
});

// Kratos's success redirect without return_to is the settings UI with the flow
// (selfservice/flow/settings/hook.go PostSettingsHook: SecureRedirectOverrideDefaultReturnTo);
// the emulator used to send the default browser return URL.
test('submit checks (Kratos): AAL with return_to=<public>/self-service/settings?flow=<id>, privileged age, resume after refresh', async (t) => {
  const kratos = await emulator(t, { privilegedSessionMaxAge: '15m' });
  // two aal1 sessions of bob; one enrols, the other's flow then owes aal2
  const a = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const b = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const fa = (await http(kratos, '/self-service/settings/browser', { cookie: a, accept: JSON_ACCEPT })).json();
  const fb = (await http(kratos, '/self-service/settings/browser', { cookie: b, accept: JSON_ACCEPT })).json();
  const done = await http(kratos, `/self-service/settings?flow=${fb.id}`, { method: 'POST', cookie: b, json: { method: 'totp', totp_code: '123456' } });
  assert.equal(done.status, 200);
  assert.equal(done.json().state, 'success');
  assert.deepEqual(done.json().continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: `${kratos.url}/ui/settings?flow=${fb.id}` }]);
  assert.match(done.setCookie, /^ory_kratos_session=/);
  const owed = await http(kratos, `/self-service/settings?flow=${fa.id}`, { method: 'POST', cookie: a, json: { method: 'totp', totp_unlink: true } });
  assert.equal(owed.status, 403);
  assert.equal(owed.text, fixture('derived-settings-submit-403-session_aal2_required-with-return_to.json', { url: kratos.url, flowId: fa.id }));

  // privileged age at submit: exact fixture, then the refresh resumes the submission (continuity)
  const c = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const fc = (await http(kratos, '/self-service/settings/browser', { cookie: c, accept: JSON_ACCEPT })).json();
  kratos.clock.advance(20 * 60e3);
  const old = await http(kratos, `/self-service/settings?flow=${fc.id}`, { method: 'POST', cookie: c, json: { method: 'totp', totp_unlink: true } });
  assert.equal(old.status, 403);
  assert.equal(old.text, fixture('derived-settings-submit-403-session_refresh_required.json', { url: kratos.url, flowId: fc.id }));
  const oldHtml = await http(kratos, `/self-service/settings?flow=${fc.id}`, { method: 'POST', cookie: c, accept: HTML, form: { method: 'totp', totp_unlink: 'true' } });
  assert.equal(oldHtml.status, 303);
  assert.equal(oldHtml.location, old.json().redirect_browser_to);
  // a first-factor refresh (ada's session is aal2) is enough
  const lf = await http(kratos, oldHtml.location, { cookie: c, accept: HTML });
  const sub = await http(kratos, `/self-service/login?flow=${param(lf.location, 'flow')}`, {
    method: 'POST', cookie: c, accept: HTML, form: { method: 'password', identifier: ADA.email, password: ADA.password },
  });
  assert.equal(sub.location, `${kratos.url}/self-service/settings?flow=${fc.id}`);
  const resumed = await http(kratos, sub.location, { cookie: c, accept: HTML });
  assert.equal(resumed.status, 303);
  assert.equal(resumed.location, `${kratos.url}/ui/settings?flow=${fc.id}`);
  assert.equal(kratos.users.find((u) => u.email === ADA.email).totpCode, null);
});

test('settings flows belong to their identity; API settings flow with a token', async (t) => {
  const kratos = await emulator(t);
  const bob = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const ada = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const f = (await http(kratos, '/self-service/settings/api', { headers: { 'x-session-token': bob.split('=')[1] } })).json();
  assert.equal(f.type, 'api');
  assert.equal(f.identity.traits.email, BOB.email);
  const other = await http(kratos, `/self-service/settings?flow=${f.id}`, { method: 'POST', cookie: ada, json: { method: 'totp', totp_code: '123456' } });
  assert.equal(other.status, 403);
  assert.equal(other.json().error.id, 'security_identity_mismatch');
  const got = await http(kratos, `/self-service/settings/flows?id=${f.id}`, { cookie: bob });
  assert.equal(got.json().id, f.id);
  // a cookie from a login response works for settings too
  const lf = (await http(kratos, '/self-service/login/browser', { accept: JSON_ACCEPT })).json();
  const r = await http(kratos, `/self-service/login?flow=${lf.id}`, { method: 'POST', json: { method: 'password', identifier: BOB.email, password: BOB.password } });
  assert.equal((await http(kratos, '/self-service/settings/browser', { cookie: cookieOf(r.setCookie), accept: JSON_ACCEPT })).status, 200);
});
