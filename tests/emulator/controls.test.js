// The emulator's own controls: clock, state, sessions over HTTP, reset, options, the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'node:test';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { ADA, BOB, JSON_ACCEPT, emulator, http, whoami } from './helpers.js';

test('clock: starts at real time, advance moves it (JS and HTTP), sessions and state follow it', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  assert.ok(Math.abs(kratos.clock.now() - Date.now()) < 1000);
  const t0 = kratos.clock.now();
  assert.ok(kratos.clock.advance(60_000) >= t0 + 60_000);
  const r = await http(kratos, '/__emulator/clock', { method: 'POST', json: { advanceMs: 3600e3 } });
  assert.ok(r.json().now >= t0 + 3660e3);
  assert.ok(kratos.clock.now() >= t0 + 3660e3);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const w = await whoami(kratos, cookie);
  assert.ok(Math.abs(Date.parse(w.body.authenticated_at) - kratos.clock.now()) < 1000);
  const state = (await http(kratos, '/__emulator/state')).json();
  assert.equal(state.url, kratos.url);
  assert.equal(state.sessions.length, 1);
  assert.deepEqual(state.sessions[0].methods, ['password']);
  assert.equal(state.fault.mode, 'none');
  assert.equal(state.config.requiredAal, 'aal1');
});

test('clock: freeze stops it (exact instants), advance still moves it, resume runs it again (JS and HTTP)', async (t) => {
  const kratos = await emulator(t);
  const t0 = kratos.clock.freeze();
  assert.equal(kratos.clock.frozen, true);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(kratos.clock.now(), t0);
  assert.equal(kratos.clock.advance(1), t0 + 1);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  assert.equal(Date.parse((await whoami(kratos, cookie)).body.authenticated_at), t0 + 1);
  assert.equal(kratos.clock.resume(), t0 + 1);
  assert.equal(kratos.clock.frozen, false);
  const r = (await http(kratos, '/__emulator/clock', { method: 'POST', json: { freeze: true, advanceMs: 1000 } })).json();
  assert.equal(r.frozen, true);
  assert.equal((await http(kratos, '/__emulator/state')).json().now, r.now);
  assert.equal((await http(kratos, '/__emulator/clock', { method: 'POST', json: { freeze: false } })).json().frozen, false);
  kratos.clock.freeze();
  kratos.reset();
  assert.equal(kratos.clock.frozen, false);
  assert.ok(Math.abs(kratos.clock.now() - Date.now()) < 1000);
});

test('users, createSession (JS and HTTP), reset', async (t) => {
  const kratos = await emulator(t);
  assert.deepEqual(kratos.users, [
    { email: ADA.email, password: ADA.password, totpCode: '123456', oidc: false },
    { email: BOB.email, password: BOB.password, totpCode: null, oidc: false },
    { email: 'oidc@example.com', password: null, totpCode: null, oidc: true },
  ]);
  await assert.rejects(kratos.createSession({ email: 'eve@example.com', methods: ['password'] }), /no such user/);
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  assert.match(cookie, /^ory_kratos_session=\S+$/);
  const r = (await http(kratos, '/__emulator/session', { method: 'POST', json: { email: BOB.email, methods: ['password'] } })).json();
  assert.equal(r.session.identity.traits.email, BOB.email);
  assert.equal((await whoami(kratos, r.cookie)).status, 200);
  assert.equal((await http(kratos, '/sessions/whoami', { headers: { 'x-session-token': r.token } })).status, 200);
  assert.equal((await http(kratos, '/__emulator/session', { method: 'POST', json: { email: 'x' } })).status, 400);
  kratos.clock.advance(1000);
  kratos.fault({ mode: 'garbage' });
  await http(kratos, '/__emulator/reset', { method: 'POST' });
  kratos.fault({ mode: 'none' });
  assert.equal((await whoami(kratos, cookie)).status, 401);
  assert.ok(Math.abs(kratos.clock.now() - Date.now()) < 1000);
});

test('options are checked; health; unknown routes are 404 JSON; the home page shows the session', async (t) => {
  await assert.rejects(startKratosEmulator({ port: 0, requiredAal: 'aal2' }), TypeError);
  await assert.rejects(startKratosEmulator({ port: 0, privilegedSessionMaxAge: 'soon' }), TypeError);
  await assert.rejects(startKratosEmulator({ port: 0, settingsRefreshOnInit: false }), /unknown option: settingsRefreshOnInit/);
  const kratos = await emulator(t);
  assert.equal((await http(kratos, '/health')).status, 200);
  const nf = await http(kratos, '/nope', { accept: JSON_ACCEPT });
  assert.equal(nf.status, 404);
  assert.equal(nf.json().error.code, 404);
  const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
  assert.match((await http(kratos, '/', { cookie })).text, /id="aal">aal2</);
});

test('CLI: prints its URL and the demo users, serves, stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['tools/kratos-emulator/emulator.mjs', '--port', '0', '--required-aal', 'aal1', '--cors-origin', 'http://127.0.0.1:8788'], {
    cwd: new URL('../../', import.meta.url),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.exitCode === null && child.kill());
  let out = '';
  child.stdout.setEncoding('utf8');
  while (!/bob@example\.com/.test(out)) {
    const [chunk] = await once(child.stdout, 'data');
    out += chunk;
  }
  const url = /Kratos emulator: (http:\/\/\S+)/.exec(out)[1];
  assert.match(out, /ada@example\.com \/ correct horse battery staple \(TOTP code 123456\)/);
  assert.match(out, /bob@example\.com \/ hunter2hunter2 \(no second factor\)/);
  while (!/oidc@example\.com/.test(out)) {
    const [chunk] = await once(child.stdout, 'data');
    out += chunk;
  }
  assert.match(out, /oidc@example\.com \(OIDC only, no password/);
  const state = await (await fetch(`${url}/__emulator/state`)).json();
  assert.equal(state.config.requiredAal, 'aal1');
  assert.deepEqual(state.config.corsOrigins, ['http://127.0.0.1:8788']);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('every answer is dated by the emulator clock', async () => {
  const { startKratosEmulator } = await import('../../tools/kratos-emulator/emulator.mjs');
  const kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0 });
  try {
    kratos.clock.advance(6 * 60 * 60 * 1000);
    const answer = await fetch(`${kratos.url}/sessions/whoami`);
    await answer.arrayBuffer();
    const dated = Date.parse(answer.headers.get('date'));
    assert.ok(Math.abs(dated - kratos.clock.now()) < 2000, `Date ${answer.headers.get('date')}`);
    assert.ok(dated - Date.now() > 5 * 60 * 60 * 1000);
  } finally {
    await kratos.close();
  }
});
