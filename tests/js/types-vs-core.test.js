// Types from one source: the verdicts, reasons and warnings js/index.d.ts lists are exactly those
// the core can return (read from its sources: the to_string tables in src/aalgate/decide.cpp and
// recover's Kratos error table in src/aalgate/recover.cpp) and those the conformance vectors
// expect; a value in one and not the other fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { readConformanceFiles, typeUnion } from './helpers.js';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const dts = read('js/index.d.ts');
const decideCpp = read('src/aalgate/decide.cpp');
const recoverCpp = read('src/aalgate/recover.cpp');

/** The string literals of `export type NAME = 'a' | 'b' | …;` in index.d.ts (template types left out). */

/** The names `to_string(Kind)` returns: decide.cpp's `k<Kind>Names[]` table. */
function coreStrings(kind) {
  const match = new RegExp(`k${kind}Names\\[\\] = \\{([^}]*)\\}`).exec(decideCpp);
  assert.ok(match, `decide.cpp has no k${kind}Names table`);
  return new Set([...match[1].matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]));
}

const vectors = readConformanceFiles().flatMap(({ data }) => data?.cases ?? []);
const expected = (field) =>
  new Set(vectors.flatMap((c) => (c.expect?.[field] === undefined ? [] : [c.expect[field]].flat())).filter((v) => v !== null));

test('every verdict: the core, the types and the vectors agree', () => {
  const core = coreStrings('Verdict');
  assert.deepEqual([...typeUnion('Verdict')].sort(), [...core].sort());
  assert.deepEqual([...expected('verdict')].sort(), [...core].sort());
});

test('every warning: the core, the types and the vectors agree', () => {
  const core = coreStrings('Warning');
  assert.deepEqual([...typeUnion('Warning')].sort(), [...core].sort());
  assert.deepEqual([...expected('warnings')].sort(), [...core].sort());
});

test('every reason: the core (decide and recover\'s table), the types and the vectors agree', () => {
  const core = coreStrings('Reason');
  core.delete('kratos_id'); // stands for the ids of recover's table below
  core.delete('token_claim'); // stands for claim_<name> (typed as `claim_${string}`)
  for (const [, id] of recoverCpp.matchAll(/^\s+\{"([a-z0-9_]+)",\s*Recovery::/gm)) core.add(id);
  const types = new Set([...typeUnion('Reason'), ...typeUnion('RecoverReason')]);
  assert.deepEqual([...types].sort(), [...core].sort(), 'index.d.ts Reason/RecoverReason vs the core');
  assert.match(dts, /`kratos_\$\{string\}`/, 'unknown Kratos ids are typed as kratos_<id>');
  assert.match(dts, /`claim_\$\{string\}`/, 'claims a rule lacks are typed as claim_<name>');
  const inVectors = expected('reason');
  for (const reason of inVectors) {
    assert.ok(core.has(reason) || /^(kratos|claim)_[a-z0-9_]+$/.test(reason), `a vector expects reason ${reason}, which the core does not list`);
  }
  // core_failure is answered when the core itself failed (a trap): no vector can reach it;
  // tests/traps pins it on a test build that traps on demand.
  for (const reason of core) {
    if (reason !== 'core_failure') assert.ok(inVectors.has(reason), `no vector pins reason ${reason}`);
  }
});
