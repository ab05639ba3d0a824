// aalgate/devtools in Node against the Kratos emulator (a real local HTTP server): inspect()'s
// returned object for no session, an aal1 and an aal2 session (every verdict the core's), its
// console.table output, and devtools.d.ts against tests/js/types-devtools/usage.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { formatDuration, inspect } from 'aalgate/devtools';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { findTsc } from '../support/tsc.js';

const ADA = 'ada@example.com';
// The emulator's configuration mirrored: whoami aal1 (Lax), settings highest_available (its default).
const LAX = {
  kratos: { session: { whoami: { required_aal: 'aal1' } }, selfservice: { flows: { settings: { required_aal: 'highest_available' } } } },
};
const REQUIREMENTS = ['aal: aal1', 'aal: aal2', 'aal: aal2, maxAge: 5m', 'operation: settings'];

async function emulator(t) {
  const kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'aal1' });
  t.after(() => kratos.close());
  return kratos;
}

const rows = (decisions) => decisions.map((d) => [d.requirement, d.verdict, d.reason]);

test('signed out: the session says no session (401), the four decisions still show', async (t) => {
  const kratos = await emulator(t);
  const { session, decisions } = await inspect(kratos.url, { print: false, config: LAX });
  assert.deepEqual(session, { active: false, status: 401, note: 'no session (401)' });
  assert.deepEqual(rows(decisions), REQUIREMENTS.map((r) => [r, 'login', 'no_session']));
  for (const d of decisions) assert.ok(d.url.startsWith(`${kratos.url.replace(/\/+$/, '')}/self-service/login/browser`), d.url);
});

test('an aal1 session: aal1 allowed, aal2 and settings step up; methods with aal and age', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: ADA, methods: ['password'] });
  kratos.clock.advance(252_000);
  const { session, decisions } = await inspect(kratos.url, { print: false, config: LAX, headers: { cookie } });
  assert.equal(session.active, true);
  assert.equal(session.status, 200);
  assert.equal(session.level, 'aal1');
  assert.equal(session.methods.length, 1);
  assert.equal(session.methods[0].method, 'password');
  assert.equal(session.methods[0].aal, 'aal1');
  // Measured on the emulator's clock (its Date header): 4m 12s, give or take the second it rounds.
  assert.match(session.methods[0].age, /^4m 1[2-4]s$/);
  assert.match(session.authenticatedAge, /^4m 1[2-4]s$/);
  assert.match(session.timeLeft, /^23h 5\dm$/);
  assert.deepEqual(rows(decisions), [
    ['aal: aal1', 'allow', 'satisfied'],
    ['aal: aal2', 'step_up', 'aal2_required'],
    ['aal: aal2, maxAge: 5m', 'step_up', 'aal2_required'],
    // highest_available cannot be verified from whoami: the core allows and says so.
    ['operation: settings', 'allow', 'satisfied'],
  ]);
  assert.deepEqual(decisions[3].warnings, ['highest_available_unverifiable']);
  assert.equal(decisions[0].url, null);
  for (const d of decisions.slice(1, 3)) assert.match(d.url, /\/self-service\/login\/browser\?aal=aal2/);
});

test('an aal2 session: all allowed while fresh; after 10 minutes maxAge 5m is stale', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: ADA, methods: ['password', 'totp'] });
  const fresh = await inspect(kratos.url, { print: false, config: LAX, headers: { cookie } });
  assert.equal(fresh.session.level, 'aal2');
  assert.deepEqual(fresh.session.methods.map((m) => [m.method, m.aal]), [['password', 'aal1'], ['totp', 'aal2']]);
  assert.deepEqual(rows(fresh.decisions), REQUIREMENTS.map((r) => [r, 'allow', 'satisfied']));

  kratos.clock.advance(10 * 60_000);
  const later = await inspect(kratos.url, { print: false, config: LAX, headers: { cookie } });
  assert.match(later.session.methods[1].age, /^10m( [12]s)?$/);
  assert.deepEqual(rows(later.decisions).slice(0, 3), [
    ['aal: aal1', 'allow', 'satisfied'],
    ['aal: aal2', 'allow', 'satisfied'],
    ['aal: aal2, maxAge: 5m', 'refresh', 'second_factor_stale'],
  ]);
  // Why, from the core: rule 8 with the age it measured on the emulator's clock.
  assert.match(later.decisions[2].why, /^8: aal2 age 60[0-2](\.\d+)?s > maxAge 300s \+ leeway 0s$/);
  assert.equal(later.decisions[2].explanation.session.aal, 'aal2');
});

test('prints the session and the decisions with console.table', async (t) => {
  const kratos = await emulator(t);
  const cookie = await kratos.createSession({ email: ADA, methods: ['password', 'totp'] });
  const tables = [];
  t.mock.method(console, 'table', (data) => tables.push(data));
  const result = await inspect(kratos.url, { config: LAX, headers: { cookie } });
  assert.equal(tables.length, 2);
  // The table shows every field but the explanation object; `why` is its deciding step.
  assert.deepEqual(tables[1], result.decisions.map(({ explanation, ...row }) => row));
  for (const d of result.decisions) {
    const decided = d.explanation.steps.at(-1);
    assert.equal(d.why, `${decided.rule}: ${decided.check}`);
  }
  assert.deepEqual(tables[0].map((row) => row.item), ['level', 'method password (aal1)', 'method totp (aal2)', 'authenticated_at', 'expires_at']);

  tables.length = 0;
  await inspect(kratos.url, { config: LAX });
  assert.deepEqual(tables[0], [{ session: 'no session (401)' }]);
  assert.equal(tables.length, 2);

  tables.length = 0;
  await inspect(kratos.url, { config: LAX, print: false });
  assert.equal(tables.length, 0);
});

test('formatDuration: the two largest units', () => {
  assert.deepEqual(
    [0, 5_000, 252_000, 7_500_000, 90_061_000, -65_000].map(formatDuration),
    ['0s', '5s', '4m 12s', '2h 5m', '1d 1h', '-1m 5s'],
  );
});

const tsc = findTsc();
test('devtools.d.ts type-checks its usage', { skip: tsc ? false : 'typescript is not installed' }, () => {
  const project = fileURLToPath(new URL('./types-devtools/tsconfig.json', import.meta.url));
  const run = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});
