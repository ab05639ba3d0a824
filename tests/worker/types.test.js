// js/worker.d.ts against real usage (tests/worker/types/usage.ts), with @ts-expect-error lines
// that must stay errors. Needs the `typescript` package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

function findTsc() {
  try {
    const manifest = createRequire(import.meta.url).resolve('typescript/package.json');
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
    return join(dirname(manifest), typeof bin === 'string' ? bin : bin.tsc);
  } catch {
    return null;
  }
}

const tsc = findTsc();

test('worker.d.ts type-checks real usage and rejects misuse', { skip: tsc ? false : 'typescript is not installed' }, () => {
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
  const run = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});
