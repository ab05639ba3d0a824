// The session's level: session/session.go SetAuthenticatorAssuranceLevel (by each entry's `aal`
// only; an oidc/saml entry at aal2 counts as aal1 and aal2). Separate from it: the level a method
// is recorded with when a login completes, which createSession's string shorthand uses.
import assert from 'node:assert/strict';
import test from 'node:test';

import { loginAal, sessionAal } from '../../tools/kratos-emulator/kratos.mjs';
import { ADA, emulator, whoami } from './helpers.js';

const m = (method, aal) => ({ method, aal });

test('sessionAal: Kratos SetAuthenticatorAssuranceLevel', () => {
  const cases = [
    [[], 'aal0'],
    [[m('password', 'aal1')], 'aal1'],
    [[m('password', 'aal1'), m('totp', 'aal2')], 'aal2'],
    [[m('totp', 'aal2'), m('password', 'aal1')], 'aal2'],
    [[m('totp', 'aal2')], 'aal1'], // a lone second factor
    [[m('webauthn', 'aal2'), m('totp', 'aal2')], 'aal1'],
    [[m('oidc', 'aal2')], 'aal2'], // upstream MFA
    [[m('saml', 'aal2')], 'aal2'],
    [[m('password', 'aal1'), m('oidc', 'aal2')], 'aal2'],
    [[m('totp', 'aal2'), m('oidc', 'aal2')], 'aal2'], // wherever it stands
    [[m('oidc', 'aal2'), m('totp', 'aal2'), m('password', 'aal1')], 'aal2'],
    [[m('oidc', 'aal1')], 'aal1'],
    [[m('password', ''), m('totp', '')], 'aal1'], // legacy entries: no fallback on the method name
    [[m('password', ''), m('totp', 'aal2')], 'aal1'],
    [[m('password', 'aal3'), m('totp', 'aal2')], 'aal1'],
    [[m('link_recovery', 'aal1')], 'aal1'],
  ];
  for (const [methods, want] of cases) assert.equal(sessionAal(methods), want, JSON.stringify(methods));
});

test('loginAal: the level a login records (createSession string shorthand)', () => {
  for (const method of ['totp', 'lookup_secret', 'webauthn']) assert.equal(loginAal(method), 'aal2', method);
  for (const method of ['password', 'oidc', 'saml', 'passkey', 'code', 'link_recovery']) assert.equal(loginAal(method), 'aal1', method);
});

test('whoami reports the level Kratos computes for the stored methods', async (t) => {
  const kratos = await emulator(t, { requiredAal: 'aal1' });
  const level = async (email, methods) => (await whoami(kratos, await kratos.createSession({ email, methods }))).body;
  const legacy = await level(ADA.email, [m('password', ''), m('totp', '')]);
  assert.equal(legacy.authenticator_assurance_level, 'aal1');
  assert.deepEqual(legacy.authentication_methods.map((x) => x.aal), ['', '']);
  assert.equal((await level(ADA.email, ['password', 'totp'])).authenticator_assurance_level, 'aal2');
  assert.equal((await level(ADA.email, ['lookup_secret'])).authenticator_assurance_level, 'aal1');
  assert.equal((await level('oidc@example.com', ['oidc'])).authenticator_assurance_level, 'aal1');
  const upstream = await level('oidc@example.com', [{ method: 'oidc', aal: 'aal2' }]);
  assert.equal(upstream.authenticator_assurance_level, 'aal2');
  assert.deepEqual(upstream.authentication_methods.map((x) => [x.method, x.aal]), [['oidc', 'aal2']]);
  assert.equal((await level(ADA.email, [m('totp', 'aal2'), m('saml', 'aal2')])).authenticator_assurance_level, 'aal2');
  await assert.rejects(kratos.createSession({ email: ADA.email, methods: [{ aal: 'aal1' }] }), TypeError);
  await assert.rejects(kratos.createSession({ email: ADA.email, methods: 'password' }), TypeError);
});
