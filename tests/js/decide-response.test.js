// A fetch Response given where a whoami outcome is taken: decide refuses it (AalgateError
// `whoami`, saying what to pass), decideResponse reads it; @ory/client-fetch's ResponseError and
// FetchError need no glue. And the worker's forward / proxy arguments (issue 11).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { FetchError, ResponseError } from '@ory/client-fetch';
import { AalgateError, createGate } from 'aalgate';
import { createBrowserGate } from 'aalgate/browser';
import { createWorkerGate } from 'aalgate/worker';

const BASE = 'https://auth.example.com';
const fixture = (name) => readFileSync(new URL(`../fixtures/kratos/${name}`, import.meta.url), 'utf8');
const AAL2_REQUIRED = fixture('derived-whoami-403-session_aal2_required.json');
const AAL2_SESSION = fixture('derived-whoami-200-aal2-password-totp.json');
const NOW = Date.parse('2026-08-01T10:30:00Z');

const isWhoamiError = (error) => {
  assert.ok(error instanceof AalgateError, String(error));
  assert.equal(error.code, 'whoami');
  assert.match(error.message, /await response\.text\(\)/);
  assert.match(error.message, /decideResponse/);
  return true;
};

test('decide and decideRequest refuse a Response, a ResponseError and a Response lookalike', async (t) => {
  const gate = await createGate({ baseUrl: BASE });
  t.after(() => gate.dispose());
  const refused = [
    new Response(AAL2_REQUIRED, { status: 403 }),
    new ResponseError(new Response(AAL2_REQUIRED, { status: 403 }), 'Response returned an error code'),
    { status: 403, headers: new Headers(), text: async () => AAL2_REQUIRED },
    { status: 403, headers: { get: () => null }, json: async () => ({}) },
  ];
  for (const value of refused) {
    assert.throws(() => gate.decide(value, { aal: 'aal2' }), isWhoamiError);
    assert.throws(() => gate.decideRequest(value, { method: 'GET', url: '/x' }), isWhoamiError);
  }
  // What decide takes still works, including { status, body, headers } without text/json.
  assert.equal(gate.decide({ status: 403, body: AAL2_REQUIRED }, { aal: 'aal2' }).reason, 'server_requires_aal2');
  assert.equal(gate.decide({ status: 403, body: AAL2_REQUIRED, headers: {} }, { aal: 'aal2' }).reason, 'server_requires_aal2');
  assert.equal(gate.decide(null).reason, 'no_session');
});

test('decideResponse reads the body and decides; ResponseError and FetchError need no glue', async (t) => {
  const gate = await createGate({ baseUrl: BASE });
  t.after(() => gate.dispose());
  const requirement = { aal: 'aal2', now: NOW, returnTo: 'https://app.example.com/billing' };
  const expected = gate.decide({ status: 403, body: AAL2_REQUIRED }, requirement);

  const d = await gate.decideResponse(new Response(AAL2_REQUIRED, { status: 403 }), requirement);
  assert.deepEqual(d, expected);
  assert.ok(Object.isFrozen(d));
  const fromError = await gate.decideResponse(new ResponseError(new Response(AAL2_REQUIRED, { status: 403 })), requirement);
  assert.deepEqual(fromError, expected);
  assert.equal((await gate.decideResponse(new Response('', { status: 401 }))).reason, 'no_session');
  assert.equal((await gate.decideResponse(new Response(AAL2_SESSION, { status: 200 }), requirement)).verdict, 'allow');
  assert.equal((await gate.decideResponse(new Response('not json', { status: 200 }))).reason, 'invalid_session');
  assert.equal((await gate.decideResponse(new Response('', { status: 502 }))).reason, 'unexpected_response');
  assert.equal((await gate.decideResponse(new FetchError(new TypeError('fetch failed'), 'down'))).reason, 'kratos_unreachable');

  // A body that breaks off while being read: no answer.
  const broken = new Response(
    new ReadableStream({
      start(controller) {
        controller.error(new TypeError('terminated'));
      },
    }),
    { status: 200 },
  );
  assert.equal((await gate.decideResponse(broken)).reason, 'kratos_unreachable');

  // A body already read is refused (a clone would have been needed).
  const used = new Response(AAL2_REQUIRED, { status: 403 });
  await used.text();
  await assert.rejects(gate.decideResponse(used), { code: 'whoami', message: /already read/ });
  for (const value of [null, undefined, '{}', { status: 200, body: '{}' }, new Error('x'), 42]) {
    await assert.rejects(gate.decideResponse(value), { name: 'AalgateError', code: 'whoami' });
  }
  await assert.rejects(gate.decideResponse(new Response('{}'), { aal: 'aal9' }), { code: 'requirement.aal' });
  gate.dispose();
  await assert.rejects(gate.decideResponse(new Response('{}')), { code: 'gate.disposed' });
});

test('the browser gate has decideResponse; its decide refuses a Response', async (t) => {
  const gate = await createBrowserGate({ baseUrl: BASE, fetch: async () => new Response(''), location: { href: 'https://app.example.com/', assign() {} } });
  t.after(() => gate.dispose());
  assert.throws(() => gate.decide(new Response('')), isWhoamiError);
  assert.equal((await gate.decideResponse(new Response(AAL2_REQUIRED, { status: 403 }))).reason, 'server_requires_aal2');
});

test('createWorkerGate: forward is checked; proxy needs an absolute http(s) origin', async () => {
  const bad = [
    ['config.forward', 'yes'],
    ['config.forward', ['x-id']],
    ['config.forward.email', { email: true }],
    ['config.forward.identityId', { identityId: 'bad header' }],
    ['config.forward.identityId', { identityId: 'Cookie' }],
    ['config.forward.aal', { aal: 7 }],
  ];
  for (const [code, forward] of bad) {
    await assert.rejects(createWorkerGate({ baseUrl: BASE, forward }), { name: 'AalgateError', code }, JSON.stringify(forward));
  }
  const gate = await createWorkerGate({ baseUrl: BASE, policy: { rules: [{ path: '/**', aal: 'none' }] }, forward: { identityId: 'X-User' } });
  for (const origin of [undefined, '', '/relative', 'ftp://origin.example.com', 'javascript:alert(1)', {}]) {
    await assert.rejects(gate.proxy(new Request('https://app.example.com/x'), origin), { code: 'origin' }, String(origin));
  }
  gate.dispose();
});
