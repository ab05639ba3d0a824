// `npm run bench` (after tools/build.sh --release): issue 10's measurements as ratios against a
// baseline measured in the same run, printed as a table and written to BENCHMARKS.md with the
// machine and the command. Targets are reported (ok / over), never asserted.
//
//   node benchmarks/bench.mjs [--quick] [--no-native] [--no-write] [--decisions=N] [--memory-budget=S]
//     --quick            fewer rounds, shorter batches, 100,000 decisions (a smoke run)
//     --no-native        skip the native Google Benchmark run
//     --no-write         print only; leave BENCHMARKS.md alone
//     --decisions=N      decisions of the memory run (default 1,000,000)
//     --memory-budget=S  seconds the memory run may take at most (default 40): a slow core runs
//                        fewer decisions, and the report says how many
//
// 1. JS through Wasm, in this process, the two sides interleaved (median of ROUNDS rounds, see
//    compare below): gate.decide(text) ÷ JSON.parse(text) for six bodies (bodies.mjs);
//    gate.decide(Session) ÷ the hand-written baseline (baseline.js) on an @ory/client-fetch
//    Session; gate.decideRequest and gate.decide(null).
// 1b. Tokenized sessions (tokens.mjs, issue 14): per request, verify a Kratos session JWT +
//    decide ÷ a whoami round trip to the Kratos emulator on loopback + decide; and
//    aalgate/worker's check(Request) with a Bearer token ÷ with the session cookie.
// 2. Startup in child processes (startup.mjs): compile + instantiate fresh and after another
//    module; import + createGate to a configured Gate.
// 3. Wasm memory over mixed decisions in a child process (memory.mjs).
// 4. Sizes: gzip -9 of the Wasm and of its glue.
// 5. Native (build/release/benchmarks/aalgate_bench, decide_bench.cpp): decide from text ÷
//    nlohmann::json::parse throughput, URL building, a 100-rule policy match.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { SessionFromJSON } from '@ory/client-fetch';
import { createGate } from 'aalgate';

import { handWrittenGate } from './baseline.js';
import { whoamiBodies } from './bodies.mjs';
import { tokenRows } from './tokens.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const given = args.find((arg) => arg.startsWith(`${name}=`));
  return given === undefined ? fallback : Number(given.slice(name.length + 1));
};
for (const arg of args) {
  if (!/^--(quick|no-native|no-write|decisions=\d+|memory-budget=\d+(\.\d+)?)$/.test(arg)) {
    console.error(`bench.mjs: unknown argument ${arg}`);
    process.exit(2);
  }
}
const QUICK = flag('--quick');
const ROUNDS = QUICK ? 7 : 21;
const BATCH_MS = QUICK ? 8 : 12;
const SUB_BATCHES = 3; // per side and round, of about BATCH_MS / SUB_BATCHES each
const DECISIONS = option('--decisions', QUICK ? 100_000 : 1_000_000);
const MEMORY_BUDGET_S = option('--memory-budget', QUICK ? 10 : 40);
const STARTUP_RUNS = QUICK ? 5 : 9;
const BUDGET_BYTES = 50_000; // "50 KB" as DESIGN.md's size table counts (1 KB = 1000 B)
const INITIAL_MEMORY_LIMIT = 1_048_576; // "1 MB": the Emscripten INITIAL_MEMORY the issue names

const BASE = 'https://auth.example.com';
const LAX = { baseUrl: BASE, kratos: { 'session.whoami.required_aal': 'aal1' } };
const NOW = Date.UTC(2023, 1, 3, 16, 0, 0); // inside the fixture session's lifetime
const RETURN_TO = 'https://app.example.com/pay';
// The text rows' requirement (as decide_bench.cpp's): the aal1 fixture steps up.
const STEP_UP = { aal: 'aal2', maxAge: 600, returnTo: RETURN_TO, now: NOW };
const ALLOW = { aal: 'aal1', maxAge: 3600, returnTo: RETURN_TO, now: NOW };
const POLICY = {
  rules: [
    { path: '/public/**', aal: 'none' },
    { path: '/billing/**', methods: ['POST', 'PUT', 'DELETE'], aal: 'aal2', maxAge: '10m' },
    { path: '/account/**', operation: 'settings' },
  ],
  default: { aal: 'aal1' },
};
const REQUEST = { method: 'POST', url: 'https://app.example.com/billing/pay?invoice=4711', now: NOW };

const log = (...parts) => console.log(...parts);
// The q-quantile of `values` (linear between the closest ranks); the median is q = 0.5.
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
};
const median = (values) => quantile(values, 0.5);

// ---------------------------------------------------------------------------------------------
// Timing: each side runs in batches of a calibrated number of calls (about BATCH_MS / SUB_BATCHES
// each); a round times SUB_BATCHES batches of each side, alternating, and keeps each side's fastest;
// the ratio is the median of the rounds' ratios.
// Every result is kept (a small ring), so that neither side's result can be optimised away.
const kept = new Array(16).fill(null);

function batch(fn, calls) {
  const start = performance.now();
  for (let i = 0; i < calls; i += 1) kept[i & 15] = fn();
  return performance.now() - start;
}

function calibrate(fn) {
  let calls = 1;
  for (;;) {
    const ms = batch(fn, calls);
    if (ms >= BATCH_MS / 4 || calls >= 1 << 24) return Math.max(1, Math.round((calls * BATCH_MS) / Math.max(ms, 1e-3)));
    calls *= ms < BATCH_MS / 64 ? 8 : 2;
  }
}

function compare(subject, baseline) {
  const subjectCalls = Math.max(1, Math.round(calibrate(subject) / SUB_BATCHES));
  const baselineCalls = Math.max(1, Math.round(calibrate(baseline) / SUB_BATCHES));
  batch(subject, subjectCalls); // warm-up, discarded
  batch(baseline, baselineCalls);
  const subjectNs = [];
  const baselineNs = [];
  const ratios = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // A round: SUB_BATCHES short batches of each side, alternating, the order flipped every other
    // round; each side's time is its fastest batch of the round (a batch the machine interrupted
    // is slower, never faster).
    let s = Infinity;
    let b = Infinity;
    for (let i = 0; i < SUB_BATCHES; i += 1) {
      if ((round + i) % 2 === 0) {
        b = Math.min(b, (batch(baseline, baselineCalls) * 1e6) / baselineCalls);
        s = Math.min(s, (batch(subject, subjectCalls) * 1e6) / subjectCalls);
      } else {
        s = Math.min(s, (batch(subject, subjectCalls) * 1e6) / subjectCalls);
        b = Math.min(b, (batch(baseline, baselineCalls) * 1e6) / baselineCalls);
      }
    }
    subjectNs.push(s);
    baselineNs.push(b);
    ratios.push(s / b);
  }
  return {
    subjectNs: median(subjectNs),
    baselineNs: median(baselineNs),
    ratio: median(ratios),
    spread: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
  };
}

// ---------------------------------------------------------------------------------------------
// Rows of the report: { section, name, value, baseline, ratio, target, status, note }.
const rows = [];
const ratioTarget = (limit) => ({ text: `≤ ${limit.toFixed(1)}×`, ok: (ratio) => ratio <= limit });
const statusOf = (target, value) => (target === null || value === null ? '' : target.ok(value) ? 'ok' : 'over');

function formatNs(ns) {
  if (ns === null || ns === undefined) return '—';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : ns >= 1e4 ? 1 : 2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
const formatRatio = (ratio) => (ratio === null ? '—' : `${ratio.toFixed(ratio >= 10 ? 1 : 2)}×`);
const formatMs = (ms) => `${ms.toFixed(2)} ms`;
const formatKB = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
const formatBytes = (bytes) => `${bytes.toLocaleString('en-US')} B`;

// ---------------------------------------------------------------------------------------------
// The environment.
function commandOutput(command, commandArgs, options = {}) {
  try {
    return execFileSync(command, commandArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], ...options }).trim();
  } catch {
    return null;
  }
}
const emccLine = commandOutput('emcc', ['--version'], { env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } })?.split('\n')[0];
const emscripten = emccLine ? (/\b(\d+\.\d+\.\d+)\b/.exec(emccLine)?.[1] ?? emccLine) : 'not found';
// The commit measured, and whether what is measured differs from it (the benchmark's own files
// and BENCHMARKS.md aside).
const commit = (() => {
  const head = commandOutput('git', ['-C', ROOT, 'rev-parse', '--short=12', 'HEAD']);
  if (head === null) return 'unknown (not a git checkout)';
  const changed = commandOutput('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'wasm', 'js', 'CMakeLists.txt', 'tools']);
  return changed ? `${head} with uncommitted changes to ${[...new Set(changed.split('\n').map((line) => line.slice(3).split('/')[0]))].join(', ')}` : head;
})();
const environment = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  command: `${process.env.npm_lifecycle_event === 'bench' ? 'npm run bench → ' : ''}node benchmarks/bench.mjs${args.length ? ` ${args.join(' ')}` : ''}`,
  machine: os.cpus()[0]?.model?.trim() ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  emscripten,
  commit,
  load: os.loadavg().map((value) => value.toFixed(2)).join(', '),
};
log(`aalgate benchmarks, ${environment.date}`);
log(`${environment.machine}, ${environment.cores} cores, Node ${environment.node}, Emscripten ${environment.emscripten}, commit ${environment.commit}`);
log(`load average at start: ${environment.load}; ${ROUNDS} rounds of ${SUB_BATCHES} interleaved batches of ~${(BATCH_MS / SUB_BATCHES).toFixed(0)} ms per side${QUICK ? ' (--quick)' : ''}`);

// ---------------------------------------------------------------------------------------------
// 1. JS through Wasm.
const bodies = whoamiBodies();
const gate = await createGate(LAX);
const routed = await createGate({ ...LAX, policy: POLICY });
const hand = handWrittenGate(BASE);

// Every body parses and decides validly before it is timed.
for (const body of bodies) {
  JSON.parse(body.text);
  const decision = gate.decide(body.text, STEP_UP);
  if (decision.verdict !== 'step_up') {
    throw new Error(`${body.label}: the gate gave ${decision.verdict} (${decision.reason}), not step_up: not a valid body`);
  }
}

log('\n== decide(text) ÷ JSON.parse(text)');
for (const body of bodies) {
  const { text } = body;
  const result = compare(
    () => gate.decide(text, STEP_UP),
    () => JSON.parse(text),
  );
  const target = ratioTarget(1.0);
  rows.push({
    section: 'text',
    name: `gate.decide(text) ${body.label} (${body.bytes} B)`,
    value: formatNs(result.subjectNs),
    baseline: `JSON.parse ${formatNs(result.baselineNs)}`,
    ratio: result.ratio,
    spread: result.spread,
    target: target.text,
    status: statusOf(target, result.ratio),
  });
  log(`  ${body.label.padEnd(17)} ${formatNs(result.subjectNs).padStart(10)} vs ${formatNs(result.baselineNs).padStart(10)}  ${formatRatio(result.ratio)}`);
}

log('\n== decide(@ory/client-fetch Session) ÷ the hand-written baseline (benchmarks/baseline.js)');
const session = SessionFromJSON(JSON.parse(bodies[0].text));
for (const [label, requirement, verdict] of [
  ['allow', ALLOW, 'allow'],
  ['step-up', STEP_UP, 'step_up'],
]) {
  const ours = gate.decide(session, requirement);
  const theirs = hand.decide(session, requirement);
  if (ours.verdict !== verdict || theirs.verdict !== verdict || ours.url !== theirs.url) {
    throw new Error(`${label}: the gate (${ours.verdict} ${ours.url}) and the baseline (${theirs.verdict} ${theirs.url}) disagree`);
  }
  const result = compare(
    () => gate.decide(session, requirement),
    () => hand.decide(session, requirement),
  );
  const target = ratioTarget(1.5);
  rows.push({
    section: 'object',
    name: `gate.decide(Session) ${label}`,
    value: formatNs(result.subjectNs),
    baseline: `hand-written ${formatNs(result.baselineNs)}`,
    ratio: result.ratio,
    spread: result.spread,
    target: target.text,
    status: statusOf(target, result.ratio),
  });
  log(`  ${label.padEnd(17)} ${formatNs(result.subjectNs).padStart(10)} vs ${formatNs(result.baselineNs).padStart(10)}  ${formatRatio(result.ratio)}`);
}

log('\n== other calls');
{
  const small = bodies[0].text;
  const decision = routed.decideRequest(small, REQUEST);
  if (decision.verdict !== 'step_up') throw new Error(`decideRequest gave ${decision.verdict} (${decision.reason})`);
  const request = compare(
    () => routed.decideRequest(small, REQUEST),
    () => JSON.parse(small),
  );
  rows.push({
    section: 'other',
    name: `gate.decideRequest(text 1.9 KB, POST /billing/pay), 3-rule policy`,
    value: formatNs(request.subjectNs),
    baseline: `JSON.parse ${formatNs(request.baselineNs)}`,
    ratio: request.ratio,
    spread: request.spread,
    target: '—',
    status: '',
  });
  log(`  decideRequest     ${formatNs(request.subjectNs).padStart(10)} vs ${formatNs(request.baselineNs).padStart(10)}  ${formatRatio(request.ratio)}`);
  const none = compare(
    () => gate.decide(null, STEP_UP),
    () => hand.decide(null, STEP_UP),
  );
  rows.push({
    section: 'other',
    name: 'gate.decide(null) (login URL with return_to)',
    value: formatNs(none.subjectNs),
    baseline: `hand-written ${formatNs(none.baselineNs)}`,
    ratio: none.ratio,
    spread: none.spread,
    target: '—',
    status: '',
  });
  log(`  decide(null)      ${formatNs(none.subjectNs).padStart(10)} vs ${formatNs(none.baselineNs).padStart(10)}  ${formatRatio(none.ratio)}`);
}
gate.dispose();
routed.dispose();

// ---------------------------------------------------------------------------------------------
// 1b. Tokenized sessions (issue 14), async: the same rounds, batches of about 4 × BATCH_MS.
rows.push(...(await tokenRows({ rounds: ROUNDS, batchMs: BATCH_MS * 4, formatNs, formatRatio, log })));

// ---------------------------------------------------------------------------------------------
// 2. Startup, each in fresh child processes (median of STARTUP_RUNS).
function child(script, childArgs) {
  const out = execFileSync(process.execPath, [`${ROOT}benchmarks/${script}`, ...childArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

log('\n== startup (child processes)');
const startup = {};
for (const mode of ['fresh', 'warm', 'gate']) {
  const runs = Array.from({ length: STARTUP_RUNS }, () => child('startup.mjs', [mode]));
  startup[mode] = Object.fromEntries(Object.keys(runs[0]).map((key) => [key, median(runs.map((run) => run[key]))]));
}
{
  const { fresh, warm, gate: toGate } = startup;
  const warmTarget = { text: '≤ 2 ms', ok: (ms) => ms <= 2 };
  rows.push({
    section: 'startup',
    name: 'compile + instantiate, fresh Node process',
    value: formatMs(fresh.totalMs),
    baseline: `compile ${formatMs(fresh.compileMs)} + instantiate ${formatMs(fresh.instantiateMs)}`,
    ratio: null,
    target: 'reported',
    status: '',
  });
  rows.push({
    section: 'startup',
    name: 'compile + instantiate, process that compiled Wasm before',
    value: formatMs(warm.totalMs),
    baseline: `compile ${formatMs(warm.compileMs)} + instantiate ${formatMs(warm.instantiateMs)} (the small module before: ${formatMs(warm.smallMs)})`,
    ratio: null,
    target: warmTarget.text,
    status: statusOf(warmTarget, warm.totalMs),
  });
  rows.push({
    section: 'startup',
    name: "import('aalgate') + createGate, fresh Node process",
    value: formatMs(toGate.totalMs),
    baseline: `import ${formatMs(toGate.importMs)} + createGate ${formatMs(toGate.createGateMs)}`,
    ratio: null,
    target: 'reported',
    status: '',
  });
  log(`  fresh: ${formatMs(fresh.totalMs)} (compile ${formatMs(fresh.compileMs)}, instantiate ${formatMs(fresh.instantiateMs)})`);
  log(`  warm:  ${formatMs(warm.totalMs)} (compile ${formatMs(warm.compileMs)}, instantiate ${formatMs(warm.instantiateMs)})`);
  log(`  gate:  ${formatMs(toGate.totalMs)} (import ${formatMs(toGate.importMs)}, createGate ${formatMs(toGate.createGateMs)})`);
}

// ---------------------------------------------------------------------------------------------
// 3. Wasm memory over mixed decisions (child process).
log(`\n== Wasm memory over ${DECISIONS.toLocaleString('en-US')} mixed decisions (at most ${MEMORY_BUDGET_S} s)`);
const memory = child('memory.mjs', [String(DECISIONS), String(MEMORY_BUDGET_S * 1000)]);
if (memory.error) {
  log(`  ${memory.error}`);
  rows.push({ section: 'memory', name: 'Wasm memory', value: 'not readable', baseline: memory.error, ratio: null, target: 'flat', status: '' });
} else {
  const complete = memory.decisions >= DECISIONS;
  const flat = memory.afterBytes === memory.afterWarmBytes;
  const perSecond = memory.decisions / (memory.elapsedMs / 1000);
  rows.push({
    section: 'memory',
    name: `Wasm memory over ${memory.decisions.toLocaleString('en-US')} mixed decisions${complete ? '' : ` (time budget reached; ${DECISIONS.toLocaleString('en-US')} asked)`}`,
    value: `${formatBytes(memory.afterWarmBytes)} → ${formatBytes(memory.afterBytes)}`,
    baseline: `after the first 1,000 → at the end, one Gate; ${Math.round(perSecond).toLocaleString('en-US')} decisions/s${flat ? `; a leak would be < ${(memory.afterBytes / memory.decisions).toFixed(2)} B per decision` : ''}`,
    ratio: null,
    target: `flat over ${DECISIONS.toLocaleString('en-US')}`,
    status: !flat ? 'over' : complete ? 'ok' : 'flat so far',
  });
  rows.push({
    section: 'memory',
    name: 'initial Wasm memory (at instantiation)',
    value: formatBytes(memory.initialBytes ?? memory.afterCreateBytes),
    baseline: `after createGate ${formatBytes(memory.afterCreateBytes)}`,
    ratio: null,
    target: '≤ 1 MB',
    status: (memory.initialBytes ?? memory.afterCreateBytes) <= INITIAL_MEMORY_LIMIT ? 'ok' : 'over',
  });
  log(`  read through ${memory.source}`);
  log(`  initial ${memory.initialBytes} B, after createGate ${memory.afterCreateBytes} B, after 1,000 ${memory.afterWarmBytes} B, after ${memory.decisions} ${memory.afterBytes} B (${(memory.elapsedMs / 1000).toFixed(1)} s)`);
  // Emscripten's memory only grows: flat over N decisions in M bytes bounds a leak below M / N.
  log(
    flat
      ? `  flat over ${memory.decisions.toLocaleString('en-US')} decisions in one Gate: a leak would be below ${(memory.afterBytes / memory.decisions).toFixed(2)} B per decision`
      : `  GREW by ${memory.afterBytes - memory.afterWarmBytes} B over ${memory.decisions.toLocaleString('en-US')} decisions in one Gate`,
  );
}

// ---------------------------------------------------------------------------------------------
// 4. Sizes: gzip -9, as tools/build.sh prints them (the gzip program when present).
function gzipBytes(path) {
  const data = readFileSync(path);
  try {
    return execFileSync('gzip', ['-9c'], { input: data, maxBuffer: 64 << 20 }).length;
  } catch {
    return gzipSync(data, { level: 9 }).length;
  }
}
log('\n== sizes (gzip -9)');
{
  const wasm = gzipBytes(`${ROOT}js/core/aalgate-core.wasm`);
  const glue = gzipBytes(`${ROOT}js/core/aalgate-core.mjs`);
  const target = { text: `≤ ${formatKB(BUDGET_BYTES)}`, ok: (bytes) => bytes <= BUDGET_BYTES };
  rows.push({
    section: 'size',
    name: 'Wasm + glue, gzip -9',
    value: formatKB(wasm + glue),
    baseline: `Wasm ${formatKB(wasm)} (${wasm} B) + glue ${formatKB(glue)} (${glue} B)`,
    ratio: (wasm + glue) / BUDGET_BYTES,
    target: target.text,
    status: statusOf(target, wasm + glue),
  });
  log(`  Wasm ${wasm} B + glue ${glue} B = ${wasm + glue} B (${formatKB(wasm + glue)}; budget ${formatKB(BUDGET_BYTES)})`);
}

// ---------------------------------------------------------------------------------------------
// 5. Native (Google Benchmark, Release).
const nativeBinary = `${ROOT}build/release/benchmarks/aalgate_bench`;
let native = null;
if (flag('--no-native')) {
  log('\n== native: skipped (--no-native)');
} else if (!existsSync(nativeBinary)) {
  log(`\n== native: ${nativeBinary} is missing (build it with: bash tools/build.sh --release)`);
} else {
  log('\n== native (Google Benchmark, build/release)');
  const bodyDir = `${ROOT}build/release/bench-bodies`;
  rmSync(bodyDir, { recursive: true, force: true });
  mkdirSync(bodyDir, { recursive: true });
  for (const body of bodies) writeFileSync(`${bodyDir}/${body.name}.json`, body.text);
  const out = execFileSync(
    nativeBinary,
    [
      `--bodies=${bodyDir}`,
      '--benchmark_format=json',
      // Many short repetitions in random order: each side's median sees the same spread of the
      // machine's moments (a shared machine's noise is ±20 % on a lone 0.05 s run).
      `--benchmark_min_time=${QUICK ? 0.005 : 0.01}`,
      `--benchmark_repetitions=${QUICK ? 11 : 31}`,
      '--benchmark_enable_random_interleaving=true',
      '--benchmark_report_aggregates_only=true',
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  native = JSON.parse(out);
  const medianOf = (name) => native.benchmarks.find((b) => b.run_name === name && b.aggregate_name === 'median');
  const failed = native.benchmarks.filter((b) => b.error_occurred);
  for (const b of failed) log(`  ${b.name}: ${b.error_message}`);
  const target = { text: '≥ 3.0×', ok: (ratio) => ratio >= 3 };
  for (const body of bodies) {
    const decide = medianOf(`decide_text/${body.name}`);
    const parse = medianOf(`json_parse/${body.name}`);
    if (!decide || !parse) continue;
    const ratio = decide.bytes_per_second / parse.bytes_per_second;
    rows.push({
      section: 'native',
      name: `native decide from text ${body.label}`,
      value: `${(decide.bytes_per_second / 1e6).toFixed(0)} MB/s`,
      baseline: `nlohmann::json::parse ${(parse.bytes_per_second / 1e6).toFixed(0)} MB/s`,
      ratio,
      target: target.text,
      status: statusOf(target, ratio),
      throughput: true,
    });
    log(`  ${body.label.padEnd(17)} decide ${(decide.bytes_per_second / 1e6).toFixed(0).padStart(5)} MB/s, nlohmann ${(parse.bytes_per_second / 1e6).toFixed(0).padStart(5)} MB/s  ${formatRatio(ratio)} the throughput`);
  }
  for (const [name, label] of [
    ['login_url/step_up', 'native build_login_url (step-up, return_to escaped)'],
    ['policy_match/100_rules', 'native requirement_for, 100-rule policy (last rule matches)'],
  ]) {
    const b = medianOf(name);
    if (!b) continue;
    rows.push({ section: 'native', name: label, value: formatNs(b.cpu_time), baseline: 'per call (CPU time)', ratio: null, target: 'reported', status: '' });
    log(`  ${label}: ${formatNs(b.cpu_time)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The table and BENCHMARKS.md.
const SECTIONS = {
  text: 'JS through Wasm: decide from whoami text ÷ JSON.parse of the same text',
  object: 'JS through Wasm: decide from an @ory/client-fetch Session ÷ the hand-written baseline',
  other: 'JS through Wasm: other calls',
  tokens: 'Per request: a Kratos tokenized session (JWT) ÷ a whoami round trip (issue 14)',
  startup: 'Startup',
  memory: 'Wasm memory',
  size: 'Size',
  native: 'Native (Google Benchmark, Release): decide ÷ nlohmann::json::parse throughput',
};
// A ratio, with the middle half of the rounds' ratios when there were rounds.
const ratioText = (row) => {
  if (row.ratio === null) return '—';
  if (row.throughput) return `${row.ratio.toFixed(2)}× the throughput`;
  const spread = row.spread ? ` (${row.spread.map((value) => value.toFixed(value >= 10 ? 1 : 2)).join('–')})` : '';
  return `${formatRatio(row.ratio)}${spread}`;
};

// One line per target of issue 10: the worst row of its kind decides ok / over.
function goals() {
  const of = (section, filter = () => true) => rows.filter((row) => row.section === section && row.status && filter(row));
  const worst = (list, pick) => list.reduce((a, b) => (pick(a, b) ? a : b));
  const summary = [];
  const ratioGoal = (target, list, higherIsWorse = true) => {
    if (list.length === 0) return;
    const low = worst(list, (a, b) => a.ratio <= b.ratio).ratio;
    const high = worst(list, (a, b) => a.ratio >= b.ratio).ratio;
    const unit = higherIsWorse ? '' : ' the throughput';
    const range = list.length > 1 ? `${formatRatio(low)} to ${formatRatio(high)}${unit} (${list.length} rows)` : `${formatRatio(high)}${unit}`;
    summary.push({ target, measured: range, status: list.every((row) => row.status === 'ok') ? 'ok' : 'over' });
  };
  ratioGoal('decide(text) ≤ 1.0× JSON.parse, 1.9 / 16 / 64 KB, ASCII and non-ASCII', of('text'));
  ratioGoal('decide(Session) ≤ 1.5× the hand-written baseline', of('object'));
  for (const row of of('size')) summary.push({ target: 'Wasm + glue ≤ 50 KB gzip', measured: row.value, status: row.status });
  for (const row of of('startup')) {
    summary.push({ target: 'compile + instantiate ≤ 2 ms after an earlier Wasm compile', measured: row.value, status: row.status });
  }
  ratioGoal('native decide from text ≥ 3× nlohmann::json::parse throughput', of('native'), false);
  for (const row of of('memory')) summary.push({ target: row.target === '≤ 1 MB' ? 'initial Wasm memory ≤ 1 MB' : `Wasm memory ${row.target}`, measured: row.value, status: row.status });
  return summary;
}

log('\n== summary');
const columns = ['measurement', 'aalgate', 'baseline', 'ratio', 'target', 'status'];
const table = rows.map((row) => [row.name, row.value, row.baseline, ratioText(row), row.target, row.status]);
const widths = columns.map((column, i) => Math.max(column.length, ...table.map((cells) => cells[i].length)));
log(columns.map((column, i) => column.padEnd(widths[i])).join('  '));
log(widths.map((width) => '-'.repeat(width)).join('  '));
for (const cells of table) log(cells.map((cell, i) => cell.padEnd(widths[i])).join('  '));

if (!flag('--no-write')) {
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`benchmarks/bench.mjs`); do not edit by hand, run it again.',
    '',
    'Every ratio is against a baseline measured in the same run. A JS ratio is the median of',
    `${ROUNDS} rounds in one Node process; a round runs ${SUB_BATCHES} batches of each side, alternating, of about`,
    `${(BATCH_MS / SUB_BATCHES).toFixed(0)} ms each, and times each side by its fastest batch. Its brackets hold the`,
    "middle half of the rounds' ratios (quartiles): the run's noise. Native ratios are of the",
    "medians of Google Benchmark's repetitions, run in random order.",
    "Targets are issue 10's; they are reported here, never asserted by a test.",
    '',
    '| | |',
    '|---|---|',
    `| date | ${environment.date} |`,
    `| command | \`${environment.command}\` |`,
    `| machine | ${environment.machine}, ${environment.cores} cores (load average ${environment.load} at start) |`,
    `| Node | ${environment.node} |`,
    `| Emscripten | ${environment.emscripten} |`,
    `| commit | ${environment.commit} |`,
  ];
  if (native) {
    lines.push(`| Google Benchmark | library build type: ${native.context.library_build_type} (Debian's libbenchmark; the code measured is the Release build) |`);
  }
  lines.push('', "## Issue 10's targets", '', '| target | measured | status |', '|---|---|---|');
  for (const goal of goals()) lines.push(`| ${goal.target} | ${goal.measured} | ${goal.status} |`);
  for (const [section, title] of Object.entries(SECTIONS)) {
    const sectionRows = rows.filter((row) => row.section === section);
    if (sectionRows.length === 0) continue;
    lines.push('', `## ${title}`, '', '| measurement | aalgate | baseline | ratio | target | status |', '|---|---|---|---|---|---|');
    for (const row of sectionRows) {
      lines.push(`| ${[row.name, row.value, row.baseline, ratioText(row), row.target, row.status].join(' | ')} |`);
    }
  }
  lines.push(
    '',
    '## What is measured',
    '',
    '- Bodies (`benchmarks/bodies.mjs`): the captured Ory Network whoami answer',
    '  (`tests/fixtures/kratos/real-whoami-200-aal1-cookie.json`, 1.9 KB) as is, and the same Session',
    '  grown to 16 KB and 64 KB with identity traits, addresses, devices and public metadata; the',
    '  non-ASCII bodies carry Japanese and accented Latin names, places and notes through the body.',
    '  Each is checked to parse and to decide (step_up) before it is timed.',
    `- Text rows: \`gate.decide(text, ${JSON.stringify(STEP_UP)})\` on a Lax gate`,
    '  (`session.whoami.required_aal: aal1`), against `JSON.parse(text)` alone.',
    '- Session rows: `SessionFromJSON` of the 1.9 KB body (timestamps as `Date`s), decided by the gate',
    '  and by `benchmarks/baseline.js` (what a user writes by hand: field checks and the URL; checked',
    '  against the core on the conformance cases it can express by `tests/js/baseline.test.js`); the',
    '  two give the same verdict and URL. allow: `{ aal: aal1, maxAge: 3600 }`; step-up: as the text rows.',
    '- Tokens (`benchmarks/tokens.mjs`, issue 14): the Kratos emulator on 127.0.0.1 in this process',
    '  (Strict), ada signed in with password and TOTP; the JWTs of that session the emulator mints',
    "  at `whoami?tokenize_as=` (`aalgate.jsonnet` run by Debian's `jsonnet`) with its ES256, RS256",
    '  and Ed25519 keys, verified against its public JWKS (an object: a JWKS URL is fetched once and',
    '  cached, so a request costs the same). Subject:',
    '  `verifier.verify(jwt)` then `gate.decideRequest(token, POST /billing/pay)`; baseline: `fetch`',
    '  whoami with the cookie (Node\'s fetch, connection kept alive), read the body, `decideRequest`.',
    '  Both give allow with the same aal before timing. Worker row: `createWorkerGate` with',
    '  `tokens`, `check(Request)` with `Authorization: Bearer` (no whoami call) against the same',
    `  worker's \`check(Request)\` with the cookie. Async calls one after another, ${ROUNDS} rounds`,
    '  alternating which side goes first; the ratio is the median of the rounds\' ratios. Loopback',
    '  is the best case for whoami: a real Kratos is a network hop away.',
    '- Startup: child processes (`benchmarks/startup.mjs`), median of',
    `  ${STARTUP_RUNS} each: \`WebAssembly.compile\` of the .wasm bytes plus instantiation through`,
    '  `js/loader/instantiate.js` (glue and Embind setup included), in a fresh process and after',
    "  compiling another small module; `import('aalgate')` plus `createGate` in a fresh process.",
    '- Memory (`benchmarks/memory.mjs`, a child process): the Wasm Memory as the instance exports it',
    '  (WebAssembly.instantiate wrapped before the core loads), over round-robin decisions in one Gate',
    '  from text (1.9 KB, 16 KB non-ASCII), Sessions, parsed objects, no session, an invalid body, a',
    '  worker request and a Kratos error (recover), one in 16 explained, with 1,000 distinct',
    '  requirements (maxAge and returnTo vary); "flat" compares the size after the first 1,000',
    '  decisions with the size at the end ("flat so far": flat, but the time budget',
    '  (`--memory-budget`) stopped the run before the decisions asked). The memory only grows, so',
    '  flat over N decisions in M bytes bounds a leak below M / N bytes per decision.',
    `- Size: gzip -9 of \`js/core/aalgate-core.wasm\` and \`js/core/aalgate-core.mjs\`; 1 KB = 1000 B`,
    '  as in DESIGN.md\'s size table; the ratio is to the 50 KB budget.',
    '- Native (`benchmarks/decide_bench.cpp`): `aalgate::decide` from each body as text and',
    '  `nlohmann::json::parse` of it, bytes/s (CPU time); `build_login_url` for a step-up with a',
    '  return_to to escape; `requirement_for` through 100 rules (literal, `*`, `**`, methods) whose last',
    '  one matches.',
    '',
  );
  writeFileSync(`${ROOT}BENCHMARKS.md`, lines.join('\n'));
  log('\nwrote BENCHMARKS.md');
}
if (kept.every((result) => result === null)) throw new Error('nothing was timed');
