// js/browser.d.ts against real usage (tests/browser/types/usage.ts), with @ts-expect-error lines
// that must stay errors. Needs the `typescript` package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { findTsc } from '../support/tsc.js';

const tsc = findTsc();

test('browser.d.ts type-checks real usage and rejects misuse', { skip: tsc ? false : 'typescript is not installed' }, () => {
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
  const run = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});
