// A Session object crosses to the core as a session record (js/record.js, src/aalgate/
// session_record.hpp), never as JSON text. It must decide exactly as its JSON text does: every
// deciding field given every kind of value JSON.stringify treats differently, checked against
// the same object sent as text. (The conformance vectors already run text, parsed objects and
// @ory/client-fetch Sessions against the same expectations.)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createGate } from 'aalgate';

import { aal1Session } from './helpers.js';

const NOW = Date.parse('2026-08-01T10:30:00Z');
const gate = await createGate({ baseUrl: 'https://auth.example.com' });

// The text path as the object path would see it: JSON.stringify with Dates through toJSON (an
// invalid Date's null marked, as js/normalize.js does, so that it is not read as absent).
function asText(session) {
  return JSON.stringify(session, function mark(key, value) {
    return value === null && this[key] instanceof Date ? { invalid: 'date' } : value;
  });
}

const VALUES = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['false', false],
  ['0', 0],
  ['1', 1],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['a function', () => 'aal2'],
  ['a symbol', Symbol('aal2')],
  ['""', ''],
  ['"aal1"', 'aal1'],
  ['"aal2"', 'aal2'],
  ['"aal3"', 'aal3'],
  ['"AAL2"', 'AAL2'],
  ['"oidc"', 'oidc'],
  ['a timestamp', '2026-08-01T10:20:00Z'],
  ['a timestamp with nanoseconds and an offset', '2026-08-01T12:20:00.123456789+02:00'],
  ["Go's zero time", '0001-01-01T00:00:00Z'],
  ['a non-ASCII string', 'aal2\u00e9\u65e5'],
  ['an escaped-looking string', 'aal\\u0032'],
  ['a string with a NUL', 'aal2\u0000'],
  ['a Date', new Date('2026-08-01T10:20:00Z')],
  ['a Date in year 10000', new Date(Date.UTC(10000, 0, 1))],
  ['a Date in year 0', new Date(Date.UTC(0, 0, 1) - 0)],
  ['a Date before year 0', new Date(Date.UTC(-1, 0, 1))],
  ['an invalid Date', new Date(NaN)],
  ['an empty object', {}],
  ['an empty array', []],
  ['an array of a string', ['aal2']],
];

const REQUIREMENTS = [{ now: NOW }, { aal: 'aal2', now: NOW }, { aal: 'aal1', maxAge: '15m', now: NOW }];

function assertSame(session, label) {
  for (const requirement of REQUIREMENTS) {
    const fromObject = gate.decide(session, requirement);
    const fromText = gate.decide(asText(session), requirement);
    assert.deepEqual(fromObject, fromText, `${label}, ${JSON.stringify(requirement)}`);
  }
}

test('each session field, given each kind of value, decides as the same session as text', () => {
  const fields = ['active', 'expires_at', 'authenticated_at', 'authenticator_assurance_level', 'authentication_methods'];
  let compared = 0;
  for (const field of fields) {
    for (const [name, value] of VALUES) {
      assertSame(aal1Session({ [field]: value }), `${field}: ${name}`);
      compared += 1;
    }
  }
  assert.equal(compared, fields.length * VALUES.length);
});

test('each method entry field, and each kind of entry, decides as the same session as text', () => {
  const base = { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:20:00Z' };
  for (const field of ['method', 'aal', 'completed_at']) {
    for (const [name, value] of VALUES) {
      const methods = [{ method: 'password', aal: 'aal1', completed_at: '2026-08-01T10:00:00Z' }, { ...base, [field]: value }];
      assertSame(aal1Session({ authenticator_assurance_level: '', authentication_methods: methods }), `entry ${field}: ${name}`);
      assertSame(aal1Session({ authentication_methods: methods }), `entry ${field}: ${name} (level sent)`);
    }
  }
  for (const [name, value] of VALUES) {
    assertSame(aal1Session({ authentication_methods: [value] }), `entry: ${name}`);
  }
});

test('a missing field, an upstream second factor and many methods decide as their text', () => {
  const { active, ...noActive } = aal1Session();
  assert.equal(active, true);
  assertSame(noActive, 'no active');
  assertSame(Object.assign(Object.create(null), aal1Session()), 'a null-prototype session');
  const upstream = [
    { method: 'oidc', aal: 'aal2', completed_at: '2026-08-01T10:00:00Z' },
    { method: 'saml', aal: 'aal2', completed_at: new Date('2026-08-01T10:10:00Z') },
  ];
  assertSame(aal1Session({ authenticator_assurance_level: '', authentication_methods: upstream }), 'upstream');
  const many = Array.from({ length: 300 }, (_, i) => ({ method: 'totp', aal: i % 2 ? 'aal2' : 'aal1', completed_at: new Date(NOW - i * 1000) }));
  assertSame(aal1Session({ authenticator_assurance_level: '', authentication_methods: many }), '300 methods');
});

test('objects the reader cannot stand for go as JSON text: toJSON, class instances, wrappers', () => {
  class Level {
    toString() {
      return 'aal2';
    }
  }
  const odd = [
    aal1Session({ toJSON: () => ({ active: false }) }),
    aal1Session({ authenticator_assurance_level: new String('aal2') }),
    aal1Session({ active: new Boolean(false) }),
    aal1Session({ authenticator_assurance_level: new Level() }),
    aal1Session({ authentication_methods: [{ method: 'totp', aal: 'aal2', toJSON: () => ({ aal: 'aal1' }) }] }),
    aal1Session({ expires_at: Object.assign(new Date('2020-01-01T00:00:00Z'), { toJSON: () => '2030-01-01T00:00:00Z' }) }),
    aal1Session({ authenticator_assurance_level: 'aal\uD800' }),
  ];
  for (const [i, session] of odd.entries()) assertSame(session, `odd ${i}`);
});
