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

test('not privileged at init: 403 session_refresh_required / 303 to login?refresh=true&return_to=<settings URL>', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP], privilegedSessionMaxAge: '15m' });
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  kratos.clock.advance(15 * 60e3 - 1000);
  assert.equal((await http(kratos, INIT, { cookie, accept: HTML })).location.includes('/ui/settings?flow='), true);
  kratos.clock.advance(1000); // authenticated_at + max_age ≤ now
  const j = await http(kratos, INIT, { cookie, accept: JSON_ACCEPT });
  assert.equal(j.status, 403);
  const settingsUrl = `${kratos.url}${INIT}`;
  assert.equal(j.text, fixture('derived-settings-submit-403-session_refresh_required.json', { url: kratos.url, returnTo: settingsUrl }));
  const h = await http(kratos, INIT, { cookie, accept: HTML });
  assert.equal(h.status, 303);
  assert.equal(h.location, `${kratos.url}/self-service/login/browser?refresh=true&return_to=${encodeURIComponent(settingsUrl)}`);
});

test('bob enables TOTP end to end: refresh, settings page, wrong then right code, 303 to return_to', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  kratos.clock.advance(2 * 3600e3);
  // not privileged → refresh login → back to the settings init
  const r1 = await http(kratos, INIT, { cookie, accept: HTML });
  const login = await http(kratos, r1.location, { cookie, accept: HTML });
  const flowId = param(login.location, 'flow');
  const sub = await http(kratos, `/self-service/login?flow=${flowId}`, {
    method: 'POST', cookie, accept: HTML, form: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(sub.location, `${kratos.url}${INIT}`);
  const r2 = await http(kratos, sub.location, { cookie, accept: HTML });
  assert.match(r2.location, /\/ui\/settings\?flow=/);
  const page = await http(kratos, r2.location, { cookie });
  for (const el of ['id="totp_code"', 'name="totp_code"', 'id="submit"']) assert.ok(page.text.includes(el), el);
  const sf = param(r2.location, 'flow');
  const wrong = await http(kratos, `/self-service/settings?flow=${sf}`, { method: 'POST', cookie, accept: HTML, form: { method: 'totp', totp_code: '111111' } });
  assert.equal(wrong.location, `${kratos.url}/ui/settings?flow=${sf}`);
  assert.match((await http(kratos, wrong.location, { cookie })).text, /authentication code is invalid/);
  const ok = await http(kratos, `/self-service/settings?flow=${sf}`, { method: 'POST', cookie, accept: HTML, form: { method: 'totp', totp_code: '123456' } });
  assert.equal(ok.status, 303);
  assert.equal(ok.location, BACK);
  assert.deepEqual(kratos.users.find((u) => u.email === BOB.email), { email: BOB.email, password: BOB.password, totpCode: '123456' });
  // the session that enrolled gets the totp method (Kratos SessionAddAuthenticationMethods)
  const w = await whoami(kratos, cookie);
  assert.equal(w.body.authenticator_assurance_level, 'aal2');
  assert.deepEqual(w.body.authentication_methods.map((m) => m.method), ['password', 'password', 'totp']);
  // a new aal1 session of bob is now refused by whoami under Strict
  const fresh = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  assert.equal((await whoami(kratos, fresh)).status, 403);
});

test('submit checks (Kratos): AAL with return_to=<public>/self-service/settings?flow=<id>, privileged age, resume after refresh', async (t) => {
  const kratos = await emulator(t, { settingsRefreshOnInit: false, privilegedSessionMaxAge: '15m' });
  // two aal1 sessions of bob; one enrols, the other's flow then owes aal2
  const a = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const b = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const fa = (await http(kratos, '/self-service/settings/browser', { cookie: a, accept: JSON_ACCEPT })).json();
  const fb = (await http(kratos, '/self-service/settings/browser', { cookie: b, accept: JSON_ACCEPT })).json();
  const done = await http(kratos, `/self-service/settings?flow=${fb.id}`, { method: 'POST', cookie: b, json: { method: 'totp', totp_code: '123456' } });
  assert.equal(done.status, 200);
  assert.equal(done.json().state, 'success');
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
  // refresh with the second factor (ada's session is aal2)
  const lf = await http(kratos, oldHtml.location, { cookie: c, accept: HTML });
  const sub = await http(kratos, `/self-service/login?flow=${param(lf.location, 'flow')}`, {
    method: 'POST', cookie: c, accept: HTML, form: { method: 'password', identifier: ADA.email, password: ADA.password },
  });
  assert.equal(sub.location, `${kratos.url}/self-service/settings?flow=${fc.id}`);
  const resumed = await http(kratos, sub.location, { cookie: c, accept: HTML });
  assert.equal(resumed.status, 303);
  assert.equal(resumed.location, `${kratos.url}/`);
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
