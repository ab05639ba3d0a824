// The claims of aalgate.jsonnet decide as the session they come from (issue 14): for a session, the
// core's decision on its whoami body and on a token of the mapper's claims (signed, verified by
// aalgate/tokens) must be the same, requirement by requirement, at instants away from an age
// boundary (claims carry whole seconds, whoami nanoseconds). Sessions: the active Session
// fixtures, edge sessions, and live sessions of the Kratos emulator tokenized through
// whoami?tokenize_as=aalgate (its real jsonnet and keys, verified with its published JWKS).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { createGate } from 'aalgate';
import { createTokenVerifier } from 'aalgate/tokens';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';

const run = promisify(execFile);
const MAPPER = new URL('../../aalgate.jsonnet', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/kratos/', import.meta.url);
const ISSUER = 'https://auth.example.com/';

const REQUIREMENTS = [
  { aal: 'aal1' },
  { aal: 'aal2' },
  { aal: 'highest_available' },
  { aal: 'aal1', maxAge: '10m' },
  { aal: 'aal2', maxAge: '10m' },
  { aal: 'aal2', maxAge: '1h' },
  { aal: 'aal1', maxAge: '48h' },
];
const SAME = ['verdict', 'reason', 'url', 'aal', 'requiredAal'];
const pick = (d) => Object.fromEntries(SAME.map((k) => [k, d[k]]));

let key;
let verifier;
let gate;
before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  verifier = createTokenVerifier({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'ES256', use: 'sig' }] }, issuer: ISSUER });
  gate = await createGate({ baseUrl: 'https://auth.example.com' });
});

/** A verified token of the mapper's claims for `sessionText`, valid for an hour from `nowMs`. */
async function tokenOf(sessionText, nowMs) {
  const sec = Math.floor(nowMs / 1000);
  const fixed = { exp: sec + 3600, iat: sec - 5, iss: ISSUER, jti: 'j', nbf: sec - 5, sid: 's', sub: 'i' };
  const { stdout } = await run('jsonnet', ['--ext-code', `session=${sessionText}`, '--ext-code', `claims=${JSON.stringify(fixed)}`, MAPPER]);
  const claims = { ...fixed, ...JSON.parse(stdout).claims, sub: 'i' };
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'JWT' }).sign(key);
  return verifier.verify(jwt, { now: nowMs });
}

/** Every requirement at `nowMs`: the decision on the whoami body and on the token, side by side. */
function compare(sessionText, token, nowMs, label) {
  for (const r of REQUIREMENTS) {
    const requirement = { ...r, now: nowMs };
    const fromWhoami = pick(gate.decide({ status: 200, body: sessionText }, requirement));
    const fromToken = pick(gate.decide(token, requirement));
    assert.deepEqual(fromToken, fromWhoami, `${label} ${JSON.stringify(r)} at ${new Date(nowMs).toISOString()}`);
  }
}

/** Instants away from age boundaries: 2 min and 30 min after authentication, and 2 h. */
const instants = (session) => {
  const base = Date.parse(session.authenticated_at);
  return [base + 120_500, base + 1_800_500, base + 7_200_500];
};

describe('a token of the mapper decides as the whoami body it came from', () => {
  const fixtures = [
    'derived-whoami-200-aal2-password-totp.json',
    'real-whoami-200-aal1-cookie.json',
    'real-whoami-200-aal1-session-token.json',
    'real-session-aal2-password-totp-active.kratos-db-fixture.json',
  ];
  for (const name of fixtures) {
    test(name, async () => {
      const text = readFileSync(new URL(name, FIXTURES), 'utf8');
      const session = JSON.parse(text);
      for (const now of instants(session)) compare(text, await tokenOf(text, now), now, name);
    });
  }

  const t = (s) => `2026-08-01T${s}`;
  const edges = [
    ['aal2 with an offset and fractions', { authenticated_at: t('12:00:00.999+02:00'), methods: [['password', 'aal1', t('09:59:00Z')], ['totp', 'aal2', t('12:00:00.5+02:00')]], aal: 'aal2' }],
    ['aal2, second factor older than the login', { authenticated_at: t('10:00:00Z'), methods: [['totp', 'aal2', t('09:15:00Z')], ['password', 'aal1', t('10:00:00Z')]], aal: 'aal2' }],
    ['upstream MFA only', { authenticated_at: t('10:00:00Z'), methods: [['oidc', 'aal2', t('10:00:00Z')]], aal: 'aal2' }],
    ['upstream and local', { authenticated_at: t('10:00:00Z'), methods: [['oidc', 'aal2', t('09:00:00Z')], ['webauthn', 'aal2', t('10:00:00Z')]], aal: 'aal2' }],
    ['aal3', { authenticated_at: t('10:00:00Z'), methods: [['password', 'aal1', t('10:00:00Z')], ['webauthn', 'aal3', t('10:00:00Z')]], aal: 'aal3' }],
    ['aal2 whose second factor is Go zero time', { authenticated_at: t('10:00:00Z'), methods: [['password', 'aal1', t('10:00:00Z')], ['totp', 'aal2', '0001-01-01T00:00:00Z']], aal: 'aal2' }],
    ['aal0', { authenticated_at: t('10:00:00Z'), methods: [], aal: 'aal0' }],
    ['aal1, expiring in 20 minutes', { authenticated_at: t('10:00:00Z'), methods: [['password', 'aal1', t('10:00:00Z')]], aal: 'aal1', expires_at: t('10:20:00Z') }],
  ];
  for (const [name, e] of edges) {
    test(name, async () => {
      const session = {
        id: 's',
        active: true,
        expires_at: e.expires_at ?? '2026-08-02T10:00:00Z',
        authenticated_at: e.authenticated_at,
        authenticator_assurance_level: e.aal,
        authentication_methods: e.methods.map(([method, aal, completed_at]) => ({ method, aal, completed_at })),
        identity: { id: 'i' },
      };
      const text = JSON.stringify(session);
      for (const now of instants(session)) compare(text, await tokenOf(text, now), now, name);
    });
  }
});

describe('the emulator: whoami and whoami?tokenize_as=aalgate decide alike', () => {
  test('ada (password + TOTP), bob (password), the OIDC user (upstream MFA), bob aal0; then 30 minutes later', async (t) => {
    const kratos = await startKratosEmulator({ port: 0 });
    t.after(() => kratos.close());
    const live = createTokenVerifier({ jwks: kratos.jwks, issuer: kratos.issuer });
    const liveGate = await createGate({ baseUrl: kratos.url });
    const cookies = [
      await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] }),
      await kratos.createSession({ email: 'bob@example.com', methods: ['password'] }),
      await kratos.createSession({ email: 'oidc@example.com', methods: [{ method: 'oidc', aal: 'aal2' }] }),
      await kratos.createSession({ email: 'bob@example.com', methods: [] }),
    ];
    kratos.clock.freeze();
    for (const advance of [120_500, 1_680_000]) {
      kratos.clock.advance(advance);
      const now = kratos.clock.now();
      for (const cookie of cookies) {
        const res = await fetch(`${kratos.url}/sessions/whoami?tokenize_as=aalgate`, { headers: { cookie } });
        const { tokenized, ...session } = await res.json();
        const token = await live.verify(tokenized, { now });
        for (const r of REQUIREMENTS) {
          const requirement = { ...r, now };
          const label = `${session.identity.traits.email} ${session.authenticator_assurance_level} ${JSON.stringify(r)} +${advance}`;
          assert.deepEqual(pick(liveGate.decide(token, requirement)), pick(liveGate.decide(session, requirement)), label);
        }
      }
    }
    assert.deepEqual(kratos.counters, { whoami: 8, tokenized: 8 });
  });
});
