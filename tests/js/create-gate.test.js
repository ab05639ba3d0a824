// createGate: reading and checking the config (each AalgateError code), once, when called; the
// module shared by concurrent calls.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createGate, Gate } from 'aalgate';

import { BASE, LOGIN, NOW, aal1Session, rejectsWithCode, withGate } from './helpers.js';

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
