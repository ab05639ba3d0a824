// Issue 13 (item 3): decisions do not leak Wasm memory. One Gate decides 50,000 times, round-robin
// over every kind of call (text, Session object, no session, an invalid body, decideRequest,
// recover), one call in 8 explained, with 500 distinct requirements (the Gate's 256 compiled
// requirements fill up and are forgotten again); the module's memory must be the same size at the
// end as after the first 1,000. Emscripten's memory only grows, and it starts at 1 MiB, so this
// catches a leak of about 20 bytes per decision or more (benchmarks/memory.mjs, `npm run bench`,
// runs 1,000,000 and prints the bound it reached). Runs over the debug core too (tools/wasm-debug.sh).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createGate } from 'aalgate';

import { INTERNAL } from '../../js/marshal.js';
import { fixtureText } from './helpers.js';

test('50,000 mixed decisions in one Gate leave the Wasm memory as it was after 1,000', async () => {
  const gate = await createGate({
    baseUrl: 'https://auth.example.com',
    kratos: { 'session.whoami.required_aal': 'aal1' },
    policy: { rules: [{ path: '/billing/**', methods: ['POST'], aal: 'aal2', maxAge: '10m' }] },
  });
  try {
    const text = fixtureText('real-whoami-200-aal1-cookie.json');
    const session = JSON.parse(text);
    const now = Date.UTC(2023, 1, 3, 16, 0, 0);
    const kratosError = { status: 403, body: fixtureText('derived-settings-submit-403-session_aal2_required-with-return_to.json') };
    const requirement = (n, aal) => ({ aal, maxAge: 3600 + (n % 500), returnTo: `https://app.example.com/pay/${n % 500}`, now });
    const calls = [
      (n, o) => gate.decide(text, requirement(n, 'aal2'), o),
      (n, o) => gate.decide(text, requirement(n, 'aal1'), o),
      (n, o) => gate.decide(session, requirement(n, 'aal1'), o),
      (n, o) => gate.decide(null, requirement(n, 'aal1'), o),
      (n, o) => gate.decide(`${text.slice(0, 500)}"active":false`, requirement(n, 'aal1'), o),
      (n, o) => gate.decideRequest(text, { method: 'POST', url: `https://app.example.com/billing/${n % 500}`, now }, o),
      (n, o) => gate.recover(kratosError, requirement(n, 'aal2'), o),
    ];
    const expected = ['step_up', 'allow', 'allow', 'login', 'error', 'step_up', 'step_up'];
    const memory = () => gate[INTERNAL].memoryBytes();
    let n = 0;
    const run = (until) => {
      for (; n < until; n += 1) {
        const d = calls[n % calls.length](n, (n & 7) === 0 ? { explain: true } : undefined);
        if (d.verdict !== expected[n % calls.length]) {
          assert.fail(`decision ${n} (call ${n % calls.length}) gave ${d.verdict} (${d.reason})`);
        }
      }
    };
    run(1000);
    const warm = memory();
    run(50_000);
    assert.equal(memory(), warm, `the Wasm memory grew from ${warm} B over ${n} decisions`);
  } finally {
    gate.dispose();
  }
});
