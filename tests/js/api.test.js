// The public JS API: createGate / decide / dispose, AalgateError codes, argument normalisation,
// loading, and use with the real @ory/client-fetch against a local HTTP server.
import assert from 'node:assert/strict';
import { once as onceEvent } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { Configuration, FrontendApi, ResponseError } from '@ory/client-fetch';
import { AalgateError, createGate, Gate } from 'aalgate';
import { loadCore } from '#load-core';

import { instantiateCore, once } from '../../js/loader/instantiate.js';
import { fixtureText, prng } from './helpers.js';

const BASE = 'https://auth.example.com';
const LOGIN = `${BASE}/self-service/login/browser`;
// Lax whoami (session.whoami.required_aal: aal1): aal2 requirements step up instead of enrolling.
const LAX = { baseUrl: BASE, kratos: { 'session.whoami.required_aal': 'aal1' } };
const at = (text) => Date.parse(text);
const NOW = at('2026-08-01T10:05:00Z');
// RFC 9470 challenges (DESIGN.md, "RFC 9470 challenges").
const CHALLENGE = 'Bearer error="insufficient_user_authentication"';
const STEP_UP_CHALLENGE = `${CHALLENGE}, error_description="A second authentication factor is required", acr_values="aal2"`;
const refreshChallenge = (maxAge, aal2) =>
  `${CHALLENGE}, error_description="A more recent authentication is required", ${aal2 ? 'acr_values="aal2", ' : ''}max_age="${maxAge}"`;

function aal1Session(overrides = {}) {
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

function aal2Session(overrides = {}) {
  return aal1Session({
    authenticator_assurance_level: 'aal2',
    authentication_methods: [
      { method: 'password', aal: 'aal1', completed_at: '2026-08-01T09:59:30Z' },
      { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:00Z' },
    ],
    ...overrides,
  });
}

async function withGate(config, use) {
  const gate = await createGate(config);
  try {
    return await use(gate);
  } finally {
    gate.dispose();
  }
}

async function rejectsWithCode(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof AalgateError, `expected an AalgateError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

function throwsWithCode(call, code) {
  assert.throws(call, (error) => {
    assert.ok(error instanceof AalgateError, `expected an AalgateError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

test('the package exports exactly createGate, Gate and AalgateError', async () => {
  const api = await import('aalgate');
  assert.deepEqual(Object.keys(api).sort(), ['AalgateError', 'Gate', 'createGate']);
});

describe('AalgateError', () => {
  test('is an Error with a string code, its name and the code in the message', async () => {
    const error = await createGate({}).catch((e) => e);
    assert.ok(error instanceof AalgateError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'AalgateError');
    assert.equal(error.code, 'config.baseUrl');
    assert.match(error.message, /^config\.baseUrl \S/);
    assert.match(String(error), /^AalgateError: config\.baseUrl/);
  });

  test('can be constructed with a code, a message and a cause', () => {
    const cause = new Error('inner');
    const error = new AalgateError('x.y', 'message', { cause });
    assert.deepEqual([error.code, error.message, error.cause, error.name], ['x.y', 'message', cause, 'AalgateError']);
  });
});

describe('createGate', () => {
  test('resolves to a Gate that decides', async () => {
    await withGate({ baseUrl: BASE }, (gate) => {
      assert.ok(gate instanceof Gate);
      assert.equal(gate.decide(null).url, LOGIN);
    });
  });

  test('normalises baseUrl through the core (trailing slash, case, default port)', async () => {
    await withGate({ baseUrl: 'HTTPS://Auth.Example.COM:443/.ory/' }, (gate) => {
      assert.equal(gate.decide(null).url, 'https://auth.example.com/.ory/self-service/login/browser');
    });
  });

  const invalid = [
    ['no baseUrl', {}, 'config.baseUrl'],
    ['a relative baseUrl', { baseUrl: '/auth' }, 'config.baseUrl'],
    ['a baseUrl with a query', { baseUrl: `${BASE}/?a=b` }, 'config.baseUrl'],
    ['a Date as baseUrl', { baseUrl: new Date(0) }, 'config.baseUrl'],
    ['an unknown flow', { baseUrl: BASE, flow: 'spa' }, 'config.flow'],
    ['a typo in a key', { baseUrl: BASE, leway: 5 }, 'config.leway'],
    ['a negative leeway', { baseUrl: BASE, leeway: -1 }, 'config.leeway'],
    ['a NaN leeway', { baseUrl: BASE, leeway: NaN }, 'config.leeway'],
    ['an Infinity leeway', { baseUrl: BASE, leeway: Infinity }, 'config.leeway'],
    ['a BigInt leeway', { baseUrl: BASE, leeway: 5n }, 'config.leeway'],
    ['a Symbol leeway', { baseUrl: BASE, leeway: Symbol('5s') }, 'config.leeway'],
    ['a function leeway', { baseUrl: BASE, leeway: () => 5 }, 'config.leeway'],
    ['an invalid Date as leeway', { baseUrl: BASE, leeway: new Date(NaN) }, 'config.leeway'],
    ['a bad allowedReturnUrls entry', { baseUrl: BASE, allowedReturnUrls: [`${BASE}/`, 'not a url'] }, 'config.allowedReturnUrls[1]'],
    ['a public-suffix wildcard', { baseUrl: BASE, allowedReturnUrls: [`${BASE}/`, 'https://*.vercel.app/'] }, 'config.allowedReturnUrls[1]'],
    ['a function in allowedReturnUrls', { baseUrl: BASE, allowedReturnUrls: [() => BASE] }, 'config.allowedReturnUrls[0]'],
    [
      'a wrong whoami required_aal (nested)',
      { baseUrl: BASE, kratos: { session: { whoami: { required_aal: 'aal2' } } } },
      'config.kratos.session.whoami.required_aal',
    ],
    [
      'a function as whoami required_aal (nested)',
      { baseUrl: BASE, kratos: { session: { whoami: { required_aal: () => 'aal1' } } } },
      'config.kratos.session.whoami.required_aal',
    ],
    [
      'a BigInt privileged_session_max_age (dotted)',
      { baseUrl: BASE, kratos: { 'selfservice.flows.settings.privileged_session_max_age': 60n } },
      'config.kratos.selfservice.flows.settings.privileged_session_max_age',
    ],
    [
      'nested and dotted forms that disagree',
      {
        baseUrl: BASE,
        kratos: {
          selfservice: { flows: { settings: { required_aal: 'aal1' } } },
          'selfservice.flows.settings.required_aal': 'highest_available',
        },
      },
      'config.kratos.selfservice.flows.settings.required_aal',
    ],
    ['a function as kratos', { baseUrl: BASE, kratos: () => ({}) }, 'config.kratos'],
    ['a lone surrogate in baseUrl', { baseUrl: `${BASE}/\uD800` }, 'config.baseUrl'],
    ['a lone surrogate in an allowedReturnUrls entry', { baseUrl: BASE, allowedReturnUrls: ['https://\uDBFFa.example.com/'] }, 'config.allowedReturnUrls[0]'],
  ];
  for (const [what, config, code] of invalid) {
    test(`rejects ${what} with code ${code}`, () => rejectsWithCode(createGate(config), code));
  }

  for (const [what, config] of [
    ['undefined', undefined],
    ['null', null],
    ['a string', BASE],
    ['a number', 42],
    ['an array', [BASE]],
    ['a function', () => ({ baseUrl: BASE })],
    ['a Symbol', Symbol('config')],
  ]) {
    test(`rejects ${what} as the config with code "config"`, () => rejectsWithCode(createGate(config), 'config'));
  }

  test('a getter that throws marks only its own field', async () => {
    const config = {
      baseUrl: BASE,
      get flow() {
        throw new Error('boom');
      },
    };
    await rejectsWithCode(createGate(config), 'config.flow');
  });

  test('a Proxy whose traps throw, as kratos, is rejected with code config.kratos', async () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys');
        },
      },
    );
    await rejectsWithCode(createGate({ baseUrl: BASE, kratos: hostile }), 'config.kratos');
  });

  test('a revoked Proxy as the config is rejected with code "config"', async () => {
    const { proxy, revoke } = Proxy.revocable({ baseUrl: BASE }, {});
    revoke();
    await rejectsWithCode(createGate(proxy), 'config');
  });

  test('a cycle in a part of the Kratos mirror aalgate ignores does not fail', async () => {
    const serve = { public: { base_url: `${BASE}/` } };
    serve.self = serve;
    await withGate({ baseUrl: BASE, kratos: { serve, 'session.whoami.required_aal': 'aal1' } }, (gate) => {
      // The mirrored aal1 took effect: aal2 on an aal1 session steps up instead of enrolling.
      assert.equal(gate.decide(aal1Session(), { aal: 'aal2', now: NOW }).verdict, 'step_up');
    });
  });

  test('a cycle where a value is read is rejected with that field\'s code', async () => {
    const urls = [];
    urls.push(urls);
    await rejectsWithCode(createGate({ baseUrl: BASE, allowedReturnUrls: urls }), 'config.allowedReturnUrls[0]');
  });

  test('reads the config once, when called: later changes have no effect', async () => {
    let reads = 0;
    const withGetter = {
      get baseUrl() {
        reads += 1;
        return 'https://first.example.com';
      },
    };
    const plain = { baseUrl: 'https://first.example.com' };
    const pending = [createGate(withGetter), createGate(plain)];
    plain.baseUrl = 'not a url';
    const gates = await Promise.all(pending);
    assert.equal(reads, 1);
    for (const gate of gates) {
      assert.equal(gate.decide(null).url, 'https://first.example.com/self-service/login/browser');
      gate.dispose();
    }
  });

  test('concurrent calls share one module load and each get a working gate', async () => {
    const gates = await Promise.all(Array.from({ length: 20 }, () => createGate({ baseUrl: BASE })));
    for (const gate of gates) assert.equal(gate.decide(null).verdict, 'login');
    for (const gate of gates) gate.dispose();
  });
});

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
    assert.deepEqual(gate.decide(aal2Session(), { aal: 'aal2', now: NOW }), {
      verdict: 'allow',
      url: null,
      reason: 'satisfied',
      aal: 'aal2',
      requiredAal: 'aal2',
      warnings: [],
      challenge: null,
    });
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

  test('an unserialisable session is an invalid session (the core decides on an empty body)', () => {
    for (const whoami of [cyclic, throwingGetter, aal1Session({ identity: { counter: 10n } })]) {
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

  test('a valid session of 5 MB reaches the core intact', () => {
    const session = aal2Session({ identity: { traits: { bio: '\u{1F600}é'.repeat(1_000_000) } } });
    assert.equal(gate.decide(session, { aal: 'aal2', now: NOW }).verdict, 'allow');
    assert.equal(gate.decide(JSON.stringify(session), { aal: 'aal2', now: NOW }).verdict, 'allow');
  });
});

describe('return_to', () => {
  let gate;
  before(async () => {
    gate = await createGate({ baseUrl: BASE });
  });
  after(() => gate.dispose());

  const returnToOf = (d) => new URL(d.url).searchParams.get('return_to');

  test('a returnTo with a lone surrogate is dropped, not mangled', () => {
    for (const returnTo of ['/x\uD800', '/x\uDC00y', '\uD83D', '/a?q=\uDE00\uD83D', `${BASE}/p\uDBFF\uDBFF`]) {
      const d = gate.decide(null, { returnTo });
      assert.equal(d.url, LOGIN, `returnTo ${JSON.stringify(returnTo)}`);
      assert.deepEqual(d.warnings, ['return_to_dropped']);
    }
  });

  test('a returnTo with a well-formed astral character is kept', () => {
    const d = gate.decide(null, { returnTo: '/x?q=\u{1F600}' });
    assert.deepEqual(d.warnings, []);
    assert.equal(returnToOf(d), '/x?q=\u{1F600}');
    assert.equal(d.url, `${LOGIN}?return_to=%2Fx%3Fq%3D%F0%9F%98%80`);
  });

  test('a huge returnTo makes a URL that gives it back', () => {
    const returnTo = `/x?q=${'a&b %+\u{1F600}'.repeat(100_000)}`;
    assert.equal(returnToOf(gate.decide(null, { returnTo })), returnTo);
  });

  // Code points that are not dropped: no C0/C1 controls, DEL or backslash, no lone surrogates.
  const SPECIAL = [' ', '+', '&', '%', '=', '?', '#', '/', ':', '@', ';', ',', "'", '"', '<', '>', '[', ']', '{', '}', '|', '^', '`', '~', '!', '$', '*', '(', ')', '%20', '%2B', '%%', '\u00A0', '\u00E9', '\u0301', '\u200D', '\u2028', '\u2029', '\uFEFF', '\uFFFD', '\uFFFF', '\u4E2D', '\u{1F600}', '\u{1F468}\u200D\u{1F469}', '\u{1D11E}', '\u{10FFFF}', '\u{E0001}'];
  function randomCodePoint(random) {
    const pick = random();
    if (pick < 0.5) return SPECIAL[Math.floor(random() * SPECIAL.length)];
    if (pick < 0.7) return String.fromCodePoint(0x21 + Math.floor(random() * 0x5e)).replace('\\', '/');
    for (;;) {
      const cp = pick < 0.85 ? 0xa0 + Math.floor(random() * (0xffff - 0xa0)) : 0x10000 + Math.floor(random() * 0xfffff);
      if (cp < 0xd800 || cp > 0xdfff) return String.fromCodePoint(cp);
    }
  }

  function randomString(random) {
    const length = Math.floor(random() * 24);
    let s = '';
    for (let j = 0; j < length; j += 1) s += randomCodePoint(random);
    return s;
  }

  function assertRoundTrip(returnTo) {
    const d = gate.decide(null, { returnTo });
    assert.deepEqual(d.warnings, [], `dropped ${JSON.stringify(returnTo)}`);
    const url = new URL(d.url);
    assert.equal(url.origin + url.pathname, LOGIN);
    assert.equal(url.searchParams.get('return_to'), returnTo, `for ${JSON.stringify(returnTo)}: ${d.url}`);
    // Only unreserved characters and %XX escapes in the query value (Go's QueryEscape minus "+").
    assert.match(url.search, /^\?return_to=(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*$/);
  }

  test('percent-encoding: URLSearchParams gives back every random Unicode returnTo path exactly', () => {
    const random = prng(20260801);
    for (let i = 0; i < 3000; i += 1) assertRoundTrip(`/x?q=${randomString(random)}`);
  });

  test('percent-encoding: the same holds for absolute returnTo URLs', () => {
    const random = prng(8012026);
    for (let i = 0; i < 3000; i += 1) assertRoundTrip(`https://app.example.com/x?q=${randomString(random)}`);
  });
});

// Kratos fidelity (DESIGN.md, issue 3): recover, per-route policy, RFC 9470 challenges. These
// check what the JS layer carries; what the core decides is pinned by tests/conformance/.
const SETTINGS_RETURN_TO = `${BASE}/self-service/settings?flow=2b0c2b4e-6f0a-4d3e-9b1a-6c2f5e7d8a90`;
const POLICY = {
  rules: [
    { path: '/public/**', aal: 'none' },
    { path: '/billing/**', methods: ['POST', 'delete'], aal: 'aal2', maxAge: '10m' },
    { path: '/account/settings', operation: 'settings' },
    { path: '/reports/*', aal: 'aal1', maxAge: 90.5 },
  ],
  default: { aal: 'aal1' },
};
const ROUTED = { ...LAX, policy: POLICY };
const DECISION_KEYS = ['verdict', 'url', 'reason', 'aal', 'requiredAal', 'warnings', 'challenge'];
const refreshBody = (returnTo) =>
  JSON.stringify({
    error: { id: 'session_refresh_required', code: 403, status: 'Forbidden', message: 'The requested action was forbidden' },
    redirect_browser_to: `${LOGIN}?refresh=true&return_to=${encodeURIComponent(returnTo)}`,
  });

function assertFrozenDecision(d) {
  assert.deepEqual(Object.keys(d), DECISION_KEYS);
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.warnings));
  assert.equal(Object.getPrototypeOf(d), Object.prototype);
}

// Replaces a method of the core's Gate for the duration of `use`, counting its calls.
async function countingCoreCalls(name, use) {
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

describe('Gate.recover', () => {
  let gate;
  before(async () => {
    gate = await createGate({ baseUrl: BASE });
  });
  after(() => gate.dispose());

  test('a Kratos error gives a frozen decision, with the challenge, from each form of the error', () => {
    const text = fixtureText('derived-settings-submit-403-session_refresh_required.json');
    const expected = gate.recover(text);
    assertFrozenDecision(expected);
    assert.deepEqual(expected, {
      verdict: 'refresh',
      url: `${LOGIN}?refresh=true&return_to=${encodeURIComponent(SETTINGS_RETURN_TO)}`,
      reason: 'session_refresh_required',
      aal: null,
      requiredAal: 'aal1',
      warnings: [],
      challenge: refreshChallenge(0, false),
    });
    for (const form of [JSON.parse(text), { status: 403, body: text }, { status: 403, body: JSON.parse(text) }]) {
      assert.deepEqual(gate.recover(form), expected);
    }
  });

  test('the requirement is carried: its returnTo wins over the redirect\'s, null and undefined are {}', () => {
    const text = fixtureText('derived-settings-submit-403-session_refresh_required.json');
    const d = gate.recover(text, { returnTo: '/mine' });
    assert.equal(d.url, `${LOGIN}?refresh=true&return_to=%2Fmine`);
    assert.deepEqual(gate.recover(text, null), gate.recover(text));
    assert.deepEqual(gate.recover(text, undefined), gate.recover(text, {}));
    const stepUp = gate.recover({ status: 403, body: { error: { id: 'session_aal2_required', code: 403 } } }, { returnTo: '/pay' });
    assert.deepEqual([stepUp.verdict, stepUp.url, stepUp.challenge], ['step_up', `${LOGIN}?aal=aal2&return_to=%2Fpay`, STEP_UP_CHALLENGE]);
  });

  test('Go escapes (\\u0026) in the text are JSON escapes: the redirect\'s return_to is read', () => {
    const text = '{"error":{"id":"session_refresh_required","code":403},"redirect_browser_to":"https://auth.example.com/self-service/login/browser?refresh=true\\u0026return_to=%2Fback"}';
    assert.ok(text.includes('\\u0026'));
    assert.equal(gate.recover(text).url, `${LOGIN}?refresh=true&return_to=%2Fback`);
  });

  test('without a numeric status the body\'s error.code counts; a given status is carried', () => {
    const body = { error: { id: 'session_inactive', code: 401 } };
    assert.deepEqual(gate.recover(body), gate.recover({ status: 401, body }));
    assert.equal(gate.recover(body).verdict, 'login');
    // A status that is text is not a status: the object is the body.
    assert.deepEqual(gate.recover({ status: 'Unauthorized', error: body.error }), gate.recover(body));
    // 401 without an id: the status alone decides, even when the body cannot be read.
    const unreadable = gate.recover({ status: 401, get body() { throw new Error('body'); } });
    assert.deepEqual([unreadable.verdict, unreadable.reason, unreadable.url], ['login', 'no_session', LOGIN]);
    assert.deepEqual(gate.recover({ status: 401 }), unreadable);
  });

  const badRequirements = [
    [{ aal: 'aal7' }, 'requirement.aal'],
    [{ maxAge: -1 }, 'requirement.maxAge'],
    [{ returnTo: 5 }, 'requirement.returnTo'],
    [{ now: new Date(NaN) }, 'requirement.now'],
    [{ maxage: 5 }, 'requirement.maxage'],
    ['aal2', 'requirement'],
  ];
  for (const [requirement, code] of badRequirements) {
    test(`an invalid requirement throws ${code}, whatever the error`, () => {
      const cyclic = { error: { id: 'session_aal2_required' } };
      cyclic.self = cyclic;
      for (const error of [fixtureText('derived-whoami-403-session_aal2_required.json'), null, cyclic, 'garbage']) {
        throwsWithCode(() => gate.recover(error, requirement), code);
      }
    });
  }

  test('a lone surrogate in the text becomes U+FFFD, as an HTTP client would read it', () => {
    const text = fixtureText('derived-settings-submit-403-session_refresh_required.json').replace('too old', 'too \uD800old');
    assert.deepEqual(gate.recover(text), gate.recover(text.replace('\uD800', '\uFFFD')));
    assert.equal(gate.recover(text).reason, 'session_refresh_required');
  });

  test('a Kratos error of 8 MB reaches the core intact', () => {
    const huge = refreshBody('/back').replace('"Forbidden"', JSON.stringify('\u{1F600}é'.repeat(2_700_000)));
    assert.ok(huge.length > 8_000_000);
    assert.deepEqual(gate.recover(huge), gate.recover(refreshBody('/back')));
    assert.deepEqual(gate.recover(JSON.parse(huge)), gate.recover(refreshBody('/back')));
  });

  describe('never throws on hostile error input, and never allows', () => {
    const cyclic = { error: { id: 'session_refresh_required', code: 403 } };
    cyclic.error.self = cyclic;
    const throwingGetter = { redirect_browser_to: `${LOGIN}?refresh=true` };
    Object.defineProperty(throwingGetter, 'error', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    const throwingToJson = { error: { id: 'session_refresh_required' }, toJSON() { throw new Error('toJSON'); } };
    const deep = { error: { id: 'session_refresh_required', code: 403 } };
    let cursor = deep.error;
    for (let i = 0; i < 200_000; i += 1) cursor = cursor.details = {};
    const revoked = Proxy.revocable({ error: { id: 'session_refresh_required' } }, {});
    revoked.revoke();
    const trapsThrow = new Proxy(
      { error: { id: 'session_refresh_required' } },
      {
        get() {
          throw new Error('get');
        },
        ownKeys() {
          throw new Error('ownKeys');
        },
        getOwnPropertyDescriptor() {
          throw new Error('getOwnPropertyDescriptor');
        },
      },
    );
    const statusTrap = new Proxy({}, { get(_, key) { if (key === 'status') throw new Error('status'); return undefined; } });

    const hostile = [
      ['a cyclic error object', cyclic],
      ['an error object whose error getter throws', throwingGetter],
      ['an error object whose toJSON throws', throwingToJson],
      ['an error object with a BigInt inside', { error: { id: 'session_refresh_required', code: 403n } }],
      ['an error object nested 200000 levels deep', deep],
      ['a revoked Proxy', revoked.proxy],
      ['a Proxy whose traps all throw', trapsThrow],
      ['an object whose status getter throws', statusTrap],
      ['a Symbol', Symbol('error')],
      ['a function', () => ({ error: { id: 'session_refresh_required' } })],
      ['a BigInt', 403n],
      ['a number', 403],
      ['true', true],
      ['an array', [{ error: { id: 'session_refresh_required' } }]],
      ['a Map', new Map([['error', { id: 'session_refresh_required' }]])],
      ['an Error', new Error('session_refresh_required')],
      ['a Uint8Array of the JSON', new TextEncoder().encode(refreshBody('/back'))],
      ['an empty string', ''],
      ['"null"', 'null'],
      ['truncated JSON', refreshBody('/back').slice(0, 40)],
      ['8 MB of garbage text', '{"error":{"id":'.padEnd(8 * 1024 * 1024, '\u00e9\u{1F600}x')],
      ['a string with lone surrogates everywhere', '\uD800{"error":\uDC00{"id":"session_refresh_required"}}\uDBFF'],
      ['an object with lone surrogates', { error: { id: 'session_refresh_required\uD800', code: 403, reason: '\uDC00' } }],
      ['a lone surrogate in the redirect', { error: { id: 'session_refresh_required', code: 403 }, redirect_browser_to: `${LOGIN}?refresh=true&return_to=%2F\uD800` }],
      ['status NaN', { status: NaN, body: refreshBody('/back') }],
      ['status 1e308', { status: 1e308, body: refreshBody('/back') }],
      ['status -Infinity', { status: -Infinity, body: refreshBody('/back') }],
      ['status 403 with a cyclic body', { status: 403, body: cyclic }],
      ['status 403 with a BigInt body', { status: 403, body: 1n }],
      ['status 403 with a body getter that throws', { status: 403, get body() { throw new Error('body'); } }],
      ['status 403 with no body', { status: 403 }],
      ['a redirect to another origin', { error: { id: 'browser_location_change_required', code: 422 }, redirect_browser_to: 'https://evil.example.net/self-service/login/browser' }],
    ];
    for (const [what, error] of hostile) {
      test(what, () => {
        let d;
        assert.doesNotThrow(() => {
          d = gate.recover(error, { aal: 'aal2', returnTo: '/back' });
        });
        assertFrozenDecision(d);
        assert.notEqual(d.verdict, 'allow', `got ${JSON.stringify(d)}`);
        assert.doesNotThrow(() => gate.recover(error));
        assert.notEqual(gate.recover(error).verdict, 'allow');
      });
    }

    test('what cannot be serialised is no Kratos error (the core decides on an empty body)', () => {
      for (const error of [cyclic, throwingGetter, throwingToJson, { error: { id: 'session_refresh_required', code: 403n } }]) {
        const d = gate.recover(error);
        assert.deepEqual([d.verdict, d.reason, d.url, d.challenge], ['error', 'unexpected_response', null, null]);
      }
    });
  });
});

describe('Gate.requirementFor', () => {
  let gate;
  before(async () => {
    gate = await createGate(ROUTED);
  });
  after(() => gate.dispose());

  test('returns a frozen plain object: maxAge in seconds, rule the index', () => {
    const r = gate.requirementFor('POST', 'https://app.example.com/billing/invoices?id=7#top');
    assert.deepEqual(Object.keys(r), ['aal', 'maxAge', 'rule']);
    assert.ok(Object.isFrozen(r));
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
    assert.deepEqual(r, { aal: 'aal2', maxAge: 600, rule: 1 });
    assert.deepEqual(gate.requirementFor('GET', '/reports/q3'), { aal: 'aal1', maxAge: 90.5, rule: 3 });
  });

  test('maxAge and operation are left out when unset; rule is null for the default', () => {
    const fallback = gate.requirementFor('GET', '/billing/invoices');
    assert.deepEqual(Object.keys(fallback), ['aal', 'rule']);
    assert.deepEqual(fallback, { aal: 'aal1', rule: null });
    const open = gate.requirementFor('get', '/public/logo.svg');
    assert.deepEqual(open, { aal: 'none', rule: 0 });
    // The operation's aal and privileged_session_max_age, resolved (Kratos's defaults here).
    const settings = gate.requirementFor('POST', '/account/settings');
    assert.deepEqual(Object.keys(settings), ['aal', 'maxAge', 'operation', 'rule']);
    assert.deepEqual(settings, { aal: 'highest_available', maxAge: 3600, operation: 'settings', rule: 2 });
    assert.ok(Object.isFrozen(settings));
  });

  test('a gate without a policy gives the default for every request', async () => {
    await withGate({ baseUrl: BASE }, (plain) => {
      assert.deepEqual(plain.requirementFor('DELETE', '/anything'), { aal: 'aal1', rule: null });
    });
  });

  test('its result is a requirement decide takes as is (rule is ignored there)', () => {
    const route = gate.requirementFor('POST', '/billing/pay');
    const d = gate.decide(aal1Session(), { ...route, now: NOW });
    assert.deepEqual([d.verdict, d.reason, d.requiredAal], ['step_up', 'aal2_required', 'aal2']);
    const withoutRule = { aal: route.aal, maxAge: route.maxAge, now: NOW };
    assert.deepEqual(gate.decide(aal2Session(), { ...route, now: NOW }), gate.decide(aal2Session(), withoutRule));
    const open = gate.decide(null, gate.requirementFor('GET', '/public/x'));
    assert.deepEqual([open.verdict, open.reason, open.url, open.challenge], ['allow', 'public', null, null]);
  });

  const notMethods = [undefined, null, 5, ['GET'], { toString: () => 'GET' }, Symbol('GET'), () => 'GET', 1n, '', 'GE T', 'GET\uD800'];
  for (const method of notMethods) {
    test(`a method of ${describeValue(method)} throws request.method`, () => {
      throwsWithCode(() => gate.requirementFor(method, '/billing'), 'request.method');
    });
  }
  const notUrls = [undefined, null, 5, ['/billing'], { toString: () => '/billing' }, new URL('https://app.example.com/billing'), Symbol('/'), '', 'billing', '/billing\uD800'];
  for (const url of notUrls) {
    test(`a url of ${describeValue(url)} throws request.url`, () => {
      throwsWithCode(() => gate.requirementFor('GET', url), 'request.url');
    });
  }
});

describe('Gate.decideRequest', () => {
  let gate;
  before(async () => {
    gate = await createGate(ROUTED);
  });
  after(() => gate.dispose());

  test('decides with the route\'s requirement; an absolute url is the default returnTo', () => {
    const url = 'https://app.example.com/billing/pay?invoice=42&tab=card';
    const d = gate.decideRequest(aal1Session(), { method: 'POST', url, now: NOW });
    assertFrozenDecision(d);
    assert.deepEqual(d, {
      verdict: 'step_up',
      url: `${LOGIN}?aal=aal2&return_to=${encodeURIComponent(url)}`,
      reason: 'aal2_required',
      aal: 'aal1',
      requiredAal: 'aal2',
      warnings: [],
      challenge: STEP_UP_CHALLENGE,
    });
    const given = gate.decideRequest(aal1Session(), { method: 'POST', url, returnTo: '/after', now: NOW });
    assert.equal(given.url, `${LOGIN}?aal=aal2&return_to=%2Fafter`);
    const relative = gate.decideRequest(aal1Session(), { method: 'POST', url: '/billing/pay?x=1', now: NOW });
    assert.equal(relative.url, `${LOGIN}?aal=aal2`);
  });

  test('a public route allows without a session', () => {
    const d = gate.decideRequest(null, { method: 'GET', url: '/public/index.html' });
    assert.deepEqual(d, { verdict: 'allow', url: null, reason: 'public', aal: null, requiredAal: 'none', warnings: [], challenge: null });
    // A session's level is still reported when one was read.
    assert.equal(gate.decideRequest(aal1Session(), { method: 'GET', url: '/public/index.html', now: NOW }).aal, 'aal1');
  });

  test('equals decide with requirementFor\'s requirement, for every route and whoami', () => {
    const whoamis = [null, aal1Session(), aal2Session(), JSON.stringify(aal2Session()), { status: 403, body: { error: { id: 'session_aal2_required' } } }];
    const requests = [
      ['POST', 'https://app.example.com/billing/x'],
      ['GET', 'https://app.example.com/billing/x'],
      ['DELETE', '/billing'],
      ['GET', '/public/a/b'],
      ['PUT', '/account/settings?tab=password'],
      ['GET', '/reports/q1'],
      ['GET', '/reports/q1/detail'],
    ];
    for (const now of [NOW, at('2026-08-01T10:12:00Z')]) {
      for (const [method, url] of requests) {
        const route = gate.requirementFor(method, url);
        const returnTo = url.startsWith('https:') ? url : undefined;
        for (const whoami of whoamis) {
          assert.deepEqual(
            gate.decideRequest(whoami, { method, url, now }),
            gate.decide(whoami, { ...route, returnTo, now }),
            `${method} ${url}`,
          );
        }
      }
    }
  });

  test('now as a Date is the same instant as now in milliseconds; the request is read once', () => {
    const request = { method: 'POST', url: '/billing/pay' };
    for (const now of [at('2026-08-01T10:10:00Z'), at('2026-08-01T10:10:00.001Z')]) {
      assert.deepEqual(
        gate.decideRequest(aal2Session(), { ...request, now: new Date(now) }),
        gate.decideRequest(aal2Session(), { ...request, now }),
      );
    }
    let reads = 0;
    const counted = {
      method: 'POST',
      get url() {
        reads += 1;
        return '/billing/pay';
      },
      now: NOW,
    };
    assert.equal(gate.decideRequest(aal1Session(), counted).verdict, 'step_up');
    assert.equal(reads, 1);
  });

  test('never throws on whoami content', () => {
    const cyclic = aal1Session();
    cyclic.identity.self = cyclic;
    for (const whoami of [cyclic, Symbol('s'), 5n, '\uD800', { status: NaN }]) {
      const d = gate.decideRequest(whoami, { method: 'POST', url: '/billing/pay', now: NOW });
      assert.notEqual(d.verdict, 'allow');
      assert.ok(Object.isFrozen(d));
    }
  });

  const badRequests = [
    ['a number as method', { method: 5, url: '/x' }, 'request.method'],
    ['an empty method', { method: '', url: '/x' }, 'request.method'],
    ['a Symbol as method', { method: Symbol('GET'), url: '/x' }, 'request.method'],
    ['a function as url', { method: 'GET', url: () => '/x' }, 'request.url'],
    ['a relative url without /', { method: 'GET', url: 'billing' }, 'request.url'],
    ['a url with a lone surrogate', { method: 'GET', url: '/x\uD800' }, 'request.url'],
    ['a BigInt as url', { method: 'GET', url: 1n }, 'request.url'],
    ['a url getter that throws', { method: 'GET', get url() { throw new Error('url'); } }, 'request.url'],
    ['an invalid Date as now', { method: 'GET', url: '/x', now: new Date(NaN) }, 'request.now'],
    ['a number as returnTo', { method: 'GET', url: '/x', returnTo: 5 }, 'request.returnTo'],
    ['no url', { method: 'GET' }, 'request.url'],
    ['a typo in a key', { method: 'GET', url: '/x', retunTo: '/y' }, 'request.retunTo'],
    ['undefined', undefined, 'request'],
    ['null', null, 'request'],
    ['a string', 'GET /x', 'request'],
    ['a function', () => ({ method: 'GET', url: '/x' }), 'request'],
  ];
  for (const [what, request, code] of badRequests) {
    test(`throws ${code} for ${what}, whatever the whoami`, () => {
      throwsWithCode(() => gate.decideRequest(aal1Session(), request), code);
      throwsWithCode(() => gate.decideRequest(null, request), code);
    });
  }
});

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

function describeValue(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof String) return 'a String object';
  if (value instanceof URL) return 'a URL object';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

describe('dispose and the Gate lifecycle', () => {
  test('decide after dispose throws gate.disposed; dispose again does nothing', async () => {
    const gate = await createGate({ baseUrl: BASE });
    gate.dispose();
    throwsWithCode(() => gate.decide(null), 'gate.disposed');
    assert.doesNotThrow(() => gate.dispose());
    throwsWithCode(() => gate.decide(aal1Session(), { aal: 'aal2' }), 'gate.disposed');
  });

  test('every method throws gate.disposed after dispose', async () => {
    const gate = await createGate({ baseUrl: BASE, policy: POLICY });
    gate.dispose();
    throwsWithCode(() => gate.recover('{}'), 'gate.disposed');
    throwsWithCode(() => gate.decideRequest(null, { method: 'GET', url: '/' }), 'gate.disposed');
    throwsWithCode(() => gate.requirementFor('GET', '/'), 'gate.disposed');
    throwsWithCode(() => gate.parseChallenge(STEP_UP_CHALLENGE), 'gate.disposed');
    throwsWithCode(() => gate.parseChallenge(undefined), 'gate.disposed');
  });

  test('disposing one gate leaves others working', async () => {
    const [a, b] = await Promise.all([createGate({ baseUrl: BASE }), createGate({ baseUrl: 'https://other.example.com' })]);
    a.dispose();
    assert.equal(b.decide(null).url, 'https://other.example.com/self-service/login/browser');
    b.dispose();
  });

  test('new Gate() is refused: gates come from createGate', () => {
    throwsWithCode(() => new Gate(), 'gate.constructor');
    throwsWithCode(() => new Gate(Symbol('aalgate.Gate'), {}), 'gate.constructor');
  });

  test('the core object is deleted once: by dispose, or when an undisposed Gate is collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    const core = await loadCore();
    const { configure, delete: originalDelete } = core.Gate.prototype;
    // Count deletes per core object; configure() tells which object each createGate made.
    const deletes = new Map();
    let lastConfigured = null;
    core.Gate.prototype.configure = function recordingConfigure(...args) {
      lastConfigured = this;
      return configure.apply(this, args);
    };
    core.Gate.prototype.delete = function countingDelete() {
      deletes.set(this, (deletes.get(this) ?? 0) + 1);
      return originalDelete.call(this);
    };
    const collectUntil = async (done) => {
      for (let i = 0; i < 100 && !done(); i += 1) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    try {
      // Each gate lives in its own scope so that it can be collected.
      const disposedHandle = await (async () => {
        const disposed = await createGate({ baseUrl: BASE });
        disposed.dispose();
        return lastConfigured;
      })();
      assert.equal(deletes.get(disposedHandle), 1);
      assert.ok(disposedHandle.isDeleted());

      await (async () => {
        const dropped = await createGate({ baseUrl: BASE });
        assert.equal(dropped.decide(null).verdict, 'login');
      })();
      const droppedHandle = lastConfigured;
      assert.equal(deletes.get(droppedHandle), undefined);
      await collectUntil(() => deletes.has(droppedHandle));
      assert.equal(deletes.get(droppedHandle), 1, 'the undisposed gate was not deleted after collection');
      assert.ok(droppedHandle.isDeleted());

      await collectUntil(() => false);
      assert.equal(deletes.get(disposedHandle), 1, 'a disposed gate was deleted again when collected');
      assert.equal(deletes.get(droppedHandle), 1);
    } finally {
      core.Gate.prototype.configure = configure;
      core.Gate.prototype.delete = originalDelete;
    }
  });
});

describe('loading', () => {
  test('the core loads once: every loadCore call gives the same module', async () => {
    const [a, b] = await Promise.all([loadCore(), loadCore()]);
    assert.equal(a, b);
    assert.equal(await loadCore(), a);
    assert.equal(typeof a.Gate, 'function');
  });

  test('once() shares a pending load and retries after a failure', async () => {
    let calls = 0;
    const load = once(async () => {
      calls += 1;
      if (calls === 1) throw new Error('network down');
      return { module: calls };
    });
    const [first, second] = await Promise.allSettled([load(), load()]);
    assert.equal(first.status, 'rejected');
    assert.equal(second.status, 'rejected');
    assert.equal(calls, 1);
    const [third, fourth] = await Promise.all([load(), load()]);
    assert.equal(calls, 2);
    assert.equal(third, fourth);
    assert.equal(await load(), third);
  });

  test('instantiateCore rejects, rather than hanging, when instantiation fails', async () => {
    // A module importing env.f, instantiated with no imports: a LinkError.
    const needsImport = new WebAssembly.Module(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0]),
    );
    const hangingFactory = (options) =>
      new Promise(() => {
        options.instantiateWasm({ env: {} }, () => {});
      });
    await assert.rejects(instantiateCore(hangingFactory, needsImport), WebAssembly.LinkError);
    const receiveThrows = (options) =>
      new Promise(() => {
        options.instantiateWasm({}, () => {
          throw new Error('bad exports');
        });
      });
    const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    await assert.rejects(instantiateCore(receiveThrows, empty), /bad exports/);
  });

  test('instantiateCore gives the factory locateFile and instantiateWasm', async () => {
    const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    const result = await instantiateCore(
      (options) =>
        new Promise((resolve) => {
          assert.equal(options.locateFile('aalgate-core.wasm'), 'aalgate-core.wasm');
          const exports = options.instantiateWasm({}, (instance, module) => resolve({ instance, module }));
          assert.deepEqual(exports, {});
        }),
      empty,
    );
    assert.ok(result.instance instanceof WebAssembly.Instance);
    assert.equal(result.module, empty);
  });
});

describe('with @ory/client-fetch against a local Kratos stand-in', () => {
  // GET /<fixture>/<status>/sessions/whoami and POST /<fixture>/<status>/self-service/settings
  // answer with that fixture's bytes and status.
  let server;
  let origin;
  const requests = [];
  const settingsSubmissions = [];
  before(async () => {
    server = createServer(async (req, res) => {
      requests.push(req.url);
      const whoami = /^\/([\w.-]+\.json)\/(\d{3})\/sessions\/whoami$/.exec(req.url);
      const settings = /^\/([\w.-]+\.json)\/(\d{3})\/self-service\/settings\?flow=([\w-]+)$/.exec(req.url);
      const match = req.method === 'GET' ? whoami : req.method === 'POST' ? settings : null;
      if (match === null) {
        res.writeHead(404).end();
        return;
      }
      if (settings !== null) {
        let body = '';
        for await (const chunk of req) body += chunk;
        settingsSubmissions.push({ flow: settings[3], contentType: req.headers['content-type'], body: JSON.parse(body) });
      }
      res.writeHead(Number(match[2]), { 'content-type': 'application/json' });
      res.end(fixtureText(match[1]));
    });
    server.listen(0, '127.0.0.1');
    await onceEvent(server, 'listening');
    origin = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const frontend = (fixture, status) =>
    new FrontendApi(new Configuration({ basePath: `${origin}/${fixture}/${status}` }));

  // What an application does: a Session on 200, {status, body} from the ResponseError otherwise.
  async function whoamiOutcome(fixture, status, parseBody) {
    try {
      return await frontend(fixture, status).toSession();
    } catch (error) {
      if (!(error instanceof ResponseError)) throw error;
      const body = parseBody ? await error.response.json() : await error.response.text();
      return { status: error.response.status, body };
    }
  }

  test('a 200 aal2 session: the SDK object (Date timestamps) decides like the raw body', async () => {
    const fixture = 'derived-whoami-200-aal2-password-totp.json';
    const session = await whoamiOutcome(fixture, 200);
    assert.ok(session.expires_at instanceof Date, 'the SDK gives Dates');
    await withGate({ baseUrl: BASE }, (gate) => {
      const fresh = { aal: 'aal2', maxAge: '10m', now: at('2026-08-01T10:05:00Z'), returnTo: 'https://auth.example.com/app' };
      const stale = { ...fresh, maxAge: '1m' };
      assert.deepEqual(gate.decide(session, fresh), {
        verdict: 'allow',
        url: null,
        reason: 'satisfied',
        aal: 'aal2',
        requiredAal: 'aal2',
        warnings: [],
        challenge: null,
      });
      const d = gate.decide(session, stale);
      assert.deepEqual([d.verdict, d.reason], ['refresh', 'second_factor_stale']);
      assert.equal(d.url, `${LOGIN}?refresh=true&aal=aal2&return_to=https%3A%2F%2Fauth.example.com%2Fapp`);
      for (const requirement of [fresh, stale, { now: at('2026-08-02T10:00:06Z') }]) {
        assert.deepEqual(gate.decide(session, requirement), gate.decide(fixtureText(fixture), requirement));
      }
    });
  });

  test('a 200 aal1 session from Ory Network steps up under a Lax server', async () => {
    const session = await whoamiOutcome('real-whoami-200-aal1-cookie.json', 200);
    await withGate(LAX, (gate) => {
      const d = gate.decide(session, { aal: 'aal2', now: at('2023-02-04T00:00:00Z') });
      assert.deepEqual(d, {
        verdict: 'step_up',
        url: `${LOGIN}?aal=aal2`,
        reason: 'aal2_required',
        aal: 'aal1',
        requiredAal: 'aal2',
        warnings: [],
        challenge: STEP_UP_CHALLENGE,
      });
      const expired = gate.decide(session, { now: at('2023-02-06T15:41:22.898169Z') });
      assert.deepEqual([expired.verdict, expired.reason], ['login', 'session_expired']);
    });
  });

  for (const parseBody of [false, true]) {
    const form = parseBody ? 'parsed' : 'text';
    test(`a 403 session_aal2_required (body as ${form}) steps up`, async () => {
      const outcome = await whoamiOutcome('derived-whoami-403-session_aal2_required.json', 403, parseBody);
      assert.equal(outcome.status, 403);
      assert.equal(typeof outcome.body, parseBody ? 'object' : 'string');
      await withGate({ baseUrl: BASE }, (gate) => {
        const d = gate.decide(outcome, { returnTo: '/settings' });
        assert.deepEqual([d.verdict, d.reason, d.url], ['step_up', 'server_requires_aal2', `${LOGIN}?aal=aal2&return_to=%2Fsettings`]);
      });
    });

    test(`a 401 (body as ${form}) sends to login`, async () => {
      const outcome = await whoamiOutcome('derived-whoami-401-no-or-inactive-session.json', 401, parseBody);
      assert.equal(outcome.status, 401);
      await withGate({ baseUrl: BASE, flow: 'api' }, (gate) => {
        const d = gate.decide(outcome);
        assert.deepEqual([d.verdict, d.reason, d.url], ['login', 'no_session', `${BASE}/self-service/login/api`]);
      });
    });
  }

  test('a 403 with another error id is an unexpected response', async () => {
    const outcome = await whoamiOutcome('derived-settings-submit-403-session_refresh_required.json', 403, false);
    await withGate({ baseUrl: BASE }, (gate) => {
      const d = gate.decide(outcome);
      assert.deepEqual([d.verdict, d.reason, d.url], ['error', 'unexpected_response', null]);
    });
  });

  // What an application does when a settings update fails: {status, body} from the ResponseError.
  async function settingsOutcome(fixture, status, flow) {
    try {
      await frontend(fixture, status).updateSettingsFlow({
        flow,
        updateSettingsFlowBody: { method: 'password', password: 'correct horse battery staple' },
      });
    } catch (error) {
      if (!(error instanceof ResponseError)) throw error;
      return { status: error.response.status, body: await error.response.json() };
    }
    assert.fail('the settings update did not fail');
  }

  test('a settings update answered 403 session_aal2_required recovers to a step-up back to the settings flow', async () => {
    const flow = '2b0c2b4e-6f0a-4d3e-9b1a-6c2f5e7d8a90';
    const outcome = await settingsOutcome('derived-settings-submit-403-session_aal2_required-with-return_to.json', 403, flow);
    assert.equal(outcome.status, 403);
    assert.equal(outcome.body.error.id, 'session_aal2_required');
    assert.deepEqual(settingsSubmissions.at(-1), {
      flow,
      contentType: 'application/json',
      body: { method: 'password', password: 'correct horse battery staple' },
    });
    await withGate({ baseUrl: BASE }, (gate) => {
      const d = gate.recover(outcome);
      assert.deepEqual(d, {
        verdict: 'step_up',
        url: `${LOGIN}?aal=aal2&return_to=${encodeURIComponent(SETTINGS_RETURN_TO)}`,
        reason: 'session_aal2_required',
        aal: null,
        requiredAal: 'aal1',
        warnings: [],
        challenge: STEP_UP_CHALLENGE,
      });
      assert.equal(new URL(d.url).searchParams.get('return_to'), SETTINGS_RETURN_TO);
      // The same answer as text, or as the parsed body alone, recovers the same way.
      const text = fixtureText('derived-settings-submit-403-session_aal2_required-with-return_to.json');
      assert.deepEqual(gate.recover({ status: 403, body: text }), d);
      assert.deepEqual(gate.recover(outcome.body), d);
    });
  });

  test('a settings update answered 403 session_refresh_required recovers to a refresh', async () => {
    const outcome = await settingsOutcome('derived-settings-submit-403-session_refresh_required.json', 403, 'f1');
    await withGate({ baseUrl: BASE }, (gate) => {
      const d = gate.recover(outcome, { returnTo: 'https://app.example.com/account' });
      assert.deepEqual([d.verdict, d.reason, d.challenge], ['refresh', 'session_refresh_required', refreshChallenge(0, false)]);
      assert.equal(d.url, `${LOGIN}?refresh=true&return_to=${encodeURIComponent('https://app.example.com/account')}`);
    });
  });

  test('the SDK really called the server', () => {
    assert.ok(requests.some((url) => /\/403\/self-service\/settings\?flow=/.test(url)));
    assert.ok(requests.some((url) => url.endsWith('/403/sessions/whoami')));
    assert.ok(requests.some((url) => url.endsWith('/200/sessions/whoami')));
  });
});
