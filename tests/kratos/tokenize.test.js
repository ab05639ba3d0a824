// Tokenized sessions on a real Kratos v1.3.1 (issue 14): `whoami?tokenize_as=` with templates that
// use the claims mapper aalgate ships (aalgate.jsonnet, evaluated by Kratos's go-jsonnet), signed
// with a test key from a jwks_url. The token verifies with the key's public half; the mapper's
// claims equal the ones computed independently from the session in the same answer
// (tests/support/claims-oracle.js); Kratos's fixed claims, the ttl (none configured: 0), both ext
// vars and the merge are what tools/kratos-emulator/tokenize.mjs does; the error bodies are the
// emulator's, byte for byte, given the same templates.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createLocalJWKSet, jwtVerify } from 'jose';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { MAPPER_URL } from '../../tools/kratos-emulator/tokenize.mjs';
import { expectedClaims } from '../support/claims-oracle.js';

import { startKratos } from './harness.js';
import { Agent, createIdentity, uniqueEmail } from './client.js';
import { STATES } from './scenarios.js';

const jsonnetUrl = (code) => `base64://${Buffer.from(code).toString('base64')}`;
const decode = (token) => {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payloadText: Buffer.from(p, 'base64url').toString() };
};
const FIXED = ['exp', 'iat', 'iss', 'jti', 'nbf', 'sid', 'sub'];
const MAPPED = ['aal2_amr', 'aal2_time', 'acr', 'amr', 'auth_time', 'identity_id', 'session_exp'];

let dir;
let kratos;
let emulator;
let publicJwks;
let templates;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aalgate-tokenize-'));
  // The key pair as README's "Tokenized sessions" makes it (node:crypto's JWK export).
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'aalgate-test', alg: 'ES256', use: 'sig' };
  const { d, ...pub } = jwk;
  publicJwks = { keys: [pub] };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const jwksUrl = `file://${jwksFile}`;
  const mapperText = readFileSync(MAPPER_URL.slice('file://'.length), 'utf8');
  templates = {
    aalgate: { ttl: '1m', jwks_url: jwksUrl, claims_mapper_url: MAPPER_URL },
    b64: { ttl: '90s', jwks_url: `base64://${Buffer.from(JSON.stringify({ keys: [jwk] })).toString('base64')}`, claims_mapper_url: jsonnetUrl(mapperText) },
    nottl: { jwks_url: jwksUrl, claims_mapper_url: MAPPER_URL },
    echo: { ttl: '1m', jwks_url: jwksUrl, claims_mapper_url: jsonnetUrl("{ claims: { fixed: std.extVar('claims'), session: std.extVar('session') } }") },
    override: {
      ttl: '1m',
      jwks_url: jwksUrl,
      claims_mapper_url: jsonnetUrl('{ claims: { sub: "forged", exp: 5, iss: "me", jti: null, n: 1.5, big: 12345678901234567890, amp: "a&b<c>", nested: { b: 1, a: [2, { d: 1, c: 2 }] } } }'),
    },
    throws: { ttl: '1m', jwks_url: jwksUrl, claims_mapper_url: jsonnetUrl('error "no"') },
    array: { ttl: '1m', jwks_url: jwksUrl, claims_mapper_url: jsonnetUrl('{ claims: [1] }') },
  };
  // Lax, so that any session is answered (an aal1 session of an identity with TOTP too).
  [kratos, emulator] = await Promise.all([
    startKratos({ whoamiAal: 'aal1', tokenizer: { templates } }),
    startKratosEmulator({ requiredAal: 'aal1', tokenizeTemplates: templates }),
  ]);
});
after(async () => {
  await Promise.all([kratos?.stop(), emulator?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** whoami?tokenize_as=`name` for `agent`: { status, text, session (without tokenized), token }. */
async function tokenize(agent, name) {
  const r = await agent.request(`/sessions/whoami?tokenize_as=${encodeURIComponent(name)}`);
  if (r.status !== 200) return { status: r.status, text: r.text };
  const { tokenized, ...session } = r.json;
  return { status: 200, text: r.text, session, token: tokenized, ...decode(tokenized) };
}

/** An API agent of Kratos with a password session (aal1) or password + TOTP (aal2). */
async function agentOf(level) {
  if (level === 'aal2') return (await STATES.aal2(kratos, 'api')).agent;
  const agent = new Agent(kratos, 'api');
  const r = await agent.passwordLogin(await createIdentity(kratos, uniqueEmail('tokenize')));
  assert.equal(r.status, 200, r.text);
  return agent;
}

describe('Kratos v1.3.1 tokenizes with aalgate.jsonnet', () => {
  for (const level of ['aal1', 'aal2']) {
    test(`${level} session: verifies, the fixed claims as Kratos sets them, the mapper's claims as the contract computes them`, async () => {
      const agent = await agentOf(level);
      const r = await tokenize(agent, 'aalgate');
      assert.equal(r.status, 200, r.text);
      const issuer = kratos.config.serve.public.base_url; // with its trailing slash
      const { payload, protectedHeader } = await jwtVerify(r.token, createLocalJWKSet(publicJwks), { issuer });
      assert.deepEqual(protectedHeader, { alg: 'ES256', kid: 'aalgate-test', typ: 'JWT' });
      const names = [...FIXED, ...MAPPED].filter((k) => level === 'aal2' || k !== 'aal2_time');
      assert.deepEqual(Object.keys(payload), names.sort()); // Go sorts a map's keys
      assert.equal(payload.sub, r.session.identity.id);
      assert.equal(payload.sid, r.session.id);
      assert.equal(payload.nbf, payload.iat);
      assert.equal(payload.exp - payload.iat, 60);
      assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 30);
      const mapped = Object.fromEntries(MAPPED.filter((k) => k in payload).map((k) => [k, payload[k]]));
      assert.deepEqual({ claims: mapped }, expectedClaims(r.session));
      assert.equal(payload.acr, level);
      if (level === 'aal2') {
        assert.deepEqual(payload.aal2_amr, ['totp']);
        // Kratos writes nanoseconds; the claim is the second, floored.
        assert.equal(payload.aal2_time, Math.floor(Date.parse(r.session.authentication_methods.at(-1).completed_at) / 1000));
      } else {
        assert.deepEqual(payload.aal2_amr, []);
        assert.equal('aal2_time' in payload, false);
      }
    });
  }

  test('the mapper by base64:// and a 90s ttl; a template without ttl gets exp == iat (the schema default 1m is not applied)', async () => {
    const agent = await agentOf('aal1');
    const b64 = JSON.parse((await tokenize(agent, 'b64')).payloadText);
    assert.equal(b64.exp - b64.iat, 90);
    assert.equal(b64.acr, 'aal1');
    const none = JSON.parse((await tokenize(agent, 'nottl')).payloadText);
    assert.equal(none.exp, none.iat);
  });

  test("the ext vars: claims is Kratos's fixed claims (sub included), session the whoami body", async () => {
    const agent = await agentOf('aal1');
    const r = await tokenize(agent, 'echo');
    const payload = JSON.parse(r.payloadText);
    assert.deepEqual(Object.keys(payload.fixed), FIXED);
    assert.equal(payload.fixed.jti, payload.jti);
    assert.equal(payload.fixed.sub, r.session.identity.id);
    assert.deepEqual(payload.session, r.session);
  });
});

describe('the emulator, given the same templates, does what Kratos does', () => {
  test('the merge: claims replaced (exp, iss, jti to null), sub set again, Go encoding (sorted keys, & < > escaped, floats)', async () => {
    const agent = await agentOf('aal1');
    const real = await tokenize(agent, 'override');
    const emu = new Agent(emulator, 'api');
    emu.token = (await emulator.createSession({ email: 'bob@example.com' })).split('=')[1];
    const mine = await tokenize(emu, 'override');
    assert.equal(real.status, 200, real.text);
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.header, real.header);
    // Only the session's ids and the times differ.
    const same = (r) => r.payloadText.replace(/"(iat|nbf|sid|sub)":("[^"]*"|\d+)/g, '"$1":_');
    assert.equal(same(mine), same(real));
    assert.match(real.payloadText, /^\{"amp":"a\\u0026b\\u003cc\\u003e","big":12345678901234567000,"exp":5,/);
    assert.equal(JSON.parse(real.payloadText).sub, real.session.identity.id);
  });

  test('the same error bodies: unknown template (names are case-sensitive), mapper errors; a dotted name', async () => {
    const agent = await agentOf('aal1');
    const emu = new Agent(emulator, 'api');
    emu.token = (await emulator.createSession({ email: 'bob@example.com' })).split('=')[1];
    for (const name of ['nope', 'AALGATE', 'aalgate.nope', 'throws', 'array']) {
      const [real, mine] = [await tokenize(agent, name), await tokenize(emu, name)];
      assert.equal(real.status, 400, `${name}: ${real.text}`);
      assert.equal(mine.text, real.text, name);
    }
    // A dotted name walks Kratos's configuration; the string found cannot be decoded into a
    // template. Same status and reason; the body's id and message are herodot's, which changed
    // after v1.3.1 (ErrMisconfiguration, which the emulator writes as current Kratos does).
    const [real, mine] = [await tokenize(agent, 'aalgate.ttl'), await tokenize(emu, 'aalgate.ttl')];
    assert.equal(real.status, 500);
    assert.equal(mine.status, 500);
    assert.equal(JSON.parse(mine.text).error.reason, JSON.parse(real.text).error.reason);
  });
});
