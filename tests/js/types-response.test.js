// The .d.ts files against issue 11's surface (tests/js/types-response/usage.ts): decide refuses a
// fetch Response, decideResponse, createGate's { wasm }, the worker's forward and proxy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { findTsc } from '../support/tsc.js';

const tsc = findTsc();

test('the .d.ts files type issue 11 usage and reject a Response given to decide', { skip: tsc ? false : 'typescript is not installed' }, () => {
  const project = fileURLToPath(new URL('./types-response/tsconfig.json', import.meta.url));
  const run = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});
