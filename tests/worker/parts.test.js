// The worker's pure parts in Node (js/worker-http.js, js/whoami-cache.js, js/kratos.js): which requests are navigations, the
// credential headers and their cache key, Decision → Response, the whoami cache, the decision
// with the session's expiry; and createWorkerGate's argument checks. The worker itself runs in
// workerd in worker.test.js.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { AalgateError, createGate } from '../../js/index.js';
import { MOST_CLOCK_BEHIND_MS, clockSkew, credentialsOf } from '../../js/kratos.js';
import { INTERNAL } from '../../js/marshal.js';
import { CACHE_DEFAULTS, WhoamiCache, cacheSettings, credentialKey } from '../../js/whoami-cache.js';
import { acceptWeight, isNavigation, refusedRequestResponse, responseFor } from '../../js/worker-http.js';
import * as worker from '../../js/worker.js';

const BASE = 'https://auth.example.com';
const fixture = (name) => readFileSync(new URL(`../fixtures/kratos/${name}`, import.meta.url), 'utf8');
const AAL2_TEXT = fixture('derived-whoami-200-aal2-password-totp.json');
const AAL2_REQUIRED = { status: 403, body: fixture('derived-whoami-403-session_aal2_required.json') };
// The aal2 fixture: authenticated 2026-08-01T10:00:05Z, expires 2026-08-02T10:00:05.123456Z.
const NOW = Date.parse('2026-08-01T10:30:00Z');

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('navigation: Sec-Fetch-Mode or an Accept ranking text/html above application/json', () => {
  const cases = [
    ['a browser navigation Accept', { accept: BROWSER_ACCEPT }, true],
    ['text/html alone', { accept: 'text/html' }, true],
    ['media types are case-insensitive', { accept: 'Text/HTML' }, true],
    ['text/* over a lower application/json', { accept: 'text/*, application/json;q=0.9' }, true],
    ['a lower text/html with parameters', { accept: 'text/html;level=1;q=0.4, application/json;q=0.3' }, true],
    ['application/json', { accept: 'application/json' }, false],
    ['fetch()’s default */*: a tie', { accept: '*/*' }, false],
    ['no Accept', {}, false],
    ['an empty Accept', { accept: '' }, false],
    ['text/html and application/json equal', { accept: 'text/html, application/json' }, false],
    ['application/json above text/html', { accept: 'text/html;q=0.5, application/json' }, false],
    ['text/html refused (q=0) under */*', { accept: 'text/html;q=0, */*' }, false],
    ['a malformed q skips its range', { accept: 'text/html;q=2, application/json;q=0.5' }, false],
    ['the most specific range wins over a broader one', { accept: '*/*;q=1, application/json;q=0.1' }, true],
    ['garbage', { accept: ',,;;q=, /, text/ , /html' }, false],
    ['Sec-Fetch-Mode: navigate, whatever Accept says', { 'sec-fetch-mode': 'navigate', accept: 'application/json' }, true],
    ['Sec-Fetch-Mode: cors with a navigation Accept', { 'sec-fetch-mode': 'cors', accept: BROWSER_ACCEPT }, true],
    ['Sec-Fetch-Mode: cors with */*', { 'sec-fetch-mode': 'cors', accept: '*/*' }, false],
  ];
  for (const [name, headers, expected] of cases) {
    test(`${name} → ${expected ? 'navigation' : 'API request'}`, () => {
      assert.equal(isNavigation(new Headers(headers)), expected);
    });
  }

  test('acceptWeight gives the weight of the most specific matching range', () => {
    assert.equal(acceptWeight(BROWSER_ACCEPT, 'text/html'), 1);
    assert.equal(acceptWeight(BROWSER_ACCEPT, 'application/json'), 0.8);
    assert.equal(acceptWeight('text/*;q=0.3, */*;q=0.9', 'text/html'), 0.3);
    assert.equal(acceptWeight('application/json;q=0.123', 'application/json'), 0.123);
    assert.equal(acceptWeight('image/png', 'text/html'), 0);
    assert.equal(acceptWeight(null, 'text/html'), 0);
  });
});

describe('credentials: only Cookie, Authorization and X-Session-Token', () => {
  test('are picked in a fixed order, lower-case, absent ones left out, empty ones kept', () => {
    const headers = new Headers({
      'X-Session-Token': 'tok',
      Accept: 'text/html',
      Cookie: 'ory_kratos_session=abc',
      'X-Forwarded-For': '203.0.113.7',
      'User-Agent': 'x',
      Authorization: '',
    });
    assert.deepEqual(credentialsOf(headers), [
      ['cookie', 'ory_kratos_session=abc'],
      ['authorization', ''],
      ['x-session-token', 'tok'],
    ]);
    assert.deepEqual(credentialsOf(new Headers({ accept: '*/*' })), []);
  });

  test('their key is the SHA-256 of their serialisation, null for none', async () => {
    const credentials = [['cookie', 'ory_kratos_session=abc']];
    const expected = createHash('sha256').update(JSON.stringify(credentials)).digest('hex');
    assert.equal(await credentialKey(credentials), expected);
    assert.equal(await credentialKey([]), null);
  });

  test('the key tells apart the same value in another header, and values that would concatenate alike', async () => {
    const keys = await Promise.all([
      credentialKey([['cookie', 'a']]),
      credentialKey([['authorization', 'a']]),
      credentialKey([['cookie', 'a'], ['authorization', 'b']]),
      credentialKey([['cookie', 'ab']]),
      credentialKey([['cookie', 'a","authorization","b']]),
    ]);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(await credentialKey([['cookie', 'a']]), keys[0], 'the same credentials, the same key');
  });
});

describe('responseFor: Decision → Response', async () => {
  const gate = await createGate({ baseUrl: BASE, allowedReturnUrls: ['https://app.example.com/'] });
  const RETURN_TO = 'https://app.example.com/billing?x=1';
  // What the Gate's integration method gives: the decision and the core's HTTP status for it.
  const decided = (whoami, requirement) => gate[INTERNAL].decide(whoami, requirement, 'requirement');
  const decisions = {
    allow: decided(AAL2_TEXT, { aal: 'aal2', now: NOW }),
    login: decided(null, { returnTo: RETURN_TO }),
    step_up: decided(AAL2_REQUIRED, { aal: 'aal2', returnTo: RETURN_TO }),
    refresh: decided(AAL2_TEXT, { aal: 'aal2', maxAge: '5m', now: NOW, returnTo: RETURN_TO }),
    enroll: decided(
      fixture('real-whoami-200-aal1-cookie.json'),
      { aal: 'aal2', returnTo: RETURN_TO, now: Date.parse(JSON.parse(fixture('real-whoami-200-aal1-cookie.json')).authenticated_at) },
    ),
    error: decided({ status: 502, body: 'Bad Gateway' }, { returnTo: RETURN_TO }),
  };
  gate.dispose();

  test('the fixtures give the verdicts and the core the statuses under test', () => {
    const statuses = { allow: 0, login: 401, step_up: 401, refresh: 401, enroll: 403, error: 503 };
    for (const [verdict, { decision, httpStatus }] of Object.entries(decisions)) {
      assert.equal(decision.verdict, verdict);
      assert.equal(httpStatus, statuses[verdict], verdict);
    }
  });

  const jsonOf = async (response) => {
    assert.equal(response.headers.get('content-type'), 'application/json');
    return JSON.parse(await response.text());
  };

  test('allow → null, navigation or not', () => {
    assert.equal(responseFor(decisions.allow, true), null);
    assert.equal(responseFor(decisions.allow, false), null);
  });

  for (const verdict of ['login', 'step_up', 'refresh', 'enroll']) {
    test(`${verdict}, navigation → 303 to the decision's url, no-store, no body`, async () => {
      const response = responseFor(decisions[verdict], true);
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), decisions[verdict].decision.url);
      assert.match(decisions[verdict].decision.url, /return_to=https%3A%2F%2Fapp\.example\.com%2Fbilling%3Fx%3D1/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('www-authenticate'), null);
      assert.equal(await response.text(), '');
    });
  }

  for (const [verdict, status, challenged, authenticate] of [
    ['login', 401, false, 'Bearer'],
    ['step_up', 401, true],
    ['refresh', 401, true],
    ['enroll', 403, false, null],
  ]) {
    test(`${verdict}, API request → ${status} JSON {verdict, url, reason} + WWW-Authenticate ${challenged ? 'challenge' : authenticate}`, async () => {
      const { decision } = decisions[verdict];
      const response = responseFor(decisions[verdict], false);
      assert.equal(response.status, status);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('location'), null);
      // RFC 9110: every 401 names a scheme; the core's RFC 9470 challenge when there is one.
      assert.equal(response.headers.get('www-authenticate'), challenged ? decision.challenge : authenticate);
      if (challenged) assert.match(decision.challenge, /^Bearer error="insufficient_user_authentication"/);
      assert.deepEqual(await jsonOf(response), { verdict, url: decision.url, reason: decision.reason });
    });
  }

  for (const navigation of [true, false]) {
    test(`error → 503 JSON, never a redirect (navigation: ${navigation})`, async () => {
      const response = responseFor(decisions.error, navigation);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('location'), null);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await jsonOf(response), { verdict: 'error', url: null, reason: 'unexpected_response' });
    });
  }

  test('a 503 is never a redirect, even with a url; only status 0 passes', async () => {
    const odd = { verdict: 'error', url: 'https://auth.example.com/x', reason: 'odd', challenge: null };
    const response = responseFor({ decision: odd, httpStatus: 503 }, true);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('location'), null);
    assert.deepEqual(await jsonOf(response), { verdict: 'error', url: 'https://auth.example.com/x', reason: 'odd' });
    const login = { verdict: 'login', url: null, reason: 'odd', challenge: null };
    assert.equal((await responseFor({ decision: login, httpStatus: 401 }, true)).status, 401, 'no url: no redirect, not a pass');
  });
});

describe('Kratos\'s clock from the Date header (clockSkew)', () => {
  const date = (offsetMs) => new Date(Date.now() + offsetMs).toUTCString();
  test('ahead by any amount is taken as it is; absent or unreadable is 0', () => {
    for (const offset of [0, 30_000, 3 * 3600_000, 400 * 86400_000]) {
      const skew = clockSkew(date(offset));
      assert.ok(Math.abs(skew - offset) < 2000, `${offset}: ${skew}`);
    }
    assert.equal(clockSkew(null), 0);
    assert.equal(clockSkew('yesterday-ish'), 0);
  });
  test('behind by up to a minute is taken as it is; further behind, as a minute behind', () => {
    assert.equal(MOST_CLOCK_BEHIND_MS, 60_000);
    const skew = clockSkew(date(-30_000));
    assert.ok(Math.abs(skew + 30_000) < 2000, `${skew}`);
    for (const offset of [-61_000, -3 * 3600_000, -50 * 365 * 86400_000]) assert.equal(clockSkew(date(offset)), -MOST_CLOCK_BEHIND_MS, `${offset}`);
  });
});

describe('cache settings and the whoami cache', () => {
  test('off by default; true gives the defaults; an object overrides them', () => {
    for (const off of [undefined, null, false]) assert.equal(cacheSettings(off), null);
    assert.deepEqual(cacheSettings(true), { maxEntries: 1000, ttlMs: 30_000 });
    assert.deepEqual(CACHE_DEFAULTS, { maxEntries: 1000, ttlMs: 30_000 });
    assert.deepEqual(cacheSettings({ ttlMs: 500 }), { maxEntries: 1000, ttlMs: 500 });
    assert.deepEqual(cacheSettings({ maxEntries: 2, ttlMs: null }), { maxEntries: 2, ttlMs: 30_000 });
  });

  const invalid = [
    ['a string', 'yes', 'config.cache'],
    ['a number', 1, 'config.cache'],
    ['an array', [], 'config.cache'],
    ['zero entries', { maxEntries: 0 }, 'config.cache.maxEntries'],
    ['fractional entries', { maxEntries: 1.5 }, 'config.cache.maxEntries'],
    ['a zero ttl', { ttlMs: 0 }, 'config.cache.ttlMs'],
    ['an infinite ttl', { ttlMs: Infinity }, 'config.cache.ttlMs'],
    ['a ttl as a duration string', { ttlMs: '30s' }, 'config.cache.ttlMs'],
    ['a typo', { ttl: 500 }, 'config.cache.ttl'],
  ];
  for (const [name, option, code] of invalid) {
    test(`${name} → AalgateError ${code}`, () => {
      assert.throws(() => cacheSettings(option), (error) => error instanceof AalgateError && error.code === code);
    });
  }

  const answer = (n, skewMs = 0) => ({ status: 200, body: `session ${n}`, skewMs });

  test('an answer is kept until min(now + ttlMs, the session’s expires_at)', () => {
    const cache = new WhoamiCache({ maxEntries: 10, ttlMs: 1000 });
    assert.equal(cache.set('a', answer(1), 1_000_000, 0), true);
    assert.deepEqual(cache.get('a', 999), answer(1));
    assert.equal(cache.get('a', 1000), null, 'not past the ttl');
    assert.equal(cache.size, 0, 'an expired answer is dropped when looked up');

    assert.equal(cache.set('b', answer(2), 500, 0), true);
    assert.deepEqual(cache.get('b', 499), answer(2));
    assert.equal(cache.get('b', 500), null, 'not past the session’s expires_at');

    assert.equal(cache.set('c', answer(3), 100, 100), false, 'an expired session is not kept');
    assert.equal(cache.get('c', 100), null);
  });

  test('is bounded: the least recently used answer goes first', () => {
    const cache = new WhoamiCache({ maxEntries: 2, ttlMs: 1000 });
    cache.set('a', answer(1), Infinity, 0);
    cache.set('b', answer(2), Infinity, 0);
    cache.get('a', 1); // a is now the most recently used
    cache.set('c', answer(3), Infinity, 2);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b', 3), null);
    assert.deepEqual(cache.get('a', 3), answer(1));
    assert.deepEqual(cache.get('c', 3), answer(3));
    cache.clear();
    assert.equal(cache.size, 0);
  });

  test('keeps the clock skew of Kratos at the time of the answer', () => {
    const cache = new WhoamiCache({ maxEntries: 2, ttlMs: 1000 });
    cache.set('a', answer(1, 360_000), Infinity, 0);
    cache.set('b', { status: 200, body: 'session 2' }, Infinity, 0);
    assert.deepEqual(cache.get('a', 1), answer(1, 360_000));
    assert.deepEqual(cache.get('b', 1), answer(2, 0), 'no skew known: none');
  });

  test('the TTL runs from when the call was sent (askedAt), not from when the answer came', () => {
    const cache = new WhoamiCache({ maxEntries: 10, ttlMs: 1000 });
    assert.equal(cache.set('a', answer(1), Infinity, 400, 100), true);
    assert.deepEqual(cache.get('a', 1099), answer(1));
    assert.equal(cache.get('a', 1100), null, 'asked at 100: gone at 1100, not 1400');
    assert.equal(cache.set('b', answer(2), Infinity, 1200, 100), false, 'asked more than ttlMs ago: not kept');
    assert.equal(cache.get('b', 1200), null);
  });

  test('single flight: a call in flight is shared by key, within min(ttlMs, windowMs) of when it was sent', async () => {
    const cache = new WhoamiCache({ maxEntries: 10, ttlMs: 1000 });
    let settle;
    const asking = new Promise((resolve) => {
      settle = resolve;
    });
    assert.equal(cache.inFlight('a', 0, 3000), null);
    const flight = cache.startFlight('a', 100, asking);
    assert.equal(cache.inFlight('a', 100, 3000), flight);
    assert.equal(cache.inFlight('a', 1099, 3000), flight);
    assert.equal(cache.inFlight('a', 1100, 3000), null, 'not past ttlMs');
    assert.equal(cache.inFlight('a', 599, 500), flight);
    assert.equal(cache.inFlight('a', 600, 500), null, 'not past the call’s own time limit');
    assert.equal(cache.inFlight('b', 100, 3000), null, 'never another key’s');
    let seenAfter = 'not yet';
    const awaited = flight.answer.then(() => {
      seenAfter = cache.inFlight('a', 200, 3000);
    });
    settle({ status: 401, body: 'no session' });
    assert.deepEqual(await flight.answer, { status: 401, body: 'no session' });
    await awaited;
    assert.equal(seenAfter, null, 'gone from the flights before anyone awaiting it goes on');
    assert.equal(cache.get('a', 200), null, 'and not kept: only set() keeps');
  });

  test('single flight: a failed call leaves the flights too; a newer flight is not removed by an older one', async () => {
    const cache = new WhoamiCache({ maxEntries: 10, ttlMs: 1000 });
    const failed = cache.startFlight('a', 0, Promise.reject(new Error('boom')));
    await assert.rejects(failed.answer, /boom/);
    assert.equal(cache.inFlight('a', 1, 3000), null);

    let settleOld;
    const old = cache.startFlight('b', 0, new Promise((resolve) => {
      settleOld = resolve;
    }));
    const newer = cache.startFlight('b', 2000, new Promise(() => {}));
    settleOld({ failure: 'timeout' });
    await old.answer;
    assert.equal(cache.inFlight('b', 2001, 3000), newer);
    cache.clear();
    assert.equal(cache.inFlight('b', 2001, 3000), null, 'clear() forgets the flights');
  });

  test('single flight: at most maxEntries flights are held, the oldest dropped first', () => {
    const cache = new WhoamiCache({ maxEntries: 2, ttlMs: 1000 });
    const never = () => new Promise(() => {});
    const a = cache.startFlight('a', 0, never());
    cache.startFlight('b', 1, never());
    cache.startFlight('a', 2, never()); // a newer flight for a: now the most recent
    cache.startFlight('c', 3, never());
    assert.equal(cache.inFlight('b', 4, 3000), null, 'b, the oldest, was dropped');
    assert.notEqual(cache.inFlight('a', 4, 3000), a);
    assert.equal(cache.inFlight('a', 4, 3000).askedAt, 2);
    assert.equal(cache.inFlight('c', 4, 3000).askedAt, 3);
  });

  test('keeps a copy: later changes to the answer given do not leak in', () => {
    const cache = new WhoamiCache({ maxEntries: 2, ttlMs: 1000 });
    const given = answer(1);
    cache.set('a', given, Infinity, 0);
    given.body = 'changed';
    assert.deepEqual(cache.get('a', 1), answer(1));
  });
});

describe('the Gate\'s integration method (gate[INTERNAL].decide)', () => {
  test('gives the public decision and the session’s expires_at (ms), for decideRequest and decide', async () => {
    const gate = await createGate({ baseUrl: BASE, policy: { rules: [{ path: '/billing/**', aal: 'aal2', maxAge: '5m' }] } });
    try {
      const request = { method: 'GET', url: 'https://app.example.com/billing', now: NOW };
      const viaRequest = gate[INTERNAL].decide(AAL2_TEXT, request, 'request');
      assert.deepEqual(viaRequest.decision, gate.decideRequest(AAL2_TEXT, request));
      assert.equal(viaRequest.decision.verdict, 'refresh');
      assert.ok(Object.isFrozen(viaRequest.decision));
      assert.equal(viaRequest.sessionExpiresAt, Date.parse('2026-08-02T10:00:05.123Z'));

      const requirement = { aal: 'aal2', now: NOW };
      const viaRequirement = gate[INTERNAL].decide(AAL2_TEXT, requirement, 'requirement');
      assert.deepEqual(viaRequirement.decision, gate.decide(AAL2_TEXT, requirement));
      assert.equal(viaRequirement.sessionExpiresAt, Date.parse('2026-08-02T10:00:05.123Z'));

      for (const whoami of [null, { status: 401, body: '' }, AAL2_REQUIRED, '{"active":tru', { status: 500, body: '' }]) {
        assert.equal(gate[INTERNAL].decide(whoami, request, 'request').sessionExpiresAt, null);
      }
      assert.ok(!('sessionExpiresAt' in gate.decideRequest(AAL2_TEXT, request)), 'the public Decision does not carry it');
    } finally {
      gate.dispose();
    }
  });

  test('throws as the public calls do; the package root does not export its key', async () => {
    const gate = await createGate({ baseUrl: BASE });
    assert.throws(() => gate[INTERNAL].decide(null, { method: '', url: '/' }, 'request'), { code: 'request.method' });
    assert.throws(() => gate[INTERNAL].decide(null, { aal: 'aal9' }, 'requirement'), { code: 'requirement.aal' });
    assert.throws(() => gate[INTERNAL].decide(null, {}, 'other'), TypeError);
    assert.ok(!Object.values(await import('../../js/index.js')).includes(INTERNAL));
    assert.equal(Object.getOwnPropertySymbols(gate).length, 0, 'nothing enumerable on the instance');
    gate.dispose();
    assert.throws(() => gate[INTERNAL].decide(null, { method: 'GET', url: '/' }, 'request'), { code: 'gate.disposed' });
  });

  test('isSelfServiceUrl asks the core: Kratos\'s own self-service URLs only', async () => {
    const gate = await createGate({ baseUrl: `${BASE}/.ory` });
    try {
      const own = gate[INTERNAL].isSelfServiceUrl;
      assert.equal(own(`${BASE}/.ory/self-service/login/browser?aal=aal2`), true);
      for (const other of [
        `${BASE}/self-service/login/browser`,
        `${BASE}/.ory/self-service/../admin`,
        `${BASE}/.ory/self-service/%2e%2e/admin`,
        'https://evil.example.net/.ory/self-service/login/browser',
        `https://u@auth.example.com/.ory/self-service/login/browser`,
        '/.ory/self-service/login/browser',
        42,
        null,
      ]) {
        assert.equal(own(other), false, String(other));
      }
    } finally {
      gate.dispose();
    }
  });
});

describe('createWorkerGate: configuration checks', () => {
  test('aalgate/worker exports createWorkerGate and AalgateError', () => {
    assert.deepEqual(Object.keys(worker).sort(), ['AalgateError', 'createWorkerGate']);
    assert.equal(worker.AalgateError, AalgateError);
  });

  const invalid = [
    ['no config', undefined, 'config'],
    ['an array', [], 'config'],
    ['a zero timeout', { baseUrl: BASE, timeoutMs: 0 }, 'config.timeoutMs'],
    ['a negative timeout', { baseUrl: BASE, timeoutMs: -1 }, 'config.timeoutMs'],
    ['a NaN timeout', { baseUrl: BASE, timeoutMs: NaN }, 'config.timeoutMs'],
    ['an infinite timeout', { baseUrl: BASE, timeoutMs: Infinity }, 'config.timeoutMs'],
    ['a timeout beyond setTimeout', { baseUrl: BASE, timeoutMs: 2 ** 31 }, 'config.timeoutMs'],
    ['a timeout as a string', { baseUrl: BASE, timeoutMs: '3000' }, 'config.timeoutMs'],
    ['a relative whoamiUrl', { baseUrl: BASE, whoamiUrl: '/kratos' }, 'config.whoamiUrl'],
    ['an ftp whoamiUrl', { baseUrl: BASE, whoamiUrl: 'ftp://kratos.internal' }, 'config.whoamiUrl'],
    ['a whoamiUrl with a query', { baseUrl: BASE, whoamiUrl: 'http://kratos.internal/?a' }, 'config.whoamiUrl'],
    ['a whoamiUrl with a fragment', { baseUrl: BASE, whoamiUrl: 'http://kratos.internal/#a' }, 'config.whoamiUrl'],
    ['a whoamiUrl with userinfo', { baseUrl: BASE, whoamiUrl: 'http://u:p@kratos.internal' }, 'config.whoamiUrl'],
    ['a whoamiUrl with empty userinfo', { baseUrl: BASE, whoamiUrl: 'http://@kratos.internal' }, 'config.whoamiUrl'],
    ['a whoamiUrl with a backslash', { baseUrl: BASE, whoamiUrl: 'http://kratos.internal\\x' }, 'config.whoamiUrl'],
    ['a whoamiUrl with a space', { baseUrl: BASE, whoamiUrl: ' http://kratos.internal' }, 'config.whoamiUrl'],
    ['a whoamiUrl that is not a string', { baseUrl: BASE, whoamiUrl: new URL(BASE) }, 'config.whoamiUrl'],
    ['a cache typo', { baseUrl: BASE, cache: { ttl: 1 } }, 'config.cache.ttl'],
    ['a bad baseUrl (the core’s check)', { baseUrl: 'ftp://auth.example.com' }, 'config.baseUrl'],
    ['a key of neither (the core’s check)', { baseUrl: BASE, timeout: 5 }, 'config.timeout'],
    ['a bad policy (the core’s check)', { baseUrl: BASE, policy: { rules: [{ path: 'billing' }] } }, 'config.policy.rules[0].path'],
  ];
  for (const [name, config, code] of invalid) {
    test(`${name} → rejects with AalgateError ${code}`, async () => {
      await assert.rejects(worker.createWorkerGate(config), (error) => error instanceof AalgateError && error.code === code);
    });
  }

  test('null for an optional field means not set', async () => {
    const gate = await worker.createWorkerGate({ baseUrl: BASE, whoamiUrl: null, timeoutMs: null, cache: null });
    gate.dispose();
  });

  test('check refuses what is not a request, and works no more after dispose()', async () => {
    const gate = await worker.createWorkerGate({ baseUrl: BASE, policy: { rules: [{ path: '/public/**', aal: 'none' }] } });
    await assert.rejects(gate.check('https://app.example.com/'), { code: 'request' });
    await assert.rejects(gate.handle(null), { code: 'request' });
    await assert.rejects(gate.check({ method: 'GET', url: 'not a url', headers: new Headers() }), { code: 'request.url' });
    const decision = await gate.check(new Request('https://app.example.com/public/logo.svg'));
    assert.deepEqual({ ...decision, warnings: [...decision.warnings] }, {
      verdict: 'allow',
      url: null,
      reason: 'public',
      aal: null,
      requiredAal: 'none',
      warnings: [],
      challenge: null,
    });
    assert.ok(Object.isFrozen(decision));
    gate.dispose();
    gate.dispose(); // twice is fine
    await assert.rejects(gate.check(new Request('https://app.example.com/public/logo.svg')), { code: 'gate.disposed' });
    assert.ok(Object.isFrozen(gate));
  });

  test('handle and proxy answer a URL past the core\'s limits 414 and a method it refuses 400; check rejects them', async () => {
    const gate = await worker.createWorkerGate({ baseUrl: BASE, policy: { rules: [{ path: '/**', aal: 'none' }] } });
    const origin = 'http://127.0.0.1:9'; // never fetched: nothing listens there
    try {
      for (const url of [`https://app.example.com/${'a'.repeat(8200)}`, `https://app.example.com${'/a'.repeat(257)}`]) {
        for (const answer of [await gate.handle(new Request(url)), await gate.proxy(new Request(url), origin)]) {
          assert.equal(answer.status, 414);
          assert.equal(answer.headers.get('cache-control'), 'no-store');
          assert.deepEqual(await answer.json(), { error: 'request.url' });
        }
        await assert.rejects(gate.check(new Request(url)), { code: 'request.url' });
      }
      const oddMethod = { method: 'GET /x', url: 'https://app.example.com/', headers: new Headers() };
      const refused = await gate.handle(oddMethod);
      assert.equal(refused.status, 400);
      assert.deepEqual(await refused.json(), { error: 'request.method' });
      // At the limits: decided (public here), not refused; a long query is never read.
      const longest = `https://app.example.com/${'a'.repeat(8192 - 'https://app.example.com/'.length)}`; // 8192 bytes before the query
      assert.equal(await gate.handle(new Request(longest)), null);
      assert.equal((await gate.handle(new Request(`${longest}a`))).status, 414);
      assert.equal(await gate.handle(new Request(`https://app.example.com${'/a'.repeat(256)}`)), null);
      assert.equal(await gate.handle(new Request(`https://app.example.com/?q=${'a'.repeat(20000)}`)), null);
      // Any other error still rejects.
      await assert.rejects(gate.handle(null), { code: 'request' });
    } finally {
      gate.dispose();
    }
  });
});

describe('refusedRequestResponse', () => {
  test('only for request.url and request.method AalgateErrors', () => {
    assert.equal(refusedRequestResponse(new AalgateError('request.url', 'x')).status, 414);
    assert.equal(refusedRequestResponse(new AalgateError('request.method', 'x')).status, 400);
    for (const other of [new AalgateError('request', 'x'), new AalgateError('gate.disposed', 'x'), new Error('request.url'), { code: 'request.url' }, null, undefined]) {
      assert.equal(refusedRequestResponse(other), null);
    }
  });
});

test('the integration method serves the Gates of a second copy of js/index.js too', async () => {
  const copy = await import(`../../js/index.js?copy=${Date.now()}`);
  const gate = await copy.createGate({ baseUrl: BASE });
  try {
    const { decision, sessionExpiresAt } = gate[INTERNAL].decide(AAL2_TEXT, { now: NOW }, 'requirement');
    assert.deepEqual([decision.verdict, sessionExpiresAt], ['allow', Date.parse('2026-08-02T10:00:05.123Z')]);
  } finally {
    gate.dispose();
  }
});
