// The claims mapper aalgate ships (aalgate.jsonnet, issue 14), run by the real Jsonnet interpreter
// (Debian's `jsonnet`, with --ext-code as Kratos's vm.ExtCode) over every Session fixture of
// tests/fixtures/kratos and hostile/edge sessions. Each output is compared with claims computed
// here independently from the session JSON (a regex and JS Date arithmetic, not the mapper's
// civil-day formula) following .scratch/claims.md's contract.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

import { GO_ZERO_SECONDS, expectedClaims as expected, instant } from '../support/claims-oracle.js';

const run = promisify(execFile);
const MAPPER = new URL('../../aalgate.jsonnet', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/kratos/', import.meta.url);
const KRATOS_FIXED = '{"exp":1,"iat":0,"iss":"https://auth.example.com/","jti":"j","nbf":0,"sid":"s","sub":"i"}';

/** The mapper's output for a session given as JSON text: the parsed `{ claims }`. */
async function mapped(sessionText) {
  const { stdout } = await run('jsonnet', ['--ext-code', `session=${sessionText}`, '--ext-code', `claims=${KRATOS_FIXED}`, MAPPER]);
  return JSON.parse(stdout);
}

// ---- the fixtures ----------------------------------------------------------------------------
/** Every Session in tests/fixtures/kratos: the whoami 200 bodies, the stored sessions, the login answer's session. */
function fixtureSessions() {
  const out = [];
  for (const name of readdirSync(FIXTURES).filter((n) => n.endsWith('.json')).sort()) {
    const text = readFileSync(new URL(name, FIXTURES), 'utf8');
    const body = JSON.parse(text);
    if (body && 'authenticator_assurance_level' in body) out.push([name, text, body]);
    else if (body?.session && 'authenticator_assurance_level' in body.session) out.push([`${name} (.session)`, JSON.stringify(body.session), body.session]);
  }
  return out;
}

describe('aalgate.jsonnet over every Session fixture', () => {
  const sessions = fixtureSessions();
  test('the fixtures are all there', () => {
    // 3 whoami 200 bodies, 3 stored sessions, the login API answer's session.
    assert.equal(sessions.length, 7, sessions.map((s) => s[0]).join(', '));
  });
  for (const [name, text, body] of sessions) {
    test(name, async () => {
      const out = await mapped(text);
      assert.deepEqual(out, expected(body));
      assert.deepEqual(Object.keys(out), ['claims']);
    });
  }

  test('derived-whoami-200-aal2-password-totp.json: the values spelled out', async () => {
    const text = readFileSync(new URL('derived-whoami-200-aal2-password-totp.json', FIXTURES), 'utf8');
    assert.deepEqual((await mapped(text)).claims, {
      aal2_amr: ['totp'],
      aal2_time: Date.parse('2026-08-01T10:00:05Z') / 1000, // .123450 dropped
      acr: 'aal2',
      amr: ['password', 'totp'],
      auth_time: Date.parse('2026-08-01T10:00:05Z') / 1000,
      identity_id: 'a1b2c3d4-0000-4000-8000-0000000000aa',
      session_exp: Date.parse('2026-08-02T10:00:05Z') / 1000,
    });
  });

  test('legacy entries (aal "", zero completed_at): no aal2_time, empty aal2_amr', async () => {
    const text = readFileSync(new URL('real-session-aal2-password-totp-active.kratos-db-fixture.json', FIXTURES), 'utf8');
    const { claims } = await mapped(text);
    assert.equal(claims.acr, 'aal2');
    assert.deepEqual(claims.aal2_amr, []);
    assert.equal('aal2_time' in claims, false);
  });
});

// ---- hostile and edge sessions ------------------------------------------------------------------
const BASE = {
  id: 's-1',
  active: true,
  expires_at: '2026-08-02T10:00:05Z',
  authenticated_at: '2026-08-01T10:00:05Z',
  authenticator_assurance_level: 'aal2',
  authentication_methods: [
    { method: 'password', aal: 'aal1', completed_at: '2026-08-01T09:59:40Z' },
    { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:05Z' },
  ],
  identity: { id: 'i-1' },
};
const withTimes = (authenticated_at, completed_at, expires_at = BASE.expires_at) => ({
  ...BASE,
  authenticated_at,
  expires_at,
  authentication_methods: [{ method: 'totp', aal: 'aal2', completed_at }],
});

/** [name, session, claims the test pins by hand (besides the oracle), or undefined]. */
const EDGES = [
  ['no methods', { ...BASE, authenticator_assurance_level: 'aal0', authentication_methods: [] }, { amr: [], aal2_amr: [] }],
  ['methods null', { ...BASE, authentication_methods: null }, { amr: [], aal2_amr: [] }],
  ['methods missing', (({ authentication_methods, ...s }) => s)(BASE), { amr: [], aal2_amr: [] }],
  ['offset +02:00', withTimes('2026-08-01T12:00:05+02:00', '2026-08-01T12:00:05+02:00', '2026-08-02T12:00:05+02:00'),
    { auth_time: 1785578405, aal2_time: 1785578405, session_exp: 1785664805 }],
  ['offset -05:30 and -00:00', withTimes('2026-08-01T04:30:05-05:30', '2026-08-01T10:00:05-00:00'), { auth_time: 1785578405, aal2_time: 1785578405 }],
  ['offsets +23:59 and -23:59', withTimes('2026-08-01T10:00:05+23:59', '2026-08-01T10:00:05-23:59'),
    { auth_time: 1785578405 - 86340, aal2_time: 1785578405 + 86340 }],
  ['fractions floored (1 and 9 digits)', withTimes('2026-08-01T10:00:05.9Z', '2026-08-01T10:00:05.999999999Z'), { auth_time: 1785578405, aal2_time: 1785578405 }],
  ['fraction with an offset', withTimes('2026-08-01T12:00:05.5+02:00', '2026-08-01T10:00:05.000000001Z'), { auth_time: 1785578405, aal2_time: 1785578405 }],
  ['before 1970: floored, not truncated', withTimes('1969-12-31T23:59:59.5Z', '1969-12-31T23:59:58.999Z'), { auth_time: -1, aal2_time: -2 }],
  ['lower-case t and z', withTimes('2026-08-01t10:00:05z', '2026-08-01t10:00:05.1z'), { auth_time: 1785578405, aal2_time: 1785578405 }],
  ['leap days: 2024-02-29, 2000-02-29', withTimes('2024-02-29T00:00:00Z', '2000-02-29T23:59:59Z'), { auth_time: 1709164800, aal2_time: 951868799 }],
  ['not leap days: 2023-02-29, 1900-02-29 (strings, refused by the core)', withTimes('2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z'),
    { auth_time: '2023-02-29T00:00:00Z', aal2_amr: 'authentication_methods is not a list of {method, aal, completed_at}' }],
  ['a leap second (:60) is :59', withTimes('2016-12-31T23:59:60Z', '2016-12-31T23:59:60.5+00:00'), { auth_time: 1483228799, aal2_time: 1483228799 }],
  ['day 31 of a 30-day month, hour 24, minute 60', withTimes('2026-04-31T00:00:00Z', '2026-08-01T24:00:00Z', '2026-08-01T10:60:00Z'),
    { auth_time: '2026-04-31T00:00:00Z', session_exp: '2026-08-01T10:60:00Z' }],
  ['year 0000 and 9999', withTimes('0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z'), { auth_time: -62167219200, aal2_time: 253402300799 }],
  ['Go zero time is no aal2 completion', withTimes('2026-08-01T10:00:05Z', '0001-01-01T00:00:00Z'), { aal2_amr: ['totp'], auth_time: 1785578405 }],
  ['Go zero time written with an offset or zero fraction is still none', {
    ...BASE,
    authentication_methods: [
      { method: 'totp', aal: 'aal2', completed_at: '0001-01-01T01:00:00+01:00' },
      { method: 'webauthn', aal: 'aal2', completed_at: '0001-01-01T00:00:00.000000000Z' },
    ],
  }, { aal2_amr: ['totp', 'webauthn'] }],
  ['Go zero time plus a fraction is a time', withTimes('2026-08-01T10:00:05Z', '0001-01-01T00:00:00.5Z'), { aal2_time: -62135596800 }],
  ['auth_time of the Go zero time is kept', withTimes('0001-01-01T00:00:00Z', '2026-08-01T10:00:05Z'), { auth_time: -62135596800 }],
  ['the newest aal2+ completion wins, whatever the order; aal1 ones never count', {
    ...BASE,
    authentication_methods: [
      { method: 'password', aal: 'aal1', completed_at: '2026-08-01T11:00:00Z' },
      { method: 'webauthn', aal: 'aal3', completed_at: '2026-08-01T10:30:00Z' },
      { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:00Z' },
      { method: 'lookup_secret', aal: 'aal2', completed_at: '2026-08-01T12:20:00+02:00' },
    ],
  }, { aal2_time: Date.parse('2026-08-01T10:30:00Z') / 1000, aal2_amr: ['webauthn', 'totp', 'lookup_secret'] }],
  ['upstream MFA: oidc at aal2', { ...BASE, authentication_methods: [{ method: 'oidc', aal: 'aal2', completed_at: '2026-08-01T10:00:05Z' }] }, { aal2_amr: ['oidc'] }],
  ['unknown or legacy levels (aal9, "", AAL2, missing) count for nothing', {
    ...BASE,
    authentication_methods: [
      { method: 'totp', aal: 'aal9', completed_at: '2026-08-01T10:00:05Z' },
      { method: 'totp', aal: '', completed_at: '2026-08-01T10:00:05Z' },
      { method: 'totp', aal: 'AAL2', completed_at: '2026-08-01T10:00:05Z' },
      { method: 'totp', completed_at: '2026-08-01T10:00:05Z' },
    ],
  }, { aal2_amr: [] }],
  ['an aal2 entry without method or completed_at', {
    ...BASE,
    authentication_methods: [{ aal: 'aal2' }, { method: 'totp', aal: 'aal2', completed_at: null }, { method: null, aal: 'aal2', completed_at: '2026-08-01T10:00:05Z' }],
  }, { aal2_amr: ['', 'totp', ''], aal2_time: 1785578405, amr: ['', 'totp', ''] }],
  ['identity null', { ...BASE, identity: null }, undefined],
  ['no identity, no acr', (({ identity, authenticator_assurance_level, ...s }) => s)(BASE), undefined],
  ['acr "" as sent', { ...BASE, authenticator_assurance_level: '' }, { acr: '' }],
  ['acr not a string is passed as sent', { ...BASE, authenticator_assurance_level: 2 }, { acr: 2 }],
  ['expires_at and authenticated_at null', { ...BASE, expires_at: null, authenticated_at: null }, undefined],
  ['expires_at a number, authenticated_at garbage: strings, never NumericDates', { ...BASE, expires_at: 1785664805, authenticated_at: 'yesterday' },
    { session_exp: '1785664805', auth_time: 'yesterday' }],
  ['10 fraction digits, a missing offset colon, a space for T', withTimes('2026-08-01T10:00:05.1234567890Z', '2026-08-01T10:00:05+0200', '2026-08-01 10:00:05Z'),
    { auth_time: '2026-08-01T10:00:05.1234567890Z', session_exp: '2026-08-01 10:00:05Z' }],
  ['authentication_methods not a list', { ...BASE, authentication_methods: 'totp' }, { amr: [] }],
  ['a method entry that is not an object, or has a number for aal', {
    ...BASE,
    authentication_methods: ['totp', { method: 'totp', aal: 2, completed_at: '2026-08-01T10:00:05Z' }, { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:05Z' }],
  }, { amr: ['totp', 'totp', 'totp'], aal2_amr: 'authentication_methods is not a list of {method, aal, completed_at}' }],
  ['an aal1 entry with a bad completed_at poisons aal2_amr too (the whoami reader refuses the session)', {
    ...BASE,
    authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: 'soon' }, { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:05Z' }],
  }, { aal2_amr: 'authentication_methods is not a list of {method, aal, completed_at}' }],
  ['markup and escapes in strings', { ...BASE, authenticator_assurance_level: '<aal2>&"\u2028', identity: { id: '"\\</script>' } }, { acr: '<aal2>&"\u2028', identity_id: '"\\</script>' }],
  ['fifty methods', {
    ...BASE,
    authentication_methods: Array.from({ length: 50 }, (_, i) => ({ method: i % 3 ? 'password' : 'totp', aal: i % 3 ? 'aal1' : 'aal2', completed_at: new Date(Date.UTC(2026, 0, 1) + i * 61_001).toISOString() })),
  }, { aal2_time: Math.floor((Date.UTC(2026, 0, 1) + 48 * 61_001) / 1000) }],
];

describe('aalgate.jsonnet over hostile and edge sessions', () => {
  for (const [name, session, pinned] of EDGES) {
    test(name, async () => {
      const out = await mapped(JSON.stringify(session));
      assert.deepEqual(out, expected(session));
      for (const [k, v] of Object.entries(pinned ?? {})) assert.deepEqual(out.claims[k], v, k);
    });
  }

  test('Go-escaped JSON (\\u0026 \\u003c) as Kratos writes the ext var', async () => {
    const text = JSON.stringify({ ...BASE, identity: { id: 'a&b<c>' } }).replace(/&/g, '\\u0026').replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
    assert.equal((await mapped(text)).claims.identity_id, 'a&b<c>');
  });

  test('not a session at all (null, an array, a string): claims without a time, never an error', async () => {
    for (const text of ['null', '[1,2]', '"aal2"', '{}']) {
      const { claims } = await mapped(text);
      assert.deepEqual(claims, { amr: [], aal2_amr: [] }, text);
    }
  });

  test('the oracle itself refuses what it must (it is not the mapper)', () => {
    assert.equal(instant('2026-02-29T00:00:00Z'), null);
    assert.equal(instant('2026-08-01T10:00:05.1234567890Z'), null);
    assert.equal(instant('2026-08-01T10:00:05+24:00'), null);
    assert.equal(GO_ZERO_SECONDS, -62135596800);
    assert.deepEqual(instant('0001-01-01T00:00:00Z'), { seconds: GO_ZERO_SECONDS, zero: true });
    assert.deepEqual(instant('1969-12-31T23:59:59.5Z'), { seconds: -1, zero: false });
  });
});
