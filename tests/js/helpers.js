// Shared by the node --test files in tests/js/ (not a test file itself).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

import { AalgateError, createGate } from 'aalgate';
import { loadCore } from '#load-core';

export const ROOT = new URL('../../', import.meta.url);
export const CONFORMANCE_DIR = new URL('tests/conformance/', ROOT);
export const FIXTURE_DIR = new URL('tests/fixtures/kratos/', ROOT);

/** The bytes of a Kratos fixture, as text (what an HTTP client's text() gives). */
export function fixtureText(name) {
  return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(new URL(name, FIXTURE_DIR)));
}

/** Every conformance file: [{ file, data }] or [{ file, error }] when it is not JSON. */
export function readConformanceFiles() {
  return readdirSync(CONFORMANCE_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => {
      try {
        return { file, data: JSON.parse(readFileSync(new URL(file, CONFORMANCE_DIR), 'utf8')) };
      } catch (error) {
        return { file, error };
      }
    });
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Reads an RFC 3339 timestamp exactly (DESIGN.md's grammar: real calendar dates, hours ≤ 23,
 * seconds ≤ 60 with :60 as :59). Returns { ms, subMs } where ms is whole milliseconds since the
 * epoch and subMs the digits past the millisecond as a fraction of one, or null when invalid.
 */
export function parseRfc3339(text) {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = (m[7] ?? '').padEnd(9, '0');
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  date.setUTCHours(hour, minute, Math.min(second, 59), Number(fraction.slice(0, 3)));
  return {
    ms: date.getTime() - offsetMinutes * 60_000,
    subMs: Number(fraction.slice(3)) / 1e6,
  };
}

/** A vector's `now` (RFC 3339 text or milliseconds) as the JS API takes it. */
export function vectorNow(now) {
  if (typeof now !== 'string') return now;
  const parsed = parseRfc3339(now);
  // Text that is not a timestamp goes to the core as is, for it to reject.
  return parsed === null ? now : parsed.ms + parsed.subMs;
}

/** A vector's requirement as the JS API takes it (`now` converted); other values untouched. */
export function vectorRequirement(requirement) {
  if (requirement === null || typeof requirement !== 'object' || Array.isArray(requirement)) {
    return requirement;
  }
  if (!Object.hasOwn(requirement, 'now')) return requirement;
  return { ...requirement, now: vectorNow(requirement.now) };
}

/**
 * The ways a vector's whoami is given to the JS API: [{ label, whoami, session? }].
 * `session` is set for `{"session": …}`, which also runs through @ory/client-fetch.
 */
export function vectorWhoamiInputs(whoami, config) {
  if (whoami === null) return [{ label: 'null', whoami: null }];
  if (typeof whoami !== 'object' || Array.isArray(whoami)) {
    throw new Error(`unknown whoami form: ${JSON.stringify(whoami)}`);
  }
  if (whoami.overLimit === true) {
    return [{ label: '{status, body} one byte over maxBodyBytes', whoami: { status: whoami.status ?? 200, body: overLimitBody(config) } }];
  }
  if (Object.hasOwn(whoami, 'fixture')) {
    const status = whoami.status ?? 200;
    const body = fixtureText(whoami.fixture);
    const inputs = [{ label: `fixture ${whoami.fixture} as {status, body}`, whoami: { status, body } }];
    if (status === 200) inputs.push({ label: `fixture ${whoami.fixture} as text`, whoami: body });
    return inputs;
  }
  if (Object.hasOwn(whoami, 'session')) {
    return [{ label: 'session object', whoami: whoami.session, session: whoami.session }];
  }
  if (Object.hasOwn(whoami, 'text')) return [{ label: 'text', whoami: whoami.text }];
  if (Object.hasOwn(whoami, 'status')) {
    return [{ label: '{status, body}', whoami: { status: whoami.status, body: whoami.body } }];
  }
  if (Object.hasOwn(whoami, 'failure')) return [{ label: '{failure}', whoami: { failure: whoami.failure } }];
  // Claims: signed with a test key and verified by aalgate/tokens first (vectorToken).
  if (Object.hasOwn(whoami, 'claims')) return [{ label: 'verified token', claims: whoami.claims }];
  throw new Error(`unknown whoami form: ${JSON.stringify(whoami)}`);
}

let testKey;
/**
 * A vector's `{"claims": …}` as gate.decide takes it: a JWT signed with an ES256 test key (a
 * `kid`), verified by aalgate/tokens against that key's public JWKS at `now` with the claims'
 * own `iss`. Resolves to the verified token.
 */
export async function vectorToken(claims, now) {
  const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
  const { createTokenVerifier } = await import('aalgate/tokens');
  testKey ??= await (async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'vector-key', alg: 'ES256', use: 'sig' };
    return { privateKey, jwks: { keys: [jwk] } };
  })();
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'vector-key', typ: 'JWT' }).sign(testKey.privateKey);
  const verifier = createTokenVerifier({ jwks: testKey.jwks, issuer: claims.iss });
  return verifier.verify(jwt, { now });
}

/** A vector's request (`decideRequest`) as the JS API takes it: `now` converted, as for requirements. */
export function vectorRequest(request) {
  return vectorRequirement(request);
}

/**
 * The ways a vector's error (`recover`) is given to the JS API: [{ label, error }].
 * `{"text"}` is the string, `{"object"}` the parsed object, `{"status", "body"?}` is
 * `{status, body}` (no body key when absent), `{"fixture", "status"?}` the fixture's text,
 * alone or as the body of `{status, body}`.
 */
export function vectorErrorInputs(error, config) {
  if (error === null) return [{ label: 'null', error: null }];
  if (typeof error !== 'object' || Array.isArray(error)) {
    throw new Error(`unknown error form: ${JSON.stringify(error)}`);
  }
  if (error.overLimit === true) {
    const body = overLimitBody(config);
    const given = Object.hasOwn(error, 'status') ? { status: error.status, body } : body;
    return [{ label: 'a body one byte over maxBodyBytes', error: given }];
  }
  if (Object.hasOwn(error, 'fixture')) {
    const body = fixtureText(error.fixture);
    if (!Object.hasOwn(error, 'status')) return [{ label: `fixture ${error.fixture} as text`, error: body }];
    return [{ label: `fixture ${error.fixture} as {status, body}`, error: { status: error.status, body } }];
  }
  if (Object.hasOwn(error, 'text')) return [{ label: 'text', error: error.text }];
  if (Object.hasOwn(error, 'object')) return [{ label: 'object', error: error.object }];
  if (Object.hasOwn(error, 'status')) {
    const given = Object.hasOwn(error, 'body') ? { status: error.status, body: error.body } : { status: error.status };
    return [{ label: Object.hasOwn(error, 'body') ? '{status, body}' : '{status}', error: given }];
  }
  throw new Error(`unknown error form: ${JSON.stringify(error)}`);
}

// `"overLimit": true` (tests/conformance/README.md): what JS has for a body its caller measured
// over the limit: a text one byte longer than the case's maxBodyBytes (default 1 MiB), which
// js/call.js measures and leaves out.
function overLimitBody(config) {
  const limit = config?.maxBodyBytes ?? 1048576;
  return 'x'.repeat(limit + 1);
}

const SDK_TIMESTAMPS = ['expires_at', 'authenticated_at'];

/**
 * Why @ory/client-fetch's SessionFromJSON would change what the core sees in `session`, or null
 * when it keeps it: the SDK turns timestamps into Dates (milliseconds only, lenient parsing,
 * numbers accepted) and rebuilds method entries, so only sessions it carries over exactly can be
 * expected to get the same decision.
 */
export function sdkChangesSession(session) {
  if (session === null || typeof session !== 'object' || Array.isArray(session)) {
    return 'the session is not an object';
  }
  for (const key of SDK_TIMESTAMPS) {
    const why = sdkChangesTimestamp(session[key]);
    if (why) return `${key}: ${why}`;
  }
  const methods = session.authentication_methods;
  if (methods === undefined || methods === null) return null;
  if (!Array.isArray(methods)) return 'authentication_methods is not an array';
  for (const [i, entry] of methods.entries()) {
    if (entry === null) continue;
    if (typeof entry !== 'object' || Array.isArray(entry)) {
      return `authentication_methods[${i}] is not an object`;
    }
    const why = sdkChangesTimestamp(entry.completed_at);
    if (why) return `authentication_methods[${i}].completed_at: ${why}`;
  }
  return null;
}

function sdkChangesTimestamp(value) {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return `new Date(${JSON.stringify(value)}) makes a time of a non-string`;
  const exact = parseRfc3339(value);
  const lenient = new Date(value).getTime();
  if (exact === null) {
    return Number.isNaN(lenient) ? null : `Date parses ${JSON.stringify(value)}, RFC 3339 does not`;
  }
  if (Number.isNaN(lenient)) return `Date cannot read ${JSON.stringify(value)}`;
  if (exact.subMs !== 0) return `a Date drops the sub-millisecond digits of ${value}`;
  if (lenient !== exact.ms) return `a Date reads ${value} as ${new Date(lenient).toISOString()}`;
  return null;
}

/** A small deterministic PRNG (mulberry32), so property tests replay. */
export function prng(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the public API's tests (create-gate, decide, recover, policy, challenge, dispose, …) ----

export const BASE = 'https://auth.example.com';
export const LOGIN = `${BASE}/self-service/login/browser`;
// Lax whoami (session.whoami.required_aal: aal1): aal2 requirements step up instead of enrolling.
export const LAX = { baseUrl: BASE, kratos: { 'session.whoami.required_aal': 'aal1' } };
export const at = (text) => Date.parse(text);
export const NOW = at('2026-08-01T10:05:00Z');
// RFC 9470 challenges (DESIGN.md, "RFC 9470 challenges").
export const CHALLENGE = 'Bearer error="insufficient_user_authentication"';
export const STEP_UP_CHALLENGE = `${CHALLENGE}, error_description="A second authentication factor is required", acr_values="aal2"`;
export const refreshChallenge = (maxAge, aal2) =>
  `${CHALLENGE}, error_description="A more recent authentication is required", ${aal2 ? 'acr_values="aal2", ' : ''}max_age="${maxAge}"`;

// Kratos fidelity (DESIGN.md, issue 3): recover, per-route policy, RFC 9470 challenges. The tests
// check what the JS layer carries; what the core decides is pinned by tests/conformance/.
export const SETTINGS_RETURN_TO = `${BASE}/self-service/settings?flow=2b0c2b4e-6f0a-4d3e-9b1a-6c2f5e7d8a90`;
export const POLICY = {
  rules: [
    { path: '/public/**', aal: 'none' },
    { path: '/billing/**', methods: ['POST', 'delete'], aal: 'aal2', maxAge: '10m' },
    { path: '/account/settings', operation: 'settings' },
    { path: '/reports/*', aal: 'aal1', maxAge: 90.5 },
  ],
  default: { aal: 'aal1' },
};
export const ROUTED = { ...LAX, policy: POLICY };
const DECISION_KEYS = ['verdict', 'url', 'reason', 'aal', 'requiredAal', 'warnings', 'challenge'];

export function aal1Session(overrides = {}) {
  return {
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    active: true,
    expires_at: '2026-08-02T10:00:00Z',
    authenticated_at: '2026-08-01T10:00:00Z',
    authenticator_assurance_level: 'aal1',
    authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: '2026-08-01T10:00:00Z' }],
    identity: { id: 'a1b2c3d4-0000-4000-8000-0000000000aa', traits: { email: 'user@example.com' } },
    ...overrides,
  };
}

export function aal2Session(overrides = {}) {
  return aal1Session({
    authenticator_assurance_level: 'aal2',
    authentication_methods: [
      { method: 'password', aal: 'aal1', completed_at: '2026-08-01T09:59:30Z' },
      { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:00Z' },
    ],
    ...overrides,
  });
}

/** Runs `use(gate)` with a gate of `config`, disposed afterwards. */
export async function withGate(config, use) {
  const gate = await createGate(config);
  try {
    return await use(gate);
  } finally {
    gate.dispose();
  }
}

export async function rejectsWithCode(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof AalgateError, `expected an AalgateError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

export function throwsWithCode(call, code) {
  assert.throws(call, (error) => {
    assert.ok(error instanceof AalgateError, `expected an AalgateError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** A decision is a frozen plain object with exactly the decision fields, in order. */
export function assertFrozenDecision(d) {
  assert.deepEqual(Object.keys(d), DECISION_KEYS);
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.warnings));
  assert.equal(Object.getPrototypeOf(d), Object.prototype);
}

/** A short name for a test title of a value that is not what an argument should be. */
export function describeValue(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof String) return 'a String object';
  if (value instanceof URL) return 'a URL object';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** Replaces a method of the core's Gate for the duration of `use`, counting its calls. */
export async function countingCoreCalls(name, use) {
  const core = await loadCore();
  const original = core.Gate.prototype[name];
  const calls = [];
  core.Gate.prototype[name] = function counting(...args) {
    calls.push(args);
    return original.apply(this, args);
  };
  try {
    return await use(calls);
  } finally {
    core.Gate.prototype[name] = original;
  }
}

/**
 * The string literals of `export type NAME = 'a' | 'b' | …;` in js/index.d.ts (template literal
 * types left out): what the typed surface lists.
 * @param {string} name
 * @returns {string[]}
 */
export function typeUnion(name) {
  const dts = readFileSync(new URL('../../js/index.d.ts', import.meta.url), 'utf8');
  const match = new RegExp(`export type ${name} =([^;]*);`).exec(dts);
  if (!match) throw new Error(`js/index.d.ts has no type ${name}`);
  return [...match[1].matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
}

/** The whole Decision for an aal2 session that meets an aal2 requirement. */
export const AAL2_SATISFIED = Object.freeze({
  verdict: 'allow',
  url: null,
  reason: 'satisfied',
  aal: 'aal2',
  requiredAal: 'aal2',
  warnings: [],
  challenge: null,
});
