// A failure inside the WebAssembly module never escapes decide / recover / decideRequest (issue
// 13, item 2). The package's JS runs here over a test build of the core (tools/wasm-traps.sh ->
// build/wasm-traps, CMake AALGATE_TEST_TRAPS) in which a whoami body "aalgate-test-trap:<kind>"
// makes run() trap for real: `unreachable`, std::abort, a store out of bounds, a trap after
// breaking the Gate's configuration (`corrupt`), and operator new failing once memory reaches
// its 32 MB cap. Each must answer error / core_failure for that call,
// replace the instance (every Gate configured again on the new one) and decide the next call
// as usual, at once. This file runs in its own process (node --test), so the trap core is the
// only one it loads.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRAP_BUILD = join(ROOT, 'build', 'wasm-traps');
const BASE = 'https://auth.example.com';
const NOW = Date.parse('2026-08-01T10:10:00Z');
const KINDS = ['unreachable', 'abort', 'out-of-bounds', 'corrupt', 'out-of-memory'];
const trapBody = (kind) => `aalgate-test-trap:${kind}`;

const session = (aal) => ({
  active: true,
  expires_at: '2026-08-02T10:00:00Z',
  authenticated_at: '2026-08-01T10:00:00Z',
  authentication_methods:
    aal === 'aal2'
      ? [{ method: 'password', aal: 'aal1', completed_at: '2026-08-01T09:59:00Z' }, { method: 'totp', aal: 'aal2', completed_at: '2026-08-01T10:00:00Z' }]
      : [{ method: 'password', aal: 'aal1', completed_at: '2026-08-01T10:00:00Z' }],
});

let pkg;
let api;
let marshal;
before(async () => {
  for (const name of ['aalgate-core.mjs', 'aalgate-core.wasm']) {
    assert.ok(existsSync(join(TRAP_BUILD, name)), `build/wasm-traps/${name} is missing: run bash tools/wasm-traps.sh`);
  }
  // The package's JS as it is, with the trap core in js/core.
  pkg = mkdtempSync(join(tmpdir(), 'aalgate-traps-'));
  cpSync(join(ROOT, 'js'), join(pkg, 'js'), { recursive: true, filter: (from) => !from.includes(`${join('js', 'core')}`) && !from.includes('standalone') });
  cpSync(join(TRAP_BUILD, 'aalgate-core.mjs'), join(pkg, 'js', 'core', 'aalgate-core.mjs'));
  cpSync(join(TRAP_BUILD, 'aalgate-core.wasm'), join(pkg, 'js', 'core', 'aalgate-core.wasm'));
  cpSync(join(ROOT, 'js', 'core', 'aalgate-public-suffix.js'), join(pkg, 'js', 'core', 'aalgate-public-suffix.js'));
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  api = await import(pathToFileURL(join(pkg, 'js', 'index.js')).href);
  marshal = await import(pathToFileURL(join(pkg, 'js', 'marshal.js')).href);
});
after(() => rmSync(pkg, { recursive: true, force: true }));

function assertCoreFailure(d) {
  assert.equal(d.verdict, 'error');
  assert.equal(d.reason, 'core_failure');
  assert.equal(d.url, null);
  assert.equal(d.challenge, null);
  assert.ok(Object.isFrozen(d));
}

test('the shipped core has no test trap; this build has them', () => {
  const marker = Buffer.from('aalgate-test-trap:');
  assert.equal(readFileSync(join(ROOT, 'js', 'core', 'aalgate-core.wasm')).includes(marker), false);
  assert.equal(readFileSync(join(TRAP_BUILD, 'aalgate-core.wasm')).includes(marker), true);
});

for (const kind of KINDS) {
  test(`a trap (${kind}) in decide answers core_failure; the next call is decided, on the configuration`, async () => {
    // Lax and flow api: a step-up URL that shows the configuration was applied again.
    const gate = await api.createGate({ baseUrl: BASE, flow: 'api', kratos: { 'session.whoami.required_aal': 'aal1' } });
    const before = gate.decide(session('aal1'), { aal: 'aal2', now: NOW });
    assert.equal(before.url, `${BASE}/self-service/login/api?aal=aal2`);
    assertCoreFailure(gate.decide(trapBody(kind), { aal: 'aal2', now: NOW }));
    // At once, no await: the same decisions as before the trap.
    assert.deepEqual(gate.decide(session('aal1'), { aal: 'aal2', now: NOW }), before);
    assert.equal(gate.decide(session('aal2'), { aal: 'aal2', maxAge: '1h', now: NOW }).verdict, 'allow');
    assert.equal(gate.decide(null, { now: NOW }).reason, 'no_session');
    gate.dispose();
  });
}

test('a trap after state was broken (corrupt): the next call is decided on a new instance, never the broken one', async () => {
  const gate = await api.createGate({ baseUrl: BASE });
  const url = gate.decide(null, { now: NOW }).url;
  assert.equal(url, `${BASE}/self-service/login/browser`);
  // The bug wrote over this Gate's configuration, then trapped: an instance kept in use would
  // send users to https://corrupted.invalid from now on.
  assertCoreFailure(gate.decide(trapBody('corrupt'), { now: NOW }));
  assert.equal(gate.decide(null, { now: NOW }).url, url);
  gate.dispose();
});

test('recover and decideRequest: a trap answers core_failure, then both work', async () => {
  const policy = { rules: [{ path: '/pay/**', aal: 'aal2' }] };
  const gate = await api.createGate({ baseUrl: BASE, policy });
  assertCoreFailure(gate.recover(trapBody('abort'), { now: NOW }));
  assert.equal(gate.recover({ error: { id: 'session_aal2_required', code: 403 } }, { now: NOW }).verdict, 'step_up');
  assertCoreFailure(gate.decideRequest(trapBody('unreachable'), { method: 'POST', url: '/pay/now', now: NOW }));
  const d = gate.decideRequest(session('aal1'), { method: 'POST', url: 'https://app.example.com/pay/now', now: NOW });
  assert.equal(d.reason, 'second_factor_unavailable');
  assert.deepEqual({ ...gate.requirementFor('POST', '/pay/x') }, { aal: 'aal2', rule: 0 });
  gate.dispose();
});

test('every Gate on the failed instance is configured again on the new one, with its own configuration', async () => {
  const strict = await api.createGate({ baseUrl: BASE });
  const wildcard = await api.createGate({ baseUrl: BASE, allowedReturnUrls: ['https://*.example.org/app'] });
  const returnTo = 'https://shop.example.org/app/cart';
  const kept = wildcard.decide(null, { returnTo, now: NOW }).url;
  assert.ok(kept.includes('return_to='), kept);
  assertCoreFailure(strict.decide(trapBody('out-of-bounds'), { now: NOW }));
  // The other Gate had not called since: it configures itself (Public Suffix List included).
  assert.equal(wildcard.decide(null, { returnTo, now: NOW }).url, kept);
  assert.deepEqual(wildcard.decide(null, { returnTo: 'https://evil.example.net/', now: NOW }).warnings, ['return_to_dropped']);
  assert.equal(strict.decide(session('aal1'), { aal: 'aal2', now: NOW }).verdict, 'enroll');
  strict.dispose();
  wildcard.dispose();
});

test('out of memory: the new instance starts small again, and explanations work on it', async () => {
  const gate = await api.createGate({ baseUrl: BASE });
  const internal = gate[marshal.INTERNAL];
  const small = internal.memoryBytes();
  assertCoreFailure(gate.decide(trapBody('out-of-memory'), {}, { explain: true }));
  const d = gate.decide(session('aal2'), { aal: 'aal2', maxAge: '5m', now: NOW }, { explain: true });
  assert.equal(d.reason, 'second_factor_stale');
  assert.equal(d.explanation.steps.at(-1).rule, '8');
  const after = internal.memoryBytes();
  assert.ok(after <= small && after < 4 * 1024 * 1024, `a new memory, not the 32 MB one: ${after} B (${small} B before)`);
  gate.dispose();
});

test('what a server gets for a trap: 503, no session expiry (aalgate/worker and aalgate/browser)', async () => {
  const gate = await api.createGate({ baseUrl: BASE });
  const answer = gate[marshal.INTERNAL].decide(trapBody('abort'), { now: NOW }, 'requirement');
  assert.equal(answer.httpStatus, 503);
  assert.equal(answer.sessionExpiresAt, null);
  assertCoreFailure(answer.decision);
  assert.equal(gate[marshal.INTERNAL].decide(session('aal1'), { now: NOW }, 'requirement').httpStatus, 0);
  gate.dispose();
});

test('many traps in a row, interleaved with decisions, never pass and never throw', async () => {
  const gate = await api.createGate({ baseUrl: BASE });
  for (let i = 0; i < 40; i += 1) {
    assertCoreFailure(gate.decide(trapBody(KINDS[i % KINDS.length]), { aal: 'aal2', now: NOW }));
    assert.equal(gate.decide(session('aal1'), { aal: 'aal2', now: NOW }).verdict, 'enroll');
  }
  // A Gate made after the traps works; a disposed one still says so.
  const later = await api.createGate({ baseUrl: BASE });
  assert.equal(later.decide(session('aal2'), { aal: 'aal2', now: NOW }).verdict, 'allow');
  gate.dispose();
  assert.throws(() => gate.decide(null), (error) => error.code === 'gate.disposed');
  later.dispose();
});
