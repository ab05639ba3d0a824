// The benchmark's pure-JS baseline (benchmarks/baseline.js, issue 10) is checked against the core:
// on every conformance case it can express, it must give the same verdict and URL as
// `gate.decide` (the core, through the public API), for the parsed JSON object (timestamps as ISO
// strings) and, when the SDK keeps the session as it is, for @ory/client-fetch's SessionFromJSON
// (timestamps as Dates).
//
// A case is selected when all of these hold; the others are skipped for the reason given:
// - the call is `decide` and expects a decision (not `recover`, `decideRequest`, ..., not a throw):
//   the baseline only decides;
// - the config holds only `baseUrl` (https, no query) and, optionally, `flow: 'browser'` and
//   `kratos`'s `session.whoami.required_aal`: the baseline builds browser-flow URLs, knows no
//   `allowedReturnUrls` (it never drops a return_to), `leeway`, `policy` or other server settings;
// - the server is Lax (`session.whoami.required_aal: aal1`), or the requirement is aal1, or the
//   session is already aal2: under a Strict server, an aal1 session asked for aal2 must enrol a
//   second factor, which the baseline (written for a Lax server) does not do;
// - the requirement holds only `aal` ('aal1' / 'aal2' / none), `maxAge` (seconds, or a whole Go
//   duration in s, m or h, converted to seconds for the baseline), `returnTo` and `now`; no
//   `operation`, `highest_available`, `loginChallenge`, `organization`, `via`; `now` is given
//   when a session is (the baseline and the core must read the same clock);
// - `returnTo`, when given, is a plain absolute http(s) URL or a `/path` of unreserved characters,
//   `/`, and a query of `=&`: what the core passes through unchanged and both encode alike
//   (the core escapes `!'()*`, encodeURIComponent does not; the core drops unsafe values);
// - whoami is no session (`null`) or a 200 Session body (`{session}`, `{text}`, a fixture with
//   status 200, `{status: 200, body}`): other statuses and `{failure}` are HTTP answers, which the
//   baseline, given the SDK's Session, never sees;
// - the Session is well formed as the SDK types it: `active` a boolean, `expires_at` and
//   `authenticated_at` (or no `authenticated_at`) RFC 3339 strings, `authenticator_assurance_level`
//   'aal1' or 'aal2' as sent (the baseline derives no level from the methods: aal0, aal3, empty or
//   absent levels are skipped), every method an object with `aal` 'aal1' or 'aal2', a string
//   `method` (no `oidc`/`saml` at aal2: upstream MFA refreshes without aal=aal2) and a
//   `completed_at` after 1970 (Kratos's zero times are not a completion). The baseline does not
//   validate: invalid and hostile sessions are the core's job;
// - with `maxAge`, the session has `authenticated_at` (Kratos always sends it): without it the
//   core fails every max-age check, the baseline judges aal2 by the second factor alone;
// - no time the decision compares (`expires_at` with `now`, the age with `maxAge`) lies within a
//   millisecond of its boundary with digits past the millisecond in the timestamp or in `now`:
//   the baseline reads times as a Date does, to the millisecond; the core reads nanoseconds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';

import { SessionFromJSON } from '@ory/client-fetch';
import { createGate } from 'aalgate';

import { handWrittenGate } from '../../benchmarks/baseline.js';
import {
  FIXTURE_DIR,
  parseRfc3339,
  readConformanceFiles,
  sdkChangesSession,
  vectorNow,
  vectorRequirement,
} from './helpers.js';

const UNRESERVED_PATH = '[A-Za-z0-9._~/-]*';
const SIMPLE_RETURN_TO = new RegExp(
  `^(?:https?://[A-Za-z0-9.-]+(?::\\d+)?(?:/${UNRESERVED_PATH})?|/(?!/)${UNRESERVED_PATH})(?:\\?[A-Za-z0-9._~=&-]*)?$`,
);
const SIMPLE_BASE_URL = /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~-]+)*$/;
const DURATION_SECONDS = { s: 1, m: 60, h: 3600 };
const REQUIREMENT_KEYS = new Set(['aal', 'maxAge', 'returnTo', 'now']);
const CONFIG_KEYS = new Set(['baseUrl', 'flow', 'kratos']);

/** The Lax/Strict setting of a config's `kratos` mirror, or a reason it is something else. */
function whoamiRequiredAal(kratos) {
  if (kratos === undefined) return { strict: true };
  if (kratos === null || typeof kratos !== 'object') return { skip: 'kratos is not an object' };
  const keys = Object.keys(kratos);
  if (keys.length === 1 && keys[0] === 'session.whoami.required_aal') return levelOf(kratos[keys[0]]);
  const nested = kratos.session?.whoami;
  if (
    keys.length === 1 &&
    keys[0] === 'session' &&
    Object.keys(kratos.session ?? {}).length === 1 &&
    Object.keys(nested ?? {}).length === 1 &&
    Object.hasOwn(nested, 'required_aal')
  ) {
    return levelOf(nested.required_aal);
  }
  return { skip: 'kratos mirrors settings other than session.whoami.required_aal' };
}

function levelOf(value) {
  if (value === 'aal1') return { strict: false };
  if (value === 'highest_available') return { strict: true };
  return { skip: 'session.whoami.required_aal is neither aal1 nor highest_available' };
}

/** maxAge in seconds for the baseline, or undefined when it cannot be given as that. */
function maxAgeSeconds(maxAge) {
  if (typeof maxAge === 'number') return Number.isFinite(maxAge) && maxAge >= 0 ? maxAge : undefined;
  const m = typeof maxAge === 'string' ? /^(\d+)([smh])$/.exec(maxAge) : null;
  return m === null ? undefined : Number(m[1]) * DURATION_SECONDS[m[2]];
}

function isRfc3339(value) {
  return typeof value === 'string' && parseRfc3339(value) !== null;
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Why the baseline cannot stand for this Session, or null when it can. */
function sessionSkip(session) {
  if (!isPlainObject(session)) return 'the Session is not an object';
  if (typeof session.active !== 'boolean') return 'active is not a boolean';
  if (!isRfc3339(session.expires_at)) return 'expires_at is not an RFC 3339 string';
  if (session.authenticated_at !== undefined && !isRfc3339(session.authenticated_at)) {
    return 'authenticated_at is neither absent nor an RFC 3339 string';
  }
  const level = session.authenticator_assurance_level;
  if (level !== 'aal1' && level !== 'aal2') return 'authenticator_assurance_level is not aal1 or aal2';
  const methods = session.authentication_methods;
  if (methods === undefined) return null;
  if (!Array.isArray(methods)) return 'authentication_methods is not an array';
  for (const entry of methods) {
    if (!isPlainObject(entry)) return 'a method entry is not an object';
    if (entry.aal !== 'aal1' && entry.aal !== 'aal2') return 'a method at an aal other than aal1 or aal2';
    if (typeof entry.method !== 'string') return 'a method without a method name';
    if (entry.aal === 'aal2' && (entry.method === 'oidc' || entry.method === 'saml')) {
      return 'upstream MFA (oidc/saml at aal2)';
    }
    if (!isRfc3339(entry.completed_at) || parseRfc3339(entry.completed_at).ms < 0) {
      return 'a method without a real completed_at';
    }
  }
  return null;
}

/** A timestamp as fractional milliseconds, to the nanosecond. */
function exactMs(text) {
  const { ms, subMs } = parseRfc3339(text);
  return ms + subMs;
}

/** true when a comparison sits within a millisecond of its boundary below the millisecond. */
function subMillisecondBoundary(session, { aal, maxAge, now }) {
  const near = (text, boundary) =>
    Math.abs(exactMs(text) - boundary) < 1 && (parseRfc3339(text).subMs !== 0 || !Number.isInteger(now));
  if (near(session.expires_at, now)) return true;
  if (maxAge === undefined) return false;
  const times = [session.authenticated_at];
  if (aal === 'aal2') times.push(...(session.authentication_methods ?? []).map((m) => m.completed_at));
  return times.some((text) => text !== undefined && near(text, now - maxAge * 1000));
}

/**
 * The whoami as the core takes it and the Session object the baseline takes, or a skip reason:
 * { core, session } (session null for no session) | { skip }.
 */
function whoamiInputs(whoami) {
  if (whoami === null) return { core: null, session: null };
  if (!isPlainObject(whoami)) return { skip: 'unknown whoami form' };
  if (Object.hasOwn(whoami, 'failure')) return { skip: 'whoami got no answer ({failure})' };
  let text;
  if (Object.hasOwn(whoami, 'session')) return { core: whoami.session, session: whoami.session };
  if (Object.hasOwn(whoami, 'text')) text = whoami.text;
  else if (Object.hasOwn(whoami, 'fixture')) {
    if ((whoami.status ?? 200) !== 200) return { skip: 'an HTTP status other than 200' };
    text = readFileSync(new URL(whoami.fixture, FIXTURE_DIR), 'utf8');
  } else if (Object.hasOwn(whoami, 'status')) {
    if (whoami.status !== 200) return { skip: 'an HTTP status other than 200' };
    if (typeof whoami.body !== 'string') return { core: whoami.body, session: whoami.body };
    text = whoami.body;
  } else return { skip: 'unknown whoami form' };
  if (typeof text !== 'string') return { skip: 'the body is not text' };
  let session;
  try {
    session = JSON.parse(text);
  } catch {
    return { skip: 'the body is not JSON' };
  }
  return isPlainObject(session) ? { core: text, session } : { skip: 'the Session is not an object' };
}

/** A case the baseline can express: { name, config, requirement, baseline, core, session } | { skip }. */
function select(file, defaults, vector) {
  if ((vector.call ?? 'decide') !== 'decide') return { skip: `call: ${vector.call}` };
  if (vector.expect?.throws !== undefined) return { skip: 'expects a throw' };
  const config = Object.hasOwn(vector, 'config') ? vector.config : defaults?.config;
  if (!isPlainObject(config)) return { skip: 'the config is not an object' };
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) return { skip: `config.${key}` };
  }
  if (typeof config.baseUrl !== 'string' || !SIMPLE_BASE_URL.test(config.baseUrl)) {
    return { skip: 'a baseUrl that is not a plain https URL' };
  }
  if (config.flow !== undefined && config.flow !== 'browser') return { skip: 'flow other than browser' };
  const server = whoamiRequiredAal(config.kratos);
  if (server.skip) return { skip: server.skip };

  const requirement = Object.hasOwn(vector, 'requirement') ? vector.requirement : defaults?.requirement;
  if (requirement !== undefined && !isPlainObject(requirement)) return { skip: 'the requirement is not an object' };
  const given = requirement ?? {};
  for (const key of Object.keys(given)) {
    if (!REQUIREMENT_KEYS.has(key)) return { skip: `requirement.${key}` };
  }
  if (given.aal !== undefined && given.aal !== 'aal1' && given.aal !== 'aal2') {
    return { skip: 'requirement.aal other than aal1 or aal2' };
  }
  const maxAge = maxAgeSeconds(given.maxAge);
  if (given.maxAge !== undefined && maxAge === undefined) {
    return { skip: 'maxAge other than seconds or a whole number of s, m or h' };
  }
  if (given.returnTo !== undefined && (typeof given.returnTo !== 'string' || !SIMPLE_RETURN_TO.test(given.returnTo))) {
    return { skip: 'a returnTo the core may drop or escape differently' };
  }
  const now = vectorNow(given.now);
  if (given.now !== undefined && typeof now !== 'number') return { skip: 'now is not a time' };

  const whoami = Object.hasOwn(vector, 'whoami') ? vector.whoami : undefined;
  if (whoami === undefined) return { skip: 'no whoami' };
  const inputs = whoamiInputs(whoami);
  if (inputs.skip) return inputs;
  if (inputs.session !== null) {
    if (now === undefined) return { skip: 'a session without requirement.now (the clock)' };
    const why = sessionSkip(inputs.session);
    if (why) return { skip: why };
  }
  if (maxAge !== undefined && inputs.session !== null && inputs.session.authenticated_at === undefined) {
    return { skip: 'maxAge of a session without authenticated_at' };
  }
  if (server.strict && given.aal === 'aal2' && inputs.session !== null && inputs.session.authenticator_assurance_level !== 'aal2') {
    return { skip: 'aal2 asked of a session below aal2 under a Strict server (enrolment)' };
  }
  const baseline = { aal: given.aal, maxAge, returnTo: given.returnTo, now };
  for (const key of Object.keys(baseline)) if (baseline[key] === undefined) delete baseline[key];
  if (inputs.session !== null && subMillisecondBoundary(inputs.session, baseline)) {
    return { skip: 'a time within a millisecond of its boundary, below the millisecond' };
  }
  return {
    name: `${file}: ${vector.name}`,
    config,
    requirement: vectorRequirement(requirement),
    baseline,
    core: inputs.core,
    session: inputs.session,
  };
}

const selected = [];
const skipped = new Map();
for (const { file, data } of readConformanceFiles()) {
  for (const vector of data?.cases ?? []) {
    const choice = select(file, data.defaults, vector);
    if (choice.skip) skipped.set(choice.skip, (skipped.get(choice.skip) ?? 0) + 1);
    else selected.push(choice);
  }
}

const gates = new Map();
async function gateFor(config) {
  const key = JSON.stringify(config);
  if (!gates.has(key)) gates.set(key, await createGate(config));
  return gates.get(key);
}
after(() => {
  for (const gate of gates.values()) gate.dispose();
});

const verdicts = new Map();

test('the baseline can express a meaningful share of the conformance cases', (t) => {
  t.diagnostic(`${selected.length} selected; skipped: ${JSON.stringify(Object.fromEntries(skipped))}`);
  assert.ok(selected.length >= 20, `only ${selected.length} cases selected`);
  const sessions = selected.filter((choice) => choice.session !== null).length;
  t.diagnostic(`${sessions} of them with a Session, ${selected.length - sessions} with no session`);
  assert.ok(sessions >= 20, `only ${sessions} selected cases hold a Session`);
});

for (const choice of selected) {
  test(`baseline = core: ${choice.name}`, async (t) => {
    const gate = await gateFor(choice.config);
    const hand = handWrittenGate(choice.config.baseUrl);
    const check = (coreWhoami, session) => {
      const core = gate.decide(coreWhoami, choice.requirement);
      assert.notEqual(core.verdict, 'error', `the core says ${core.reason}: not a case the baseline expresses`);
      assert.deepEqual(hand.decide(session, choice.baseline), { verdict: core.verdict, url: core.url });
      verdicts.set(core.verdict, (verdicts.get(core.verdict) ?? 0) + 1);
    };
    await t.test('the parsed JSON object', () => check(choice.core, choice.session));
    if (choice.session === null) return;
    const why = sdkChangesSession(choice.session);
    await t.test('@ory/client-fetch SessionFromJSON', { skip: why ?? false }, () => {
      const sdkSession = SessionFromJSON(choice.session);
      check(sdkSession, sdkSession);
    });
  });
}

test('the selected cases reach every verdict the baseline gives', (t) => {
  t.diagnostic(`core verdicts compared: ${JSON.stringify(Object.fromEntries(verdicts))}`);
  for (const verdict of ['allow', 'login', 'step_up', 'refresh']) {
    assert.ok((verdicts.get(verdict) ?? 0) > 0, `no selected case decides ${verdict}`);
  }
});
