// The login init query: `refresh` read with Go's strconv.ParseBool and its error dropped
// (selfservice/flow/login/flow.go NewFlow), `aal` lower-cased there and matched exactly in
// selfservice/flow/login/handler.go NewLoginFlow (stringsx.SwitchExact).
import assert from 'node:assert/strict';
import test from 'node:test';

import { parseBool } from '../../tools/kratos-emulator/kratos.mjs';
import { ADA, BOB, emulator, fixture, http } from './helpers.js';

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
const INVALID = ['', 'yes', 'on', 'tRUE', 'TRue', 'y', '2', ' true', 'true ', '+1'];

test('parseBool is Go strconv.ParseBool: true, false, or null (a parse error)', () => {
  for (const v of TRUE) assert.equal(parseBool(v), true, v);
  for (const v of FALSE) assert.equal(parseBool(v), false, v);
  for (const v of INVALID) assert.equal(parseBool(v), null, JSON.stringify(v));
});

test('refresh: the ParseBool true values start a re-authentication flow; false and unparsable ones do not', async (t) => {
  const kratos = await emulator(t);
  const token = (await kratos.createSession({ email: BOB.email, methods: ['password'] })).split('=')[1];
  const init = (refresh) =>
    http(kratos, `/self-service/login/api?refresh=${encodeURIComponent(refresh)}`, { headers: { 'x-session-token': token } });
  for (const v of TRUE) {
    const r = await init(v);
    assert.equal(r.status, 200, v);
    assert.equal(r.json().refresh, true, v);
  }
  // false, or a parse error (dropped by NewFlow: false): the session is there, so ErrAlreadyLoggedIn
  const already = fixture('derived-login-init-400-session_already_available.json');
  for (const v of [...FALSE, ...INVALID]) {
    const r = await init(v);
    assert.equal(r.status, 400, JSON.stringify(v));
    assert.equal(r.text, already, JSON.stringify(v));
  }
  // the first value counts (url.Values.Get)
  const first = await http(kratos, '/self-service/login/api?refresh=no&refresh=true', { headers: { 'x-session-token': token } });
  assert.equal(first.status, 400);
  // without a session refresh is forced off, whatever its value
  for (const v of TRUE) assert.equal((await http(kratos, `/self-service/login/api?refresh=${v}`)).json().refresh, false, v);
});

test('aal: lower-cased by NewFlow before the exact match, so any case works; the reason shows the lower-cased value', async (t) => {
  const kratos = await emulator(t);
  const aal1 = (await kratos.createSession({ email: ADA.email, methods: ['password'] })).split('=')[1];
  for (const v of ['aal2', 'AAL2', 'Aal2', 'aAL2']) {
    const r = await http(kratos, `/self-service/login/api?aal=${v}`, { headers: { 'x-session-token': aal1 } });
    assert.equal(r.status, 200, v);
    assert.equal(r.json().requested_aal, 'aal2', v);
  }
  for (const v of ['AAL1', 'Aal1', '']) {
    const r = await http(kratos, `/self-service/login/api?aal=${v}`);
    assert.equal(r.status, 200, v);
    assert.equal(r.json().requested_aal, 'aal1', v);
  }
  for (const [v, got] of [['AAL3', 'aal3'], ['aal0', 'aal0'], ['aal2 ', 'aal2 '], ['2', '2'], ['highest_available', 'highest_available']]) {
    const r = await http(kratos, `/self-service/login/api?aal=${encodeURIComponent(v)}`);
    assert.equal(r.status, 400, v);
    assert.equal(r.json().error.id, undefined);
    assert.equal(r.json().error.reason, `Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got ${got}`);
  }
  // the aal check comes after return_to and before the session lookup
  assert.equal((await http(kratos, '/self-service/login/api?aal=AAL3', { headers: { 'x-session-token': aal1 } })).status, 400);
  const noSession = await http(kratos, '/self-service/login/api?aal=AAL2');
  assert.equal(noSession.status, 401);
  assert.equal(noSession.json().error.id, 'session_aal1_required');
});

test('messages: a refresh flow says "confirm it is you", a step-up flow "complete the second challenge"', async (t) => {
  const kratos = await emulator(t);
  const token = (await kratos.createSession({ email: ADA.email, methods: ['password'] })).split('=')[1];
  const headers = { 'x-session-token': token };
  const refresh = (await http(kratos, '/self-service/login/api?refresh=true', { headers })).json();
  assert.deepEqual(refresh.ui.messages.map((m) => m.id), [1010003]);
  const up = (await http(kratos, '/self-service/login/api?aal=aal2', { headers })).json();
  assert.deepEqual(up.ui.messages.map((m) => m.id), [1010004]);
  const both = (await http(kratos, '/self-service/login/api?aal=aal2&refresh=1', { headers })).json();
  assert.deepEqual(both.ui.messages.map((m) => m.id), [1010003, 1010004]);
  assert.equal((await http(kratos, '/self-service/login/api')).json().ui.messages, undefined);
});
