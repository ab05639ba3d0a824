// Gate.decide: the decision object, the whoami forms it takes, Dates, and each requirement error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createGate } from 'aalgate';

import {
  AAL2_SATISFIED,
  BASE,
  LAX,
  LOGIN,
  NOW,
  STEP_UP_CHALLENGE,
  aal1Session,
  aal2Session,
  at,
  throwsWithCode,
  withGate,
} from './helpers.js';

describe('Gate.decide', () => {
  let gate;
  before(async () => {
    gate = await createGate(LAX);
  });
  after(() => gate.dispose());

  test('returns a frozen plain object with exactly the decision fields', () => {
    const d = gate.decide(aal1Session(), { aal: 'aal2', now: NOW, returnTo: '/settings' });
    assert.deepEqual(Object.keys(d), ['verdict', 'url', 'reason', 'aal', 'requiredAal', 'warnings', 'challenge']);
    assert.equal(Object.getPrototypeOf(d), Object.prototype);
    assert.ok(Object.isFrozen(d));
    assert.ok(Array.isArray(d.warnings) && Object.isFrozen(d.warnings));
    assert.deepEqual(d, {
      verdict: 'step_up',
      url: `${LOGIN}?aal=aal2&return_to=%2Fsettings`,
      reason: 'aal2_required',
      aal: 'aal1',
      requiredAal: 'aal2',
      warnings: [],
      challenge: STEP_UP_CHALLENGE,
    });
  });

  test('allow has url null; no session has aal null', () => {
    assert.deepEqual(gate.decide(aal2Session(), { aal: 'aal2', now: NOW }), AAL2_SATISFIED);
    const none = gate.decide(null);
    assert.equal(none.aal, null);
    assert.equal(none.url, LOGIN);
  });

  test('warnings is an array of codes', async () => {
    await withGate({ baseUrl: BASE, allowedReturnUrls: ['https://app.example.com/'] }, (strictGate) => {
      const d = strictGate.decide(null, { returnTo: 'https://evil.example.net/' });
      assert.deepEqual(d.warnings, ['return_to_dropped']);
      assert.equal(d.url, LOGIN);
    });
    const lax = gate.decide(aal1Session(), { aal: 'highest_available', now: NOW });
    assert.deepEqual(lax.warnings, ['highest_available_unverifiable']);
  });

  test('a missing requirement (undefined or null) is {}', () => {
    const expected = gate.decide(aal1Session(), { now: Date.now() });
    assert.deepEqual(gate.decide(aal1Session()), expected);
    assert.deepEqual(gate.decide(aal1Session(), undefined), expected);
    assert.deepEqual(gate.decide(aal1Session(), null), expected);
    assert.deepEqual(gate.decide(aal1Session(), {}), expected);
    assert.equal(expected.requiredAal, 'aal1');
  });

  test('the whoami outcome forms agree: object, text, {status, body} with text or object', () => {
    const session = aal1Session();
    const requirement = { aal: 'aal2', now: NOW };
    const expected = gate.decide(session, requirement);
    assert.equal(expected.verdict, 'step_up');
    for (const form of [JSON.stringify(session), { status: 200, body: session }, { status: 200, body: JSON.stringify(session) }]) {
      assert.deepEqual(gate.decide(form, requirement), expected);
    }
  });

  test('Dates in a session object are RFC 3339 to the core', () => {
    const session = aal2Session({
      expires_at: new Date('2026-08-02T10:00:00Z'),
      authenticated_at: new Date('2026-08-01T10:00:00Z'),
      authentication_methods: [{ method: 'totp', aal: 'aal2', completed_at: new Date('2026-08-01T10:00:00Z') }],
    });
    const requirement = { aal: 'aal2', maxAge: '10m' };
    assert.equal(gate.decide(session, { ...requirement, now: at('2026-08-01T10:10:00Z') }).verdict, 'allow');
    assert.equal(gate.decide(session, { ...requirement, now: at('2026-08-01T10:10:00.001Z') }).reason, 'second_factor_stale');
    assert.equal(gate.decide(session, { ...requirement, now: at('2026-08-02T10:00:00Z') }).reason, 'session_expired');
  });

  test('an invalid Date in a session is an invalid session, not a missing field', () => {
    const session = aal2Session({ authentication_methods: [{ method: 'totp', aal: 'aal2', completed_at: new Date(NaN) }] });
    const d = gate.decide(session, { aal: 'aal2', maxAge: '1h', now: NOW });
    assert.deepEqual([d.verdict, d.reason], ['error', 'invalid_session']);
  });

  test('now as a Date is the same instant as now in milliseconds, at a freshness boundary', () => {
    const requirement = { aal: 'aal2', maxAge: 600 };
    const edge = at('2026-08-01T10:10:00Z');
    for (const [now, verdict] of [
      [edge, 'allow'],
      [edge + 1, 'refresh'],
    ]) {
      const byNumber = gate.decide(aal2Session(), { ...requirement, now });
      const byDate = gate.decide(aal2Session(), { ...requirement, now: new Date(now) });
      assert.equal(byNumber.verdict, verdict);
      assert.deepEqual(byDate, byNumber);
    }
    const stale = gate.decide(aal2Session(), { ...requirement, now: edge + 1 });
    assert.equal(stale.url, `${LOGIN}?refresh=true&aal=aal2`);
  });

  const badRequirements = [
    ['an unknown aal', { aal: 'aal7' }, 'requirement.aal'],
    ['a number as aal', { aal: 2 }, 'requirement.aal'],
    ['a negative maxAge', { maxAge: -5 }, 'requirement.maxAge'],
    ['a NaN maxAge', { maxAge: NaN }, 'requirement.maxAge'],
    ['an Infinity maxAge', { maxAge: Infinity }, 'requirement.maxAge'],
    ['a BigInt maxAge', { maxAge: 600n }, 'requirement.maxAge'],
    ['a worded maxAge', { maxAge: '10 minutes' }, 'requirement.maxAge'],
    ['a Date maxAge', { maxAge: new Date(600_000) }, 'requirement.maxAge'],
    ['an unknown operation', { operation: 'delete' }, 'requirement.operation'],
    ['a number as returnTo', { returnTo: 5 }, 'requirement.returnTo'],
    ['a function as returnTo', { returnTo: () => '/x' }, 'requirement.returnTo'],
    ['a Symbol as via', { via: Symbol('email') }, 'requirement.via'],
    ['text as now', { now: 'yesterday' }, 'requirement.now'],
    ['an invalid Date as now', { now: new Date(NaN) }, 'requirement.now'],
    ['a BigInt as now', { now: 10n }, 'requirement.now'],
    ['NaN as now', { now: NaN }, 'requirement.now'],
    ['a typo in a key', { maxage: 600 }, 'requirement.maxage'],
    ['a lone surrogate in via', { via: 'email\uD800' }, 'requirement.via'],
    ['a lone surrogate in loginChallenge', { loginChallenge: '\uDC00' }, 'requirement.loginChallenge'],
    ['a lone surrogate in a key', { ['aal\uD800']: 'aal2' }, 'requirement.aal\uFFFD'],
    ['a string', 'aal2', 'requirement'],
    ['an array', [], 'requirement'],
    ['a function', () => ({ aal: 'aal2' }), 'requirement'],
  ];
  for (const [what, requirement, code] of badRequirements) {
    test(`throws ${code} for ${what}, whatever the whoami`, () => {
      throwsWithCode(() => gate.decide(aal1Session(), requirement), code);
      throwsWithCode(() => gate.decide(null, requirement), code);
    });
  }

  test('a requirement getter that throws marks only its own field', () => {
    const requirement = {
      returnTo: '/x',
      get aal() {
        throw new Error('boom');
      },
    };
    throwsWithCode(() => gate.decide(null, requirement), 'requirement.aal');
  });

  test('reads each requirement property once', () => {
    let reads = 0;
    const requirement = {
      get aal() {
        reads += 1;
        return 'aal2';
      },
      now: NOW,
    };
    assert.equal(gate.decide(aal1Session(), requirement).verdict, 'step_up');
    assert.equal(reads, 1);
  });

  test('each call returns a new object', () => {
    const a = gate.decide(null);
    const b = gate.decide(null);
    assert.notEqual(a, b);
    assert.deepEqual(a, b);
  });
});
