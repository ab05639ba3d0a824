// Issue 14's measurement, for benchmarks/bench.mjs: what one request costs a worker that decides
// from Kratos's tokenized session (verify the JWT with aalgate/tokens, then decide) against one
// that asks whoami (a round trip to the Kratos emulator on loopback, then decide), in the same
// process and the same run; ratios, never asserted.
//
// Both sides are async: a round runs a calibrated number of sequential calls of each side,
// alternating which goes first, and keeps each side's time per call; the ratio is the median of
// the rounds' ratios, with the quartiles as its spread.
import { performance } from 'node:perf_hooks';

import { createGate } from 'aalgate';
import { createTokenVerifier } from 'aalgate/tokens';
import { createWorkerGate } from 'aalgate/worker';

import { startKratosEmulator } from '../tools/kratos-emulator/emulator.mjs';
import { MAPPER_URL } from '../tools/kratos-emulator/tokenize.mjs';

// The emulator's keys and a template per key (aalgate.jsonnet, run by Debian's jsonnet), with a
// ttl that outlasts the run.
const ALGS = ['ES256', 'RS256', 'EdDSA'];
const TEMPLATES = Object.fromEntries(ALGS.map((alg) => [`bench-${alg.toLowerCase()}`, { ttl: '1h', claims_mapper_url: MAPPER_URL, alg }]));

const POLICY = { rules: [{ path: '/billing/**', aal: 'aal2', maxAge: '10m' }], default: { aal: 'aal1' } };
const URL_PAY = 'https://app.example.com/billing/pay?invoice=4711';

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
};

async function timeCalls(fn, calls) {
  const start = performance.now();
  for (let i = 0; i < calls; i += 1) await fn();
  return ((performance.now() - start) * 1e6) / calls; // ns per call
}

async function calibrate(fn, targetMs) {
  let calls = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < calls; i += 1) await fn();
    const ms = performance.now() - start;
    if (ms >= targetMs / 4 || calls >= 1 << 20) return Math.max(1, Math.round((calls * targetMs) / Math.max(ms, 1e-3)));
    calls *= 2;
  }
}

/** Subject ÷ baseline per call, both async: `{ subjectNs, baselineNs, ratio, spread }`. */
export async function compareAsync(subject, baseline, { rounds, batchMs }) {
  const subjectCalls = await calibrate(subject, batchMs);
  const baselineCalls = await calibrate(baseline, batchMs);
  await timeCalls(subject, subjectCalls); // warm-up, discarded
  await timeCalls(baseline, baselineCalls);
  const s = [];
  const b = [];
  const ratios = [];
  for (let round = 0; round < rounds; round += 1) {
    let sNs;
    let bNs;
    if (round % 2 === 0) {
      sNs = await timeCalls(subject, subjectCalls);
      bNs = await timeCalls(baseline, baselineCalls);
    } else {
      bNs = await timeCalls(baseline, baselineCalls);
      sNs = await timeCalls(subject, subjectCalls);
    }
    s.push(sNs);
    b.push(bNs);
    ratios.push(sNs / bNs);
  }
  return { subjectNs: quantile(s, 0.5), baselineNs: quantile(b, 0.5), ratio: quantile(ratios, 0.5), spread: [quantile(ratios, 0.25), quantile(ratios, 0.75)] };
}

/**
 * Runs the measurements; returns rows for bench.mjs's table (section `tokens`).
 * @param {{ rounds: number, batchMs: number, formatNs: Function, formatRatio: Function, log: Function }} options
 */
export async function tokenRows({ rounds, batchMs, formatNs, formatRatio, log }) {
  const kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, tokenKeys: ALGS, tokenizeTemplates: TEMPLATES });
  const K = kratos.url.replace(/\/+$/, '');
  const rows = [];
  try {
    // ada with her second factor: whoami answers 200 with an aal2 session (Strict).
    const cookie = await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] });
    const gate = await createGate({ baseUrl: K, policy: POLICY });

    // That session's tokens, as the emulator's tokenizer mints them for each kind of key.
    const tokens = {};
    for (const alg of ALGS) {
      const res = await fetch(`${K}/sessions/whoami?tokenize_as=bench-${alg.toLowerCase()}`, { headers: { cookie } });
      tokens[alg] = (await res.json()).tokenized;
      if (typeof tokens[alg] !== 'string') throw new Error(`the emulator gave no ${alg} token (${res.status})`);
    }
    const { jwks, issuer } = kratos;
    const verifier = createTokenVerifier({ jwks, issuer });

    // Both ways must reach the same decision before anything is timed.
    const request = { method: 'POST', url: URL_PAY };
    const fromWhoami = async () => {
      const res = await fetch(`${K}/sessions/whoami`, { headers: { cookie, accept: 'application/json' } });
      return gate.decideRequest({ status: res.status, body: await res.text() }, request);
    };
    const fromToken = (alg) => async () => gate.decideRequest(await verifier.verify(tokens[alg]), request);
    const expected = await fromWhoami();
    if (expected.verdict !== 'allow') throw new Error(`whoami: ${expected.verdict} (${expected.reason}), not allow`);
    for (const alg of Object.keys(tokens)) {
      const d = await fromToken(alg)();
      if (d.verdict !== 'allow' || d.aal !== expected.aal) throw new Error(`${alg} token: ${d.verdict} (${d.reason}), whoami: allow`);
    }

    log('\n== per request: token verify + decide ÷ whoami round trip to the emulator (loopback) + decide');
    for (const alg of Object.keys(tokens)) {
      const result = await compareAsync(fromToken(alg), fromWhoami, { rounds, batchMs });
      rows.push({
        section: 'tokens',
        name: `verify (${alg}) + gate.decideRequest(token)`,
        value: formatNs(result.subjectNs),
        baseline: `fetch whoami (loopback) + decideRequest ${formatNs(result.baselineNs)}`,
        ratio: result.ratio,
        spread: result.spread,
        target: 'reported',
        status: '',
      });
      log(`  ${alg.padEnd(6)} ${formatNs(result.subjectNs).padStart(10)} vs ${formatNs(result.baselineNs).padStart(10)}  ${formatRatio(result.ratio)}`);
    }

    // The worker as a whole (aalgate/worker in Node): check(Request) with the Bearer token
    // against check(Request) with the cookie (whoami asked through js/kratos.js).
    const worker = await createWorkerGate({ baseUrl: K, policy: POLICY, tokens: { jwks, issuer } });
    const withToken = () => worker.check(new Request(URL_PAY, { method: 'POST', headers: { authorization: `Bearer ${tokens.ES256}` } }));
    const withCookie = () => worker.check(new Request(URL_PAY, { method: 'POST', headers: { cookie } }));
    for (const [label, check] of [['token', withToken], ['cookie', withCookie]]) {
      const d = await check();
      if (d.verdict !== 'allow') throw new Error(`worker check with the ${label}: ${d.verdict} (${d.reason})`);
    }
    const whoamiBefore = kratos.counters.whoami;
    await withToken();
    if (kratos.counters.whoami !== whoamiBefore) throw new Error('the token check asked whoami');
    const result = await compareAsync(withToken, withCookie, { rounds, batchMs });
    rows.push({
      section: 'tokens',
      name: 'aalgate/worker check(Request): Bearer token (ES256)',
      value: formatNs(result.subjectNs),
      baseline: `check(Request) with the cookie: whoami on loopback ${formatNs(result.baselineNs)}`,
      ratio: result.ratio,
      spread: result.spread,
      target: 'reported',
      status: '',
    });
    log(`  worker ${formatNs(result.subjectNs).padStart(10)} vs ${formatNs(result.baselineNs).padStart(10)}  ${formatRatio(result.ratio)}`);
    worker.dispose();
    gate.dispose();
  } finally {
    await kratos.close();
  }
  return rows;
}
