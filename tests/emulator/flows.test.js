// The login form flow end to end over HTTP (cookies by hand), step-up, refresh, API and SPA flows.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ADA, BOB, HTML, JSON_ACCEPT, cookieOf, emulator, fixture, http, param, whoami } from './helpers.js';

const APP = 'https://app.example.com';
const DASH = `${APP}/dashboard`;

/** GET a login init URL as a browser: 303 to the UI; returns { flowId, page }. */
async function openLogin(kratos, path, cookie) {
  const r = await http(kratos, path, { accept: HTML, cookie });
  assert.equal(r.status, 303, `${path}: ${r.text}`);
  assert.match(r.location, /\/ui\/login\?flow=/);
  const page = await http(kratos, r.location, { cookie });
  assert.equal(page.status, 200);
  return { flowId: param(r.location, 'flow'), page: page.text };
}
const submit = (kratos, flowId, form, cookie) =>
  http(kratos, `/self-service/login?flow=${flowId}`, { method: 'POST', form, cookie, accept: HTML });

test('Strict, ada: password → cookie + 303 to the aal2 flow → TOTP → 303 to return_to at aal2', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const first = await openLogin(kratos, `/self-service/login/browser?return_to=${encodeURIComponent(DASH)}`);
  assert.match(first.page, /id="identifier"/);
  assert.match(first.page, /id="password"/);
  assert.match(first.page, /id="submit"/);

  const wrong = await submit(kratos, first.flowId, { method: 'password', identifier: ADA.email, password: 'nope' });
  assert.equal(wrong.status, 303);
  assert.equal(wrong.setCookie, null);
  assert.equal(wrong.location, `${kratos.url}/ui/login?flow=${first.flowId}`);
  assert.match((await http(kratos, wrong.location)).text, /The provided credentials are invalid/);

  const ok = await submit(kratos, first.flowId, { method: 'password', identifier: 'ADA@example.com', password: ADA.password });
  assert.equal(ok.status, 303);
  assert.equal(ok.location, `${kratos.url}/self-service/login/browser?aal=aal2&return_to=${encodeURIComponent(DASH)}`);
  assert.match(ok.setCookie, /^ory_kratos_session=[^;]+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
  const cookie = cookieOf(ok.setCookie);
  assert.equal((await whoami(kratos, cookie)).status, 403);

  const second = await openLogin(kratos, ok.location.slice(kratos.url.length), cookie);
  assert.match(second.page, /id="totp_code"/);
  assert.doesNotMatch(second.page, /id="password"/);
  const badCode = await submit(kratos, second.flowId, { method: 'totp', totp_code: '000000' }, cookie);
  assert.equal(badCode.location, `${kratos.url}/ui/login?flow=${second.flowId}`);
  assert.match((await http(kratos, badCode.location, { cookie })).text, /authentication code is invalid/);
  const done = await submit(kratos, second.flowId, { method: 'totp', totp_code: ADA.totp }, cookie);
  assert.equal(done.status, 303);
  assert.equal(done.location, DASH);
  assert.equal(cookieOf(done.setCookie), cookie);

  const w = await whoami(kratos, cookie);
  assert.equal(w.status, 200);
  assert.equal(w.body.authenticator_assurance_level, 'aal2');
  assert.deepEqual(w.body.authentication_methods.map((m) => [m.method, m.aal]), [['password', 'aal1'], ['totp', 'aal2']]);
});

test('Lax, ada: password alone → 303 to return_to (or the default URL), whoami 200 at aal1', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1', allowedReturnUrls: [APP] });
  const a = await openLogin(kratos, `/self-service/login/browser?return_to=${encodeURIComponent(DASH)}`);
  const r = await submit(kratos, a.flowId, { method: 'password', identifier: ADA.email, password: ADA.password });
  assert.equal(r.location, DASH);
  const w = await whoami(kratos, cookieOf(r.setCookie));
  assert.equal(w.body.authenticator_assurance_level, 'aal1');
  const b = await openLogin(kratos, '/self-service/login/browser');
  const r2 = await submit(kratos, b.flowId, { method: 'password', identifier: BOB.email, password: BOB.password });
  assert.equal(r2.location, `${kratos.url}/`);
});

test('Strict, bob (no second factor): password → straight to return_to; his step-up flow is a dead end', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const a = await openLogin(kratos, `/self-service/login/browser?return_to=${encodeURIComponent(DASH)}`);
  const r = await submit(kratos, a.flowId, { method: 'password', identifier: BOB.email, password: BOB.password });
  assert.equal(r.location, DASH);
  const cookie = cookieOf(r.setCookie);
  const w = await whoami(kratos, cookie);
  assert.equal(w.status, 200);
  assert.equal(w.body.authenticator_assurance_level, 'aal1');
  const up = await openLogin(kratos, '/self-service/login/browser?aal=aal2', cookie);
  const tried = await submit(kratos, up.flowId, { method: 'totp', totp_code: '123456' }, cookie);
  assert.equal(tried.location, `${kratos.url}/ui/login?flow=${up.flowId}`);
  assert.equal((await whoami(kratos, cookie)).body.authenticator_assurance_level, 'aal1');
});

test('refresh keeps the session, appends the method, moves authenticated_at/issued_at/expires_at', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const before = (await whoami(kratos, cookie)).body;
  kratos.clock.advance(30 * 60e3);

  const f = await openLogin(kratos, '/self-service/login/browser?refresh=true&aal=aal2', cookie);
  assert.match(f.page, /id="totp_code"/);
  const r = await submit(kratos, f.flowId, { method: 'totp', totp_code: ADA.totp }, cookie);
  assert.equal(r.location, `${kratos.url}/`);
  assert.equal(cookieOf(r.setCookie), cookie);
  const after = (await whoami(kratos, cookie)).body;
  assert.equal(after.id, before.id);
  assert.deepEqual(after.authentication_methods.map((m) => m.method), ['password', 'totp', 'totp']);
  assert.equal(Date.parse(after.authenticated_at) - Date.parse(before.authenticated_at) >= 30 * 60e3, true);
  assert.equal(after.authenticated_at, after.issued_at);
  assert.equal(Date.parse(after.expires_at) - Date.parse(after.authenticated_at), 24 * 3600e3);
  assert.equal(after.authentication_methods[2].completed_at, after.authenticated_at);

  kratos.clock.advance(60e3);
  const p = await openLogin(kratos, '/self-service/login/browser?refresh=true', cookie);
  assert.match(p.page, new RegExp(`id="identifier"[^>]*value="${ADA.email}"`));
  const r2 = await submit(kratos, p.flowId, { method: 'password', identifier: ADA.email, password: ADA.password }, cookie);
  assert.equal(r2.status, 303);
  const last = (await whoami(kratos, cookie)).body;
  assert.deepEqual(last.authentication_methods.map((m) => [m.method, m.aal]), [
    ['password', 'aal1'],
    ['totp', 'aal2'],
    ['totp', 'aal2'],
    ['password', 'aal1'],
  ]);
  assert.equal(last.authenticator_assurance_level, 'aal2');
  assert.equal(last.id, before.id);
});

// selfservice/flow/login/handler.go updateLoginFlow: "we re-authenticate as another user. In this
// case, we need to use a completely fresh session!" (the emulator used to refuse this with
// security_identity_mismatch, which Kratos does not do on login).
test('refresh as another identity: a fresh session for that identity; the old session is untouched', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const f = await openLogin(kratos, '/self-service/login/browser?refresh=true', cookie);
  const r = await submit(kratos, f.flowId, { method: 'password', identifier: BOB.email, password: BOB.password }, cookie);
  assert.equal(r.status, 303);
  assert.equal(r.location, `${kratos.url}/`);
  const fresh = cookieOf(r.setCookie);
  assert.notEqual(fresh, cookie);
  const bob = (await whoami(kratos, fresh)).body;
  assert.equal(bob.identity.traits.email, BOB.email);
  assert.deepEqual(bob.authentication_methods.map((m) => m.method), ['password']);
  const ada = (await whoami(kratos, cookie)).body;
  assert.equal(ada.identity.traits.email, ADA.email);
  assert.equal(ada.authentication_methods.length, 2);
  const g = await openLogin(kratos, '/self-service/login/browser?refresh=true', cookie);
  const j = await http(kratos, `/self-service/login?flow=${g.flowId}`, {
    method: 'POST', cookie, json: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(j.status, 200);
  assert.equal(j.json().session.identity.traits.email, BOB.email);
});

test('SPA (browser flow, JSON): first factor owing aal2 → 422 browser_location_change_required fixture', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const flow = (await http(kratos, `/self-service/login/browser?return_to=${encodeURIComponent(DASH)}`, { accept: JSON_ACCEPT })).json();
  assert.equal(flow.type, 'browser');
  const bad = await http(kratos, `/self-service/login?flow=${flow.id}`, { method: 'POST', json: { method: 'password', identifier: ADA.email, password: 'x' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json().ui.messages[0].id, 4000006);
  const r = await http(kratos, `/self-service/login?flow=${flow.id}`, {
    method: 'POST', json: { method: 'password', identifier: ADA.email, password: ADA.password },
  });
  assert.equal(r.status, 422);
  assert.equal(r.text, fixture('derived-login-submit-spa-422-browser_location_change_required-aal2.json', { url: kratos.url }));
  assert.ok(r.setCookie);
  // bob owes nothing: 200 with the session and where to go
  const f2 = (await http(kratos, '/self-service/login/browser', { accept: JSON_ACCEPT })).json();
  const ok = await http(kratos, `/self-service/login?flow=${f2.id}`, { method: 'POST', json: { method: 'password', identifier: BOB.email, password: BOB.password } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json().session.identity.traits.email, BOB.email);
  assert.deepEqual(ok.json().continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: `${kratos.url}/` }]);
});

test('API flow: session_token in the body, no cookie; identity null while whoami would demand aal2', async (t) => {
  const kratos = await emulator(t);
  const flow = (await http(kratos, '/self-service/login/api')).json();
  const r = await http(kratos, `/self-service/login?flow=${flow.id}`, {
    method: 'POST', json: { method: 'password', identifier: ADA.email, password: ADA.password },
  });
  assert.equal(r.status, 200);
  assert.equal(r.setCookie, null);
  const body = r.json();
  assert.equal(body.session.identity, null);
  assert.equal(body.session.authenticator_assurance_level, 'aal1');
  const token = body.session_token;
  assert.equal((await http(kratos, '/sessions/whoami', { headers: { 'x-session-token': token } })).status, 403);
  // step up with the token
  const up = (await http(kratos, '/self-service/login/api?aal=aal2', { headers: { 'x-session-token': token } })).json();
  const r2 = await http(kratos, `/self-service/login?flow=${up.id}`, {
    method: 'POST', headers: { 'x-session-token': token }, json: { method: 'totp', totp_code: ADA.totp },
  });
  assert.equal(r2.status, 200);
  assert.equal(r2.json().session.identity.traits.email, ADA.email);
  const w = await http(kratos, '/sessions/whoami', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(w.json().authenticator_assurance_level, 'aal2');
});

// selfservice/flow/login/handler.go updateLoginFlow: with a session and neither refresh nor a
// higher AAL, ErrAlreadyLoggedIn goes through login/error.go WriteFlowError, whose
// container.ParseError turns a 400 into a message on the flow: JSON gets 400 with the FLOW (the
// emulator used to send the error body), browsers a 303 to the default return URL.
test('a flow submitted after the session appeared → 400 flow with the reason as a message; browsers → default URL', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1', allowedReturnUrls: [APP] });
  const a = await openLogin(kratos, `/self-service/login/browser?return_to=${encodeURIComponent(DASH)}`);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const j = await http(kratos, `/self-service/login?flow=${a.flowId}`, { method: 'POST', cookie, json: { method: 'password', identifier: BOB.email, password: BOB.password } });
  assert.equal(j.status, 400);
  const reason = 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?';
  assert.equal(j.json().id, a.flowId);
  assert.deepEqual(j.json().ui.messages, [{ id: 4000001, text: reason, type: 'error', context: { reason } }]);
  const h = await submit(kratos, a.flowId, { method: 'password', identifier: BOB.email, password: BOB.password }, cookie);
  assert.equal(h.location, `${kratos.url}/`);
  const unknown = await http(kratos, '/self-service/login?flow=00000000-0000-4000-8000-000000000000', { method: 'POST', json: {} });
  assert.equal(unknown.status, 404);
  const malformed = await http(kratos, '/self-service/login?flow=nope', { method: 'POST', json: {} });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json().error.reason, 'The flow query parameter is missing or malformed.');
});
