// The Wasm build and the native build decide the same (issue 13, item 6).
//
//   node tests/differential/differential.mjs --driver build/sanitize/fuzz/aalgate_differential
//     [--cases N] [--seed S] [--corpus build/fuzz-corpus] [--keep DIR]
//
// Inputs go through the public JS API (createGate, decide, recover, decideRequest,
// requirementFor, parseChallenge, and the integrations' isSelfServiceUrl; verified tokens from
// aalgate/tokens as whoami), so through the JS
// normalisation, the call block, the session record and the Wasm core, and, as JSON lines in
// batches, through one process of the native driver (fuzz/differential_driver.cpp, the core built
// natively with ASan + UBSan). Every answer must be equal: the Decision (verdict, url, reason, aal,
// requiredAal, warnings, challenge), its explanation, sessionExpiresAt, or the AalgateError's code
// and message; a route; a challenge.
// Inputs, in this order:
//  1. every case of tests/conformance/ (whatever it expects), with and without an explanation;
//  2. what the libFuzzer targets kept (fuzz/corpus/<target>/ and, after tools/fuzz.sh,
//     build/fuzz-corpus/<target>/): bodies decided and recovered under several configurations
//     and requirements, configurations, requirements, challenges, routes;
//  3. N generated cases (seeded: --seed, default random and printed): configurations, sessions,
//     Session objects, Kratos error bodies, requirements and requests built from pools of values
//     at the edges the contract names, then mutated (fields dropped, retyped, text cut, bytes
//     changed, keys repeated).
// The native side gets exactly the bytes the JS side sends to the core: a body as UTF-8 (a lone
// surrogate as U+FFFD, as TextEncoder writes it), a Session object as the session record
// js/record.js writes (or the JSON text the JS falls back to, normalize.js stringifyWhoami), a
// configuration, requirement and request as normalize.js serialises them. Every requirement and
// request carries `now` (never the clock). A Session object's answer is also compared with the
// native answer for its JSON text (its twin), unless either is over maxBodyBytes (a record and its
// text differ in length).
// A difference prints both answers and the input, is written to --keep (default
// build/differential-failures/) as a JSON file, and makes the exit status 1.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

import { AalgateError, createGate } from 'aalgate';

import { INTERNAL } from '../../js/marshal.js';
import { BODY_OVER_LIMIT, configToJson, coreString, normalizeWhoami, requestToJson, requirementToJson, stringifyWhoami } from '../../js/normalize.js';
import { writeSessionRecord } from '../../js/record.js';
import { verifiedClaimsOf } from '../../js/verified.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args[at + 1];
};
const DRIVER = option('--driver', join(ROOT, 'build/sanitize/fuzz/aalgate_differential'));
const CASES = Number(option('--cases', '20000'));
const SEED = Number(option('--seed', String(Math.floor(Math.random() * 2 ** 31))));
const CORPUS = option('--corpus', join(ROOT, 'build/fuzz-corpus'));
const KEEP = option('--keep', join(ROOT, 'build/differential-failures'));
const BATCH = 400;
const MAX_REPORTED = 20;

// ---------------------------------------------------------------------------------------------
// The native driver: one process, calls written as lines, answers read back in order.
class Native {
  constructor(driver, publicSuffixFile) {
    this.child = spawn(driver, [publicSuffixFile], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.on('error', (error) => this.fail(error));
    this.exited.then(({ code, signal }) => this.fail(new Error(`the native driver exited (${signal ?? code})`)));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (next !== undefined) next.resolve(JSON.parse(line));
    });
  }

  fail(error) {
    for (const { reject } of this.waiting.splice(0)) reject(error);
  }

  run(calls) {
    const answers = calls.map(() => new Promise((resolve, reject) => this.waiting.push({ resolve, reject })));
    this.child.stdin.write(`${calls.map((call) => JSON.stringify(call)).join('\n')}\n`);
    return Promise.all(answers);
  }

  async close() {
    this.child.stdin.end();
    return this.exited;
  }
}

// ---------------------------------------------------------------------------------------------
// A case: { config, op, whoami?, input?, method?, url?, header?, form } in JS values. `js(gate)`
// and `native()` give the two answers in one shape.
const b64 = (text) => Buffer.from(text, 'utf8').toString('base64');

// What the core gets for a whoami / error argument of the JS API (normalize.js).
function outcomeOf(value, statusWhenNotGiven) {
  if (value === null || value === undefined) return { kind: 0, status: 0, body: '' };
  if (typeof value === 'string') return { kind: 1, status: statusWhenNotGiven, body: value };
  if (value.failure === 'unreachable') return { kind: 2, status: 0, body: '' };
  if (value.failure === 'timeout') return { kind: 3, status: 0, body: '' };
  if (typeof value.status === 'number') {
    if (value.body === BODY_OVER_LIMIT) return { kind: 1, status: value.status, body: '', overLimit: true };
    const body = value.body === undefined ? '' : typeof value.body === 'string' ? value.body : stringifyWhoami(value.body);
    return { kind: 1, status: value.status, body };
  }
  return { kind: 1, status: statusWhenNotGiven, body: stringifyWhoami(value) };
}

// A Session object crosses to the Wasm core as the session record js/record.js writes (js/call.js),
// or as its JSON text when the record cannot stand for it: the native core gets the same bytes, the
// whole record (no limit here: the core's rule, body.size() > maxBodyBytes in decide.cpp, measures
// it natively, js/call.js's early measure in Wasm). undefined: the text path.
const recordEncoder = new TextEncoder();
function sessionRecordOf(c) {
  if (c.op !== 'decide' && c.op !== 'decideRequest') return undefined;
  const outcome = normalizeWhoami(c.whoami);
  if (outcome.session === undefined) return undefined;
  let buffer = new ArrayBuffer(4096);
  const space = { u8: new Uint8Array(buffer), f64: new Float64Array(buffer), base: 0, capacity: buffer.byteLength, limit: Number.MAX_SAFE_INTEGER };
  space.reserve = (bytes) => {
    if (bytes <= space.capacity) return;
    const grown = new ArrayBuffer(Math.max(Math.ceil(bytes / 8) * 8, space.capacity * 2));
    new Uint8Array(grown).set(space.u8);
    buffer = grown;
    Object.assign(space, { u8: new Uint8Array(buffer), f64: new Float64Array(buffer), capacity: buffer.byteLength });
  };
  const length = writeSessionRecord(outcome.session, space, recordEncoder);
  return length < 0 ? undefined : Buffer.from(space.u8.subarray(0, length)).toString('base64');
}

// The same case with its Session object as JSON text (the record's twin: the object and its text
// decide the same, unless one of them is over maxBodyBytes, which measures the bytes the core
// reads: the record's or the text's, DESIGN.md "Limits").
function asText(c) {
  const w = c.whoami;
  return { ...c, whoami: typeof w.status === 'number' ? { status: w.status, body: stringifyWhoami(w.body) } : stringifyWhoami(w) };
}

function nativeCall(c) {
  const call = { config: configToJson(c.config), op: c.op };
  if (c.op === 'parseChallenge') return { ...call, header: b64(c.header) };
  // As js/index.js passes them: a string that is not well-formed (or not a string) as "".
  if (c.op === 'requirementFor') return { ...call, method: coreString(c.method) ?? '', url: coreString(c.url) ?? '' };
  if (c.op === 'isSelfServiceUrl') return { ...call, url: coreString(c.url) ?? '' };
  if (c.token !== undefined) {
    // A verified token: the core gets its claims' JSON text (js/verified.js), body format 2.
    const input = c.op === 'decideRequest' ? requestToJson(c.input) : requirementToJson(c.input);
    return { ...call, kind: 1, status: 200, body: b64(verifiedClaimsOf(c.token)), format: 2, input };
  }
  const outcome = outcomeOf(c.whoami, c.op === 'recover' ? 0 : 200);
  // wasm/bindings.cpp outcome(): a status that is not a whole HTTP code (100 to 599) reaches
  // the core as 0 (for recover: not given, error.code is read).
  const whole = Number.isInteger(outcome.status) && outcome.status >= 100 && outcome.status <= 599;
  const record = sessionRecordOf(c);
  return {
    ...call,
    kind: outcome.kind,
    status: whole ? outcome.status : 0,
    ...(record === undefined ? { body: b64(outcome.body) } : { body: record, format: 1 }),
    ...(outcome.overLimit ? { overLimit: true } : {}),
    input: c.op === 'decideRequest' ? requestToJson(c.input) : requirementToJson(c.input),
  };
}

// The native answer in the JS API's shape: an AalgateError's message is "<code> <message>".
function fromNative(answer, c) {
  if (answer.error) return { error: { code: answer.error.code, message: `${answer.error.code} ${answer.error.message}` } };
  if (answer.decision) {
    const out = { decision: answer.decision, explanation: answer.explanation };
    if (c.op !== 'recover') out.sessionExpiresAt = answer.sessionExpiresAt;
    if (answer.explainChanged) out.explainChanged = answer.explainChanged;
    return out;
  }
  return answer;
}

function errorOf(error) {
  if (error instanceof AalgateError) return { error: { code: error.code, message: error.message } };
  return { threw: String(error?.stack ?? error) };
}

const plain = (value) => JSON.parse(JSON.stringify(value));
function decisionPart(d) {
  const { explanation, ...rest } = d;
  return rest;
}

function fromJs(gate, c) {
  try {
    switch (c.op) {
      case 'parseChallenge':
        return { challenge: gate.parseChallenge(c.header) };
      case 'requirementFor':
        return { route: plain(gate.requirementFor(c.method, c.url)) };
      case 'isSelfServiceUrl':
        return { selfService: gate[INTERNAL].isSelfServiceUrl(c.url) };
      case 'recover': {
        const d = gate.recover(c.whoami, c.input, { explain: true });
        const again = gate.recover(c.whoami, c.input);
        const out = { decision: decisionPart(d), explanation: plain(d.explanation) };
        if (!isDeepStrictEqual(decisionPart(again), out.decision)) out.explainChanged = decisionPart(again);
        return plain(out);
      }
      default: {
        const kind = c.op === 'decideRequest' ? 'request' : 'requirement';
        const whoami = c.token ?? c.whoami;
        const d = c.op === 'decideRequest' ? gate.decideRequest(whoami, c.input, { explain: true }) : gate.decide(whoami, c.input, { explain: true });
        const internal = gate[INTERNAL].decide(whoami, c.input, kind);
        const out = { decision: decisionPart(d), explanation: plain(d.explanation), sessionExpiresAt: internal.sessionExpiresAt };
        if (!isDeepStrictEqual(decisionPart(internal.decision), out.decision)) out.explainChanged = decisionPart(internal.decision);
        return plain(out);
      }
    }
  } catch (error) {
    return errorOf(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Running cases: grouped by configuration (one Gate each), in batches.
const stats = { cases: 0, differences: 0, byOp: {}, byVerdict: {}, phaseVerdicts: {}, phases: [], tokens: 0, tokensRefused: 0, twins: 0 };
let reported = 0;

function report(c, js, native, where) {
  stats.differences += 1;
  if (reported >= MAX_REPORTED) return;
  reported += 1;
  mkdirSync(KEEP, { recursive: true });
  const file = join(KEEP, `difference-${SEED}-${stats.differences}.json`);
  const input = { where, seed: SEED, case: c, nativeCall: nativeCall(c) };
  writeFileSync(file, `${JSON.stringify({ ...input, js, native }, null, 2)}\n`);
  console.log(`DIFFERENCE (${where}), kept in ${file}`);
  console.log(`  input:  ${JSON.stringify(c).slice(0, 600)}`);
  console.log(`  wasm:   ${JSON.stringify(js).slice(0, 600)}`);
  console.log(`  native: ${JSON.stringify(native).slice(0, 600)}`);
}

// What must be equal: everything (a Session object reaches both cores as the same record).
// A requirement that is not an object (null: `{}`) decides on each side's clock: its
// explanation's times differ by the microseconds between the two calls, so only its steps' rules
// are compared then (the decision whole).
function comparable(c, answer) {
  const why = answer.explanation;
  if (why === undefined || why === null || typeof why !== 'object') return answer;
  if (usesClock(c)) return { ...answer, explanation: { steps: why.steps.map(({ rule, applies }) => ({ rule, applies })) } };
  return answer;
}

// A Session object's answer against its JSON text's: the record's problem text is shorter
// (DESIGN.md "Explanations"; tests/js/explain.test.js), only its field is compared then (and the
// last step's rule, whose check quotes the problem).
function asTwin(c, answer) {
  const same = comparable(c, answer);
  const why = same.explanation;
  if (why === undefined || why === null || typeof why !== 'object' || !why.problem) return same;
  const steps = why.steps.map((step, i) => (i === why.steps.length - 1 ? { rule: step.rule, applies: step.applies } : step));
  return { ...same, explanation: { ...why, problem: { field: why.problem.field }, steps } };
}

function usesClock(c) {
  const input = c.input;
  return (c.op === 'decide' || c.op === 'recover' || c.op === 'decideRequest') && (input === null || typeof input !== 'object');
}

const gates = new Map();
async function gateFor(config) {
  const key = configToJson(config);
  if (!gates.has(key)) {
    if (gates.size > 64) {
      for (const gate of gates.values()) if (gate.gate) gate.gate.dispose();
      gates.clear();
    }
    try {
      gates.set(key, { gate: await createGate(config) });
    } catch (error) {
      gates.set(key, { error: errorOf(error) });
    }
  }
  return gates.get(key);
}

// A Session object with a lone surrogate in a string or key outside the fields that decide: its
// record is read (DESIGN.md, "an object is judged by the fields that decide") while its JSON text
// (\udXXX escapes) is not JSON to the core, so it has no text twin.
function hasLoneSurrogate(value, depth = 0) {
  if (typeof value === 'string') return !value.isWellFormed();
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  return Object.entries(value).some(([key, item]) => !key.isWellFormed() || hasLoneSurrogate(item, depth + 1));
}


// Claims (`whoami: { claims }`) become a token: signed with an ES256 test key and verified by
// aalgate/tokens at the call's `now`, as tests/js/conformance.test.js does; the core then decides
// from the verified claims (js/verified.js). A claims set the verifier refuses (its exp, nbf or
// iat against that now, its iss) is counted and left out: the core never sees it.
let signingKey;
async function withToken(c) {
  if (c.whoami === null || typeof c.whoami !== 'object' || !Object.hasOwn(c.whoami, 'claims')) return c;
  const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
  const { createTokenVerifier } = await import('aalgate/tokens');
  signingKey ??= await (async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'differential', alg: 'ES256', use: 'sig' };
    return { privateKey, jwks: { keys: [jwk] } };
  })();
  const { claims } = c.whoami;
  try {
    const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'differential', typ: 'JWT' }).sign(signingKey.privateKey);
    const verifier = createTokenVerifier({ jwks: signingKey.jwks, issuer: typeof claims.iss === 'string' && claims.iss !== '' ? claims.iss : 'https://auth.example.com' });
    return { ...c, token: await verifier.verify(jwt, { now: c.input?.now }) };
  } catch {
    stats.tokensRefused += 1;
    return null;
  }
}

async function runCases(native, cases, where) {
  for (let start = 0; start < cases.length; start += BATCH) {
    const batch = (await Promise.all(cases.slice(start, start + BATCH).map(withToken))).filter((c) => c !== null);
    const jsAnswers = [];
    for (const c of batch) {
      const made = await gateFor(c.config);
      jsAnswers.push(made.error ?? fromJs(made.gate, c));
    }
    // A Session object the Wasm core got as a record: the native core gets the record, and its
    // JSON text too (the twin).
    const calls = batch.map(nativeCall);
    const twins = batch.map((c, i) => (calls[i].format === 1 && !hasLoneSurrogate(c.whoami) ? asText(c) : undefined));
    const twinAt = [];
    twins.forEach((twin, i) => {
      if (twin !== undefined) twinAt[i] = calls.push(nativeCall(twin)) - 1;
    });
    const nativeAnswers = await native.run(calls);
    batch.forEach((c, i) => {
      const js = jsAnswers[i];
      const nat = fromNative(nativeAnswers[i], c);
      if (twins[i] !== undefined) {
        const text = fromNative(nativeAnswers[twinAt[i]], twins[i]);
        const overLimit = (answer) => answer.decision?.reason === 'body_too_large';
        stats.twins += 1;
        if (!overLimit(js) && !overLimit(text) && !isDeepStrictEqual(asTwin(c, js), asTwin(c, text))) report(c, js, text, `${where}, against its JSON text`);
      }
      stats.cases += 1;
      stats.byOp[c.op] = (stats.byOp[c.op] ?? 0) + 1;
      if (c.token !== undefined) stats.tokens += 1;
      const verdict = js.decision?.verdict ?? (js.error ? `error ${js.error.code.split(/[.[]/)[0]}` : Object.keys(js)[0]);
      stats.byVerdict[verdict] = (stats.byVerdict[verdict] ?? 0) + 1;
      stats.phaseVerdicts[verdict] = (stats.phaseVerdicts[verdict] ?? 0) + 1;
      if (!isDeepStrictEqual(comparable(c, js), comparable(c, nat)) || js.explainChanged || js.threw) report(c, js, nat, where);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// A seeded PRNG (mulberry32) and the pools of values.
let state = SEED >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(random() * n);
const pick = (list) => list[int(list.length)];
const chance = (p) => random() < p;

const T0 = Date.parse('2026-08-01T10:00:00Z');
const iso = (ms) => new Date(ms).toISOString();
const TIMESTAMPS = () => [
  iso(T0),
  iso(T0 - 30_000),
  iso(T0 + 86_400_000),
  '2026-08-01T10:00:00.123456789Z',
  '2026-08-01T12:00:00+02:00',
  '2026-08-01t10:00:00z',
  '2026-08-01T10:09:60Z',
  '2026-02-29T10:00:00Z',
  '2024-02-29T10:00:00Z',
  '2026-08-01T24:00:00Z',
  '2026-08-01 10:00:00Z',
  '2026-08-01T10:00:00',
  '2026-08-01T10:00:00.Z',
  '2026-08-01T10:00:00.1234567890Z',
  '2026-08-01T10:00:00-23:59',
  '2026-08-01T10:00:00+24:00',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999999Z',
  '1970-01-01T00:00:00Z',
  '',
  iso(T0 + int(7200) * 1000 - 3_600_000),
  iso(T0 + int(86_400) * 1000),
];
const AALS = ['aal0', 'aal1', 'aal2', 'aal3', '', 'AAL2', 'aal9', 'aal2 ', 'aal1\u0000'];
const METHODS = ['password', 'totp', 'webauthn', 'lookup_secret', 'oidc', 'saml', 'code', 'passkey', 'link_recovery', '', 'Password'];
const ODD = [null, true, false, 0, -1, 1.5, 1e400, '', 'x', [], {}, [1], { a: 1 }, '\ud800', 'é'];
const STRINGS = ['', ' ', 'a', 'x'.repeat(70), 'ü', '日本', '\u0000', '\u001f', '\u007f', '\u0085', '\\', '"', '%', '%zz', '\ud83d\ude00', '\ud800', '\udc00x', '<script>', 'a b', '\u2028'];
const URLS = [
  'https://app.example.com/billing',
  'https://app.example.com/billing?x=1&y=%20#frag',
  'https://APP.example.com:443/billing',
  'https://app.example.com:8443/x',
  'http://app.example.com/x',
  'https://auth.example.com/self-service/settings/browser',
  'https://auth.example.com/.ory/self-service/login/browser?aal=aal2',
  'https://sub.app.example.com/a',
  'https://evil.example.org/',
  'https://app.example.com.evil.org/',
  'https://app.example.com@evil.org/',
  'https://@app.example.com/',
  '//evil.example.org/x',
  '/billing',
  '/billing/../admin',
  'billing',
  '?x=1',
  '#f',
  ' https://app.example.com/',
  'https://app.example.com/ spaced path',
  'https://app.example.com/\u0001',
  'https://app.example.com/\\x',
  'https://app.example.com/%zz',
  'https://app.example.com/%2e%2e/%2F',
  'https://app.example.com/ü/日本',
  'https://xn--bcher-kva.example/',
  'https://bücher.example/',
  'myapp://callback/x',
  'javascript:alert(1)',
  'data:text/html,x',
  'https://[::1]:8443/x',
  'https://127.0.0.1/x',
  'https://app.example.com/\ud800',
  '',
  `https://app.example.com/${'a'.repeat(3000)}`,
];
const BASES = [
  'https://auth.example.com',
  'https://auth.example.com/.ory',
  'https://auth.example.com/.ory/',
  'HTTPS://Auth.Example.COM:443/x//',
  'http://127.0.0.1:4433',
  'https://[::1]:8443',
  'https://bücher.example',
  'https://auth.example.com:65535',
  'https://auth.example.com:65536',
  'https://user@auth.example.com',
  'https://auth.example.com?x',
  'https://auth.example.com#',
  'ftp://auth.example.com',
  'https://auth example.com',
  '',
  42,
];
const ALLOWED = [
  'https://app.example.com/',
  'https://app.example.com/billing',
  'https://*.example.com',
  'https://*.example.com/x',
  'https://*foo.example.com',
  'https://*.co.uk',
  'https://*.vercel.app',
  'https://*',
  'https://www.ory.*',
  'https://a.*.example.com',
  'https://*.公司.cn',
  'https://*.xn--55qx5d.cn',
  'myapp://callback',
  'https://user@app.example.com',
  'not a url',
  '/relative',
  '',
  7,
];
const ORIGINS = ['https://accounts.google.com', 'https://ui.example.com/', 'https://hydra.example.com:4444', 'https://x.example.com/path', 'ftp://x', ''];
const DURATIONS = ['10m', '1h30m', '300ms', '1.5h', '0', '0s', '-1s', '+1s', '5', '1d', '', ' 10m', '15m', '2562047h47m16.854775807s', '2562047h47m16.854775808s', '9223372036854775807ns', '1µs', '1us', '.5s', '1.s', '1e3s'];
const NUMBERS = [0, 1, 59.5, 600, 3600, -1, -0, 1e21, 1e-7, 2 ** 53, 9.3e9, 9.2233720368547e9, 3.1536e11, 0.0005, 599.9999999];
const PATHS = ['/', '/billing/**', '/billing/*', '/public/**', '/files/*.pdf', '/a/**/b', '/x**', 'no-slash', '/account/**', '/api/*/items', ''];
const POLICY_AALS = ['aal1', 'aal2', 'none', 'lax', 'strict', 'highest_available', 'aal3', ''];
const KRATOS_IDS = [
  'session_aal2_required',
  'session_refresh_required',
  'session_already_available',
  'session_aal1_required',
  'session_inactive',
  'browser_location_change_required',
  'self_service_flow_return_to_forbidden',
  'self_service_flow_expired',
  'security_csrf_violation',
  'Weird-Id.v2',
  '',
  'x'.repeat(100),
];

// ---------------------------------------------------------------------------------------------
// Generators.
function maybe(p, make) {
  return chance(p) ? make() : undefined;
}

function genConfig() {
  // Mostly valid (about one configuration in six is refused), so that most cases decide.
  const config = { baseUrl: chance(0.96) ? pick(BASES.slice(0, 8)) : pick(BASES) };
  if (chance(0.1)) config.flow = chance(0.9) ? pick(['browser', 'api']) : pick(['API', '', 1]);
  if (chance(0.35)) config.allowedReturnUrls = Array.from({ length: int(4) }, () => pick(chance(0.97) ? ALLOWED.slice(0, 5).concat(['myapp://callback']) : ALLOWED));
  if (chance(0.15)) config.redirectOrigins = Array.from({ length: 1 + int(2) }, () => pick(chance(0.9) ? ORIGINS.slice(0, 3) : ORIGINS));
  if (chance(0.2)) config.leeway = chance(0.5) ? pick(NUMBERS) : pick(chance(0.8) ? DURATIONS.slice(0, 4) : DURATIONS);
  if (chance(0.4)) {
    const kratos = {};
    const dotted = chance(0.5);
    const put = (path, value) => {
      if (dotted) kratos[path] = value;
      else {
        const keys = path.split('.');
        let at = kratos;
        for (const key of keys.slice(0, -1)) at = at[key] ??= {};
        at[keys.at(-1)] = value;
      }
    };
    const rarely = (good, bad) => (chance(0.95) ? pick(good) : pick(bad));
    if (chance(0.6)) put('session.whoami.required_aal', rarely(['aal1', 'highest_available'], ['aal2', '']));
    if (chance(0.4)) put('selfservice.flows.settings.required_aal', rarely(['aal1', 'highest_available'], ['aal3']));
    if (chance(0.4)) put('selfservice.flows.settings.privileged_session_max_age', rarely(['15m', '1h30m', '0s', '300ms', '2562047h47m16.854775807s'], DURATIONS));
    if (chance(0.3)) put('selfservice.default_browser_return_url', rarely(URLS.slice(0, 9), URLS));
    if (chance(0.05)) put('serve.public.base_url', 'https://x');
    config.kratos = chance(0.97) ? kratos : pick(ODD);
  }
  if (chance(0.25)) {
    const rule = () => {
      const r = { path: pick(chance(0.95) ? PATHS.slice(0, 6).concat(PATHS.slice(8, 10)) : PATHS) };
      if (chance(0.3)) r.methods = Array.from({ length: 1 + int(2) }, () => pick(chance(0.95) ? ['GET', 'post', 'PUT', 'DELETE'] : ['', 1]));
      if (chance(0.8)) r.aal = pick(chance(0.95) ? POLICY_AALS.slice(0, 6) : POLICY_AALS);
      if (chance(0.3)) r.maxAge = chance(0.5) ? pick(NUMBERS) : pick(chance(0.8) ? DURATIONS.slice(0, 4) : DURATIONS);
      if (chance(0.2)) r.operation = chance(0.95) ? pick(['settings', 'signin']) : 'x';
      if (chance(0.03)) r.extra = 1;
      return r;
    };
    config.policy = { rules: Array.from({ length: int(5) }, rule) };
    if (chance(0.4)) {
      const { path, methods, ...defaults } = rule();
      config.policy.default = defaults;
    }
    if (chance(0.03)) config.policy = pick(ODD);
  }
  if (chance(0.02)) config.unknown = 1;
  return config;
}

// Mostly a valid time near T0 (the requirements' `now` is within a few hours of it), written in
// one of the forms RFC 3339 allows; else one of the edge cases above.
function genTimestamp() {
  if (chance(0.75)) {
    const ms = T0 + (int(7) - 3) * 3_600_000 + int(3600) * 1000 + (chance(0.3) ? int(1000) : 0);
    const text = iso(ms);
    switch (int(4)) {
      case 0:
        return text.replace(/\.\d+Z$/, 'Z');
      case 1:
        return text.replace(/Z$/, `${String(int(1_000_000)).padStart(6, '0')}Z`);
      case 2:
        return text.toLowerCase();
      default:
        return text;
    }
  }
  return chance(0.9) ? pick(TIMESTAMPS()) : pick(ODD);
}

function genSessionObject() {
  const s = {};
  if (chance(0.8)) s.id = pick(['4d6f2c2e-0000-4000-8000-000000000000', '', 1]);
  if (chance(0.95)) s.active = chance(0.9) ? chance(0.9) : pick(ODD);
  if (chance(0.95)) s.expires_at = chance(0.7) ? iso(T0 + (int(4) - 1) * 86_400_000 + int(3600) * 1000) : genTimestamp();
  if (chance(0.85)) s.authenticated_at = genTimestamp();
  if (chance(0.5)) s.authenticator_assurance_level = chance(0.9) ? pick(AALS) : pick(ODD);
  if (chance(0.9)) {
    s.authentication_methods = Array.from({ length: int(4) }, () => {
      const m = {};
      if (chance(0.95)) m.method = chance(0.9) ? pick(METHODS) : pick(ODD);
      if (chance(0.9)) m.aal = chance(0.9) ? pick(AALS) : pick(ODD);
      if (chance(0.9)) m.completed_at = genTimestamp();
      if (chance(0.1)) m.provider = 'google';
      return chance(0.97) ? m : pick(ODD);
    });
    if (chance(0.03)) s.authentication_methods = pick(ODD);
  }
  if (chance(0.5)) s.identity = { id: 'i', traits: { email: pick(STRINGS), name: { first: pick(STRINGS) } }, schema_id: 'default' };
  if (chance(0.1)) s.devices = [{ ip_address: '127.0.0.1', user_agent: pick(STRINGS) }];
  return s;
}

function genErrorObject() {
  const error = {};
  if (chance(0.95)) error.id = pick(KRATOS_IDS);
  if (chance(0.7)) error.code = pick([400, 401, 403, 410, 422, 500, '403']);
  if (chance(0.4)) error.status = pick(['Forbidden', 'Unauthorized']);
  if (chance(0.4)) error.reason = pick(STRINGS);
  if (chance(0.5)) error.message = pick(STRINGS);
  const redirect = () => {
    const base = pick(['https://auth.example.com', 'https://auth.example.com/.ory', 'https://accounts.google.com', 'https://evil.example.org', '']);
    const path = pick(['/self-service/login/browser', '/self-service/settings/browser', '/self-service/%2e%2e/x', '/self-service/../admin', '/other', '']);
    const query = pick(['', '?refresh=true', '?aal=aal2', '?refresh=true&aal=aal2', '?flow=1']);
    const returnTo = chance(0.5) ? `${query ? '&' : '?'}return_to=${encodeURIComponent(pick(URLS).toWellFormed())}` : '';
    return `${base}${path}${query}${returnTo}`;
  };
  if (chance(0.4)) error.details = { redirect_browser_to: redirect(), return_to: pick(URLS) };
  const body = { error: chance(0.97) ? error : pick(ODD) };
  if (chance(0.3)) body.redirect_browser_to = redirect();
  return body;
}

// Text-level mutations of a JSON text.
function mutateText(text) {
  const edits = 1 + int(3);
  for (let i = 0; i < edits; i += 1) {
    const at = int(text.length + 1);
    switch (int(10)) {
      case 0:
        text = text.slice(0, at); // cut
        break;
      case 1:
        text = text.slice(0, at) + text.slice(at + 1 + int(8)); // delete
        break;
      case 2:
        text = text.slice(0, at) + pick(['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', 'null', '1e400', '-0', '\\u0000', '\\ud800', '\ufeff', '\u0000', 'é', '\ud800', '"active":true,', '"active":false,', '"aal":"aal2",']) + text.slice(at); // insert
        break;
      case 3: {
        const key = pick(['"active":', '"expires_at":', '"authenticator_assurance_level":', '"aal":', '"id":']);
        const where = text.indexOf(key);
        if (where >= 0) text = text.slice(0, where) + key + pick(['false,', 'true,', '"aal1",', '"aal2",', '"2020-01-01T00:00:00Z",']) + text.slice(where); // repeated key
        break;
      }
      case 4:
        text = text.replace(/"(active|aal|method)"/, (_, key) => `"\\u00${key.charCodeAt(0).toString(16)}${key.slice(1)}"`); // escaped key
        break;
      case 5:
        text = `\ufeff${text}`;
        break;
      case 6:
        text = text.slice(0, at) + String.fromCharCode(int(0x10000)) + text.slice(at); // any code unit
        break;
      case 7:
        text = `${'['.repeat(int(2000))}${text}`;
        break;
      case 8:
        text = text.replace(/\d/, String(int(10)));
        break;
      default:
        text = text.replace(/"(aal[0-3])"/, `"${pick(AALS)}"`);
    }
  }
  return text;
}

function genRequirement() {
  if (chance(0.02)) return pick([null, undefined, 'aal2', 7, ['aal2']]);
  const r = {};
  if (chance(0.6)) r.aal = chance(0.9) ? pick(['aal1', 'aal2', 'highest_available', 'lax', 'strict', 'none']) : pick(['AAL2', '', 2, null, {}]);
  if (chance(0.5)) r.maxAge = chance(0.5) ? pick(NUMBERS) : chance(0.9) ? pick(DURATIONS) : pick(ODD);
  if (chance(0.2)) r.operation = chance(0.9) ? pick(['settings', 'signin']) : pick(['SETTINGS', '', 1]);
  if (chance(0.6)) r.returnTo = chance(0.95) ? pick(URLS) : pick(ODD);
  if (chance(0.1)) r.loginChallenge = pick(STRINGS);
  if (chance(0.1)) r.organization = pick(STRINGS);
  if (chance(0.1)) r.via = pick(STRINGS);
  if (chance(0.03)) r.rule = pick([0, null, 'x']);
  if (chance(0.02)) r.maxage = 1;
  r.now = genNow();
  return r;
}

function genNow() {
  if (chance(0.04)) return pick([new Date(T0), new Date(NaN), '2026-08-01T10:00:00Z', NaN, Infinity, -1, 0, 253402300800000, -62135596800001, 1.5, {}]);
  return T0 + (int(3) - 1) * 3_600_000 + int(7200) * 1000 + (chance(0.1) ? random() : 0);
}

// `now` is always given: a requirement or request without one would use each side's clock.
function withNow(input) {
  if (input !== null && typeof input === 'object' && !Array.isArray(input) && (input.now === undefined || input.now === null)) {
    return { ...input, now: T0 };
  }
  return input;
}

// The claims of a Kratos tokenized session (tests/conformance/token_claims.json), valid for the
// verifier at `now` (iat/nbf a little before, exp a little after), the claims the core reads
// (acr, auth_time, aal2_time, aal2_amr, session_exp) drawn from pools, dropped or retyped.
function genClaims(now) {
  const at = Math.floor(now / 1000);
  const claims = { jti: 'j', iss: 'https://auth.example.com', sub: 's', sid: 'x', iat: at - 10, nbf: at - 10, exp: at + 50 };
  const time = () => (chance(0.9) ? at - int(7200) + (chance(0.1) ? random() : 0) : pick(ODD.concat([1e300, -1, 2 ** 53, '2026-08-01T10:00:00Z'])));
  if (chance(0.95)) claims.acr = chance(0.9) ? pick(['aal1', 'aal2', 'aal2', 'aal0', 'aal3']) : pick(ODD.concat(['aal9', 'AAL2']));
  if (chance(0.7)) claims.amr = pick([['password'], ['password', 'totp'], ['oidc'], []]);
  if (chance(0.9)) claims.auth_time = time();
  if (chance(0.6)) claims.aal2_time = time();
  if (chance(0.8)) claims.aal2_amr = chance(0.9) ? pick([[], ['totp'], ['oidc'], ['saml'], ['oidc', 'totp'], ['webauthn']]) : pick(ODD.concat([['totp', 7], 'totp']));
  if (chance(0.95)) claims.session_exp = chance(0.9) ? at + int(172_800) - 3600 : pick(ODD.concat([1e300, '2026-08-02T10:00:00Z']));
  return claims;
}

function genWhoami(now = T0) {
  if (chance(0.08)) return { claims: genClaims(typeof now === 'number' && Number.isFinite(now) ? now : T0) };
  switch (int(12)) {
    case 0:
      return null;
    case 1:
      return { failure: pick(['unreachable', 'timeout', 'other']) };
    case 2:
    case 3:
      return genSessionObject(); // a Session object: the session record, or JSON text
    case 4:
      return mutateText(JSON.stringify(genSessionObject()));
    case 5:
      return { status: pick([401, 403, 404, 500, 502, 200, 0, 302, 999, -1]), body: chance(0.5) ? JSON.stringify(genErrorObject()) : pick(['', '<html>', '{}', 'null', '{"error":{"id":"session_aal2_required"}}']) };
    case 6:
      return { status: 403, body: chance(0.5) ? genErrorObject() : mutateText(JSON.stringify(genErrorObject())) };
    default:
      return JSON.stringify(genSessionObject());
  }
}

function genError() {
  switch (int(6)) {
    case 0:
      return JSON.stringify(genErrorObject());
    case 1:
      return genErrorObject();
    case 2:
      return mutateText(JSON.stringify(genErrorObject()));
    case 3:
      return null;
    default:
      return { status: pick([400, 401, 403, 410, 422, 500, 200, 0]), body: chance(0.8) ? JSON.stringify(genErrorObject()) : pick(['', 'x', '{"error":{}}']) };
  }
}

function genRequest() {
  const r = { method: chance(0.95) ? pick(['GET', 'POST', 'put', 'DELETE', 'HEAD']) : pick(['', 'GE T', 'G\u00e9T', 1, null]), url: chance(0.8) ? pick(URLS) : `${pick(['', 'https://app.example.com'])}${pick(['/billing', '/public', '/files'])}${pick(['', '/x', '/../billing', '/%2e%2e/billing', '%2Fx', '/..;/billing', '/a.pdf', '//x'])}${pick(['', '?q=1', '#f'])}` };
  if (chance(0.3)) r.returnTo = pick(URLS);
  r.now = genNow();
  if (chance(0.02)) r.extra = 1;
  return r;
}

function genHeader() {
  const params = [
    'error="insufficient_user_authentication"',
    'error=insufficient_user_authentication',
    `acr_values="${pick(['aal2', 'aal1', 'aal3', 'aal1 aal2', 'urn:x', ''])}"`,
    `max_age=${pick(['"300"', '0', '"-1"', '18446744073709551616', '"1e3"', '"30 "'])}`,
    'error_description="A \\"quoted\\" text"',
    'realm="x"',
  ];
  const challenge = () => `${pick(['Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP'])} ${Array.from({ length: int(5) }, () => pick(params)).join(pick([', ', ',', ' , ']))}`;
  let header = Array.from({ length: 1 + int(2) }, challenge).join(', ');
  if (chance(0.2)) header = mutateText(header);
  return header;
}

function genCase(config) {
  const op = pick(['decide', 'decide', 'decide', 'decide', 'recover', 'decideRequest', 'requirementFor', 'parseChallenge', 'isSelfServiceUrl']);
  switch (op) {
    case 'decide': {
      const input = withNow(genRequirement());
      return { config, op, whoami: genWhoami(input?.now), input };
    }
    case 'recover':
      return { config, op, whoami: genError(), input: withNow(genRequirement()) };
    case 'decideRequest': {
      const input = withNow(genRequest());
      return { config, op, whoami: genWhoami(input.now), input };
    }
    case 'requirementFor': {
      const { method, url } = genRequest();
      return { config, op, method: typeof method === 'string' ? method : 'GET', url: typeof url === 'string' ? url : '/' };
    }
    case 'parseChallenge':
      return { config, op, header: genHeader() };
    default:
      return { config, op, url: pick(URLS) };
  }
}

// ---------------------------------------------------------------------------------------------
// 1. The conformance vectors (their inputs, whatever they expect).
function conformanceCases() {
  const dir = join(ROOT, 'tests/conformance');
  const fixture = (name) => readFileSync(join(ROOT, 'tests/fixtures/kratos', name), 'utf8');
  const nowMs = (value) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? Date.parse(value) : value);
  const timed = (input) => (input !== null && typeof input === 'object' && !Array.isArray(input) && 'now' in input ? { ...input, now: nowMs(input.now) } : input);
  const whoamiOf = (w) => {
    if (w === null || w === undefined) return null;
    if ('failure' in w) return { failure: w.failure };
    if ('claims' in w) return { claims: w.claims };
    if ('session' in w) return w.session;
    if ('text' in w) return w.text;
    if ('fixture' in w) return { status: w.status ?? 200, body: fixture(w.fixture) };
    if (w.overLimit) return { status: w.status, body: BODY_OVER_LIMIT };
    return { status: w.status, body: w.body };
  };
  const errorOfVector = (e) => {
    if (e === null || e === undefined) return null;
    if ('text' in e) return e.text;
    if ('object' in e) return e.object;
    if ('fixture' in e) return e.status === undefined ? fixture(e.fixture) : { status: e.status, body: fixture(e.fixture) };
    if (e.overLimit) return { status: e.status, body: BODY_OVER_LIMIT };
    return { status: e.status, body: e.body };
  };
  const cases = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const c of doc.cases) {
      const config = 'config' in c ? c.config : doc.defaults?.config;
      const requirement = withNow(timed('requirement' in c ? c.requirement : doc.defaults?.requirement ?? {}));
      const call = c.call ?? 'decide';
      if (call === 'parseChallenge') cases.push({ config, op: call, header: c.header });
      else if (call === 'requirementFor') cases.push({ config, op: call, method: c.request.method, url: c.request.url });
      else if (call === 'decideRequest') cases.push({ config, op: call, whoami: whoamiOf(c.whoami), input: withNow(timed(c.request)) });
      else if (call === 'recover') cases.push({ config, op: call, whoami: errorOfVector(c.error), input: requirement });
      else {
        cases.push({ config, op: 'decide', whoami: whoamiOf(c.whoami), input: requirement });
        // A session given as an object also as its JSON text, and the other way round.
        const w = whoamiOf(c.whoami);
        if (w !== null && typeof w === 'object' && !('status' in w) && !('failure' in w)) cases.push({ config, op: 'decide', whoami: JSON.stringify(w), input: requirement });
        if (typeof w === 'string') {
          try {
            const parsed = JSON.parse(w);
            if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) cases.push({ config, op: 'decide', whoami: parsed, input: requirement });
          } catch {
            // not JSON: the text alone
          }
        }
      }
    }
  }
  return cases;
}

// 2. What the fuzz targets kept, and their seeds.
// The seeds, and at most CORPUS_MOST of what the fuzzers kept (a sample chosen by the seed: a
// developer's build/fuzz-corpus/ grows run after run).
const CORPUS_MOST = 1500;
function corpusFiles(target) {
  const files = [];
  const seeds = join(ROOT, 'fuzz/corpus', target);
  if (existsSync(seeds)) for (const name of readdirSync(seeds).sort()) files.push(readFileSync(join(seeds, name)));
  const kept = join(CORPUS, target);
  if (existsSync(kept)) {
    const names = readdirSync(kept).sort();
    for (let i = names.length - 1; i > 0; i -= 1) {
      const j = int(i + 1);
      [names[i], names[j]] = [names[j], names[i]];
    }
    for (const name of names.slice(0, CORPUS_MOST)) files.push(readFileSync(join(kept, name)));
  }
  return files;
}

const CORPUS_CONFIGS = [
  { baseUrl: 'https://auth.example.com/.ory' },
  { baseUrl: 'https://auth.example.com', allowedReturnUrls: ['https://*.example.com'], kratos: { 'session.whoami.required_aal': 'aal1', 'selfservice.flows.settings.privileged_session_max_age': '15m' } },
];
const CORPUS_REQUIREMENTS = [
  { aal: 'aal2', maxAge: '10m', returnTo: 'https://app.example.com/x', now: T0 + 300_000 },
  { now: T0 + 86_400_000 },
  { aal: 'highest_available', maxAge: 60, now: T0 + 120_000 },
  { operation: 'settings', now: T0 + 1_800_000 },
];
const ROUTE_CONFIG = {
  baseUrl: 'https://auth.example.com',
  policy: { rules: [{ path: '/public/**', aal: 'none' }, { path: '/billing/**', methods: ['POST'], aal: 'aal2', maxAge: '10m' }, { path: '/files/*.pdf', aal: 'aal2' }] },
};

function corpusCases() {
  const decoder = new TextDecoder(); // bytes that are not UTF-8 become U+FFFD, as a fetch body's text()
  const text = (bytes) => decoder.decode(bytes);
  const cases = [];
  const bodies = new Set([...corpusFiles('fuzz_whoami'), ...corpusFiles('fuzz_whoami_reader')].map(text));
  for (const body of bodies) {
    for (const config of CORPUS_CONFIGS) {
      for (const input of CORPUS_REQUIREMENTS) cases.push({ config, op: 'decide', whoami: { status: 200, body }, input });
      cases.push({ config, op: 'recover', whoami: { status: 403, body }, input: CORPUS_REQUIREMENTS[0] });
    }
    cases.push({ config: CORPUS_CONFIGS[0], op: 'decide', whoami: { status: 403, body }, input: CORPUS_REQUIREMENTS[0] });
    try {
      const parsed = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const input of CORPUS_REQUIREMENTS) cases.push({ config: CORPUS_CONFIGS[0], op: 'decide', whoami: parsed, input });
      }
    } catch {
      // not JSON: as text only
    }
  }
  for (const bytes of corpusFiles('fuzz_config')) {
    let config;
    try {
      config = JSON.parse(text(bytes));
    } catch {
      continue; // the JS API takes objects; text that is not JSON is no configuration
    }
    cases.push({ config, op: 'decide', whoami: null, input: { returnTo: '/x', now: T0 } });
    cases.push({ config, op: 'decide', whoami: JSON.stringify(genSessionObject()), input: withNow(genRequirement()) });
    cases.push({ config, op: 'requirementFor', method: 'POST', url: pick(['/billing/pay', '/public/x', '/', '/account/settings']) });
  }
  for (const bytes of corpusFiles('fuzz_requirement')) {
    let input;
    try {
      input = withNow(JSON.parse(text(bytes)));
    } catch {
      continue;
    }
    for (const config of CORPUS_CONFIGS) {
      cases.push({ config, op: 'decide', whoami: JSON.stringify(genSessionObject()), input });
      cases.push({ config, op: 'decide', whoami: null, input });
    }
  }
  for (const bytes of corpusFiles('fuzz_challenge')) cases.push({ config: CORPUS_CONFIGS[0], op: 'parseChallenge', header: text(bytes) });
  for (const bytes of corpusFiles('fuzz_route')) {
    const line = text(bytes);
    const newline = line.indexOf('\n');
    const method = newline < 0 ? 'GET' : line.slice(0, newline);
    const url = newline < 0 ? line : line.slice(newline + 1);
    cases.push({ config: ROUTE_CONFIG, op: 'requirementFor', method, url });
    cases.push({ config: ROUTE_CONFIG, op: 'decideRequest', whoami: null, input: { method, url, now: T0 } });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
const started = performance.now();
const { default: publicSuffixTable } = await import('../../js/core/aalgate-public-suffix.js');
const scratch = mkdtempSync(join(tmpdir(), 'aalgate-differential-'));
const pslFile = join(scratch, 'aalgate-public-suffix.dat');
writeFileSync(pslFile, publicSuffixTable);
if (!existsSync(DRIVER)) {
  console.error(`differential.mjs: no native driver at ${DRIVER}: build it (bash tools/differential.sh)`);
  process.exit(2);
}
const native = new Native(DRIVER, pslFile);
console.log(`differential: seed ${SEED}, ${CASES} generated cases, native driver ${DRIVER}`);
try {
  const phase = async (name, cases) => {
    const at = performance.now();
    const before = stats.cases;
    stats.phaseVerdicts = {};
    await runCases(native, cases, name);
    stats.phases.push(`${name}: ${stats.cases - before} cases in ${((performance.now() - at) / 1000).toFixed(1)} s`);
    console.log(`  ${stats.phases.at(-1)}: ${JSON.stringify(stats.phaseVerdicts)}`);
  };
  await phase('conformance vectors', conformanceCases());
  await phase('fuzz corpora', corpusCases());
  const generated = [];
  let config = genConfig();
  for (let i = 0; i < CASES; i += 1) {
    if (i % 50 === 0) config = genConfig();
    generated.push(genCase(config));
  }
  await phase(`generated (seed ${SEED})`, generated);
} finally {
  const exit = await native.close();
  rmSync(scratch, { recursive: true, force: true });
  for (const { gate } of gates.values()) gate?.dispose();
  if (exit.code !== 0) {
    console.log(`the native driver exited with ${exit.signal ?? exit.code}`);
    stats.differences += 1;
  }
}
console.log(`  by call: ${JSON.stringify(stats.byOp)}; ${stats.tokens} with a verified token (${stats.tokensRefused} tokens the verifier refused left out); ${stats.twins} Session objects also against their JSON text`);
console.log(`  by answer: ${JSON.stringify(stats.byVerdict)}`);
console.log(
  `differential: ${stats.cases} cases, ${stats.differences} difference${stats.differences === 1 ? '' : 's'} between Wasm and native (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
process.exit(stats.differences === 0 ? 0 : 1);
