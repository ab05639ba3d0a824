// aalgate/tokens against hostile tokens (issue 14): every one is refused by verify with a stable
// reason, or (a token whose claims are wrong for a rule) decided error, never allow. Real crypto:
// keys made with WebCrypto through jose, tokens signed with them, verified by aalgate/tokens.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';

import { createGate } from 'aalgate';
import { createTokenVerifier } from 'aalgate/tokens';

const ISSUER = 'https://auth.example.com';
const NOW = Date.parse('2026-08-01T10:10:00Z');
const SEC = NOW / 1000;
const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const claims = (overrides = {}) => {
  const base = {
    jti: 'f3b3c0de-0000-4000-8000-000000000001', iss: ISSUER, sub: 'identity-1', sid: 'session-1',
    iat: SEC - 5, nbf: SEC - 5, exp: SEC + 55,
    acr: 'aal2', amr: ['password', 'totp'], auth_time: SEC - 60, aal2_time: SEC - 60, aal2_amr: ['totp'],
    session_exp: SEC + 86400, identity_id: 'identity-1',
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
};

const KEYS = [
  ['es256', 'ES256'], ['es512', 'ES512'], ['rs256', 'RS256'], ['rs512', 'RS512'], ['ed', 'EdDSA'], ['ps256', 'PS256'],
];
const keys = {};
let jwks;
let verifier;
let gate;
before(async () => {
  const publicKeys = [];
  for (const [kid, alg] of KEYS) {
    const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    keys[kid] = { ...pair, alg };
    publicKeys.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
  }
  // A second ES256 pair whose kid is the first's: same kid, other key (an attacker's).
  keys.impostor = { ...(await generateKeyPair('ES256', { extractable: true })), alg: 'ES256' };
  jwks = { keys: publicKeys };
  verifier = createTokenVerifier({ jwks, issuer: ISSUER });
  gate = await createGate({ baseUrl: ISSUER });
});

// A JWS made by hand (WebCrypto ECDSA P-256, the signature as JWS wants it: r || s) with any
// header and payload bytes, for the shapes jose refuses to make.
async function rawSign(header, payloadText, key = keys.es256.privateKey) {
  const input = `${b64(header)}.${b64(payloadText)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}
const ES256 = { alg: 'ES256', kid: 'es256', typ: 'JWT' };

const sign = (payload, { kid = 'es256', key = keys[kid], alg = key.alg, header = {} } = {}) =>
  new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT', ...header }).sign(key.privateKey);

async function refused(token, reason, options = { now: NOW }, using = verifier) {
  await assert.rejects(using.verify(token, options), (error) => {
    assert.equal(error.code, 'token', error.message);
    assert.equal(error.reason, reason, `${error.reason}: ${error.message}`);
    return true;
  });
}

describe('tokens that verify', () => {
  for (const [kid, alg] of KEYS) {
    test(`${alg} (kid ${kid}): verified, then decided from its claims`, async () => {
      const token = await verifier.verify(await sign(claims(), { kid }), { now: NOW });
      assert.equal(token.header.alg, alg);
      assert.ok(Object.isFrozen(token) && Object.isFrozen(token.claims));
      assert.equal(gate.decide(token, { aal: 'aal2', maxAge: '5m', now: NOW }).verdict, 'allow');
      assert.equal(gate.decide(token, { aal: 'aal2', maxAge: '30s', now: NOW }).reason, 'second_factor_stale');
    });
  }
  test('an expiry within the leeway is accepted only with that leeway', async () => {
    const token = await sign(claims({ exp: SEC - 20 }));
    await refused(token, 'expired');
    const lenient = createTokenVerifier({ jwks, issuer: ISSUER, leeway: 30 });
    assert.equal((await lenient.verify(token, { now: NOW })).claims.exp, SEC - 20);
  });
});

describe('hostile tokens: refused by verify', () => {
  const cases = [
    ['a flipped signature byte', async () => { const t = await sign(claims()); const i = t.length - 5; return t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1); }, 'signature'],
    ['signed by another key under the right kid', async () => sign(claims(), { kid: 'es256', key: keys.impostor }), 'signature'],
    ['the payload changed after signing', async () => { const [h, , s] = (await sign(claims({ acr: 'aal1' }))).split('.'); return `${h}.${b64(claims())}.${s}`; }, 'signature'],
    ['alg none, no signature', async () => `${b64({ alg: 'none', typ: 'JWT', kid: 'es256' })}.${b64(claims())}.`, 'malformed'],
    ['alg None, a signature', async () => `${b64({ alg: 'None', kid: 'es256' })}.${b64(claims())}.${b64('sig')}`, 'algorithm'],
    ['alg NONE with a signature', async () => `${b64({ alg: 'NONE', kid: 'es256' })}.${b64(claims())}.${b64('x')}`, 'algorithm'],
    ['HS256 with the ES256 public JWK as the secret', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'es256' }).sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0]))), 'algorithm'],
    ['HS256 with the RSA public key PEM as the secret', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'rs256' }).sign(new TextEncoder().encode(await exportSPKI(keys.rs256.publicKey))), 'algorithm'],
    ['HS512 with no kid', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode('secret'.repeat(12))), 'algorithm'],
    ['an unknown kid', async () => sign(claims(), { kid: 'no-such-key', key: keys.es256 }), 'unknown_key'],
    ['no kid, and the key set has several ES256-able keys? (only one ES256): signed by the impostor', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(keys.impostor.privateKey), 'signature'],
    ['the attacker\'s own key embedded in the header (jwk)', async () => sign(claims(), { kid: 'attacker', key: keys.impostor, header: { jwk: await exportJWK(keys.impostor.publicKey) } }), 'unknown_key'],
    ['a jku pointing elsewhere', async () => sign(claims(), { kid: 'attacker', key: keys.impostor, header: { jku: 'https://evil.example/jwks.json' } }), 'unknown_key'],
    ['ES512 in the header for the ES256 key', async () => { const [, p] = (await sign(claims())).split('.'); const t = await sign(claims(), { kid: 'es512' }); return `${b64({ alg: 'ES512', kid: 'es256', typ: 'JWT' })}.${p}.${t.split('.')[2]}`; }, 'unknown_key'],
    ['RS256 in the header for the EC key', async () => sign(claims(), { kid: 'es256', key: keys.rs256, alg: 'RS256' }), 'unknown_key'],
    ['PS256 for a key whose JWK says RS256', async () => { const [, p, s] = (await sign(claims(), { kid: 'rs256' })).split('.'); return `${b64({ alg: 'PS256', kid: 'rs256' })}.${p}.${s}`; }, 'unknown_key'],
    ['an unknown crit extension, validly signed', async () => rawSign({ ...ES256, crit: ['exp-ext'], 'exp-ext': 1 }, JSON.stringify(claims())), 'unsupported'],
    ['b64 false (unencoded payload), validly signed', async () => rawSign({ ...ES256, b64: false, crit: ['b64'] }, JSON.stringify(claims())), 'malformed'],
    ['expired', async () => sign(claims({ exp: SEC - 1 })), 'expired'],
    ['expired long ago', async () => sign(claims({ iat: SEC - 7200, nbf: SEC - 7200, exp: SEC - 3600 })), 'expired'],
    ['not yet valid', async () => sign(claims({ nbf: SEC + 60 })), 'not_yet_valid'],
    ['issued in the future', async () => sign(claims({ iat: SEC + 120 })), 'issued_in_future'],
    ['issued more than a day ago', async () => sign(claims({ iat: SEC - 90000 })), 'too_old'],
    ['another issuer', async () => sign(claims({ iss: 'https://evil.example.com' })), 'issuer'],
    ['the issuer with a trailing slash', async () => sign(claims({ iss: `${ISSUER}/` })), 'issuer'],
    ['no issuer', async () => sign(claims({ iss: undefined })), 'claims'],
    ['an empty issuer', async () => sign(claims({ iss: '' })), 'issuer'],
    ['no exp', async () => sign(claims({ exp: undefined })), 'claims'],
    ['no nbf', async () => sign(claims({ nbf: undefined })), 'claims'],
    ['no iat', async () => sign(claims({ iat: undefined })), 'claims'],
    ['exp as a string', async () => sign(claims({ exp: String(SEC + 60) })), 'claims'],
    ['iss as a number', async () => sign(claims({ iss: 42 })), 'issuer'],
    ['nbf as a string, validly signed', async () => rawSign(ES256, JSON.stringify(claims({ nbf: 'soon' }))), 'claims'],
    ['truncated: no signature part', async () => (await sign(claims())).split('.').slice(0, 2).join('.'), 'malformed'],
    ['truncated: an empty signature', async () => `${(await sign(claims())).split('.').slice(0, 2).join('.')}.`, 'malformed'],
    ['truncated in the signature', async () => (await sign(claims())).slice(0, -20), 'signature'],
    ['truncated in the payload', async () => { const t = await sign(claims()); return t.slice(0, t.indexOf('.') + 10); }, 'malformed'],
    ['five parts (a JWE shape)', async () => `${await sign(claims())}.a.b`, 'malformed'],
    ['a header that is not JSON', async () => `${b64('not json')}.${b64(claims())}.${b64('sig')}`, 'malformed'],
    ['a payload that is not JSON, validly signed', async () => rawSign(ES256, '{"acr":'), 'malformed'],
    ['a payload that is a JSON array, validly signed', async () => rawSign(ES256, '[1,2]'), 'malformed'],
    ['a payload changed after signing to something not JSON', async () => { const [h, , s] = (await sign(claims())).split('.'); return `${h}.${b64('{"acr":')}.${s}`; }, 'signature'],
    ['characters outside base64url', async () => { const [h, p, s] = (await sign(claims())).split('.'); return `${h}.${p}+/=.${s}`; }, 'malformed'],
    ['spaces around the token', async () => ` ${await sign(claims())} `, 'malformed'],
    ['oversized (20,000 characters)', async () => `${b64({ alg: 'ES256', kid: 'es256' })}.${'A'.repeat(20000)}.sig`, 'oversized'],
    ['the empty string', async () => '', 'malformed'],
  ];
  for (const [name, make, reason] of cases) {
    test(name, async () => refused(await make(), reason));
  }
  test(`at least 40 hostile tokens (${cases.length})`, () => assert.ok(cases.length >= 40));
  for (const value of [null, undefined, 42, {}, ['a.b.c'], new String('a.b.c')]) {
    test(`not a string: ${Object.prototype.toString.call(value)}`, async () => refused(value, 'malformed'));
  }
});

describe('verified, but the claims cannot be decided on: error, never allow', () => {
  const cases = [
    ['acr missing', { acr: undefined }, 'claim_acr'],
    ['acr a number', { acr: 2 }, 'claim_acr'],
    ['acr an unknown level', { acr: 'aal2x' }, 'claim_acr'],
    ['session_exp missing (not our mapper)', { session_exp: undefined }, 'claim_session_exp'],
    ['auth_time a string', { auth_time: '2026-08-01T10:00:00Z' }, 'claim_auth_time'],
    ['aal2_time an object', { aal2_time: { at: 1 } }, 'claim_aal2_time'],
    ['aal2_amr a string', { aal2_amr: 'totp' }, 'claim_aal2_amr'],
  ];
  for (const [name, overrides, reason] of cases) {
    test(name, async () => {
      const token = await verifier.verify(await sign(claims(overrides)), { now: NOW });
      for (const requirement of [{}, { aal: 'aal2' }, { aal: 'aal2', maxAge: '1h' }, { operation: 'settings' }]) {
        const d = gate.decide(token, { ...requirement, now: NOW });
        assert.equal(d.verdict, 'error', JSON.stringify(requirement));
        assert.equal(d.reason, reason);
      }
    });
  }
  test('auth_time missing: fine without a max age, an error naming it with one', async () => {
    const token = await verifier.verify(await sign(claims({ auth_time: undefined })), { now: NOW });
    assert.equal(gate.decide(token, { aal: 'aal2', now: NOW }).verdict, 'allow');
    assert.equal(gate.decide(token, { aal: 'aal2', maxAge: '1h', now: NOW }).reason, 'claim_auth_time');
  });
  test('an object shaped like a verified token but not made by verify is read as a Session: invalid', () => {
    const forged = Object.freeze({ claims: Object.freeze(claims()), header: Object.freeze({ alg: 'ES256', kid: 'es256' }) });
    const d = gate.decide(forged, { aal: 'aal2', now: NOW });
    assert.equal(d.verdict, 'error');
    assert.equal(d.reason, 'invalid_session');
  });
});

describe('verifier options', () => {
  const refusedOption = (options, code) => assert.throws(() => createTokenVerifier(options), (error) => error.code === code);
  test('errors name the option', () => {
    refusedOption(null, 'tokens');
    refusedOption({ jwks: { keys: [] } }, 'tokens.issuer');
    refusedOption({ issuer: ISSUER }, 'tokens.jwks');
    refusedOption({ issuer: ISSUER, jwks: 'ftp://example.com/jwks' }, 'tokens.jwks');
    refusedOption({ issuer: ISSUER, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'tokens.jwks.keys[0]');
    refusedOption({ issuer: ISSUER, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'private' }] } }, 'tokens.jwks.keys[0]');
    refusedOption({ issuer: ISSUER, jwks: { keys: [] }, leeway: -1 }, 'tokens.leeway');
    refusedOption({ issuer: ISSUER, jwks: { keys: [] }, audience: 'x' }, 'tokens.audience');
  });
});

describe('a JWKS URL', () => {
  // A JWKS server answering as `mode` says; counts its requests.
  async function jwksServer(t, mode) {
    const { serve } = await import('../../examples/demo/http.mjs');
    const server = await serve((req, res) => {
      server.requests += 1;
      if (mode === 'ok') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      if (mode === '500') return res.writeHead(500).end('down');
      if (mode === 'html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hi</h1>');
      if (mode === 'not a jwks') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"no"}');
      if (mode === 'huge') return hugeJwks(server, res);
      return res.writeHead(302, { location: 'https://evil.example/jwks.json' }).end();
    });
    server.requests = 0;
    server.sentBytes = 0;
    t.after(() => server.close());
    return server;
  }
  // The key set, then 64 MiB of whitespace before its end, written as the client takes it.
  function hugeJwks(server, res) {
    const text = JSON.stringify(jwks);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = 1024;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(text.slice(0, -1));
    const more = () => {
      while (left > 0) {
        left -= 1;
        server.sentBytes += chunk.length;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end('}');
    };
    res.on('close', () => (left = 0));
    more();
  }
  test('a 64 MiB answer: read up to 1 MiB, then jwks_unavailable', async (t) => {
    const server = await jwksServer(t, 'huge');
    const remote = createTokenVerifier({ jwks: `${server.url}/jwks.json`, issuer: ISSUER });
    await refused(await sign(claims()), 'jwks_unavailable', { now: NOW }, remote);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(server.sentBytes < 16 * 1024 * 1024, `the server wrote ${server.sentBytes} bytes before the client went away`);
  });
  test('fetched once and kept: every token verified against it', async (t) => {
    const server = await jwksServer(t, 'ok');
    const remote = createTokenVerifier({ jwks: `${server.url}/jwks.json`, issuer: ISSUER });
    for (const kid of ['es256', 'rs256', 'ed']) assert.equal((await remote.verify(await sign(claims(), { kid }), { now: NOW })).header.kid, kid);
    await refused(await sign(claims(), { kid: 'es256', key: keys.impostor }), 'signature', { now: NOW }, remote);
    assert.equal(server.requests, 1);
  });
  for (const mode of ['500', 'html', 'not a jwks', 'a redirect']) {
    test(`answering ${mode}: jwks_unavailable, never a pass`, async (t) => {
      const server = await jwksServer(t, mode);
      const remote = createTokenVerifier({ jwks: `${server.url}/jwks.json`, issuer: ISSUER });
      await refused(await sign(claims()), 'jwks_unavailable', { now: NOW }, remote);
    });
  }
  test('not answering at all: jwks_unavailable', async () => {
    const { unusedUrl } = await import('../../examples/demo/http.mjs');
    const remote = createTokenVerifier({ jwks: `${await unusedUrl()}/jwks.json`, issuer: ISSUER });
    await refused(await sign(claims()), 'jwks_unavailable', { now: NOW }, remote);
  });
});
