// The `aalgate` CLI (bin/aalgate.mjs) end to end, as spawned processes: every Kratos fixture
// through `decide` (and the error ones through `recover`) gives the exit code of its verdict and,
// with --json, exactly the Decision gate.decide / gate.recover give in this process for the same
// input (the CLI adds no rule); stdin; every exit code; --help per command; one-line usage
// errors; `policy check`; --kratos-config; --whoami-url against the Kratos emulator (the cookie
// never printed); hostile inputs; and the ```sh session under README's "## CLI".
// Spawns are counted: the suite stays under 68 processes (it runs in CI on 2 cores).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createGate } from '../../js/index.js';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'aalgate.mjs');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'kratos');
const BASE = 'https://auth.example.com';
const NOW = '2026-08-01T10:30:00Z';
const EXIT = { allow: 0, login: 10, step_up: 11, refresh: 12, enroll: 13, error: 1 };
const MAX_SPAWNS = 68; // 60 before the three --explain tests (issue 12), 64 before --max-body-bytes (issue 13)

let spawns = 0;
const exitCodes = new Set();
const tmp = mkdtempSync(join(tmpdir(), 'aalgate-cli-'));
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  console.log(`aalgate CLI suite: ${spawns} processes spawned`);
  assert.ok(spawns < MAX_SPAWNS, `the suite spawned ${spawns} processes (keep it under ${MAX_SPAWNS})`);
  assert.deepEqual([...exitCodes].sort((a, b) => a - b), [0, 1, 2, 10, 11, 12, 13], 'every exit code was seen');
});

/** Runs the CLI: { code, stdout, stderr }. `input` goes to stdin. */
function cli(args, { input } = {}) {
  spawns += 1;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      const code = error ? error.code : 0;
      exitCodes.add(code);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the CLI may stop before reading all of it
    child.stdin.end(input);
  });
}

/** A usage or input error: exit 2 and exactly one line on stderr, no stack trace, no stdout. */
function assertUsageError(r, pattern) {
  assert.equal(r.code, 2, `exit 2, got ${r.code}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^aalgate: [^\n]+\n$/, `one line on stderr: ${JSON.stringify(r.stderr)}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  if (pattern) assert.match(r.stderr, pattern);
}

/** A decision: its verdict's exit code, nothing on stderr; the parsed --json Decision. */
function decisionOf(r) {
  assert.equal(r.stderr, '', 'nothing on stderr');
  const decision = JSON.parse(r.stdout);
  assert.equal(r.code, EXIT[decision.verdict], `exit code of ${decision.verdict}`);
  return decision;
}

const plain = (decision) => JSON.parse(JSON.stringify(decision));

let gate;
let laxGate;
before(async () => {
  gate = await createGate({ baseUrl: BASE });
  laxGate = await createGate({ baseUrl: BASE, kratos: { session: { whoami: { required_aal: 'aal1' } } } });
});

// The HTTP status a fixture's name gives (…-403-…), or none (a stored Session: a 200 body).
const statusOfName = (name) => name.match(/-(\d{3})-/)?.[1];
const fixtures = readdirSync(FIXTURES).filter((f) => /\.json5?$/.test(f)).sort();

describe('every fixture', { concurrency: true }, () => {
  test('there are fixtures to run', () => assert.ok(fixtures.length >= 15, fixtures.join(', ')));

  for (const name of fixtures) {
    const status = statusOfName(name);
    test(`decide ${name}`, async () => {
      const body = readFileSync(join(FIXTURES, name), 'utf8');
      const args = ['decide', '--base', BASE, '--whoami', join(FIXTURES, name), '--aal', 'aal2', '--max-age', '10m', '--return-to', 'https://app.example.com/billing', '--now', NOW, '--json'];
      if (status) args.push('--status', status);
      const expected = gate.decide(status ? { status: Number(status), body } : body, {
        aal: 'aal2',
        maxAge: '10m',
        returnTo: 'https://app.example.com/billing',
        now: new Date(NOW),
      });
      assert.deepEqual(decisionOf(await cli(args)), plain(expected));
    });
    if (status !== undefined && Number(status) >= 400 && !name.includes('-whoami-')) {
      test(`recover ${name}`, async () => {
        const body = readFileSync(join(FIXTURES, name), 'utf8');
        const expected = gate.recover({ status: Number(status), body }, { now: new Date(NOW) });
        const r = await cli(['recover', '--base', BASE, '--error', join(FIXTURES, name), '--status', status, '--now', NOW, '--json']);
        assert.deepEqual(decisionOf(r), plain(expected));
      });
    }
  }
});

describe('exit codes, stdin and output', { concurrency: true }, () => {
  const aal2Body = readFileSync(join(FIXTURES, 'derived-whoami-200-aal2-password-totp.json'), 'utf8');
  const aal1Body = readFileSync(join(FIXTURES, 'real-whoami-200-aal1-cookie.json'), 'utf8');

  test('0 allow: an aal2 session from stdin, readable output with labelled lines', async () => {
    const r = await cli(['decide', '--base', BASE, '--whoami', '-', '--aal', 'aal2', '--now', NOW], { input: aal2Body });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, ['verdict:   allow', 'reason:    satisfied', 'url:       -', 'aal:       aal2', 'required:  aal2', 'warnings:  -', 'challenge: -', ''].join('\n'));
  });

  test('13 enroll and 11 step_up: --kratos-config Strict vs Lax changes the verdict', async () => {
    const strict = join(tmp, 'strict.json');
    const lax = join(tmp, 'lax.json');
    writeFileSync(strict, JSON.stringify({ session: { whoami: { required_aal: 'highest_available' } }, selfservice: { allowed_return_urls: ['https://app.example.com/'] } }));
    // The Ory Network project shape (`ory get project --format json`).
    writeFileSync(lax, JSON.stringify({ id: 'p', services: { identity: { config: { session: { whoami: { required_aal: 'aal1' } }, selfservice: { allowed_return_urls: ['https://app.example.com/'] } } } } }));
    const now = '2023-02-04T10:00:00Z';
    const args = ['decide', '--base', BASE, '--whoami', join(FIXTURES, 'real-whoami-200-aal1-cookie.json'), '--aal', 'aal2', '--return-to', 'https://evil.example.net/', '--now', now, '--json'];
    const [s, l] = await Promise.all([cli([...args, '--kratos-config', strict]), cli([...args, '--kratos-config', lax])]);
    const requirement = { aal: 'aal2', returnTo: 'https://evil.example.net/', now: new Date(now) };
    const laxAllowed = await createGate({ baseUrl: BASE, allowedReturnUrls: ['https://app.example.com/'], kratos: { session: { whoami: { required_aal: 'aal1' } } } });
    const strictAllowed = await createGate({ baseUrl: BASE, allowedReturnUrls: ['https://app.example.com/'], kratos: { session: { whoami: { required_aal: 'highest_available' } } } });
    assert.deepEqual(decisionOf(s), plain(strictAllowed.decide(aal1Body, requirement)));
    assert.deepEqual(decisionOf(l), plain(laxAllowed.decide(aal1Body, requirement)));
    assert.equal(s.code, 13);
    assert.equal(l.code, 11);
    // allowed_return_urls was taken: the return_to outside it is dropped.
    assert.deepEqual(JSON.parse(s.stdout).warnings, ['return_to_dropped']);
    assert.equal(laxGate.decide(aal1Body, requirement).verdict, 'step_up');
  });

  test('--policy --method --url decides as gate.decideRequest', async () => {
    const file = join(tmp, 'policy-decide.json');
    const policy = { rules: [{ path: '/billing/**', methods: ['POST'], aal: 'aal2', maxAge: '10m' }] };
    writeFileSync(file, JSON.stringify(policy));
    const r = await cli(['decide', '--base', BASE, '--policy', file, '--method', 'POST', '--url', 'https://app.example.com/billing/pay', '--whoami', '-', '--now', NOW, '--json'], { input: aal2Body });
    const policyGate = await createGate({ baseUrl: BASE, policy });
    const expected = policyGate.decideRequest(aal2Body, { method: 'POST', url: 'https://app.example.com/billing/pay', now: new Date(NOW) });
    assert.deepEqual(decisionOf(r), plain(expected));
    assert.equal(r.code, 12);
  });
});

describe('--explain', { concurrency: true }, () => {
  const aal2Body = readFileSync(join(FIXTURES, 'derived-whoami-200-aal2-password-totp.json'), 'utf8');
  test('with --json: the explanation gate.decide gives with { explain: true }', async () => {
    const r = await cli(['decide', '--base', BASE, '--whoami', '-', '--aal', 'aal2', '--max-age', '5m', '--now', NOW, '--explain', '--json'], { input: aal2Body });
    const expected = gate.decide(aal2Body, { aal: 'aal2', maxAge: '5m', now: new Date(NOW) }, { explain: true });
    assert.deepEqual(decisionOf(r), plain(expected));
    assert.equal(expected.explanation.steps.at(-1).rule, '8');
  });

  test('readable: what the core read, then every rule it considered, the deciding one marked', async () => {
    const r = await cli(['decide', '--base', BASE, '--whoami', '-', '--aal', 'aal2', '--max-age', '5m', '--now', NOW, '--explain'], { input: aal2Body });
    assert.equal(r.code, 12, r.stderr);
    const { explanation } = gate.decide(aal2Body, { aal: 'aal2', maxAge: '5m', now: new Date(NOW) }, { explain: true });
    const why = r.stdout.slice(r.stdout.indexOf('why:\n'));
    assert.match(why, /^ {2}required {3}aal2, maxAge 300s, leeway 0s$/m);
    assert.match(why, new RegExp(`^  second factor ${explanation.session.secondFactorAt} \\(age ${explanation.session.aal2Age}s\\)$`, 'm'));
    const ruleLines = why.split('\n').filter((line) => /^ {2}(->| {2}) \S/.test(line));
    assert.deepEqual(ruleLines, explanation.steps.map((step) => `  ${step.applies ? '->' : '  '} ${step.rule.padEnd(9)} ${step.check}`));
    assert.equal(ruleLines.filter((line) => line.startsWith('  ->')).length, 1);
  });

  test('recover --explain: a hostile error id prints on one line, control characters stripped', async () => {
    const body = JSON.stringify({ error: { id: 'evil\u001b[31m\nFAKE: allow', code: 400 } });
    const r = await cli(['recover', '--base', BASE, '--error', '-', '--explain'], { input: body });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, /\u001b/);
    assert.doesNotMatch(r.stdout, /^FAKE/m);
    assert.match(r.stdout, /^ {2}-> error\.id +error\.id "evil \[31m FAKE: allow", status 400: not an error aalgate recovers from$/m);
  });
});

describe('help and usage errors', { concurrency: true }, () => {
  for (const args of [['--help'], ['help'], ['decide', '--help'], ['recover', '-h'], ['policy', '--help']]) {
    test(`aalgate ${args.join(' ')}`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^Usage: aalgate /);
      if (args.includes('decide')) assert.match(r.stdout, /--whoami-url URL/);
    });
  }

  const cases = [
    [['frobnicate'], /unknown command: frobnicate/],
    [['decide', '--base', BASE, '--bogus'], /Unknown option '--bogus'/],
    [['decide', '--base', BASE, '--explain', 'yes'], /Unexpected argument 'yes'|unexpected/i],
    [['decide', '--base', 'ftp://x.example'], /^aalgate: config\.baseUrl: /],
    [['decide', '--base', BASE, '--aal', 'aal7'], /^aalgate: requirement\.aal: /],
    [['decide', '--base', BASE, '--max-body-bytes', '1MB'], /^aalgate: --max-body-bytes: 1MB is not a number of bytes/],
    [['recover', '--base', BASE, '--max-body-bytes', '0', '--error', '-'], /^aalgate: config\.maxBodyBytes: /],
    [['recover', '--base', BASE, '--now', 'yesterday', '--error', join(FIXTURES, 'no-such-file.json')], /^aalgate: --now: yesterday is not an RFC 3339 time/],
    [['decide', '--base', BASE, '--cookie', 'ory_kratos_session=s3cr3t'], /--cookie and --session-token go with --whoami-url/],
  ];
  for (const [args, pattern] of cases) {
    test(`exit 2: aalgate ${args.join(' ')}`, async () => {
      const r = await cli(args);
      assertUsageError(r, pattern);
      assert.ok(!r.stderr.includes('s3cr3t'), 'the cookie is not printed');
    });
  }
});

describe('policy check', { concurrency: true }, () => {
  test('a good policy: its route table', async () => {
    const file = join(tmp, 'good-policy.json');
    writeFileSync(file, JSON.stringify({
      rules: [
        { path: '/public/**', aal: 'none' },
        { path: '/billing/**', methods: ['post', 'PUT'], aal: 'aal2', maxAge: '10m' },
        { path: '/settings/**', operation: 'settings' },
      ],
      default: { aal: 'aal1', maxAge: 86400 },
    }));
    const r = await cli(['policy', 'check', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));
    assert.equal(lines[0].join(' '), 'policy ok: 3 rules, first match wins');
    assert.deepEqual(lines.slice(1), [
      ['#', 'methods', 'path', 'aal', 'maxAge', 'operation'],
      ['0', '*', '/public/**', 'none', '-', '-'],
      ['1', 'POST,PUT', '/billing/**', 'aal2', '10m', '-'],
      ['2', '*', '/settings/**', 'aal1', '-', 'settings'],
      ['default', '*', '(no match)', 'aal1', '86400', '-'],
    ]);
  });

  test('a bad policy: the AalgateError code and message on one line', async () => {
    const file = join(tmp, 'bad-policy.json');
    writeFileSync(file, JSON.stringify({ rules: [{ path: '/a/**' }, { path: '/b/x**y', aal: 'aal2' }] }));
    assertUsageError(await cli(['policy', 'check', file]), /^aalgate: config\.policy\.rules\[1\]\.path: /);
  });

});

describe('hostile inputs', { concurrency: true }, () => {
  test('a 5 MB body on stdin: body_too_large, and decided with --max-body-bytes above it', async () => {
    const body = `{"active":true,"authenticator_assurance_level":"aal1","x":"${'a'.repeat(5 * 1024 * 1024)}"}`;
    const r = await cli(['decide', '--base', BASE, '--whoami', '-', '--now', NOW, '--json'], { input: body });
    assert.deepEqual(decisionOf(r), plain(gate.decide(body, { now: new Date(NOW) })));
    assert.equal(decisionOf(r).reason, 'body_too_large');
    const raised = await cli(['decide', '--base', BASE, '--max-body-bytes', String(8 * 1024 * 1024), '--whoami', '-', '--now', NOW, '--json'], { input: body });
    const roomy = await createGate({ baseUrl: BASE, maxBodyBytes: 8 * 1024 * 1024 });
    try {
      assert.deepEqual(decisionOf(raised), plain(roomy.decide(body, { now: new Date(NOW) })));
      assert.equal(decisionOf(raised).reason, 'invalid_session', 'read: the body has no expires_at');
    } finally {
      roomy.dispose();
    }
  });

  test('a binary file: a verdict, no crash', async () => {
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 7919 + 13) & 0xff;
    const file = join(tmp, 'binary.dat');
    writeFileSync(file, bytes);
    const r = await cli(['decide', '--base', BASE, '--whoami', file, '--status', '200', '--json']);
    assert.deepEqual(decisionOf(r), plain(gate.decide({ status: 200, body: new TextDecoder().decode(bytes) })));
    assert.equal(r.code, 1);
  });

  test('a binary --kratos-config: one line, exit 2', async () => {
    const file = join(tmp, 'binary-config.dat');
    writeFileSync(file, Buffer.from([0, 255, 254, 10, 13, 0x7b]));
    assertUsageError(await cli(['decide', '--base', BASE, '--kratos-config', file]), /--kratos-config: .* is not JSON/);
  });
});

describe('--whoami-url against the Kratos emulator', () => {
  let kratos;
  let cookie;
  before(async () => {
    kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'highest_available' });
    cookie = await kratos.createSession({ email: 'ada@example.com', methods: ['password'] });
  });
  after(() => kratos?.close());

  test('a live whoami with a cookie: the decision, the cookie never printed', async () => {
    const secret = cookie.split('=').slice(1).join('=');
    assert.ok(secret.length >= 16);
    const json = await cli(['decide', '--base', kratos.url, '--whoami-url', `${kratos.url}/sessions/whoami`, '--cookie', cookie, '--aal', 'aal2', '--json']);
    // ada has a second factor and the emulator is Strict: whoami answers 403 to her aal1 session.
    const answer = await fetch(`${kratos.url}/sessions/whoami`, { headers: { cookie, accept: 'application/json' } });
    const expected = gate.decide({ status: answer.status, body: await answer.text() }, { aal: 'aal2' });
    const d = decisionOf(json);
    assert.equal(d.verdict, 'step_up');
    assert.equal(d.reason, expected.reason);
    assert.equal(json.code, 11);
    assert.ok(!json.stdout.includes(secret) && !json.stderr.includes(secret), 'the cookie value is not printed');
  });

  test('a session token, a Kratos that is not there, a bad header value: never printed', async () => {
    const token = 'tok_ZXhhbXBsZXNlY3JldHRva2Vu';
    const dead = `http://127.0.0.1:1/sessions/whoami`;
    const [noAnswer, badHeader, noSession] = await Promise.all([
      cli(['decide', '--base', kratos.url, '--whoami-url', dead, '--session-token', token, '--json']),
      cli(['decide', '--base', kratos.url, '--whoami-url', `${kratos.url}/sessions/whoami`, '--cookie', `a=${token}\nx`]),
      cli(['decide', '--base', kratos.url, '--whoami-url', `${kratos.url}/sessions/whoami`, '--session-token', token, '--json']),
    ]);
    assert.deepEqual(decisionOf(noAnswer), plain(gate.decide({ failure: 'unreachable' })));
    assertUsageError(badHeader, /--cookie: not a valid header value/);
    assert.equal(decisionOf(noSession).verdict, 'login');
    for (const r of [noAnswer, badHeader, noSession]) {
      assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'the token is not printed');
    }
  });
});

// README's "## CLI" ```sh block: each `$ ` line runs (npx aalgate is this checkout's bin) in one
// shell, in order, in a scratch directory; what follows it up to the next `$ ` line is its
// exact stdout.
test("README's CLI session prints what README shows", async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## CLI\n/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'README has a "## CLI" section');
  const block = section.match(/```sh\n([\s\S]*?)```/)?.[1];
  assert.ok(block, 'with a ```sh block');
  const steps = [];
  for (const line of block.split('\n').slice(0, -1)) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else steps.at(-1).output.push(line);
  }
  assert.ok(steps.length >= 3);
  const MARK = '@@aalgate-readme-step@@';
  const script = [
    `npx() { [ "$1" = aalgate ] || exit 99; shift; "${process.execPath}" "${BIN}" "$@"; }`,
    ...steps.map((s) => `${s.command}\ns=$?; echo ${MARK}; (exit $s)`),
  ].join('\n');
  const dir = mkdtempSync(join(tmp, 'readme-'));
  spawns += 1 + steps.filter((s) => s.command.includes('npx aalgate')).length;
  const { stdout, stderr } = await new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], { cwd: dir }, (error, out, err) => (error ? reject(error) : resolve({ stdout: out, stderr: err })));
  });
  assert.equal(stderr, '');
  const outputs = stdout.split(`${MARK}\n`).slice(0, -1);
  assert.equal(outputs.length, steps.length);
  steps.forEach((s, i) => assert.equal(outputs[i], s.output.map((l) => `${l}\n`).join(''), `$ ${s.command}`));
});
