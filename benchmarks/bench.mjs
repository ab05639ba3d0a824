// `npm run bench`: timings as ratios against a baseline measured in the same run, never asserted.
// 1. Native (Release): decide from whoami text vs nlohmann's parse of the same text.
// 2. JS through Wasm: gate.decide(text) vs JSON.parse(text) of the same text, and vs deciding an
//    already parsed object; plus createGate (compile + instantiate + configure) once.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { createGate } from 'aalgate';

const root = fileURLToPath(new URL('../', import.meta.url));
const text = readFileSync(`${root}tests/fixtures/kratos/real-whoami-200-aal1-cookie.json`, 'utf8');
const requirement = { aal: 'aal2', maxAge: '10m', returnTo: 'https://app.example.com/pay', now: 1675440000000 };

console.log('== native (build/release, Google Benchmark)');
execFileSync(`${root}build/release/benchmarks/aalgate_bench`, ['--benchmark_min_time=0.2'], { stdio: 'inherit' });

// Median of `rounds` timings of `iterations` calls, in ns per call.
function measure(fn, iterations = 20000, rounds = 7) {
  for (let i = 0; i < iterations; i++) fn(); // warm up
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(((performance.now() - start) * 1e6) / iterations);
  }
  return samples.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

const loadStart = performance.now();
const gate = await createGate({ baseUrl: 'https://auth.example.com' });
const createMs = performance.now() - loadStart;
const parsed = JSON.parse(text);
let sink = 0;
const baseline = measure(() => { sink += JSON.parse(text).active ? 1 : 0; });
const fromText = measure(() => { sink += gate.decide(text, requirement).url ? 1 : 0; });
const fromObject = measure(() => { sink += gate.decide(parsed, requirement).url ? 1 : 0; });
const nullSession = measure(() => { sink += gate.decide(null, requirement).url ? 1 : 0; });

console.log(`\n== JS through Wasm (Node ${process.version}), whoami body ${text.length} B, sink ${sink > 0}`);
const row = (name, ns) => console.log(`${name.padEnd(38)} ${ns.toFixed(0).padStart(8)} ns  ${(ns / baseline).toFixed(2)}x JSON.parse`);
row('baseline: JSON.parse(text)', baseline);
row('gate.decide(text, requirement)', fromText);
row('gate.decide(parsedObject, requirement)', fromObject);
row('gate.decide(null, requirement)', nullSession);
console.log(`createGate (first: load, compile, instantiate, configure): ${createMs.toFixed(1)} ms`);
gate.dispose();
