// GET /self-service/login/{browser,api}: selfservice/flow/login/handler.go NewLoginFlow's order, with the
// fixture bodies byte for byte.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ADA, BOB, HTML, JSON_ACCEPT, emulator, fixture, http, param } from './helpers.js';

const APP = 'https://app.example.com';

test('1. return_to not allowed → 400 self_service_flow_return_to_forbidden, before every other check', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  const want = fixture('derived-flow-init-400-self_service_flow_return_to_forbidden.json', { url: kratos.url });
  const rt = encodeURIComponent('https://evil.example.net/');
  for (const [path, c] of [
    [`/self-service/login/browser?return_to=${rt}`, undefined],
    [`/self-service/login/api?return_to=${rt}`, undefined],
    [`/self-service/login/browser?aal=aal3&return_to=${rt}`, undefined],
    [`/self-service/login/browser?aal=aal2&return_to=${rt}`, undefined],
    [`/self-service/login/browser?aal=aal1&return_to=${rt}`, cookie],
  ]) {
    const r = await http(kratos, path, { accept: JSON_ACCEPT, cookie: c });
    assert.equal(r.status, 400, path);
    assert.equal(r.text, want, path);
    assert.match(r.headers.get('content-type'), /^application\/json/);
  }
});

test('2. aal not aal1/aal2 → 400 without id, the value in the reason; aal is lower-cased first', async (t) => {
  const kratos = await emulator(t);
  const r = await http(kratos, '/self-service/login/browser?aal=aal3', { accept: JSON_ACCEPT });
  assert.equal(r.status, 400);
  assert.equal(r.text, fixture('derived-login-init-400-invalid-aal.json'));
  const other = await http(kratos, '/self-service/login/api?aal=AAL0&refresh=true');
  assert.equal(other.status, 400);
  assert.equal(other.json().error.reason, 'Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got aal0');
  assert.equal(other.json().error.id, undefined);
  const upper = await http(kratos, '/self-service/login/api?aal=AAL1');
  assert.equal(upper.status, 200);
  assert.equal(upper.json().requested_aal, 'aal1');
});

test('3. no session and aal=aal2 → 401 session_aal1_required, even with refresh=true', async (t) => {
  const kratos = await emulator(t);
  const want = fixture('derived-login-init-401-session_aal1_required.json');
  for (const path of ['/self-service/login/browser?aal=aal2', '/self-service/login/api?aal=aal2&refresh=true']) {
    const r = await http(kratos, path, { accept: JSON_ACCEPT });
    assert.equal(r.status, 401, path);
    assert.equal(r.text, want, path);
  }
  // an expired session is no session
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  kratos.clock.advance(25 * 3600e3);
  assert.equal((await http(kratos, '/self-service/login/api?aal=aal2', { cookie })).text, want);
});

test('4. no session → a first-factor flow, refresh forced off', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const r = await http(kratos, `/self-service/login/api?refresh=true&return_to=${encodeURIComponent(`${APP}/x`)}`);
  assert.equal(r.status, 200);
  const flow = r.json();
  assert.equal(flow.refresh, false);
  assert.equal(flow.requested_aal, 'aal1');
  assert.equal(flow.type, 'api');
  assert.equal(flow.return_to, `${APP}/x`);
  assert.equal(flow.request_url, `${kratos.url}/self-service/login/api?refresh=true&return_to=${encodeURIComponent(`${APP}/x`)}`);
  assert.equal(flow.ui.action, `${kratos.url}/self-service/login?flow=${flow.id}`);
  assert.deepEqual(flow.ui.nodes.map((n) => n.attributes.name), ['identifier', 'password', 'method']);
});

test('5. session and refresh=true → a re-authentication flow (aal1 or aal2 as asked)', async (t) => {
  const kratos = await emulator(t);
  const aal2 = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const a = (await http(kratos, '/self-service/login/browser?refresh=true', { cookie: aal2, accept: JSON_ACCEPT })).json();
  assert.equal(a.refresh, true);
  assert.equal(a.requested_aal, 'aal1');
  assert.deepEqual(a.ui.nodes.map((n) => n.attributes.name), ['csrf_token', 'identifier', 'password', 'method']);
  assert.equal(a.ui.nodes[1].attributes.value, ADA.email);
  const b = (await http(kratos, '/self-service/login/browser?refresh=true&aal=aal2', { cookie: aal2, accept: JSON_ACCEPT })).json();
  assert.equal(b.refresh, true);
  assert.equal(b.requested_aal, 'aal2');
  assert.deepEqual(b.ui.nodes.map((n) => n.attributes.name), ['csrf_token', 'totp_code', 'method']);
  const aal1 = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  const c = (await http(kratos, '/self-service/login/api?refresh=true&aal=aal2', { cookie: aal1 })).json();
  assert.deepEqual([c.refresh, c.requested_aal], [true, 'aal2']);
});

test('6. session and aal=aal1, or aal=aal2 on an aal2 session → 400 session_already_available; HTML → 303', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: [APP] });
  const want = fixture('derived-login-init-400-session_already_available.json');
  const aal1 = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const aal2 = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  for (const [path, cookie] of [
    ['/self-service/login/browser', aal1],
    ['/self-service/login/browser?aal=aal1', aal1],
    ['/self-service/login/browser?aal=aal2', aal2],
    ['/self-service/login/api?aal=aal2', aal2],
    ['/self-service/login/api', aal2],
  ]) {
    const r = await http(kratos, path, { cookie, accept: JSON_ACCEPT });
    assert.equal(r.status, 400, path);
    assert.equal(r.text, want, path);
  }
  const html = await http(kratos, `/self-service/login/browser?aal=aal2&return_to=${encodeURIComponent(`${APP}/b`)}`, { cookie: aal2, accept: HTML });
  assert.equal(html.status, 303);
  assert.equal(html.location, `${APP}/b`);
  const noAccept = await http(kratos, '/self-service/login/browser', { cookie: aal1 });
  assert.equal(noAccept.status, 303);
  assert.equal(noAccept.location, `${kratos.url}/`);
  // the API endpoint never redirects
  assert.equal((await http(kratos, '/self-service/login/api', { cookie: aal1, accept: HTML })).status, 400);
});

test('7. aal1 session and aal=aal2 → a second-factor flow; a dead end without a second factor', async (t) => {
  const kratos = await emulator(t);
  const ada = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  const flow = (await http(kratos, '/self-service/login/browser?aal=aal2', { cookie: ada, accept: JSON_ACCEPT })).json();
  assert.deepEqual([flow.refresh, flow.requested_aal], [false, 'aal2']);
  assert.ok(flow.ui.nodes.some((n) => n.attributes.name === 'totp_code'));
  const bob = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const dead = await http(kratos, '/self-service/login/browser?aal=aal2', { cookie: bob, accept: HTML });
  assert.equal(dead.status, 303);
  const page = await http(kratos, dead.location, { cookie: bob });
  assert.match(page.text, /id="no-method"/);
  assert.doesNotMatch(page.text, /id="totp_code"|id="password"/);
});

test('browser endpoint: HTML → 303 to the login UI; errors → 303 to the error UI, readable at /self-service/errors', async (t) => {
  const kratos = await emulator(t);
  const r = await http(kratos, '/self-service/login/browser', { accept: HTML });
  assert.equal(r.status, 303);
  const id = param(r.location, 'flow');
  assert.equal(r.location, `${kratos.url}/ui/login?flow=${id}`);
  const page = await http(kratos, r.location);
  for (const el of ['id="identifier"', 'name="identifier"', 'id="password"', 'name="password"', 'id="submit"']) assert.ok(page.text.includes(el), el);
  const flow = (await http(kratos, `/self-service/login/flows?id=${id}`)).json();
  assert.equal(flow.id, id);
  assert.equal(flow.type, 'browser');

  const err = await http(kratos, '/self-service/login/browser?aal=aal2', { accept: HTML });
  assert.equal(err.status, 303);
  assert.match(err.location, new RegExp(`^${kratos.url}/ui/error\\?id=`));
  const stored = (await http(kratos, `/self-service/errors?id=${param(err.location, 'id')}`)).json();
  assert.equal(stored.error.id, 'session_aal1_required');
  assert.match((await http(kratos, err.location)).text, /session_aal1_required/);
});

test('X-Request-ID: herodot errors carry "request"; the enhanced ones (session_aal2_required) do not', async (t) => {
  const kratos = await emulator(t);
  const headers = { 'x-request-id': 'req-1' };
  const a = await http(kratos, '/self-service/login/api?aal=aal2', { headers });
  assert.equal(
    a.text,
    '{"error":{"id":"session_aal1_required","code":401,"status":"Unauthorized","request":"req-1","reason":"You can not requested a higher AAL (AAL2/AAL3) without an active session.","message":"aal2 and aal3 can only be requested if a session exists already"}}\n',
  );
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  const b = await http(kratos, '/sessions/whoami', { cookie, headers });
  assert.equal(b.text, fixture('derived-whoami-403-session_aal2_required.json', { url: kratos.url }));
});

test('return_to: allow-list semantics (host, wildcard, path prefix, relative, self-service, unsafe wildcards)', async (t) => {
  const kratos = await emulator(t, {
    allowedReturnUrls: ['https://app.example.com/dash', 'https://*.example.org', 'http://*', 'https://*.com', 'https://*foo.net'],
  });
  const cases = [
    ['https://app.example.com/dash', true],
    ['https://APP.example.com/dashboard?x=1#y', true],
    ['HTTPS://app.example.com/dash/x', true],
    ['http://app.example.com/dash', false],
    ['https://app.example.com/Dash', false],
    ['https://app.example.com/', false],
    ['https://app.example.com:8443/dash', false],
    ['https://a.b.example.org/any', true],
    ['https://example.org/', false],
    ['https://evilexample.org/', false],
    ['https://evil.com/', false],
    ['https://xfoo.net/', false],
    ['http://evil.example/', false],
    [`${kratos.url}/self-service/settings/browser`, true],
    [`${kratos.url}/self-servicex`, true],
    [`${kratos.url}/other`, false],
    ['/self-service/settings/browser', true],
    ['/elsewhere', false],
  ];
  for (const [rt, ok] of cases) {
    const r = await http(kratos, `/self-service/login/api?return_to=${encodeURIComponent(rt)}`);
    assert.equal(r.status, ok ? 200 : 400, rt);
    if (!ok) assert.equal(r.json().error.id, 'self_service_flow_return_to_forbidden', rt);
  }
  const rel = (await http(kratos, `/self-service/login/api?return_to=${encodeURIComponent('/elsewhere?a=1&b=2')}`)).text;
  assert.ok(rel.includes(`Requested return_to URL \\"${kratos.url}/elsewhere?a=1\\u0026b=2\\" is not allowed.`), rel);
});
