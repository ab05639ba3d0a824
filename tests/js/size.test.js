// The bytes every gate loads: the Wasm core and its glue, gzip -9 (issue 10). Sizes may be
// asserted, timings never (`npm run bench` reports those). The budget the issue sets is 50,000 B
// together; the build is not there yet (BENCHMARKS.md, DESIGN.md "Size"), so this guards the size
// reached against growing back while the rest of the way is found.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

const core = new URL('../../js/core/', import.meta.url);
const gzipped = (name) => gzipSync(readFileSync(new URL(name, core)), { level: 9 }).length;

// What the build reached (65,761 B on 2026-12-04), raised on purpose for issue 12's explanations
// in the core (the rule checks, the field diagnosis, the JSON writer: +8,209 B as measured here,
// 73,970 B in all; DESIGN.md "Explanations"), then for issue 14's token claims reader
// (src/aalgate/token_claims.cpp: +1,168 B, 75,138 B), then for issue 13's limits
// (maxBodyBytes and body_too_large, the policy, URL and returnTo limits, the greedy path
// matcher: +755 B of Wasm, 75,900 B), with room for toolchain noise.
const GUARD = 76_500;

test('Wasm plus glue stay within the size reached (gzip -9)', () => {
  const wasm = gzipped('aalgate-core.wasm');
  const glue = gzipped('aalgate-core.mjs');
  console.log(`Wasm ${wasm} B + glue ${glue} B = ${wasm + glue} B gzip -9 (guard ${GUARD} B, issue 10's budget 50000 B)`);
  assert.ok(wasm + glue <= GUARD, `Wasm ${wasm} B + glue ${glue} B = ${wasm + glue} B, over the ${GUARD} B guard`);
});

test('the glue ships minified (what users load is what the tests load)', () => {
  const glue = readFileSync(new URL('aalgate-core.mjs', core), 'utf8');
  assert.ok(glue.split('\n').length < 20, `the glue has ${glue.split('\n').length} lines`);
});
