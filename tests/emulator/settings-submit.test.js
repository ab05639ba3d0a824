// Settings submit, in Kratos's order (selfservice/flow/settings/handler.go updateSettingsFlow behind
// session/handler.go IsAuthenticated): session, flow, AAL, expiry, identity, then the strategy
// (method, privileged session). The privileged checks: session/manager_http.go IsPrivileged
// (TOTP; authenticated_at + max_age > now, max_age ≤ 0 always) and the password strategy's own
// (selfservice/strategy/password/settings.go: re-auth when authenticated_at + max_age < now).
import assert from 'node:assert/strict';
import test from 'node:test';

import { ADA, BOB, HTML, JSON_ACCEPT, emulator, http, whoami } from './helpers.js';

const MIN = 60e3;
const settingsFlow = async (kratos, cookie) => (await http(kratos, '/self-service/settings/browser', { cookie, accept: JSON_ACCEPT })).json();
const submit = (kratos, flowId, cookie, json) => http(kratos, `/self-service/settings?flow=${flowId}`, { method: 'POST', cookie, json });

test('unauthenticated submit: JSON → 401 without an error id; a form → 302 to the login UI', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const f = await settingsFlow(kratos, cookie);
  const want =
    '{"error":{"code":401,"status":"Unauthorized","reason":"A valid Ory Session Cookie or Ory Session Token is missing.","message":"The request could not be authorized"}}\n';
  for (const c of [undefined, 'ory_kratos_session=nope']) {
    const r = await submit(kratos, f.id, c, { method: 'totp', totp_code: '123456' });
    assert.equal(r.status, 401);
    assert.equal(r.text, want);
  }
  // before the flow lookup: an unknown flow gets the same 401
  assert.equal((await submit(kratos, '00000000-0000-4000-8000-000000000000', undefined, {})).text, want);
  const form = await http(kratos, `/self-service/settings?flow=${f.id}`, { method: 'POST', accept: HTML, form: { method: 'totp', totp_code: '123456' } });
  assert.equal(form.status, 302);
  assert.equal(form.location, `${kratos.url}/ui/login`);
  // the flow fetch is behind the same handler
  const get = await http(kratos, `/self-service/settings/flows?id=${f.id}`, { accept: JSON_ACCEPT });
  assert.equal(get.status, 401);
  assert.equal(get.text, want);
  // an expired session is no session
  kratos.clock.advance(25 * 3600e3);
  assert.equal((await submit(kratos, f.id, cookie, { method: 'totp' })).text, want);
});

test('flow id and lookup: malformed → 400, unknown → 404 "Please restart the flow"', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const bad = await submit(kratos, 'nope', cookie, {});
  assert.equal(bad.status, 400);
  assert.equal(bad.json().error.reason, 'The flow query parameter is missing or malformed.');
  const unknown = await submit(kratos, '00000000-0000-4000-8000-000000000000', cookie, {});
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().error.reason, 'The settings request could not be found. Please restart the flow.');
});

test('the privileged session is checked at submit, never at flow creation', async (t) => {
  const kratos = await emulator(t, { privilegedSessionMaxAge: '15m' });
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  kratos.clock.advance(60 * MIN);
  const f = await settingsFlow(kratos, cookie);
  assert.equal(f.state, 'show_form');
  const r = await submit(kratos, f.id, cookie, { method: 'totp', totp_code: '123456' });
  assert.equal(r.status, 403);
  assert.equal(r.json().error.id, 'session_refresh_required');
  assert.equal(
    r.json().redirect_browser_to,
    `${kratos.url}/self-service/login/browser?refresh=true&return_to=${encodeURIComponent(`${kratos.url}/self-service/settings?flow=${f.id}`)}`,
  );
  assert.equal(r.json().error.details, undefined);
  assert.equal(kratos.users.find((u) => u.email === BOB.email).totpCode, null);
});

test('at exactly max_age: TOTP (IsPrivileged) asks for a refresh, the password strategy does not', async (t) => {
  const kratos = await emulator(t, { privilegedSessionMaxAge: '15m' });
  kratos.clock.freeze();
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const f = await settingsFlow(kratos, cookie);
  kratos.clock.advance(15 * MIN - 1);
  const before = await submit(kratos, f.id, cookie, { method: 'totp', totp_code: '000000' });
  assert.equal(before.status, 400); // privileged: on to the code, which is wrong
  assert.equal(before.json().ui.messages[0].id, 4000008);
  kratos.clock.advance(1); // authenticated_at + 15m === now
  const totp = await submit(kratos, f.id, cookie, { method: 'totp', totp_code: '123456' });
  assert.equal(totp.status, 403);
  assert.equal(totp.json().error.id, 'session_refresh_required');
  const password = await submit(kratos, f.id, cookie, { method: 'password', password: 'a new password' });
  assert.equal(password.status, 200);
  assert.equal(password.json().state, 'success');
  assert.equal(kratos.users.find((u) => u.email === BOB.email).password, 'a new password');
  kratos.clock.advance(1); // past max_age: the password strategy asks too
  const after = await submit(kratos, f.id, cookie, { method: 'password', password: 'another one' });
  assert.equal(after.status, 403);
  assert.equal(after.json().error.id, 'session_refresh_required');
});

test('privileged_session_max_age 0s: TOTP changes always pass; the password strategy asks on every submit', async (t) => {
  const kratos = await emulator(t, { privilegedSessionMaxAge: '0s' });
  kratos.clock.freeze();
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  kratos.clock.advance(10 * 3600e3);
  const f = await settingsFlow(kratos, cookie);
  const totp = await submit(kratos, f.id, cookie, { method: 'totp', totp_code: '123456' });
  assert.equal(totp.status, 200);
  assert.equal(totp.json().state, 'success');
  // SessionAddAuthenticationMethods moved authenticated_at to now: at the same instant the
  // password strategy passes (authenticated_at + 0 < now is false) ...
  const f2 = await settingsFlow(kratos, cookie);
  assert.equal((await submit(kratos, f2.id, cookie, { method: 'password', password: 'a new password' })).status, 200);
  // ... one millisecond later it asks for a refresh, and it would after every refresh too
  kratos.clock.advance(1);
  const pw = await submit(kratos, f2.id, cookie, { method: 'password', password: 'another one' });
  assert.equal(pw.status, 403);
  assert.equal(pw.json().error.id, 'session_refresh_required');
  // the duration format of Kratos's schema: no bare 0, no fractions
  await assert.rejects(emulator(t, { privilegedSessionMaxAge: '0' }), TypeError);
  await assert.rejects(emulator(t, { privilegedSessionMaxAge: '1.5h' }), TypeError);
});

test('order: AAL before expiry and identity, expiry before identity, the method before the privilege', async (t) => {
  const kratos = await emulator(t, { privilegedSessionMaxAge: '15m' });
  const bobA = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const bobB = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const ada = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const fa = await settingsFlow(kratos, bobA);
  const fb = await settingsFlow(kratos, bobB);
  const fAda = await settingsFlow(kratos, ada);
  // bob enrols through B: A's session now owes aal2
  assert.equal((await submit(kratos, fb.id, bobB, { method: 'totp', totp_code: '123456' })).status, 200);
  kratos.clock.advance(2 * 3600e3); // every flow expired, every session too old
  // AAL first (A owes aal2): 403 session_aal2_required, not 410
  const aal = await submit(kratos, fa.id, bobA, { method: 'totp', totp_unlink: true });
  assert.equal(aal.status, 403);
  assert.equal(aal.json().error.id, 'session_aal2_required');
  // expiry before identity: bob (aal2 now) on ada's expired flow → 410
  const exp = await submit(kratos, fAda.id, bobB, { method: 'totp', totp_unlink: true });
  assert.equal(exp.status, 410);
  // identity on a live flow: 403 security_identity_mismatch
  const fAda2 = await settingsFlow(kratos, ada);
  const mismatch = await submit(kratos, fAda2.id, bobB, { method: 'totp', totp_unlink: true });
  assert.equal(mismatch.status, 403);
  assert.equal(mismatch.json().error.id, 'security_identity_mismatch');
  assert.equal(mismatch.json().error.reason, 'The request was initiated by someone else and has been blocked for security reasons. Please go back and try again.');
  // no strategy for the method: a message, before any privileged check
  const none = await submit(kratos, fAda2.id, ada, { method: 'profile' });
  assert.equal(none.status, 400);
  assert.equal(none.json().ui.messages[0].id, 4010004);
  // then the privilege
  const old = await submit(kratos, fAda2.id, ada, { method: 'totp', totp_unlink: true });
  assert.equal(old.json().error.id, 'session_refresh_required');
});

test('an API flow is not paused for later (no continuity); a browser flow is, and resumes after the refresh', async (t) => {
  const kratos = await emulator(t, { privilegedSessionMaxAge: '15m' });
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const token = cookie.split('=')[1];
  const api = (await http(kratos, '/self-service/settings/api', { headers: { 'x-session-token': token } })).json();
  kratos.clock.advance(20 * MIN);
  const r = await http(kratos, `/self-service/settings?flow=${api.id}`, { method: 'POST', headers: { 'x-session-token': token }, json: { method: 'totp', totp_unlink: true } });
  assert.equal(r.status, 403);
  assert.equal(r.json().error.id, 'session_refresh_required');
  // after a refresh nothing resumes by itself: the API client submits again
  const lf = (await http(kratos, '/self-service/login/api?refresh=true', { headers: { 'x-session-token': token } })).json();
  const l = await http(kratos, `/self-service/login?flow=${lf.id}`, { method: 'POST', headers: { 'x-session-token': token }, json: { method: 'password', identifier: ADA.email, password: ADA.password } });
  assert.equal(l.status, 200);
  assert.equal(kratos.users.find((u) => u.email === ADA.email).totpCode, '123456');
  const again = await http(kratos, `/self-service/settings?flow=${api.id}`, { method: 'POST', headers: { 'x-session-token': token }, json: { method: 'totp', totp_unlink: true } });
  assert.equal(again.status, 200);
  assert.equal(again.json().continue_with, undefined);
  assert.equal(again.headers.get('set-cookie'), null);
  assert.equal(kratos.users.find((u) => u.email === ADA.email).totpCode, null);
  // the session keeps its level and methods; whoami still answers
  assert.equal((await whoami(kratos, cookie)).status, 200);
});
