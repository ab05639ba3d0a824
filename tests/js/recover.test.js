// Gate.recover: a Kratos error (from a settings submit, a login, …) to a decision; the forms of the
// error, the requirement it carries, and hostile error input (it never throws and never allows).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createGate } from 'aalgate';

import {
  BASE,
  LOGIN,
  SETTINGS_RETURN_TO,
  STEP_UP_CHALLENGE,
  assertFrozenDecision,
  fixtureText,
  refreshChallenge,
  throwsWithCode,
} from './helpers.js';

// A session_refresh_required body as a settings submit gets it, redirecting back to returnTo.
const refreshBody = (returnTo) =>
  JSON.stringify({
    error: { id: 'session_refresh_required', code: 403, status: 'Forbidden', message: 'The requested action was forbidden' },
    redirect_browser_to: `${LOGIN}?refresh=true&return_to=${encodeURIComponent(returnTo)}`,
  });

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

  test('a Kratos error of 8 MB reaches the core intact under a limit above it, and is too large by default', async () => {
    const huge = refreshBody('/back').replace('"Forbidden"', JSON.stringify('\u{1F600}é'.repeat(2_700_000)));
    assert.ok(huge.length > 8_000_000);
    const roomy = await createGate({ baseUrl: BASE, maxBodyBytes: 32 * 1048576 });
    try {
      assert.deepEqual(roomy.recover(huge), gate.recover(refreshBody('/back')));
      assert.deepEqual(roomy.recover(JSON.parse(huge)), gate.recover(refreshBody('/back')));
    } finally {
      roomy.dispose();
    }
    for (const error of [huge, JSON.parse(huge), { status: 403, body: huge }]) {
      const d = gate.recover(error);
      assert.deepEqual([d.verdict, d.reason, d.url], ['error', 'body_too_large', null]);
    }
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
