// Gate.decide on hostile whoami input (cycles, throwing getters and traps, BigInts, huge or broken
// text, odd statuses): it never throws and never allows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createGate } from 'aalgate';

import { LAX, NOW, aal1Session, aal2Session } from './helpers.js';

describe('hostile whoami: decide never throws and never allows', () => {
  let gate;
  before(async () => {
    gate = await createGate(LAX);
  });
  after(() => gate.dispose());

  const cyclic = aal1Session();
  cyclic.identity.self = cyclic;
  const throwingGetter = aal1Session();
  Object.defineProperty(throwingGetter, 'active', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
  const throwingToJson = { ...aal1Session(), toJSON() { throw new Error('toJSON'); } };
  const deep = aal1Session();
  let cursor = deep.identity;
  for (let i = 0; i < 200_000; i += 1) cursor = cursor.next = {};
  const revoked = Proxy.revocable(aal1Session(), {});
  revoked.revoke();
  const trapsThrow = new Proxy(aal1Session(), {
    get() {
      throw new Error('get');
    },
    ownKeys() {
      throw new Error('ownKeys');
    },
    has() {
      throw new Error('has');
    },
    getOwnPropertyDescriptor() {
      throw new Error('getOwnPropertyDescriptor');
    },
  });
  const statusTrap = new Proxy(
    {},
    {
      get(_, key) {
        if (key === 'status') throw new Error('status');
        return undefined;
      },
    },
  );

  const hostile = [
    ['a cyclic session', cyclic],
    ['a session with a throwing getter', throwingGetter],
    ['a session whose toJSON throws', throwingToJson],
    ['a session with a BigInt inside identity', aal1Session({ identity: { counter: 10n } })],
    ['a session nested 200000 levels deep', deep],
    ['a revoked Proxy', revoked.proxy],
    ['a Proxy whose traps all throw', trapsThrow],
    ['an object whose status getter throws', statusTrap],
    ['a Symbol', Symbol('session')],
    ['a function', () => aal1Session()],
    ['a BigInt', 200n],
    ['a number', 200],
    ['true', true],
    ['an array', [aal1Session()]],
    ['a Map', new Map([['active', true]])],
    ['an Error', new Error('no session')],
    ['a Uint8Array of the JSON', new TextEncoder().encode(JSON.stringify(aal1Session()))],
    ['an empty string', ''],
    ['"null"', 'null'],
    ['truncated JSON', JSON.stringify(aal1Session()).slice(0, 40)],
    ['8 MB of garbage text', '{"active":true,'.padEnd(8 * 1024 * 1024, '\u00e9\u{1F600}x')],
    ['a string with lone surrogates everywhere', '\uD800{"active":\uDC00true}\uDBFF'],
    ['status NaN with a valid session body', { status: NaN, body: aal1Session() }],
    ['status 200.5 with a valid session body', { status: 200.5, body: aal1Session() }],
    ['status 2^32+200 with a valid session body', { status: 2 ** 32 + 200, body: aal1Session() }],
    ['status 1e308 with a valid session body', { status: 1e308, body: aal1Session() }],
    ['status -Infinity', { status: -Infinity, body: aal1Session() }],
    ['status "200" (text) with a valid session body', { status: '200', body: aal1Session() }],
    ['status 200 with a cyclic body', { status: 200, body: cyclic }],
    ['status 200 with a BigInt body', { status: 200, body: 1n }],
    ['status 200 with a body getter that throws', { status: 200, get body() { throw new Error('body'); } }],
    ['status 200 with no body', { status: 200 }],
    ['status 500 with a valid session body', { status: 500, body: aal1Session() }],
    ['status 403 without an error id', { status: 403, body: { error: { id: 'session_refresh_required' } } }],
  ];
  for (const [what, whoami] of hostile) {
    test(what, () => {
      let d;
      assert.doesNotThrow(() => {
        d = gate.decide(whoami, { aal: 'aal2', maxAge: '1h', now: NOW });
      });
      assert.ok(Object.isFrozen(d));
      assert.notEqual(d.verdict, 'allow', `got ${JSON.stringify(d)}`);
      assert.ok(['login', 'error', 'step_up'].includes(d.verdict), `got ${JSON.stringify(d)}`);
      assert.doesNotThrow(() => gate.decide(whoami));
      assert.notEqual(gate.decide(whoami).verdict, 'allow');
    });
  }

  test('a Session object is judged by the fields that decide (DESIGN.md, "The session record")', () => {
    // A cycle or a BigInt where the decision never reads (identity) does not change it...
    const clean = gate.decide(aal1Session(), { now: NOW });
    assert.equal(clean.verdict, 'allow');
    // (a method entry that is the session itself has no method, aal or completed_at: it counts
    // for nothing, as an empty entry would)
    const looped = aal1Session();
    looped.authentication_methods.push(looped);
    for (const whoami of [cyclic, aal1Session({ identity: { counter: 10n } }), looped]) {
      assert.deepEqual(gate.decide(whoami, { now: NOW }), clean);
    }
    // ...one in a field that decides makes it invalid, as does a getter there that throws.
    const unreadable = [
      throwingGetter,
      aal1Session({ active: 1n }),
      aal1Session({ authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: 10n }] }),
      aal1Session({ expires_at: { toJSON() { throw new Error('toJSON'); } } }),
    ];
    for (const whoami of unreadable) {
      const d = gate.decide(whoami, { now: NOW });
      assert.deepEqual([d.verdict, d.reason, d.url], ['error', 'invalid_session', null]);
    }
  });

  test('a status that is not a whole HTTP code is an unexpected response', () => {
    for (const status of [NaN, 200.5, 2 ** 32 + 200, -200, 0]) {
      const d = gate.decide({ status, body: aal2Session() }, { now: NOW });
      assert.deepEqual([d.verdict, d.reason], ['error', 'unexpected_response'], `status ${status}`);
    }
  });

  test('a 401 stays a 401 when its body cannot be read', () => {
    const d = gate.decide({ status: 401, get body() { throw new Error('body'); } });
    assert.deepEqual([d.verdict, d.reason], ['login', 'no_session']);
  });

  test('a harmless Proxy of a valid session is read through', () => {
    const proxy = new Proxy(aal2Session(), {});
    assert.equal(gate.decide(proxy, { aal: 'aal2', now: NOW }).verdict, 'allow');
  });

  test('a lone surrogate in session text becomes U+FFFD, as an HTTP client would read it', () => {
    const text = JSON.stringify(aal2Session({ identity: { traits: { name: 'X' } } }));
    const lone = text.replace('"X"', '"\uD800"');
    const replaced = text.replace('"X"', '"\uFFFD"');
    const requirement = { aal: 'aal2', now: NOW };
    assert.deepEqual(gate.decide(lone, requirement), gate.decide(replaced, requirement));
    assert.equal(gate.decide(lone, requirement).verdict, 'allow');
  });

  test('a valid session of 5 MB reaches the core intact under a limit above it, and is too large by default', async () => {
    const session = aal2Session({ identity: { traits: { bio: '\u{1F600}é'.repeat(1_000_000) } } });
    const roomy = await createGate({ ...LAX, maxBodyBytes: 8 * 1048576 });
    try {
      assert.equal(roomy.decide(session, { aal: 'aal2', now: NOW }).verdict, 'allow');
      assert.equal(roomy.decide(JSON.stringify(session), { aal: 'aal2', now: NOW }).verdict, 'allow');
    } finally {
      roomy.dispose();
    }
    // The object's session record is small (its traits are not read); its text is over 1 MiB.
    assert.equal(gate.decide(session, { aal: 'aal2', now: NOW }).verdict, 'allow');
    assert.equal(gate.decide(JSON.stringify(session), { aal: 'aal2', now: NOW }).reason, 'body_too_large');
  });
});
