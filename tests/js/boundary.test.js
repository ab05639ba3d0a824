// One boundary: every decision is the core's. The JS modules of the package carry data; none
// names a verdict or a reason (only the typed surface, the .d.ts files, lists them), so none can
// decide by one. Comments are left out of the scan.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

import { typeUnion } from './helpers.js';

const JS_DIR = new URL('../../js/', import.meta.url);


const NAMES = new Set([...typeUnion('Verdict'), ...typeUnion('Reason'), ...typeUnion('RecoverReason')]);

/** The package's JS modules: js/*.js and js/loader/*.js (the generated core left out). */
function modules() {
  const files = readdirSync(JS_DIR).filter((f) => f.endsWith('.js')).map((f) => new URL(f, JS_DIR));
  const loader = new URL('loader/', JS_DIR);
  files.push(...readdirSync(loader).filter((f) => f.endsWith('.js')).map((f) => new URL(f, loader)));
  return files;
}

// Comments out, strings kept: enough for these hand-written modules (no regex literal holds //).
function withoutComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

test('the scan knows the verdicts and reasons', () => {
  for (const name of ['allow', 'step_up', 'error', 'no_session', 'second_factor_stale', 'session_already_available']) {
    assert.ok(NAMES.has(name), name);
  }
});

test('no JS module of the package names a verdict or a reason', () => {
  const found = [];
  for (const file of modules()) {
    const code = withoutComments(readFileSync(file, 'utf8'));
    for (const [, literal] of code.matchAll(/['"`]([a-z0-9_]+)['"`]/g)) {
      if (NAMES.has(literal)) found.push(`${file.pathname.split('/js/')[1]}: '${literal}'`);
    }
  }
  assert.deepEqual(found, []);
});
