// aalgate against the emulator for sessions Kratos still holds (issue 7 item 4): the URL the core
// emits for an aal0 session, or for one that looks expired only on this machine's clock, starts a
// flow Kratos accepts (selfservice/flow/login/handler.go NewLoginFlow: refresh=true on a held
// session), where a plain login URL would come back as session_already_available, a loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createGate } from 'aalgate';

import { BOB, JSON_ACCEPT, emulator, http, whoami } from './helpers.js';

async function decided(t, kratos, cookie, requirement) {
  const gate = await createGate({ baseUrl: kratos.url });
  t.after(() => gate.dispose());
  const answer = await whoami(kratos, cookie);
  assert.equal(answer.status, 200, 'Kratos holds the session');
  return gate.decide({ status: answer.status, body: answer.text }, requirement);
}

// The flow the URL starts, asked as an SPA would (JSON), with the session's cookie.
async function flowAt(kratos, url, cookie) {
  const path = url.slice(kratos.url.length);
  return http(kratos, path, { cookie, accept: JSON_ACCEPT });
}

test('an aal0 session Kratos holds: refresh=true starts a flow; the plain login would loop', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: BOB.email, methods: [] });
  const d = await decided(t, kratos, cookie, { aal: 'aal1' });
  assert.deepEqual([d.verdict, d.reason, d.aal], ['login', 'no_authentication', 'aal0']);
  assert.equal(new URL(d.url).searchParams.get('refresh'), 'true');
  const flow = await flowAt(kratos, d.url, cookie);
  assert.equal(flow.status, 200, flow.text);
  assert.deepEqual([flow.json().refresh, flow.json().requested_aal], [true, 'aal1']);
  const plain = await flowAt(kratos, `${kratos.url}/self-service/login/browser`, cookie);
  assert.equal(plain.status, 400);
  assert.equal(plain.json().error.id, 'session_already_available', 'what the plain URL would have done');
});

test('a session expired on this machine\'s clock but held by Kratos: refresh=true starts a flow', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const session = JSON.parse((await whoami(kratos, cookie)).text);
  // This machine's clock runs past the session's expiry; Kratos's does not.
  const d = await decided(t, kratos, cookie, { aal: 'aal2', now: Date.parse(session.expires_at) + 60_000 });
  assert.deepEqual([d.verdict, d.reason], ['login', 'session_expired']);
  assert.deepEqual([...new URL(d.url).searchParams.keys()], ['refresh'], 'refresh=true, no aal');
  const flow = await flowAt(kratos, d.url, cookie);
  assert.equal(flow.status, 200, flow.text);
  assert.deepEqual([flow.json().refresh, flow.json().requested_aal], [true, 'aal1']);
});

test('the same URL once Kratos no longer holds the session: a plain login flow (refresh forced off)', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: BOB.email, methods: ['password'] });
  const session = JSON.parse((await whoami(kratos, cookie)).text);
  const d = await decided(t, kratos, cookie, { now: Date.parse(session.expires_at) + 60_000 });
  kratos.clock.advance(Date.parse(session.expires_at) - kratos.clock.now() + 60_000);
  const flow = await flowAt(kratos, d.url, cookie);
  assert.equal(flow.status, 200, flow.text);
  assert.deepEqual([flow.json().refresh, flow.json().requested_aal], [false, 'aal1']);
});
