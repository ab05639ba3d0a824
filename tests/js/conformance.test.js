// Runs every tests/conformance/*.json vector through the public JS API (and so through the Wasm
// core). Format: tests/conformance/README.md. The native runner reads the same files.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SessionFromJSON } from '@ory/client-fetch';
import { AalgateError, createGate } from 'aalgate';

import {
  readConformanceFiles,
  sdkChangesSession,
  vectorErrorInputs,
  vectorRequest,
  vectorRequirement,
  vectorToken,
  vectorWhoamiInputs,
} from './helpers.js';

const DECISION_FIELDS = ['verdict', 'url', 'reason', 'aal', 'requiredAal', 'warnings', 'challenge'];
const CALLS = new Set(['decide', 'recover', 'decideRequest', 'requirementFor', 'parseChallenge']);
// The calls that return a decision, and those that return a requirement (or null).
const DECISION_CALLS = new Set(['decide', 'recover', 'decideRequest']);
const EXPECT_FIELDS = new Set([...DECISION_FIELDS, 'explanation', 'throws', 'requirement']);

const files = readConformanceFiles();
const cases = files.flatMap(({ file, data }) =>
  Array.isArray(data?.cases) ? data.cases.map((vector) => ({ file, defaults: data.defaults, vector })) : [],
);

test('the conformance folder holds at least one case', () => {
  assert.ok(files.length > 0, 'no tests/conformance/*.json file found');
  assert.ok(cases.length > 0, 'the conformance files hold no cases');
});

test('every conformance file is a JSON object with a cases array', () => {
  for (const { file, data, error } of files) {
    assert.equal(error, undefined, `${file} is not valid JSON: ${error?.message}`);
    assert.ok(Array.isArray(data?.cases), `${file} has no "cases" array`);
  }
});

test('case names are unique across all files', () => {
  const seen = new Map();
  for (const { file, vector } of cases) {
    assert.equal(typeof vector.name, 'string', `${file}: a case has no name`);
    assert.ok(!seen.has(vector.name), `${vector.name} is in both ${seen.get(vector.name)} and ${file}`);
    seen.set(vector.name, file);
  }
});

test('every case of a kratos_*.json file cites the Kratos file it follows', () => {
  const kratosFiles = files.filter(({ file }) => file.startsWith('kratos_'));
  assert.ok(kratosFiles.length >= 8, `only ${kratosFiles.length} kratos_*.json files`);
  for (const { file, data } of kratosFiles) {
    for (const vector of data.cases) {
      assert.match(vector.kratos ?? '', /[a-z_/]+\.(go|json)\b/, `${file}: ${vector.name} cites no Kratos file`);
    }
  }
});

test('the SessionFromJSON comparison is skipped only for sessions the SDK changes', () => {
  const session = (fields) => ({ active: true, expires_at: '2026-08-02T10:00:00Z', ...fields });
  assert.equal(sdkChangesSession(session({ authenticated_at: '2026-08-01T10:00:00.123+02:00' })), null);
  assert.equal(sdkChangesSession(session({ authenticated_at: 'garbage', authentication_methods: null })), null);
  assert.equal(sdkChangesSession(session({ authentication_methods: [null, { completed_at: '0001-01-01T00:00:00Z' }] })), null);
  for (const changed of [
    session({ authenticated_at: '2026-08-01T10:00:00.123456Z' }),
    session({ authenticated_at: '2026-02-30T00:00:00Z' }),
    session({ authenticated_at: '2026-08-01 10:00:00Z' }),
    session({ authenticated_at: '2016-12-31T23:59:60Z' }),
    session({ expires_at: 1785578400000 }),
    session({ authentication_methods: 'password' }),
    session({ authentication_methods: [5] }),
    session({ authentication_methods: [{ completed_at: true }] }),
    [],
  ]) {
    assert.equal(typeof sdkChangesSession(changed), 'string', JSON.stringify(changed));
  }
});

for (const { file, defaults, vector } of cases) {
  test(`${file}: ${vector.name}`, async (t) => {
    const expect = vector.expect;
    assert.ok(expect !== null && typeof expect === 'object', 'the case has no "expect" object');
    for (const key of Object.keys(expect)) {
      assert.ok(EXPECT_FIELDS.has(key), `unknown "expect" field ${JSON.stringify(key)}`);
    }
    const call = Object.hasOwn(vector, 'call') ? vector.call : 'decide';
    assert.ok(CALLS.has(call), `unknown "call" ${JSON.stringify(call)}`);
    if (DECISION_CALLS.has(call)) {
      assert.ok(!Object.hasOwn(expect, 'requirement'), `expect.requirement is for requirementFor and parseChallenge, not ${call}`);
    } else {
      for (const key of [...DECISION_FIELDS, 'explanation']) {
        assert.ok(!Object.hasOwn(expect, key), `expect.${key} is for decisions, not ${call}`);
      }
    }
    const config = Object.hasOwn(vector, 'config') ? vector.config : defaults?.config;
    // A config error is raised before any argument is looked at; such a case may leave them out.
    const configError = String(expect.throws).startsWith('config');
    const run = (label, invoke) => t.test(label, () => runCase({ config, expect, invoke }));

    if (call === 'requirementFor') {
      const request = vector.request;
      if (!configError || request !== undefined) {
        assert.ok(request !== null && typeof request === 'object', 'the case has no "request" object');
      }
      await run('requirementFor(method, url)', (gate) => gate.requirementFor(request?.method, request?.url));
      return;
    }
    if (call === 'parseChallenge') {
      if (!configError) assert.ok(Object.hasOwn(vector, 'header'), 'the case has no "header"');
      await run('parseChallenge(header)', (gate) => gate.parseChallenge(vector.header));
      return;
    }

    const requirement = vectorRequirement(
      Object.hasOwn(vector, 'requirement') ? vector.requirement : defaults?.requirement,
    );
    if (call === 'recover') {
      const error = !Object.hasOwn(vector, 'error') && configError ? null : vector.error;
      assert.notEqual(error, undefined, 'the case has no "error"');
      for (const input of vectorErrorInputs(error, config)) {
        await run(input.label, (gate, options) => gate.recover(input.error, requirement, options));
      }
      return;
    }

    const request = call === 'decideRequest' ? vectorRequest(vector.request) : undefined;
    if (call === 'decideRequest' && !configError) {
      assert.ok(Object.hasOwn(vector, 'request'), 'the case has no "request"');
    }
    const decideWith =
      call === 'decideRequest'
        ? (whoami) => (gate, options) => gate.decideRequest(whoami, request, options)
        : (whoami) => (gate, options) => gate.decide(whoami, requirement, options);
    const whoami = !Object.hasOwn(vector, 'whoami') && configError ? null : vector.whoami;
    assert.notEqual(whoami, undefined, 'the case has no "whoami"');

    for (const input of vectorWhoamiInputs(whoami, config)) {
      if (input.claims !== undefined) {
        const at = call === 'decideRequest' ? request?.now : requirement?.now;
        const token = await vectorToken(input.claims, at);
        await run(input.label, decideWith(token));
        continue;
      }
      await run(input.label, decideWith(input.whoami));
      if (input.session === undefined) continue;
      let sdkSession;
      let skip = sdkChangesSession(input.session);
      if (!skip) {
        try {
          sdkSession = SessionFromJSON(input.session);
        } catch (error) {
          skip = `SessionFromJSON throws: ${error.message}`;
        }
      }
      await t.test(
        'as @ory/client-fetch SessionFromJSON gives it',
        { skip: skip ? `not comparable, ${skip}` : false },
        () => runCase({ config, expect, invoke: decideWith(sdkSession) }),
      );
    }
  });
}

// Creates the gate, makes the call (`invoke(gate)`) and compares with `expect`.
async function runCase({ config, expect, invoke }) {
  const expectsConfigError = typeof expect.throws === 'string' && /^config(\.|\[|$)/.test(expect.throws);
  let gate;
  try {
    gate = await createGate(config);
  } catch (error) {
    if (!(error instanceof AalgateError)) throw error;
    assert.ok(expectsConfigError, `createGate threw ${error.code} (${error.message}); expected ${describeExpect(expect)}`);
    assert.equal(error.code, expect.throws);
    return;
  }
  try {
    assert.ok(!expectsConfigError, `createGate accepted the config; expected it to throw ${expect.throws}`);
    let result;
    try {
      result = invoke(gate);
    } catch (error) {
      if (!(error instanceof AalgateError)) throw error;
      assert.ok(expect.throws !== undefined, `the call threw ${error.code} (${error.message}); expected ${describeExpect(expect)}`);
      assert.equal(error.code, expect.throws);
      return;
    }
    assert.equal(expect.throws, undefined, `the call returned ${JSON.stringify(result)}; expected it to throw ${expect.throws}`);
    if (Object.hasOwn(expect, 'requirement')) {
      // Compared exactly: no extra fields, maxAge/operation left out when unset, a frozen object.
      assert.deepEqual(result === null ? null : { ...result }, expect.requirement);
      if (result !== null) assert.ok(Object.isFrozen(result), 'the requirement is not frozen');
      return;
    }
    assert.ok(Object.isFrozen(result) && Object.isFrozen(result.warnings), 'the decision is not frozen');
    const actual = {};
    const wanted = {};
    for (const key of DECISION_FIELDS) {
      if (!Object.hasOwn(expect, key)) continue;
      actual[key] = key === 'warnings' ? [...result[key]] : result[key];
      wanted[key] = expect[key];
    }
    assert.deepEqual(actual, wanted);
    // Every decision, explained: the same decision, and the explanation the native runner checks
    // too (tests/cpp/conformance_test.cpp check_explanation).
    const explained = invoke(gate, { explain: true });
    const { explanation, ...decision } = explained;
    assert.deepEqual(decision, { ...result }, 'asking for an explanation changed the decision');
    assert.ok(Object.isFrozen(explanation) && Object.isFrozen(explanation.steps), 'the explanation is not frozen');
    assert.equal(Object.hasOwn(result, 'explanation'), false, 'an explanation nobody asked for');
    checkExplanation(explanation, result, expect.explanation);
  } finally {
    gate.dispose();
  }
}

// What every explanation must be (DESIGN.md "Explanations") and what expect.explanation pins
// (tests/conformance/README.md); the native runner's check_explanation makes the same checks.
function checkExplanation(why, decision, expected) {
  const { steps } = why;
  assert.ok(Array.isArray(steps) && steps.length > 0, JSON.stringify(why));
  steps.forEach((step, i) => {
    assert.equal(step.applies, i === steps.length - 1, `only the last step applies: ${JSON.stringify(why)}`);
    assert.ok(typeof step.check === 'string' && step.check.length > 0, JSON.stringify(step));
  });
  const invalid = decision.reason === 'invalid_session' || decision.reason.startsWith('claim_');
  assert.equal(why.problem !== null, invalid, JSON.stringify(why));
  if (invalid) assert.notEqual(why.problem.problem, 'no problem found', JSON.stringify(why));
  if (decision.aal !== null && why.session !== null) assert.equal(why.session.aal, decision.aal);
  if (expected === undefined) return;
  for (const [field, value] of Object.entries(expected)) {
    if (field === 'steps') {
      assert.deepEqual(steps.map((step) => step.rule + (step.applies ? '!' : '')), value, JSON.stringify(why));
    } else if (field === 'check') {
      assert.equal(steps.at(-1).check, value);
    } else if (field === 'problem') {
      assert.deepEqual(why.problem, value);
    } else if (field === 'session' || field === 'inputs') {
      for (const [key, pinned] of Object.entries(value)) {
        assert.deepEqual(why[field][key], pinned, `${field}.${key}: ${JSON.stringify(why)}`);
      }
    } else {
      assert.fail(`unknown expect.explanation field ${field}`);
    }
  }
}

function describeExpect(expect) {
  return expect.throws !== undefined ? `it to throw ${expect.throws}` : JSON.stringify(expect);
}
