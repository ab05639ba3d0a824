// GET /sessions/whoami?tokenize_as=<template> (issue 14): the emulator's tokenized sessions, as
// session/tokenizer.go and session/handler.go make them. Real crypto (keys made by the emulator
// with node:crypto, tokens verified here with jose over WebCrypto and with node:crypto), the real
// Jsonnet interpreter running aalgate.jsonnet.
import assert from 'node:assert/strict';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';

import { MAPPER_URL } from '../../tools/kratos-emulator/tokenize.mjs';
import { ADA, BOB, JSON_ACCEPT, emulator, fixture, http } from './helpers.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const b64json = (s) => Buffer.from(JSON.stringify(s)).toString('base64');
const jsonnetUrl = (code) => `base64://${Buffer.from(code).toString('base64')}`;
const parts = (token) => {
  const [h, p, s] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payloadText: Buffer.from(p, 'base64url').toString(), payload: JSON.parse(Buffer.from(p, 'base64url')), sig: s };
};

async function tokenized(kratos, cookie, template = 'aalgate', extra = {}) {
  const r = await http(kratos, `/sessions/whoami?tokenize_as=${encodeURIComponent(template)}`, { cookie, accept: JSON_ACCEPT, ...extra });
  return { ...r, body: r.status === 200 ? r.json() : null };
}
async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
const jwksOf = async (kratos) => (await http(kratos, '/__emulator/jwks')).json();
const whoamiError = (reason) =>
  `${JSON.stringify({ error: { code: 400, status: 'Bad Request', reason, message: 'The request was malformed or contained invalid parameters' } })}\n`;

describe('a tokenized session verifies with the published JWKS', () => {
  test('every default template (ES256, ES384, ES512, EdDSA) and RSA keys asked for (RS256, RS512, PS384)', async (t) => {
    const kratos = await emulator(t, { tokenKeys: ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'RS512', 'PS384'] });
    const jwks = await jwksOf(kratos);
    assert.deepEqual(jwks, kratos.jwks);
    assert.equal(jwks.keys.length, 7);
    for (const k of jwks.keys) {
      assert.equal('d' in k || 'p' in k || 'k' in k, false, `${k.kid}: public parts only`);
      assert.equal(k.use, 'sig');
    }
    const keySet = createLocalJWKSet(jwks);
    const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
    const templates = ['aalgate', 'aalgate-es256', 'aalgate-es384', 'aalgate-es512', 'aalgate-eddsa', 'aalgate-rs256', 'aalgate-rs512', 'aalgate-ps384'];
    const algs = ['ES256', 'ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'RS512', 'PS384'];
    for (const [i, template] of templates.entries()) {
      const r = await tokenized(kratos, cookie, template);
      assert.equal(r.status, 200, `${template}: ${r.text}`);
      const { payload, protectedHeader } = await jwtVerify(r.body.tokenized, keySet, { issuer: kratos.issuer, currentDate: new Date(kratos.clock.now()) });
      assert.equal(protectedHeader.alg, algs[i], template);
      assert.equal(jwks.keys.find((k) => k.kid === protectedHeader.kid)?.alg, algs[i], `${template}: kid names a key of its alg`);
      assert.equal(payload.acr, 'aal2');
      assert.equal(payload.sub, r.body.identity.id);
    }
  });

  test('checked by node:crypto too (ES256: r || s of 32 bytes each), and a changed byte fails', async (t) => {
    const kratos = await emulator(t);
    const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
    const token = (await tokenized(kratos, cookie)).body.tokenized;
    const [h, p, s] = token.split('.');
    const jwk = kratos.jwks.keys.find((k) => k.kid === decodeProtectedHeader(token).kid);
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    const sig = Buffer.from(s, 'base64url');
    assert.equal(sig.length, 64);
    const check = (input, signature = sig) => cryptoVerify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature);
    assert.equal(check(`${h}.${p}`), true);
    assert.equal(check(`${h}.${p.slice(0, -2)}${p.at(-2) === 'A' ? 'B' : 'A'}${p.at(-1)}`), false);
    const flipped = Buffer.from(sig);
    flipped[10] ^= 1;
    assert.equal(check(`${h}.${p}`, flipped), false);
  });

  test("another emulator's JWKS does not verify it (keys are made per emulator)", async (t) => {
    const [a, b] = [await emulator(t), await emulator(t)];
    const cookie = await a.createSession({ email: BOB.email });
    const token = (await tokenized(a, cookie)).body.tokenized;
    await assert.rejects(jwtVerify(token, createLocalJWKSet(b.jwks), { currentDate: new Date(a.clock.now()) }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    assert.notDeepEqual(a.jwks, b.jwks);
  });
});

describe("Kratos's fixed claims and the answer", () => {
  test('jti, iss, exp = now + 1m, nbf, iat, sid, sub, kid; payload and header as golang-jwt writes them', async (t) => {
    const kratos = await emulator(t);
    kratos.clock.advance(123_456.789);
    const now = kratos.clock.freeze();
    const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
    const plain = await http(kratos, '/sessions/whoami', { cookie, accept: JSON_ACCEPT });
    const r = await tokenized(kratos, cookie);
    assert.equal(r.status, 200);
    const { header, payload, payloadText } = parts(r.body.tokenized);
    assert.deepEqual(Object.keys(header), ['alg', 'kid', 'typ']);
    assert.deepEqual(header, { alg: 'ES256', kid: kratos.jwks.keys.find((k) => k.alg === 'ES256').kid, typ: 'JWT' });
    const sec = Math.floor(now / 1000);
    assert.equal(kratos.issuer, `${kratos.url}/`);
    const session = r.body;
    assert.match(payload.jti, UUID_V4);
    assert.deepEqual(
      { ...payload, jti: 'x' },
      {
        aal2_amr: ['totp'],
        aal2_time: Math.floor(Date.parse(session.authentication_methods[1].completed_at) / 1000),
        acr: 'aal2',
        amr: ['password', 'totp'],
        auth_time: Math.floor(Date.parse(session.authenticated_at) / 1000),
        exp: Math.floor((now + 60_000) / 1000),
        iat: sec,
        identity_id: session.identity.id,
        iss: kratos.issuer,
        jti: 'x',
        nbf: sec,
        session_exp: Math.floor(Date.parse(session.expires_at) / 1000),
        sid: session.id,
        sub: session.identity.id,
      },
    );
    // Go marshals a map with its keys sorted.
    assert.deepEqual(Object.keys(payload), Object.keys(payload).sort());
    assert.equal(payloadText, JSON.stringify(payload));
    // The body is the plain whoami body with `tokenized` after `devices`.
    const { tokenized: token, ...rest } = session;
    assert.equal(typeof token, 'string');
    assert.equal(`${JSON.stringify(rest)}\n`, plain.text);
    assert.equal(Object.keys(session).at(-1), 'tokenized');
    assert.equal(r.headers.get('x-kratos-authenticated-identity-id'), session.identity.id);
    // A new jti each time.
    assert.notEqual(parts((await tokenized(kratos, cookie)).body.tokenized).payload.jti, payload.jti);
  });

  test("the clock drives iat, nbf and exp; a publicUrl option is the iss as given", async (t) => {
    const port = await freePort();
    const kratos = await emulator(t, { port, publicUrl: 'https://auth.example.com' });
    assert.equal(kratos.issuer, 'https://auth.example.com');
    const cookie = await kratos.createSession({ email: BOB.email });
    const first = kratos.clock.freeze();
    const direct = `http://127.0.0.1:${port}/sessions/whoami?tokenize_as=aalgate`;
    const a = parts((await http(kratos, direct, { cookie })).json().tokenized).payload;
    kratos.clock.advance(3_600_000);
    const b = parts((await http(kratos, direct, { cookie })).json().tokenized).payload;
    assert.equal(a.iss, 'https://auth.example.com');
    assert.equal(b.iat - a.iat, 3600);
    assert.equal(b.nbf, b.iat);
    assert.equal(b.exp, Math.floor((first + 3_600_000 + 60_000) / 1000));
  });

  test('no tokenize_as, or an empty one: no tokenized field', async (t) => {
    const kratos = await emulator(t);
    const cookie = await kratos.createSession({ email: BOB.email });
    for (const q of ['', '?tokenize_as=', '?tokenize_as']) {
      const r = await http(kratos, `/sessions/whoami${q}`, { cookie, accept: JSON_ACCEPT });
      assert.equal(r.status, 200);
      assert.equal('tokenized' in r.json(), false, q);
    }
    // r.URL.Query().Get: the first value.
    const r = await http(kratos, '/sessions/whoami?tokenize_as=aalgate&tokenize_as=nope', { cookie, accept: JSON_ACCEPT });
    assert.equal(r.status, 200);
    assert.equal(typeof r.json().tokenized, 'string');
  });
});

describe('templates: ttl, subject_source, jwks_url, claims_mapper_url', () => {
  test('ttl honoured (90s, 1500ms, 1h30m); none configured is 0 (exp == iat), as Kratos', async (t) => {
    const kratos = await emulator(t, {
      tokenizeTemplates: {
        s90: { ttl: '90s', claims_mapper_url: MAPPER_URL, alg: 'ES256' },
        ms1500: { ttl: '1500ms', alg: 'ES256' },
        long: { ttl: '1h30m', alg: 'EdDSA' },
        none: { claims_mapper_url: MAPPER_URL, alg: 'ES256' },
      },
    });
    const cookie = await kratos.createSession({ email: BOB.email });
    kratos.clock.freeze();
    kratos.clock.advance(600 - (kratos.clock.now() % 1000)); // at .600 of a second
    const now = kratos.clock.now();
    const exp = async (name) => parts((await tokenized(kratos, cookie, name)).body.tokenized).payload;
    assert.equal((await exp('s90')).exp - Math.floor(now / 1000), 90);
    const short = await exp('ms1500');
    assert.equal(short.exp, Math.floor((now + 1500) / 1000)); // floor(now + ttl): iat + 2 at .600
    assert.equal(short.exp - short.iat, 2);
    assert.deepEqual(Object.keys(short), ['exp', 'iat', 'iss', 'jti', 'nbf', 'sid', 'sub']); // no mapper: fixed claims only
    assert.equal((await exp('long')).exp - Math.floor(now / 1000), 5400);
    const none = await exp('none');
    assert.equal(none.exp, none.iat);
    assert.equal(none.acr, 'aal1');
  });

  test('subject_source external_id: sub is the external id; without one, 400 as Kratos', async (t) => {
    const kratos = await emulator(t, {
      tokenizeTemplates: { ext: { ttl: '1m', claims_mapper_url: MAPPER_URL, alg: 'ES256', subject_source: 'external_id' } },
    });
    const without = await kratos.createSession({ email: BOB.email });
    const r = await tokenized(kratos, without, 'ext');
    assert.equal(r.status, 400);
    assert.equal(r.text, whoamiError("The session's identity does not have an external ID set, but it is required for the subject claim."));
    const cookie = await kratos.createSession({ email: BOB.email, externalId: 'crm-4711' });
    const ok = await tokenized(kratos, cookie, 'ext');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.identity.external_id, 'crm-4711');
    assert.deepEqual(Object.keys(ok.body.identity).slice(0, 3), ['id', 'external_id', 'schema_id']);
    const { payload } = parts(ok.body.tokenized);
    assert.equal(payload.sub, 'crm-4711');
    assert.equal(payload.identity_id, ok.body.identity.id);
  });

  test('jwks_url as Kratos takes it (base64:// and file://, private keys, the first key used) and its failures', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aalgate-jwks-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const mine = await generateKeyPair('ES512', { extractable: true });
    const other = await generateKeyPair('RS256', { extractable: true });
    const priv = { ...(await exportJWK(mine.privateKey)), kid: 'mine', alg: 'ES512' };
    const second = { ...(await exportJWK(other.privateKey)), kid: 'second', alg: 'RS256' };
    const pub = { ...(await exportJWK(mine.publicKey)), kid: 'pub', alg: 'ES512' };
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [priv, second] }));
    const kratos = await emulator(t, {
      tokenizeTemplates: {
        b64: { ttl: '1m', claims_mapper_url: MAPPER_URL, jwks_url: `base64://${b64json({ keys: [priv, second] })}` },
        file: { ttl: '1m', jwks_url: `file://${file}` },
        single: { ttl: '1m', jwks_url: `base64://${b64json(priv)}` },
        publicOnly: { ttl: '1m', jwks_url: `base64://${b64json({ keys: [pub] })}` },
        noAlg: { ttl: '1m', jwks_url: `base64://${b64json({ keys: [{ ...priv, alg: undefined }] })}` },
        wrongCurve: { ttl: '1m', jwks_url: `base64://${b64json({ keys: [{ ...priv, alg: 'ES256' }] })}` },
        empty: { ttl: '1m', jwks_url: `base64://${b64json({ keys: [] })}` },
        garbage: { ttl: '1m', jwks_url: `base64://${Buffer.from('nope').toString('base64')}` },
        http: { ttl: '1m', jwks_url: 'http://127.0.0.1:9/jwks.json' },
        missing: { ttl: '1m', jwks_url: `file://${join(dir, 'nope.json')}` },
      },
    });
    const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
    const verifyWith = createLocalJWKSet({ keys: [pub] });
    for (const name of ['b64', 'file', 'single']) {
      const r = await tokenized(kratos, cookie, name);
      assert.equal(r.status, 200, `${name}: ${r.text}`);
      const currentDate = new Date(kratos.clock.now());
      // The public JWKS the emulator publishes carries the first key's public half under its kid.
      const { protectedHeader } = await jwtVerify(r.body.tokenized, createLocalJWKSet(kratos.jwks), { currentDate });
      assert.deepEqual(protectedHeader, { alg: 'ES512', kid: 'mine', typ: 'JWT' }, name);
      // The same key under another kid: the kid in the header is the JWK's.
      await assert.rejects(jwtVerify(r.body.tokenized, verifyWith, { currentDate }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    }
    // Published once, however many templates use it; keys that cannot sign are not published.
    assert.deepEqual(kratos.jwks.keys.filter((k) => k.kid === 'mine' || k.kid === 'pub').map((k) => [k.kid, k.alg]), [['mine', 'ES512']]);
    const expect = {
      publicOnly: 'Unable to sign JSON Web Token.',
      noAlg: 'The JSON Web Key must include a valid "alg" parameter but "" was given.',
      wrongCurve: 'Unable to sign JSON Web Token.',
      empty: 'Could not find key a suitable key for tokenization in the JWKS url.',
      garbage: 'failed to parse JWK set',
    };
    for (const [name, reason] of Object.entries(expect)) assert.equal((await tokenized(kratos, cookie, name)).text, whoamiError(reason), name);
    const http500 = await tokenized(kratos, cookie, 'http');
    assert.equal(http500.status, 500);
    assert.equal(http500.json().error.message, 'unknown scheme: in source "http://127.0.0.1:9/jwks.json": allowed schemes: file, base64');
    const missing = await tokenized(kratos, cookie, 'missing');
    assert.equal(missing.json().error.message, `read file: file://${join(dir, 'nope.json')}: open ${join(dir, 'nope.json')}: no such file or directory`);
  });

  test('the mapper: Kratos claims merged under it, sub set again; both ext vars; its failures', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aalgate-mapper-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'm.jsonnet');
    writeFileSync(file, '{ claims: { v: 1 } }');
    const kratos = await emulator(t, {
      tokenizeTemplates: {
        override: { ttl: '1m', alg: 'ES256', claims_mapper_url: jsonnetUrl('{ claims: { sub: "forged", exp: 5, iss: "me", jti: null, n: 1.5, amp: "a&b<c>", nested: { b: 1, a: [2, { d: 1, c: 2 }] } } }') },
        echo: { ttl: '1m', alg: 'ES256', claims_mapper_url: jsonnetUrl("{ claims: { fixed: std.extVar('claims'), session: std.extVar('session') } }") },
        throws: { ttl: '1m', alg: 'ES256', claims_mapper_url: jsonnetUrl('error "no"') },
        syntax: { ttl: '1m', alg: 'ES256', claims_mapper_url: jsonnetUrl('{ claims: ') },
        array: { ttl: '1m', alg: 'ES256', claims_mapper_url: jsonnetUrl('{ claims: [1] }') },
        top: { ttl: '1m', alg: 'ES256', claims_mapper_url: jsonnetUrl('[{ claims: {} }]') },
        file: { ttl: '1m', alg: 'ES256', claims_mapper_url: `file://${file}` },
        gone: { ttl: '1m', alg: 'ES256', claims_mapper_url: `file://${join(dir, 'gone.jsonnet')}` },
      },
    });
    const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
    const plain = (await http(kratos, '/sessions/whoami', { cookie, accept: JSON_ACCEPT })).json();

    const o = parts((await tokenized(kratos, cookie, 'override')).body.tokenized);
    assert.equal(o.payload.sub, plain.identity.id);
    assert.deepEqual([o.payload.exp, o.payload.iss, o.payload.jti], [5, 'me', null]);
    // Go sorts nested map keys too, and escapes & < > in strings.
    assert.match(o.payloadText, /"amp":"a\\u0026b\\u003cc\\u003e"/);
    assert.match(o.payloadText, /"nested":\{"a":\[2,\{"c":2,"d":1\}\],"b":1\}/);
    assert.match(o.payloadText, /"n":1\.5/);

    const e = parts((await tokenized(kratos, cookie, 'echo')).body.tokenized).payload;
    assert.deepEqual(Object.keys(e.fixed), ['exp', 'iat', 'iss', 'jti', 'nbf', 'sid', 'sub']);
    assert.equal(e.fixed.sub, plain.identity.id);
    assert.equal(e.fixed.jti, e.jti);
    assert.deepEqual(e.session, plain); // the whoami body, without `tokenized`

    for (const name of ['throws', 'syntax']) assert.equal((await tokenized(kratos, cookie, name)).text, whoamiError('Unable to execute tokenizer JsonNet.'), name);
    for (const name of ['array', 'top']) {
      assert.equal((await tokenized(kratos, cookie, name)).text, whoamiError('Expected tokenizer JsonNet to return a claims object but it did not.'), name);
    }
    assert.match((await http(kratos, '/__emulator/state')).json().tokenizer.lastError, /claims object/);

    // file:// is read at every tokenization (Kratos caches only http(s) mappers).
    assert.equal(parts((await tokenized(kratos, cookie, 'file')).body.tokenized).payload.v, 1);
    writeFileSync(file, '{ claims: { v: 2 } }');
    assert.equal(parts((await tokenized(kratos, cookie, 'file')).body.tokenized).payload.v, 2);
    const gone = await tokenized(kratos, cookie, 'gone');
    assert.equal(gone.status, 500);
    assert.equal(gone.json().error.message, `read file: file://${join(dir, 'gone.jsonnet')}: open ${join(dir, 'gone.jsonnet')}: no such file or directory`);
  });

  test('a session larger than an argument may be goes to jsonnet through a file', async (t) => {
    const kratos = await emulator(t);
    const methods = Array.from({ length: 150 }, (_, i) => ({ method: `m${i}`.padEnd(1000, 'x'), aal: 'aal1' }));
    const cookie = await kratos.createSession({ email: BOB.email, methods: [...methods, 'totp'] });
    const r = await tokenized(kratos, cookie);
    assert.equal(r.status, 200, r.text);
    const { tokenized: token, ...session } = r.body;
    assert.ok(JSON.stringify(session).length > 128 * 1024); // Linux's limit for one argument
    const { payload } = parts(token);
    assert.equal(payload.amr.length, 151);
    assert.deepEqual(payload.aal2_amr, ['totp']);
  });

  test('no jsonnet command: 500, and the state says why', async (t) => {
    const kratos = await emulator(t, { jsonnet: '/nonexistent/jsonnet' });
    const cookie = await kratos.createSession({ email: BOB.email });
    const r = await tokenized(kratos, cookie);
    assert.equal(r.status, 500);
    assert.equal(r.json().error.message, 'jsonnet interpreter not found: /nonexistent/jsonnet');
    assert.match((await http(kratos, '/__emulator/state')).json().tokenizer.lastError, /ENOENT/);
  });

  test('configuration Kratos refuses at load is a TypeError', async () => {
    const { startKratosEmulator } = await import('../../tools/kratos-emulator/emulator.mjs');
    const bad = [
      { x: { ttl: '1 minute', alg: 'ES256' } },
      { x: { ttl: '1m' } }, // neither jwks_url nor alg
      { x: { alg: 'RS256' } }, // no RS256 key made by default
      { x: { alg: 'ES256', subject_source: 'email' } },
      { x: { alg: 'ES256', claims_mapper: MAPPER_URL } },
      { 'a.b': { alg: 'ES256' } },
      { x: { alg: 'ES256', jwks_url: 'base64://e30=' } },
    ];
    for (const tokenizeTemplates of bad) {
      await assert.rejects(startKratosEmulator({ port: 0, tokenizeTemplates }), TypeError, JSON.stringify(tokenizeTemplates));
    }
    await assert.rejects(startKratosEmulator({ port: 0, tokenKeys: ['HS256'] }), TypeError);
  });
});

describe('errors come in whoami order', () => {
  test('unknown template: 400 as Kratos; a dotted name walks the configuration', async (t) => {
    const kratos = await emulator(t);
    const cookie = await kratos.createSession({ email: ADA.email, methods: ['password', 'totp'] });
    for (const name of ['nope', 'aalgate.nope', 'aalgate.', 'aalgate.ttl.x', '"<x>']) {
      const r = await tokenized(kratos, cookie, name);
      assert.equal(r.status, 400, name);
      assert.equal(r.text, `${JSON.stringify({ error: { code: 400, status: 'Bad Request', reason: `Unable to find tokenizer template "${name}".`, message: 'The request was malformed or contained invalid parameters' } }).replace(/</g, '\\u003c').replace(/>/g, '\\u003e')}\n`);
    }
    // Kratos v1.3.1 answers this one with the same reason (tests/kratos/tokenize.test.js).
    const r = await tokenized(kratos, cookie, 'aalgate.ttl');
    assert.equal(r.status, 500);
    assert.deepEqual(r.json(), {
      error: { id: 'invalid_configuration', code: 500, status: 'Internal Server Error', reason: `Unable to decode tokenizer template "aalgate.ttl": '' expected a map, got 'string'`, message: 'Invalid configuration' },
    });
  });

  test('no session: 401; an aal1 session of an aal2 identity under Strict: 403; both before the template is looked up', async (t) => {
    const kratos = await emulator(t);
    assert.equal((await tokenized(kratos, undefined, 'nope')).text, fixture('derived-whoami-401-no-or-inactive-session.json'));
    const aal1 = await kratos.createSession({ email: ADA.email, methods: ['password'] });
    assert.equal((await tokenized(kratos, aal1, 'nope')).text, fixture('derived-whoami-403-session_aal2_required.json', { url: kratos.url }));
  });
});

describe('counters', () => {
  test('every whoami request is counted (faults, 401, tokenized), in the state too, and reset', async (t) => {
    const kratos = await emulator(t);
    assert.deepEqual(kratos.counters, { whoami: 0, tokenized: 0 });
    const cookie = await kratos.createSession({ email: BOB.email });
    await http(kratos, '/sessions/whoami');
    await http(kratos, '/sessions/whoami', { cookie });
    await tokenized(kratos, cookie);
    await tokenized(kratos, cookie, 'nope');
    await tokenized(kratos, undefined); // 401: counted as a whoami call, not tokenized
    kratos.fault({ mode: 'status500' });
    await http(kratos, '/sessions/whoami', { cookie });
    kratos.fault({ mode: 'none' });
    await http(kratos, '/self-service/login/browser', { accept: JSON_ACCEPT }); // not whoami
    assert.deepEqual(kratos.counters, { whoami: 6, tokenized: 2 });
    assert.deepEqual((await http(kratos, '/__emulator/state')).json().counters, { whoami: 6, tokenized: 2 });
    await http(kratos, '/__emulator/reset', { method: 'POST' });
    assert.deepEqual(kratos.counters, { whoami: 0, tokenized: 0 });
  });
});

describe('the claims of aalgate.jsonnet through the emulator', () => {
  test('upstream MFA, aal0, a legacy entry: as the session says', async (t) => {
    const kratos = await emulator(t);
    const cases = [
      [{ email: 'oidc@example.com', methods: [{ method: 'oidc', aal: 'aal2' }] }, { acr: 'aal2', amr: ['oidc'], aal2_amr: ['oidc'] }],
      [{ email: BOB.email, methods: [] }, { acr: 'aal0', amr: [], aal2_amr: [] }],
      [{ email: BOB.email, methods: [{ method: 'totp', aal: '' }, 'password'] }, { acr: 'aal1', amr: ['totp', 'password'], aal2_amr: [] }],
    ];
    for (const [opts, want] of cases) {
      const cookie = await kratos.createSession(opts);
      const r = await tokenized(kratos, cookie);
      assert.equal(r.status, 200, r.text);
      const { payload } = parts(r.body.tokenized);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(payload[k], v, `${opts.email} ${k}`);
      assert.equal('aal2_time' in payload, want.aal2_amr.length > 0);
      assert.equal(payload.auth_time, Math.floor(Date.parse(r.body.authenticated_at) / 1000));
    }
  });

  test('the mapper file is the package root aalgate.jsonnet', () => {
    assert.equal(MAPPER_URL, `file://${new URL('../../aalgate.jsonnet', import.meta.url).pathname}`);
    assert.match(readFileSync(new URL(MAPPER_URL.slice('file://'.length), 'file:'), 'utf8'), /std\.extVar\('session'\)/);
  });
});
