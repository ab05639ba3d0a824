// The module's memory grows under one Gate (a large body it decides, or the Public Suffix List a
// wildcard allowedReturnUrls loads) while another Gate holds views of it: that other Gate's next
// call must still decide its own input. Writes into a view of the old, detached memory are dropped
// without an error, so a Gate that wrote its call there would have the core decide the block its
// previous call left: an aal2 session's `allow`, repeated for a caller with no session (found by
// tests/browser/playground.test.js, which compares the page with Gates in Node). The Public Suffix
// List case runs first, while the memory is still small.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { createGate } from '../../js/index.js';

const CONFIG = { baseUrl: 'https://auth.example.com' };
const AAL2 = readFileSync(new URL('../fixtures/kratos/derived-whoami-200-aal2-password-totp.json', import.meta.url), 'utf8');
const now = new Date('2026-08-01T10:30:00Z');

test('a wildcard allowedReturnUrls loads the Public Suffix List (memory grows): an earlier Gate still decides its own input', async () => {
  const gate = await createGate(CONFIG);
  assert.equal(gate.decide(AAL2, { aal: 'aal2', now }).verdict, 'allow');
  const wildcard = await createGate({ ...CONFIG, allowedReturnUrls: ['https://*.example.org/'] });
  const d = gate.decide({ status: 403, body: '{"error":{"id":"session_aal2_required","code":403}}' }, { aal: 'aal2', now });
  assert.deepEqual([d.verdict, d.reason], ['step_up', 'server_requires_aal2']);
  gate.dispose();
  wildcard.dispose();
});

test('another Gate decides a large body (memory grows): this Gate still decides no session as login, not its last allow', async () => {
  const gate = await createGate(CONFIG);
  const other = await createGate({ ...CONFIG, maxBodyBytes: 8 * 1048576 }); // the body crosses
  assert.equal(gate.decide(AAL2, { aal: 'aal2', now }).verdict, 'allow');
  assert.equal(other.decide(`{"x":"${'y'.repeat(4_000_000)}"}`, { aal: 'aal2', now }).reason, 'invalid_session');
  const d = gate.decide(null, { aal: 'aal2', now });
  assert.deepEqual([d.verdict, d.reason], ['login', 'no_session']);
  gate.dispose();
  other.dispose();
});
