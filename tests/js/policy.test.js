// The per-route policy: Gate.requirementFor (a route's requirement) and Gate.decideRequest (decide
// with it), and their request errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createGate } from 'aalgate';

import {
  BASE,
  LOGIN,
  NOW,
  ROUTED,
  STEP_UP_CHALLENGE,
  aal1Session,
  aal2Session,
  assertFrozenDecision,
  at,
  describeValue,
  throwsWithCode,
  withGate,
} from './helpers.js';

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
