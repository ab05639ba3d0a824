// The Wasm memory over many mixed decisions in one Gate, in a fresh Node process (run by
// benchmarks/bench.mjs as a child): node benchmarks/memory.mjs <decisions> <budget-ms>
// Decides round-robin from whoami text (1.9 KB and 16 KB non-ASCII), @ory/client-fetch Sessions
// and parsed objects, no session, a worker request (decideRequest), a Kratos error (recover) and
// an invalid body; step-up, allow, login and error answers; one call in 16 asks for the
// explanation, and the requirement's maxAge and returnTo change with every decision (1,000
// distinct requirements, so the Gate's compiled requirements fill up and are forgotten again and
// again). Stops after <decisions> or when <budget-ms> has passed, whichever comes first. Prints
// one line of JSON: the memory's size at instantiation, after createGate, after a warm-up, and at
// the end. Emscripten's memory only grows: a leak of L bytes per decision shows once L times the
// decisions exceeds what was free, so flat over N decisions in a memory of M bytes bounds a leak
// below M / N bytes per decision.
//
// The memory is read without any public API: WebAssembly.instantiate is wrapped before the core
// loads, so the Memory its instance exports (or imports) is at hand; the glue's HEAP8 on the
// Emscripten module is the fallback.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { SessionFromJSON } from '@ory/client-fetch';

import { whoamiBodies } from './bodies.mjs';

const [decisions, budgetMs] = process.argv.slice(2).map(Number);
if (!(decisions > 0) || !(budgetMs > 0)) {
  console.error('usage: node benchmarks/memory.mjs <decisions> <budget-ms>');
  process.exit(2);
}

let memory = null;
let initialBytes = null;
const realInstantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function instantiate(source, imports) {
  const result = await Reflect.apply(realInstantiate, WebAssembly, [source, imports]);
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  const values = [...Object.values(instance.exports)];
  for (const space of Object.values(imports ?? {})) values.push(...Object.values(space ?? {}));
  memory = values.find((value) => value instanceof WebAssembly.Memory) ?? memory;
  if (memory !== null && initialBytes === null) initialBytes = memory.buffer.byteLength;
  return result;
};

const { createGate } = await import('aalgate');
const { loadCore } = await import('#load-core');

const NOW = Date.UTC(2023, 1, 3, 16, 0, 0);
const lax = { baseUrl: 'https://auth.example.com', kratos: { 'session.whoami.required_aal': 'aal1' } };
const gate = await createGate({
  ...lax,
  policy: { rules: [{ path: '/billing/**', methods: ['POST'], aal: 'aal2', maxAge: '10m' }], default: { aal: 'aal1' } },
});
WebAssembly.instantiate = realInstantiate;

const core = await loadCore();
let source = 'WebAssembly.instantiate hook';
if (memory === null && core.HEAP8 instanceof Int8Array) source = 'the glue\'s HEAP8';
const memoryBytes = () => (memory !== null ? memory.buffer.byteLength : core.HEAP8?.buffer.byteLength ?? null);
if (memoryBytes() === null) {
  console.log(JSON.stringify({ error: 'no way to read the Wasm memory (no Memory at instantiate, no HEAP8)' }));
  process.exit(0);
}
const afterCreateBytes = memoryBytes();

const bodies = whoamiBodies();
const small = bodies.find((body) => body.name === '1.9KB-ascii').text;
const medium = bodies.find((body) => body.name === '16KB-non-ascii').text;
const sdk = SessionFromJSON(JSON.parse(small));
const parsed = JSON.parse(readFileSync(new URL('../tests/fixtures/kratos/real-whoami-200-aal1-cookie.json', import.meta.url), 'utf8'));
const stepUp = { aal: 'aal2', maxAge: 600, returnTo: 'https://app.example.com/pay', now: NOW };
const allow = { aal: 'aal1', maxAge: 3600, returnTo: 'https://app.example.com/pay', now: NOW };
const request = { method: 'POST', url: 'https://app.example.com/billing/pay', now: NOW };
const kratosError = { status: 403, body: JSON.stringify({ error: { id: 'session_aal2_required', code: 403, details: { redirect_browser_to: 'https://auth.example.com/self-service/settings/browser?flow=1' } } }) };
const broken = `${small.slice(0, 900)}"active":false,`;
// The n-th decision's requirement: 1,000 distinct ones (maxAge and returnTo vary).
const varied = (n, aal) => ({ aal, maxAge: 3600 + (n % 1000), returnTo: `https://app.example.com/pay/${n % 1000}`, now: NOW });
let n = 0;
const explain = () => ({ explain: (n & 15) === 0 });
const mix = [
  () => gate.decide(small, stepUp, explain()),
  () => gate.decide(small, varied(n, 'aal1'), explain()),
  () => gate.decide(medium, allow),
  () => gate.decide(sdk, varied(n, 'aal2')),
  () => gate.decide(sdk, allow, explain()),
  () => gate.decide(parsed, stepUp),
  () => gate.decide(null, varied(n, 'aal1')),
  () => gate.decideRequest(small, request, explain()),
  () => gate.recover(kratosError, varied(n, 'aal2'), explain()),
  () => gate.decide(broken, allow, explain()),
];
const expected = ['step_up', 'allow', 'allow', 'step_up', 'allow', 'step_up', 'login', 'step_up', 'step_up', 'error'];
mix.forEach((decide, i) => {
  const verdict = decide().verdict;
  if (verdict !== expected[i]) throw new Error(`mixed decision ${i} gave ${verdict}, not ${expected[i]}`);
});

const WARM = 1000;
let ran = 0;
let sink = 0;
const start = performance.now();
for (; ran < WARM && ran < decisions; ran += 1, n = ran) sink += mix[ran % mix.length]().verdict.length;
const afterWarmBytes = memoryBytes();
// The clock is read every 256 decisions only.
while (ran < decisions) {
  const stop = Math.min(decisions, ran + 256);
  for (; ran < stop; ran += 1, n = ran) sink += mix[ran % mix.length]().verdict.length;
  if (performance.now() - start > budgetMs) break;
}
const elapsedMs = performance.now() - start;
gate.dispose();
console.log(
  JSON.stringify({
    source,
    initialBytes,
    afterCreateBytes,
    afterWarmBytes,
    afterBytes: memoryBytes(),
    decisions: ran,
    asked: decisions,
    elapsedMs,
    sink: sink > 0,
  }),
);
