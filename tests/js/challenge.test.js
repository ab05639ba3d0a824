// RFC 9470 challenges: Gate.parseChallenge reads a WWW-Authenticate header back into a
// requirement; Decision.challenge is set for step_up and refresh only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createGate } from 'aalgate';

import {
  CHALLENGE,
  LAX,
  NOW,
  STEP_UP_CHALLENGE,
  aal1Session,
  aal2Session,
  countingCoreCalls,
  describeValue,
  refreshChallenge,
} from './helpers.js';

describe('Gate.parseChallenge', () => {
  let gate;
  before(async () => {
    gate = await createGate(LAX);
  });
  after(() => gate.dispose());

  test('a step_up challenge reads back as an aal2 requirement, frozen, without maxAge', () => {
    const d = gate.decide(aal1Session(), { aal: 'aal2', now: NOW });
    assert.equal(d.challenge, STEP_UP_CHALLENGE);
    const r = gate.parseChallenge(d.challenge);
    assert.deepEqual(Object.keys(r), ['aal']);
    assert.deepEqual(r, { aal: 'aal2' });
    assert.ok(Object.isFrozen(r));
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
  });

  test('a refresh challenge reads back with maxAge in whole seconds', () => {
    const stale = gate.decide(aal2Session(), { aal: 'aal2', maxAge: 90.9, now: NOW });
    assert.equal(stale.challenge, refreshChallenge(90, true));
    assert.deepEqual(gate.parseChallenge(stale.challenge), { aal: 'aal2', maxAge: 90 });
    const again = gate.decide(aal2Session(), { ...gate.parseChallenge(stale.challenge), now: NOW });
    assert.deepEqual([again.verdict, again.reason], ['refresh', 'second_factor_stale']);
    const aal1 = gate.decide(aal1Session(), { maxAge: '1m', now: NOW });
    assert.equal(aal1.challenge, refreshChallenge(60, false));
    assert.deepEqual(gate.parseChallenge(aal1.challenge), { aal: 'aal1', maxAge: 60 });
  });

  test('null when there is no such challenge', () => {
    for (const header of ['', 'Basic realm="x"', 'Bearer realm="api"', `${CHALLENGE}, acr_values="aal9"`]) {
      assert.equal(gate.parseChallenge(header), null, header);
    }
  });

  test('a header that is not a string is null, and the core is not called', async () => {
    await countingCoreCalls('parseChallenge', (calls) => {
      const text = { toString: () => STEP_UP_CHALLENGE };
      for (const header of [undefined, null, 5, text, new String(STEP_UP_CHALLENGE), [STEP_UP_CHALLENGE], Symbol('h'), 1n, () => STEP_UP_CHALLENGE]) {
        assert.equal(gate.parseChallenge(header), null, describeValue(header));
      }
      assert.equal(calls.length, 0);
      assert.deepEqual(gate.parseChallenge(STEP_UP_CHALLENGE), { aal: 'aal2' });
      assert.deepEqual(calls, [[STEP_UP_CHALLENGE]]);
    });
  });

  test('hostile text never throws: lone surrogates, a huge header', () => {
    for (const header of ['\uD800', `${STEP_UP_CHALLENGE}\uDC00`, `Bearer error="\uD800"`, `${CHALLENGE}, error_description="${'x\\"'.repeat(1_000_000)}", acr_values="aal2"`, ','.repeat(1_000_000)]) {
      assert.doesNotThrow(() => gate.parseChallenge(header));
    }
    const long = `${CHALLENGE}, error_description="${'\u{1F600}'.repeat(1_000_000)}", acr_values="aal2"`;
    assert.deepEqual(gate.parseChallenge(long), { aal: 'aal2' });
  });
});

describe('Decision.challenge', () => {
  let gate;
  before(async () => {
    gate = await createGate(LAX);
  });
  after(() => gate.dispose());

  test('is a string for step_up and refresh, null for every other verdict', () => {
    const cases = [
      [aal1Session(), { aal: 'aal2', now: NOW }, 'step_up'],
      [aal2Session(), { aal: 'aal2', maxAge: 60, now: NOW }, 'refresh'],
      [aal2Session(), { aal: 'aal2', now: NOW }, 'allow'],
      [null, {}, 'login'],
      ['garbage', {}, 'error'],
    ];
    for (const [whoami, requirement, verdict] of cases) {
      const d = gate.decide(whoami, requirement);
      assert.equal(d.verdict, verdict);
      if (verdict === 'step_up' || verdict === 'refresh') assert.match(d.challenge, /^Bearer error="insufficient_user_authentication", /);
      else assert.equal(d.challenge, null);
    }
  });
});
