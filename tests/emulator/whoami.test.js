// GET /sessions/whoami: 200 / 401 / 403, credential order, faults, CORS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { ADA, BOB, FIXTURES, JSON_ACCEPT, emulator, fixture, http, whoami } from './helpers.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

/** Keys of an object tree, in order (values dropped), to compare shapes. */
function shape(v) {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

test('200: the Session shaped like derived-whoami-200-aal2-password-totp.json', async (t) => {
  const kratos = await emulator(t);
  const before = kratos.clock.now();
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const after = kratos.clock.now();
  const r = await whoami(kratos, cookie);
  assert.equal(r.status, 200);
  const want = JSON.parse(readFileSync(new URL('derived-whoami-200-aal2-password-totp.json', FIXTURES), 'utf8'));
  assert.deepEqual(shape(r.body), shape(want));
  assert.equal(r.body.active, true);
  assert.equal(r.body.authenticator_assurance_level, 'aal2');
  assert.deepEqual(r.body.authentication_methods.map((m) => [m.method, m.aal]), [['password', 'aal1'], ['totp', 'aal2']]);
  for (const k of ['expires_at', 'authenticated_at', 'issued_at']) assert.match(r.body[k], RFC3339, k);
  assert.ok(Date.parse(r.body.authenticated_at) >= before && Date.parse(r.body.authenticated_at) <= after);
  assert.equal(Date.parse(r.body.expires_at) - Date.parse(r.body.authenticated_at), 24 * 3600e3);
  assert.equal(r.body.identity.traits.email, ADA.email);
  assert.equal(r.body.identity.schema_url, `${kratos.url}/schemas/ZGVmYXVsdA`);
  assert.equal(r.headers.get('x-kratos-authenticated-identity-id'), r.body.identity.id);
  assert.ok(r.text.endsWith('}\n'));
});

test('401 without id: no credentials, unknown token, expired session (clock)', async (t) => {
  const kratos = await emulator(t, { sessionLifespan: '2h' });
  const want = fixture('derived-whoami-401-no-or-inactive-session.json');
  assert.equal((await whoami(kratos)).text, want);
  assert.equal((await whoami(kratos, 'ory_kratos_session=nope')).text, want);
  assert.equal((await http(kratos, '/sessions/whoami', { headers: { 'x-session-token': 'nope' } })).text, want);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  assert.equal((await whoami(kratos, cookie)).status, 200);
  kratos.clock.advance(2 * 3600e3 - 1000);
  assert.equal((await whoami(kratos, cookie)).status, 200);
  kratos.clock.advance(1000);
  const expired = await whoami(kratos, cookie);
  assert.equal(expired.status, 401);
  assert.equal(expired.text, want);
});

test('401 without id for a revoked session (RevokeSessionById: active = false), by id, token, cookie or HTTP', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const want = fixture('derived-whoami-401-no-or-inactive-session.json');
  const sessions = [];
  for (let i = 0; i < 4; i += 1) {
    const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
    const r = await whoami(kratos, cookie);
    assert.equal(r.status, 200);
    sessions.push({ cookie, token: cookie.split('=')[1], id: r.body.id });
  }
  const [byId, byToken, byCookie, byHttp] = sessions;
  assert.equal(kratos.revokeSession(byId.id), byId.id);
  assert.equal(kratos.revokeSession(byToken.token), byToken.id);
  assert.equal(kratos.revokeSession(byCookie.cookie), byCookie.id);
  const revoked = await http(kratos, '/__emulator/revoke', { method: 'POST', json: { session: byHttp.id } });
  assert.deepEqual([revoked.status, revoked.json()], [200, { revoked: byHttp.id }]);
  for (const s of sessions) {
    // Every credential form of a revoked session: 401, the body of no session.
    assert.equal((await whoami(kratos, s.cookie)).text, want);
    assert.equal((await http(kratos, '/sessions/whoami', { headers: { 'x-session-token': s.token } })).status, 401);
    assert.equal((await http(kratos, '/sessions/whoami', { headers: { authorization: `Bearer ${s.token}` } })).status, 401);
  }
  // Nothing else is revoked; the state lists the revoked ones (inactive, kept).
  const other = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  assert.equal((await whoami(kratos, other)).status, 200);
  const state = (await http(kratos, '/__emulator/state')).json();
  assert.deepEqual(state.sessions.map((s) => [s.active, s.revoked]), [[false, true], [false, true], [false, true], [false, true], [true, false]]);
  // An unknown session: null, and 404 over HTTP (Kratos: sqlcon.ErrNoRows).
  assert.equal(kratos.revokeSession('00000000-0000-4000-8000-000000000000'), null);
  assert.equal(kratos.revokeSession('ory_kratos_session=nope'), null);
  assert.equal((await http(kratos, '/__emulator/revoke', { method: 'POST', json: { session: 'nope' } })).status, 404);
  // A revoked session is no session for a login flow either: aal2 without one is session_aal1_required.
  const login = await http(kratos, '/self-service/login/browser?aal=aal2', { cookie: byId.cookie, accept: JSON_ACCEPT });
  assert.equal(login.status, 401);
  assert.equal(login.json().error.id, 'session_aal1_required');
});

test('whoami calls are counted, in all and by the stored session their credential names (faulted, revoked too)', async (t) => {
  const kratos = await emulator(t);
  const ada = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  const bob = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const adaId = (await whoami(kratos, ada)).body.id;
  const bobId = (await whoami(kratos, bob)).body.id;
  await whoami(kratos, ada);
  await whoami(kratos); // no credentials
  await whoami(kratos, 'ory_kratos_session=forged'); // no such session
  kratos.fault({ mode: 'status500' });
  assert.equal((await whoami(kratos, bob)).status, 500);
  kratos.fault({ mode: 'none' });
  kratos.revokeSession(bob);
  assert.equal((await whoami(kratos, bob)).status, 401);
  await http(kratos, '/self-service/login/browser', { accept: JSON_ACCEPT }); // not whoami
  const want = { total: 7, bySession: { [adaId]: 2, [bobId]: 3 } };
  assert.deepEqual(kratos.whoamiCalls(), want);
  assert.deepEqual((await http(kratos, '/__emulator/state')).json().whoamiCalls, want);
  kratos.reset();
  assert.deepEqual(kratos.whoamiCalls(), { total: 0, bySession: {} });
});

test('403 session_aal2_required: Strict, aal1 session, identity with a second factor', async (t) => {
  const strict = await emulator(t);
  const want = fixture('derived-whoami-403-session_aal2_required.json', { url: strict.url });
  const ada = await strict.createSession({ email: ADA.email, methods: ['password'] });
  const r = await whoami(strict, ada);
  assert.equal(r.status, 403);
  assert.equal(r.text, want);
  // no second factor: a 200 at aal1 (Strict's proof that bob has none)
  const bob = await whoami(strict, await strict.createSession({ email: BOB.email, methods: ['password'] }));
  assert.equal(bob.status, 200);
  assert.equal(bob.body.authenticator_assurance_level, 'aal1');
  // Lax: 200 at aal1 for ada
  const lax = await emulator(t, { requiredAal: 'aal1' });
  const laxAda = await whoami(lax, await lax.createSession({ email: ADA.email, methods: ['password'] }));
  assert.equal(laxAda.status, 200);
  assert.equal(laxAda.body.authenticator_assurance_level, 'aal1');
});

test('session AAL follows Kratos: a lone second factor is aal1', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const lone = await whoami(kratos, await kratos.createSession({ email: ADA.email, methods: ['totp'] }));
  assert.equal(lone.body.authenticator_assurance_level, 'aal1');
});

test('credentials: X-Session-Token, then the cookie, then Authorization: Bearer', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const token = async (email) => (await kratos.createSession({ email, methods: ['password'] })).split('=')[1];
  const [a, b, c] = [await token(ADA.email), await token(BOB.email), await token(ADA.email)];
  const who = async (headers) => (await http(kratos, '/sessions/whoami', { headers, accept: JSON_ACCEPT })).json();
  const all = { 'x-session-token': a, cookie: `other=1; ory_kratos_session=${b}`, authorization: `Bearer ${c}` };
  assert.equal((await who(all)).identity.traits.email, ADA.email);
  const { 'x-session-token': _, ...noToken } = all;
  assert.equal((await who(noToken)).identity.traits.email, BOB.email);
  assert.equal((await who({ authorization: `bearer ${c}` })).identity.traits.email, ADA.email);
  // the first credential present wins, even when it is not valid
  assert.equal((await http(kratos, '/sessions/whoami', { headers: { ...all, 'x-session-token': 'bad' } })).status, 401);
});

test('faults: slow, status500, garbage affect whoami only; none restores', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  assert.deepEqual(kratos.fault({ mode: 'slow', delayMs: 300 }), { mode: 'slow', delayMs: 300, dateOffsetMs: 0, sizeBytes: 0 });
  let t0 = Date.now();
  const slow = await whoami(kratos, cookie);
  assert.ok(Date.now() - t0 >= 290);
  assert.equal(slow.status, 200);
  t0 = Date.now();
  assert.equal((await http(kratos, '/health')).status, 200);
  assert.ok(Date.now() - t0 < 250);

  kratos.fault({ mode: 'status500' });
  const e = await whoami(kratos, cookie);
  assert.equal(e.status, 500);
  assert.equal(e.body.error.code, 500);
  kratos.fault({ mode: 'garbage' });
  const g = await http(kratos, '/sessions/whoami', { cookie });
  assert.equal(g.status, 200);
  assert.throws(() => JSON.parse(g.text));
  assert.equal((await http(kratos, '/self-service/login/api')).status, 200);
  kratos.fault({ mode: null });
  assert.equal((await whoami(kratos, cookie)).status, 200);
  assert.throws(() => kratos.fault({ mode: 'explode' }), TypeError);

  // over HTTP
  const set = await http(kratos, '/__emulator/fault', { method: 'POST', json: { mode: 'status500' } });
  assert.deepEqual(set.json(), { mode: 'status500', delayMs: 0, dateOffsetMs: 0, sizeBytes: 0 });
  assert.equal((await whoami(kratos, cookie)).status, 500);
  await http(kratos, '/__emulator/fault', { method: 'POST', json: { mode: 'none' } });
  assert.equal((await whoami(kratos, cookie)).status, 200);
});

test('faults: a 502 HTML page, a 200 that is not a session, a Date off the clock', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  kratos.fault({ mode: 'status502html' });
  const bad = await http(kratos, '/sessions/whoami', { cookie });
  assert.equal(bad.status, 502);
  assert.match(bad.headers.get('content-type'), /^text\/html/);
  assert.match(bad.text, /<h1>502 Bad Gateway<\/h1>/);
  kratos.fault({ mode: 'notsession' });
  const identity = await whoami(kratos, cookie);
  assert.equal(identity.status, 200);
  assert.equal(identity.body.active, undefined);
  assert.equal(identity.body.expires_at, undefined);
  assert.equal(identity.body.traits.email, 'user@example.com');
  // The Date header moves; the session's times stay on the emulator's clock.
  assert.deepEqual(kratos.fault({ dateOffsetMs: -3 * 3600_000 }), { mode: 'none', delayMs: 0, dateOffsetMs: -3 * 3600_000, sizeBytes: 0 });
  const dated = await whoami(kratos, cookie);
  assert.equal(dated.status, 200);
  const skew = Date.parse(dated.headers.get('date')) - kratos.clock.now();
  assert.ok(Math.abs(skew + 3 * 3600_000) < 2000, `${skew}`);
  assert.ok(Math.abs(Date.parse(dated.body.authenticated_at) - kratos.clock.now()) < 5000);
  assert.ok(Math.abs(Date.parse((await http(kratos, '/health')).headers.get('date')) - kratos.clock.now()) < 2000, 'other endpoints keep the clock');
  assert.throws(() => kratos.fault({ dateOffsetMs: 'soon' }), TypeError);
  assert.throws(() => kratos.fault({ mode: 'huge', sizeBytes: 0 }), TypeError);
});

test('faults: a session answer truncated, reset mid-body, or padded to 16 MiB', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password'] });
  const whole = await http(kratos, '/sessions/whoami', { cookie });
  for (const mode of ['truncated', 'reset']) {
    kratos.fault({ mode });
    const response = await fetch(`${kratos.url}/sessions/whoami`, { headers: { cookie } });
    assert.equal(response.status, 200, mode);
    if (mode === 'truncated') assert.equal(Number(response.headers.get('content-length')), Buffer.byteLength(whole.text));
    // The body breaks off: reading it fails, after about half of it came.
    const reader = response.body.getReader();
    let got = 0;
    await assert.rejects(async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) throw new Error('the body ended normally');
        got += value.length;
      }
    }, (error) => error.message !== 'the body ended normally', mode);
    assert.ok(got > 0 && got < Buffer.byteLength(whole.text), `${mode}: ${got} bytes`);
  }
  kratos.fault({ mode: 'huge' });
  const huge = await http(kratos, '/sessions/whoami', { cookie });
  assert.equal(huge.status, 200);
  assert.equal(Buffer.byteLength(huge.text), 16 * 1024 * 1024);
  const padded = JSON.parse(huge.text);
  assert.equal(padded.id, JSON.parse(whole.text).id, 'the real session, padded');
  assert.ok(padded.padding.length > 16_000_000 && !/[^x]/.test(padded.padding));
  kratos.fault({ mode: 'huge', sizeBytes: 4096 });
  assert.equal(Buffer.byteLength((await http(kratos, '/sessions/whoami', { cookie })).text), 4096);
  // Only a session answer is faulted: no session is a plain 401.
  assert.equal((await http(kratos, '/sessions/whoami')).status, 401);
  kratos.fault({ mode: 'none' });
  assert.equal((await http(kratos, '/sessions/whoami', { cookie })).text.length, whole.text.length);
});

test('close() does not wait for a slow whoami', async (t) => {
  const kratos = await emulator(t);
  kratos.fault({ mode: 'slow', delayMs: 60_000 });
  const pending = fetch(`${kratos.url}/sessions/whoami`).catch((error) => error);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  await kratos.close();
  assert.ok(Date.now() - t0 < 1000);
  assert.ok((await pending) instanceof Error);
});

test('CORS: allowed origins get the echo and credentials, others nothing; preflight', async (t) => {
  const app = 'http://127.0.0.1:8788';
  const kratos = await emulator(t, { corsOrigins: [app] });
  const ok = await http(kratos, '/sessions/whoami', { headers: { origin: app } });
  assert.equal(ok.headers.get('access-control-allow-origin'), app);
  assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
  assert.match(ok.headers.get('vary'), /Origin/);
  const other = await http(kratos, '/sessions/whoami', { headers: { origin: 'http://evil.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  assert.equal(other.headers.get('access-control-allow-credentials'), null);
  const pre = await http(kratos, '/sessions/whoami', {
    method: 'OPTIONS',
    headers: { origin: app, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-session-token, content-type' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), app);
  assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
  assert.match(pre.headers.get('access-control-allow-methods'), /GET/);
  assert.equal(pre.headers.get('access-control-allow-headers'), 'x-session-token, content-type');
  const preOther = await http(kratos, '/sessions/whoami', {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
  });
  assert.equal(preOther.headers.get('access-control-allow-origin'), null);
  // errors carry the CORS headers too, so the app can read them
  kratos.fault({ mode: 'status500' });
  assert.equal((await http(kratos, '/sessions/whoami', { headers: { origin: app } })).headers.get('access-control-allow-origin'), app);
});
