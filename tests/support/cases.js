// Node-side helpers shared by the end-to-end suites (not a test file itself): the inputs every
// runtime decides, Node's own answers for them, and a copy of the package as npm would publish it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import * as aalgate from 'aalgate';

import { runCases, tryConfig } from './run-cases.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'tests/fixtures/kratos');

const fixture = (name) => readFile(join(FIXTURES, name), 'utf8');

export const CONFIG = {
  baseUrl: 'https://auth.example.com',
  allowedReturnUrls: ['https://app.example.com/'],
};
export const BAD_CONFIG = { baseUrl: 'ftp://auth.example.com' };
export const BAD_CONFIG_CODE = 'config.baseUrl';

const RETURN_TO = 'https://app.example.com/billing';
// The aal2 fixture: authenticated 2026-08-01T10:00:05Z (password, then TOTP), expires a day later.
const NOW = Date.parse('2026-08-01T10:30:00Z');

/**
 * The inputs, in JSON form (a Date is `{ $date }`, see run-cases.js), and the verdict (or
 * error code) each must give: an anchor that does not depend on any runtime, so two runtimes
 * that both fail the same way cannot pass.
 * @returns {Promise<{ cases: object[], expected: string[] }>}
 */
export async function loadCases() {
  const aal2Text = await fixture('derived-whoami-200-aal2-password-totp.json');
  const forbiddenText = await fixture('derived-whoami-403-session_aal2_required.json');
  const unauthorizedText = await fixture('derived-whoami-401-no-or-inactive-session.json');

  // An @ory/client-fetch Session: the same session with Date timestamps.
  const session = JSON.parse(aal2Text);
  const dated = (iso) => ({ $date: iso });
  session.expires_at = dated(session.expires_at);
  session.authenticated_at = dated(session.authenticated_at);
  session.issued_at = dated(session.issued_at);
  for (const method of session.authentication_methods) method.completed_at = dated(method.completed_at);

  const table = [
    ['allow', aal2Text, { aal: 'aal2', now: NOW, returnTo: RETURN_TO }],
    ['refresh', aal2Text, { aal: 'aal2', maxAge: '10m', now: NOW, returnTo: RETURN_TO }],
    ['allow', aal2Text, { maxAge: 3600, now: NOW }],
    ['allow', aal2Text, { aal: 'highest_available', now: NOW }],
    ['login', aal2Text, { aal: 'aal2', now: Date.parse('2026-08-03T00:00:00Z'), returnTo: RETURN_TO }],
    ['allow', session, { aal: 'aal2', now: dated('2026-08-01T10:30:00Z') }],
    ['refresh', session, { aal: 'aal2', maxAge: '5m', now: dated('2026-08-01T10:30:00Z') }],
    ['step_up', { status: 403, body: forbiddenText }, { aal: 'aal2', returnTo: RETURN_TO }],
    ['login', { status: 401, body: unauthorizedText }, { returnTo: '/settings' }],
    ['login', null, undefined],
    ['login', null, { returnTo: 'https://evil.example.net/' }],
    ['error', '{"active":tru', { now: NOW }],
    ['error', { status: 500, body: '' }, {}],
    ['requirement.aal', null, { aal: 'aal9' }],
  ];
  return {
    cases: table.map(([, whoami, requirement]) => ({ whoami, requirement })),
    expected: table.map(([verdict]) => verdict),
  };
}

/** What each result is: the verdict, or the error code it threw. */
export const outcomeOf = (result) => result.decision?.verdict ?? result.error?.code ?? '?';

/**
 * Node's answers, through `import ... from 'aalgate'` (the package's self-reference: the
 * `node` condition of `#load-core`).
 */
export async function nodeResults(cases) {
  return {
    results: await runCases(aalgate, CONFIG, cases),
    badConfig: await tryConfig(aalgate, BAD_CONFIG),
  };
}

/**
 * Copies exactly the files `npm pack` would publish into `<dir>/node_modules/aalgate/`, so the
 * runtimes load the package as installed from the registry, not the working tree; its
 * `dependencies` (jose) are linked beside it, where npm would install them.
 * @returns {Promise<{ packageDir: string, files: string[] }>}
 */
export async function stagePackage(dir) {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts'],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const files = JSON.parse(stdout)[0].files.map((file) => file.path).sort();
  const packageDir = join(dir, 'node_modules', 'aalgate');
  for (const file of files) {
    await mkdir(dirname(join(packageDir, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(packageDir, file));
  }
  const { dependencies = {} } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  for (const name of Object.keys(dependencies)) {
    await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true });
    await symlink(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  return { packageDir, files };
}

/**
 * What wasm-instrument.js counts when the package runs as it must in workerd:
 * nothing compiled from bytes at request time, one instantiation of the module workerd compiled.
 */
export const INSTANTIATED_ONLY = Object.freeze({
  compileBytes: 0,
  compileStreaming: 0,
  moduleConstructor: 0,
  instantiateBytes: 0,
  instantiateStreaming: 0,
  instantiateModule: 1,
});

/**
 * The cases and Node's own answers to them, checked to be the intended ones first (or equal
 * answers in another runtime would prove nothing).
 * @returns {Promise<{ cases: object[], expected: object[], node: { results: object[], badConfig: object } }>}
 */
export async function casesWithNodeAnswers() {
  const { cases, expected } = await loadCases();
  const node = await nodeResults(cases);
  assert.deepEqual(node.results.map(outcomeOf), expected);
  assert.equal(node.badConfig.error?.code, BAD_CONFIG_CODE);
  return { cases, expected, node };
}
