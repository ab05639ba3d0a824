// gate.decide / recover / decideRequest with { explain: true } (issue 12, item 1): the option's
// errors, what an explanation holds beyond the vectors (tests/conformance/explain.json), and the
// session object form (the session record) naming the same wrong field as the same object as
// JSON text.
import assert from 'node:assert/strict';
import test from 'node:test';

import { SessionFromJSON } from '@ory/client-fetch';

import { BASE, NOW, aal1Session, aal2Session, throwsWithCode, withGate } from './helpers.js';

const explain = { explain: true };

test('the options argument: an object with a boolean explain, or nothing', async () => {
  await withGate({ baseUrl: BASE }, (gate) => {
    const session = aal1Session();
    for (const options of [undefined, null, {}, { explain: false }]) {
      const d = gate.decide(session, { now: NOW }, options);
      assert.equal(Object.hasOwn(d, 'explanation'), false, String(options));
    }
    for (const [options, code] of [
      [5, 'options'],
      ['explain', 'options'],
      [{ explain: 'yes' }, 'options.explain'],
      [{ explain: 1 }, 'options.explain'],
    ]) {
      throwsWithCode(() => gate.decide(session, { now: NOW }, options), code);
      throwsWithCode(() => gate.recover('{}', { now: NOW }, options), code);
      throwsWithCode(() => gate.decideRequest(session, { method: 'GET', url: '/x' }, options), code);
    }
  });
});

test('an explanation is frozen all the way down and states the inputs it decided on', async () => {
  await withGate({ baseUrl: BASE, leeway: '2s', kratos: { 'session.whoami.required_aal': 'aal1' } }, (gate) => {
    const d = gate.decide(aal2Session(), { aal: 'aal2', maxAge: '90s', now: NOW }, explain);
    const why = d.explanation;
    assert.ok(Object.isFrozen(d) && Object.isFrozen(why) && Object.isFrozen(why.inputs));
    assert.ok(Object.isFrozen(why.session) && why.steps.every(Object.isFrozen));
    assert.deepEqual({ ...why.inputs }, {
      answer: 'session', status: 200, serverAal: 'aal1', operation: null, requiredAal: 'aal2',
      maxAge: 90, leeway: 2, now: new Date(NOW).toISOString().replace('.000Z', 'Z'),
    });
    assert.equal(why.table, 'decide');
    assert.equal(why.steps.at(-1).applies, true);
  });
});

test('the explained decision equals the plain one for each verdict', async () => {
  await withGate({ baseUrl: BASE }, (gate) => {
    const inputs = [
      [null, {}],
      [aal1Session(), { aal: 'aal2' }],
      [aal1Session(), { maxAge: 1 }],
      [aal2Session(), { aal: 'aal2', maxAge: '1h' }],
      [{ status: 500, body: '' }, {}],
      ['{"active":1}', {}],
    ];
    const verdicts = new Set();
    for (const [whoami, requirement] of inputs) {
      const plain = gate.decide(whoami, { ...requirement, now: NOW });
      const { explanation, ...explained } = gate.decide(whoami, { ...requirement, now: NOW }, explain);
      assert.deepEqual(explained, { ...plain });
      assert.equal(typeof explanation, 'object');
      verdicts.add(plain.verdict);
    }
    assert.deepEqual([...verdicts].sort(), ['allow', 'enroll', 'error', 'login', 'refresh']);
  });
});

// Each deciding field made wrong in an object: as a session record (the object) and as JSON text
// of the same object, the core names the same field.
const WRONG = [
  ['active', (s) => ({ ...s, active: 'yes' })],
  ['active', (s) => { const { active, ...rest } = s; return rest; }],
  ['expires_at', (s) => ({ ...s, expires_at: 17 })],
  ['expires_at', (s) => ({ ...s, expires_at: 'tomorrow' })],
  ['expires_at', (s) => ({ ...s, expires_at: null })],
  ['authenticated_at', (s) => ({ ...s, authenticated_at: ['2026-08-01T10:00:00Z'] })],
  ['authenticated_at', (s) => ({ ...s, authenticated_at: '2026-02-30T10:00:00Z' })],
  ['authenticator_assurance_level', (s) => ({ ...s, authenticator_assurance_level: 2 })],
  ['authenticator_assurance_level', (s) => ({ ...s, authenticator_assurance_level: 'aal7' })],
  ['authentication_methods', (s) => ({ ...s, authentication_methods: { method: 'password' } })],
  ['authentication_methods[0]', (s) => ({ ...s, authentication_methods: ['password'] })],
  ['authentication_methods[1].method', (s) => ({ ...s, authentication_methods: [...s.authentication_methods, { method: 5 }] })],
  ['authentication_methods[0].aal', (s) => ({ ...s, authentication_methods: [{ method: 'password', aal: true }] })],
  ['authentication_methods[0].completed_at', (s) => ({ ...s, authentication_methods: [{ method: 'totp', aal: 'aal2', completed_at: 'soon' }] })],
];

test('a session object and its JSON text name the same wrong field', async () => {
  await withGate({ baseUrl: BASE }, (gate) => {
    for (const [field, spoil] of WRONG) {
      const session = spoil(aal1Session());
      const asObject = gate.decide(session, { now: NOW }, explain);
      const asText = gate.decide(JSON.stringify(session), { now: NOW }, explain);
      for (const d of [asObject, asText]) {
        assert.equal(d.reason, 'invalid_session', `${field}: ${JSON.stringify(session)}`);
        assert.equal(d.explanation.problem.field, field, `${JSON.stringify(session)}: ${JSON.stringify(d.explanation.problem)}`);
        assert.match(d.explanation.problem.problem, /^(is|must|names|holds)\b/);
        assert.equal(d.explanation.steps.at(-1).check, `${field} ${d.explanation.problem.problem}`);
      }
    }
  });
});

// Found by the Wasm/native differential (tests/differential/): with a wrong level and a wrong
// method entry, the session record named the level and the text the method entry. Both read in
// the text's order now: the methods, then the level.
test('with two wrong fields, a session object and its JSON text name the same one (the first the text reader checks)', async () => {
  const twoWrong = [
    ['authentication_methods[0].method', (s) => ({ ...s, authenticator_assurance_level: 0, authentication_methods: [{ method: [] }] })],
    ['authentication_methods[0].completed_at', (s) => ({ ...s, authenticator_assurance_level: true, authentication_methods: [{ method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:00+24:00' }] })],
    ['authentication_methods[1].aal', (s) => ({ ...s, authenticator_assurance_level: 'aal9', authentication_methods: [...s.authentication_methods, { method: 'totp', aal: 2 }] })],
    ['authenticated_at', (s) => ({ ...s, authenticated_at: 'then', authenticator_assurance_level: 1 })],
  ];
  await withGate({ baseUrl: BASE }, (gate) => {
    for (const [field, spoil] of twoWrong) {
      const session = spoil(aal1Session());
      for (const d of [gate.decide(session, { now: NOW }, explain), gate.decide(JSON.stringify(session), { now: NOW }, explain)]) {
        assert.equal(d.reason, 'invalid_session');
        assert.equal(d.explanation.problem.field, field, `${JSON.stringify(session)}: ${JSON.stringify(d.explanation.problem)}`);
      }
    }
  });
});

test('a SessionFromJSON object (Dates) is explained with the same times as its JSON', async () => {
  await withGate({ baseUrl: BASE }, (gate) => {
    const json = aal2Session();
    const fromSdk = gate.decide(SessionFromJSON(json), { aal: 'aal2', maxAge: '10m', now: NOW }, explain);
    const fromText = gate.decide(JSON.stringify(json), { aal: 'aal2', maxAge: '10m', now: NOW }, explain);
    assert.deepEqual(fromSdk.explanation.session, fromText.explanation.session);
    assert.deepEqual(fromSdk.explanation.steps, fromText.explanation.steps);
  });
});

test('hostile input stays bounded and escaped in the explanation', async () => {
  await withGate({ baseUrl: BASE }, (gate) => {
    const id = `${'x'.repeat(100_000)}"\u0000\n</script>`;
    const d = gate.recover({ error: { id, code: 400 } }, { now: NOW }, explain);
    const check = d.explanation.steps.find((step) => step.rule === 'error.id').check;
    assert.ok(check.length < 200, `${check.length} characters`);
    assert.match(check, /^error\.id "x{10,}…", status 400/);
    const level = `aal${'\u00e9'.repeat(100)}"\n`;
    const bad = gate.decide(JSON.stringify({ ...aal1Session(), authenticator_assurance_level: level }), { now: NOW }, explain);
    assert.equal(bad.explanation.problem.field, 'authenticator_assurance_level');
    assert.ok(bad.explanation.problem.problem.length < 120);
    assert.ok(!bad.explanation.problem.problem.includes('\uFFFD'), 'cut inside a UTF-8 character');
    const url = `/${'%'.repeat(8_000)}`; // within the 8192 bytes a request URL may have
    const routed = gate.decideRequest(null, { method: 'GET', url, now: NOW }, explain);
    assert.ok(routed.explanation.steps[0].check.length < 200);
  });
});

test('decideRequest names the route, and a disposed gate still refuses first', async () => {
  const policy = { rules: [{ path: '/pay/**', methods: ['POST'], aal: 'aal2', maxAge: '5m' }], default: { aal: 'aal1' } };
  await withGate({ baseUrl: BASE, policy }, (gate) => {
    const d = gate.decideRequest(aal1Session(), { method: 'POST', url: 'https://app.example.com/pay/now', now: NOW }, explain);
    assert.deepEqual({ ...d.explanation.steps[0] }, {
      rule: 'route', check: '"POST" "https://app.example.com/pay/now": policy rule 0, aal aal2, maxAge 300s', applies: false,
    });
    gate.dispose();
    throwsWithCode(() => gate.decide(null, {}, explain), 'gate.disposed');
  });
});
