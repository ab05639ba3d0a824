// Expired flows: selfservice/flow/error.go NewFlowExpiredError / ExpiredError (an EnhanceJSONError
// type: `error` plus top-level `expired_at`, `since`, `use_flow_id`), the replacement flows of
// selfservice/flow/{login,settings}/error.go PrepareReplacementForExpiredFlow, and the 410s of
// get{Login,Settings}Flow. Flow.Valid: expired when expires_at is before now (not at it).
import assert from 'node:assert/strict';
import test from 'node:test';

import { BOB, HTML, JSON_ACCEPT, emulator, http, param } from './helpers.js';

const APP = 'https://app.example.com';
const HOUR = 3600e3;

test('login submit on an expired flow → 410 self_service_flow_expired with use_flow_id, expired_at, since', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  kratos.clock.freeze();
  const rt = `${APP}/dash`;
  const flow = (await http(kratos, `/self-service/login/browser?return_to=${encodeURIComponent(rt)}`, { accept: JSON_ACCEPT })).json();
  kratos.clock.advance(HOUR + 90e3); // 1.5 minutes past expires_at
  const r = await http(kratos, `/self-service/login?flow=${flow.id}`, {
    method: 'POST',
    headers: { 'x-request-id': 'req-9' },
    json: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(r.status, 410);
  const body = r.json();
  assert.deepEqual(Object.keys(body), ['error', 'expired_at', 'since', 'use_flow_id']);
  assert.deepEqual(body.error, {
    id: 'self_service_flow_expired',
    code: 410,
    status: 'Gone',
    reason: 'The self-service flow expired 1.50 minutes ago, initialize a new one.',
    message: 'self-service flow expired',
  }); // no "request": an EnhanceJSONError type
  assert.equal(body.expired_at, flow.expires_at);
  assert.equal(body.since, 90e9); // a Go time.Duration: nanoseconds
  assert.notEqual(body.use_flow_id, flow.id);
  assert.equal(
    r.text,
    `{"error":{"id":"self_service_flow_expired","code":410,"status":"Gone","reason":"The self-service flow expired 1.50 minutes ago, initialize a new one.","message":"self-service flow expired"},"expired_at":"${flow.expires_at}","since":90000000000,"use_flow_id":"${body.use_flow_id}"}\n`,
  );
  // the replacement: a fresh aal1 flow with the old request_url (so the same return_to) and a message
  const nf = (await http(kratos, `/self-service/login/flows?id=${body.use_flow_id}`)).json();
  assert.equal(nf.request_url, flow.request_url);
  assert.equal(nf.return_to, rt);
  assert.deepEqual([nf.refresh, nf.requested_aal], [false, 'aal1']);
  assert.equal(nf.ui.messages[0].id, 4010001);
  assert.equal(nf.ui.messages[0].text, 'The login flow expired 1.50 minutes ago, please try again.');
  // and it works
  const ok = await http(kratos, `/self-service/login?flow=${nf.id}`, { method: 'POST', json: { method: 'password', identifier: BOB.email, password: BOB.password } });
  assert.equal(ok.status, 200);
});

test('login: a browser form gets a 303 to the replacement flow; at exactly expires_at the flow is still valid', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  kratos.clock.freeze();
  const a = await http(kratos, '/self-service/login/browser', { accept: HTML });
  const b = await http(kratos, '/self-service/login/browser', { accept: HTML });
  kratos.clock.advance(HOUR);
  const atExpiry = await http(kratos, `/self-service/login?flow=${param(a.location, 'flow')}`, {
    method: 'POST', accept: HTML, form: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(atExpiry.status, 303);
  assert.equal(atExpiry.location, `${kratos.url}/`);
  kratos.clock.advance(1);
  const late = await http(kratos, `/self-service/login?flow=${param(b.location, 'flow')}`, {
    method: 'POST', accept: HTML, form: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(late.status, 303);
  assert.match(late.location, new RegExp(`^${kratos.url}/ui/login\\?flow=`));
  assert.notEqual(param(late.location, 'flow'), param(b.location, 'flow'));
  assert.match((await http(kratos, late.location)).text, /The login flow expired 0\.00 minutes ago/);
});

test('login flow fetch: an expired flow → 410 (browser: redirect_to and return_to; API: the init URL)', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const rt = `${APP}/x`;
  const browser = (await http(kratos, `/self-service/login/browser?return_to=${encodeURIComponent(rt)}`, { accept: JSON_ACCEPT })).json();
  const api = (await http(kratos, '/self-service/login/api')).json();
  kratos.clock.advance(HOUR + 1000);
  const b = await http(kratos, `/self-service/login/flows?id=${browser.id}`);
  assert.equal(b.status, 410);
  assert.deepEqual(b.json(), {
    error: {
      id: 'self_service_flow_expired',
      code: 410,
      status: 'Gone',
      reason: 'The login flow has expired. Redirect the user to the login flow init endpoint to initialize a new login flow.',
      details: { redirect_to: `${kratos.url}/self-service/login/browser?return_to=${encodeURIComponent(rt)}`, return_to: rt },
      message: 'The requested resource is no longer available because it has expired or is otherwise invalid.',
    },
  });
  const a = await http(kratos, `/self-service/login/flows?id=${api.id}`);
  assert.equal(a.status, 410);
  assert.deepEqual(a.json().error.details, { api: `${kratos.url}/self-service/login/api` });
});

test('settings submit on an expired flow → 410 with use_flow_id (JSON) or 303 to the new flow (browser)', async (t) => {
  const kratos = await emulator(t);
  kratos.clock.freeze();
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const f = (await http(kratos, '/self-service/settings/browser', { cookie, accept: JSON_ACCEPT })).json();
  const g = (await http(kratos, '/self-service/settings/browser', { cookie, accept: JSON_ACCEPT })).json();
  kratos.clock.advance(HOUR + 3 * 60e3);
  const r = await http(kratos, `/self-service/settings?flow=${f.id}`, { method: 'POST', cookie, json: { method: 'totp', totp_code: '123456' } });
  assert.equal(r.status, 410);
  const body = r.json();
  assert.deepEqual(Object.keys(body), ['error', 'expired_at', 'since', 'use_flow_id']);
  assert.equal(body.error.id, 'self_service_flow_expired');
  assert.equal(body.error.message, 'self-service flow expired');
  assert.equal(body.error.reason, 'The self-service flow expired 3.00 minutes ago, initialize a new one.');
  assert.equal(body.expired_at, f.expires_at);
  assert.equal(body.since, 180e9);
  const nf = (await http(kratos, `/self-service/settings/flows?id=${body.use_flow_id}`, { cookie })).json();
  assert.equal(nf.request_url, f.request_url);
  assert.equal(nf.ui.messages[0].id, 4050001);
  assert.equal(nf.ui.messages[0].text, 'The settings flow expired 3.00 minutes ago, please try again.');
  const h = await http(kratos, `/self-service/settings?flow=${g.id}`, { method: 'POST', cookie, accept: HTML, form: { method: 'totp', totp_code: '123456' } });
  assert.equal(h.status, 303);
  assert.match(h.location, new RegExp(`^${kratos.url}/ui/settings\\?flow=`));
  assert.notEqual(param(h.location, 'flow'), g.id);
  // the settings flow fetch: 410 without an id
  const got = await http(kratos, `/self-service/settings/flows?id=${f.id}`, { cookie });
  assert.equal(got.status, 410);
  assert.equal(got.json().error.id, undefined);
  assert.equal(got.json().error.reason, 'The settings flow has expired. Redirect the user to the settings flow init endpoint to initialize a new settings flow.');
  assert.deepEqual(got.json().error.details, { redirect_to: `${kratos.url}/self-service/settings/browser`, return_to: '' });
});
