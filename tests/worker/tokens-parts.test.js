// aalgate/worker's `tokens` in Node, part by part: the configuration errors (codes
// `config.tokens…`), the configuration copied before any await, where a request's token is
// found (js/token-transport.js) and how it is taken out of what goes on. The workerd end-to-end
// suite is tokens.test.js.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { createWorkerGate } from 'aalgate/worker';

import { tokenOf, withoutToken, workerTokenSettings } from '../../js/token-transport.js';
import { unusedUrl } from './harness.js';

const ISSUER = 'https://auth.example.com';
let key;
let jwks;
before(async () => {
  key = await generateKeyPair('ES256', { extractable: true });
  jwks = { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
});

const sign = (overrides = {}) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: ISSUER, sub: 'i1', sid: 's1', iat: now, nbf: now, exp: now + 60,
    acr: 'aal2', amr: ['password', 'totp'], auth_time: now - 10, aal2_time: now - 10, aal2_amr: ['totp'],
    session_exp: now + 3600, identity_id: 'i1', ...overrides,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key.privateKey);
};

describe('createWorkerGate: tokens configuration', () => {
  const refused = (tokens, code) =>
    assert.rejects(createWorkerGate({ baseUrl: ISSUER, tokens }), (error) => {
      assert.equal(error.name, 'AalgateError');
      assert.equal(error.code, code, error.message);
      assert.ok(error.message.startsWith('config.tokens'), error.message);
      return true;
    });
  test('each invalid option is named', async () => {
    await refused('yes', 'config.tokens');
    await refused(true, 'config.tokens');
    await refused([jwks], 'config.tokens');
    await refused({ jwks }, 'config.tokens.issuer');
    await refused({ jwks, issuer: '' }, 'config.tokens.issuer');
    await refused({ issuer: ISSUER }, 'config.tokens.jwks');
    await refused({ jwks: 'ftp://auth.example.com/jwks.json', issuer: ISSUER }, 'config.tokens.jwks');
    await refused({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, issuer: ISSUER }, 'config.tokens.jwks.keys[0]');
    await refused({ jwks: { keys: [() => 1] }, issuer: ISSUER }, 'config.tokens.jwks');
    await refused({ jwks, issuer: ISSUER, leeway: -1 }, 'config.tokens.leeway');
    await refused({ jwks, issuer: ISSUER, jwksTtlMs: Number.NaN }, 'config.tokens.jwksTtlMs');
    await refused({ jwks, issuer: ISSUER, maxTokenAge: '1d' }, 'config.tokens.maxTokenAge');
    await refused({ jwks, issuer: ISSUER, audience: 'api' }, 'config.tokens.audience');
    for (const from of ['cookie', 'header', { cookie: '' }, { cookie: 'a b' }, { cookie: 'a;b' }, { cookie: 'x', header: 'y' }, { header: 'x-token' }, null]) {
      await refused({ jwks, issuer: ISSUER, from }, 'config.tokens.from');
    }
    for (const fallback of ['deny', 'login', true, null]) await refused({ jwks, issuer: ISSUER, fallback }, 'config.tokens.fallback');
    for (const forward of ['yes', 1, null]) await refused({ jwks, issuer: ISSUER, forward }, 'config.tokens.forward');
  });
  test('the gate configuration is checked too (its errors first)', async () => {
    await assert.rejects(createWorkerGate({ baseUrl: 'ftp://x', tokens: { jwks } }), (error) => error.code === 'config.baseUrl');
  });
  test('off: undefined, null, false', async () => {
    for (const tokens of [undefined, null, false]) {
      const gate = await createWorkerGate({ baseUrl: ISSUER, whoamiUrl: `${await unusedUrl()}/sessions/whoami`, tokens });
      const d = await gate.check(new Request('https://app.example.com/x', { headers: { authorization: `Bearer ${await sign()}` } }));
      assert.equal(d.reason, 'kratos_unreachable', 'asked whoami: no tokens');
      gate.dispose();
    }
  });
  test('read before any await: a JWKS changed after the call is not the one used', async () => {
    const given = structuredClone(jwks);
    const config = { baseUrl: ISSUER, whoamiUrl: `${await unusedUrl()}/sessions/whoami`, tokens: { jwks: given, issuer: ISSUER, fallback: 'challenge' } };
    const made = createWorkerGate(config);
    given.keys[0].x = jwks.keys[0].y; // another point: the signature would not verify
    config.tokens.issuer = 'https://evil.example.com';
    const gate = await made;
    const d = await gate.check(new Request('https://app.example.com/x', { headers: { authorization: `Bearer ${await sign()}` } }));
    assert.equal(d.verdict, 'allow');
    gate.dispose();
  });
});

describe('check() with tokens, in Node', () => {
  test('a verified token is decided by the core; a refused one falls back', async () => {
    const whoamiUrl = `${await unusedUrl()}/sessions/whoami`;
    const policy = { rules: [{ path: '/billing/**', aal: 'aal2', maxAge: '5m' }] };
    const viaWhoami = await createWorkerGate({ baseUrl: ISSUER, whoamiUrl, policy, tokens: { jwks, issuer: ISSUER } });
    const challenge = await createWorkerGate({ baseUrl: ISSUER, whoamiUrl, policy, tokens: { jwks, issuer: ISSUER, fallback: 'challenge' } });
    const request = (jwt) => new Request('https://app.example.com/billing/x', { headers: { authorization: `Bearer ${jwt}` } });
    for (const gate of [viaWhoami, challenge]) {
      const allowed = await gate.check(request(await sign()));
      assert.deepEqual([allowed.verdict, allowed.aal], ['allow', 'aal2']);
      const stale = await gate.check(request(await sign({ aal2_time: Math.floor(Date.now() / 1000) - 900 })));
      assert.deepEqual([stale.verdict, stale.reason], ['refresh', 'second_factor_stale']);
      const noAcr = await gate.check(request(await sign({ acr: undefined })));
      assert.deepEqual([noAcr.verdict, noAcr.reason], ['error', 'claim_acr'], 'verified but undecidable: the core says error');
    }
    const expired = await sign({ exp: Math.floor(Date.now() / 1000) - 30 });
    assert.equal((await viaWhoami.check(request(expired))).reason, 'kratos_unreachable', 'fell back to whoami');
    const longExpired = await sign({ exp: Math.floor(Date.now() / 1000) - 30 });
    assert.equal((await viaWhoami.check(request(longExpired))).reason, 'kratos_unreachable');
    const challenged = await challenge.check(request(expired));
    assert.deepEqual([challenged.verdict, challenged.url, challenged.reason], ['login', `${ISSUER}/self-service/login/browser?return_to=https%3A%2F%2Fapp.example.com%2Fbilling%2Fx`, 'no_session']);
    viaWhoami.dispose();
    challenge.dispose();
  });
});

describe('leeway: 5 s by default in the worker (Kratos writes iat and nbf in whole seconds of its clock)', () => {
  test('a token minted on a clock 2 s ahead is taken; 10 s ahead, or 2 s with leeway 0, is not', async () => {
    const whoamiUrl = `${await unusedUrl()}/sessions/whoami`;
    const gate = await createWorkerGate({ baseUrl: ISSUER, whoamiUrl, tokens: { jwks, issuer: ISSUER, fallback: 'challenge' } });
    const strict = await createWorkerGate({ baseUrl: ISSUER, whoamiUrl, tokens: { jwks, issuer: ISSUER, fallback: 'challenge', leeway: 0 } });
    const ahead = async (s) => {
      const now = Math.floor(Date.now() / 1000) + s;
      return new Request('https://app.example.com/x', { headers: { authorization: `Bearer ${await sign({ iat: now, nbf: now, exp: now + 60 })}` } });
    };
    assert.equal((await gate.check(await ahead(2))).verdict, 'allow');
    assert.equal((await gate.check(await ahead(10))).verdict, 'login');
    assert.equal((await strict.check(await ahead(2))).verdict, 'login');
    // exp gets no leeway: a token 3 s past it is no token (the fallback), not an expired session.
    const justExpired = new Request('https://app.example.com/x', { headers: { authorization: `Bearer ${await sign({ exp: Math.floor(Date.now() / 1000) - 3 })}` } });
    const fallback = await gate.check(justExpired);
    assert.deepEqual([fallback.verdict, fallback.reason], ['login', 'no_session']);
    const viaWhoami = await createWorkerGate({ baseUrl: ISSUER, whoamiUrl, tokens: { jwks, issuer: ISSUER } });
    assert.equal((await viaWhoami.check(justExpired.clone())).reason, 'kratos_unreachable', 'asked whoami');
    viaWhoami.dispose();
    gate.dispose();
    strict.dispose();
  });
});

describe('where the token is (js/token-transport.js)', () => {
  const AUTH = { header: 'authorization' };
  const COOKIE = { cookie: 'kratos_jwt' };
  const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
  const headers = (init) => new Headers(init);

  test('Authorization: Bearer with a JWT shape (any case, spaces), else not the token', () => {
    for (const value of [`Bearer ${JWT}`, `bearer ${JWT}`, `BEARER   ${JWT}`, `Bearer ${JWT}  `]) {
      assert.equal(tokenOf(headers({ authorization: value }), AUTH), JWT, value);
    }
    assert.equal(tokenOf(headers({ authorization: 'Bearer a..' }), AUTH), 'a..', 'empty parts: the verifier refuses it');
    for (const value of ['Bearer ory_st_abc123', `Basic ${JWT}`, JWT, `Bearer ${JWT} extra`, `Bearer ${JWT}.x`, 'Bearer a.b', `Bearer=${JWT}`, 'Bearer', '']) {
      assert.equal(tokenOf(headers({ authorization: value }), AUTH), null, value);
    }
    assert.equal(tokenOf(headers({}), AUTH), null);
    assert.equal(tokenOf(headers({ cookie: `kratos_jwt=${JWT}` }), AUTH), null);
  });
  test('a named cookie: its one value (quotes removed); none when absent or there twice', () => {
    assert.equal(tokenOf(headers({ cookie: `a=1; kratos_jwt=${JWT}; b=2` }), COOKIE), JWT);
    assert.equal(tokenOf(headers({ cookie: `kratos_jwt="${JWT}"` }), COOKIE), JWT);
    assert.equal(tokenOf(headers({ cookie: 'kratos_jwt=garbage' }), COOKIE), 'garbage', 'the verifier judges it');
    assert.equal(tokenOf(headers({ cookie: `kratos_jwt=${JWT}; kratos_jwt=${JWT}` }), COOKIE), null);
    assert.equal(tokenOf(headers({ cookie: `Kratos_jwt=${JWT}; xkratos_jwt=${JWT}` }), COOKIE), null, 'names are exact');
    assert.equal(tokenOf(headers({ authorization: `Bearer ${JWT}` }), COOKIE), null);
  });
  test('withoutToken: the Bearer JWT, or every pair of the cookie; the rest kept', () => {
    const h = withoutToken(headers({ authorization: `Bearer ${JWT}`, cookie: 'a=1', 'x-app': '1' }), AUTH);
    assert.deepEqual([...h], [['cookie', 'a=1'], ['x-app', '1']]);
    const session = withoutToken(headers({ authorization: 'Bearer ory_st_abc' }), AUTH);
    assert.equal(session.get('authorization'), 'Bearer ory_st_abc', 'a Kratos session token is not ours to remove');
    const c = withoutToken(headers({ cookie: `a=1; kratos_jwt=${JWT};b=2; kratos_jwt=x`, authorization: `Bearer ${JWT}` }), COOKIE);
    assert.deepEqual([c.get('cookie'), c.get('authorization')], ['a=1; b=2', `Bearer ${JWT}`]);
    assert.equal(withoutToken(headers({ cookie: `kratos_jwt=${JWT}` }), COOKIE).has('cookie'), false);
  });
  test('workerTokenSettings: defaults', () => {
    assert.equal(workerTokenSettings(undefined), null);
    const settings = workerTokenSettings({ jwks: { keys: [] }, issuer: ISSUER });
    assert.deepEqual({ ...settings, verifier: undefined }, { verifier: undefined, from: AUTH, fallback: 'whoami', forward: false });
    assert.ok(Object.isFrozen(settings));
  });
});
