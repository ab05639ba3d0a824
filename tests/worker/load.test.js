// aalgate/worker under load in real workerd (miniflare), in front of the Kratos emulator and an
// origin that echoes what it got, all on loopback (issue 13, item 4).
//
// 10,000 requests at concurrency 50, navigations and API calls mixed over signed-out, forged,
// aal1, aal2, stale, expired and revoked sessions, once without the whoami cache and once with
// it. Every answer is checked against what the package's own gate (createGate, in this process)
// decides for that session's whoami answer as the emulator gives it, at the same clock: the
// emulator's clock is frozen for the run, so every whoami answer (and its Date header) is the
// one fetched here beforehand. No 5xx, no wrong allow, every refusal the core's. With the cache:
// one whoami call per session whose answer is kept (single flight: concurrent misses share one
// call), a failing call shared by its flight and not kept, the others answered when the request
// that sent the shared call goes away, and a session revoked in the emulator refused by every
// request that arrives once its TTL has run, never later. whoami calls are counted by the
// emulator, by session.
//
// Requests go to miniflare's entry socket as plain HTTP over kept-alive connections (50, one per
// client in flight), as clients reach `wrangler dev`: miniflare's dispatchFetch opens a new
// connection for every request (its dispatcher sets `reset`), which would measure that instead.
// workerd closes a connection, without `Connection: close`, after a request whose body the
// worker did not read (any worker does this; here a refused POST), and the next request sent on
// it gets a reset before any answer: requests with a body go on a connection of their own (an
// agent without keep-alive), whatever their answer will be.
//
// Timings and throughput are printed (t.diagnostic), never asserted.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { test } from 'node:test';

import { createGate } from '../../js/index.js';
import { APP, BROWSER_ACCEPT, bundleWorker, readWranglerToml, stagePackage, startOrigin, startWorkers, testbed } from './harness.js';

const REQUESTS = 10_000;
const CONCURRENCY = 50;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// How long every expected decision stays the same (fresh sessions are a minute old, /billing's
// limit is 5 minutes); the whole test must take less.
const STABLE_MS = 2 * MINUTE;
// The cache TTL of the revocation check: short, so the test waits little.
const REVOCATION_TTL_MS = 1500;

const POLICY = {
  rules: [
    { path: '/billing/**', aal: 'aal2', maxAge: '5m' },
    { path: '/account/**', operation: 'settings' },
    { path: '/public/**', aal: 'none' },
    { path: '/api/admin/**', methods: ['POST', 'DELETE'], aal: 'aal2' },
  ],
  default: { aal: 'aal1' },
};

// The worker: aalgate/worker's proxy with its whole configuration from one binding, so this
// process's gate gets exactly the same (baseUrl, policy; the emulator's Kratos defaults).
const WORKER = `import { createWorkerGate } from 'aalgate/worker';

let gate = null;
export default {
  async fetch(request, env) {
    gate ??= createWorkerGate({ ...JSON.parse(env.GATE_CONFIG), forward: true }).catch((error) => {
      gate = null;
      throw error;
    });
    return (await gate).proxy(request, env.ORIGIN_URL);
  },
};
`;

// The sessions of the mix. `age`: how long before the frozen instant the session was made;
// `revoked`: revoked in the emulator before the run. Fresh ones are a minute old and stale ones
// far past their limit, so no decision sits near a boundary (checked below).
const KINDS = [
  { kind: 'signed-out' },
  { kind: 'forged', forged: true },
  { kind: 'aal1', email: 'bob@example.com', methods: ['password'], age: MINUTE },
  { kind: 'aal1-strict', email: 'ada@example.com', methods: ['password'], age: MINUTE }, // Kratos: 403
  { kind: 'aal2', email: 'ada@example.com', methods: ['password', 'totp'], age: MINUTE },
  { kind: 'aal2-stale', email: 'ada@example.com', methods: ['password', 'totp'], age: 10 * MINUTE },
  { kind: 'aal1-stale', email: 'bob@example.com', methods: ['password'], age: 2 * HOUR },
  { kind: 'expired', email: 'bob@example.com', methods: ['password'], age: 25 * HOUR },
  { kind: 'revoked', email: 'ada@example.com', methods: ['password', 'totp'], age: MINUTE, revoked: true },
];
const PER_KIND = 3;
const FORMS = ['cookie', 'x-session-token', 'authorization'];

const ROUTES = [
  { method: 'GET', path: () => '/dashboard' },
  { method: 'GET', path: (r) => `/api/orders?page=${r(100)}` },
  { method: 'POST', path: () => '/api/orders', body: true },
  { method: 'GET', path: (r) => `/billing/invoices/${r(1000)}` },
  { method: 'POST', path: () => '/billing/pay', body: true },
  { method: 'GET', path: () => '/account/email' },
  { method: 'POST', path: () => '/account/password', body: true },
  { method: 'GET', path: (r) => `/public/logo.svg?v=${r(10)}` },
  { method: 'DELETE', path: (r) => `/api/admin/users/${r(100)}` },
  { method: 'GET', path: () => '/api/admin/users' },
];
// How a request says what it is: two kinds of navigation, two of API calls.
const STYLES = [
  { name: 'html', navigation: true, headers: { accept: BROWSER_ACCEPT } },
  { name: 'navigate', navigation: true, headers: { 'sec-fetch-mode': 'navigate', accept: '*/*' } },
  { name: 'json', navigation: false, headers: { accept: 'application/json' } },
  { name: 'bare', navigation: false, headers: {} },
];
// The statuses the worker documents for a refusal (DESIGN.md, aalgate/worker).
const STATUS = { login: 401, step_up: 401, refresh: 401, enroll: 403, error: 503 };

/** A small seeded PRNG (mulberry32): the same mix on every run. */
function random(seed) {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const credentialHeaders = (form, token) => {
  if (form === 'cookie') return { cookie: `theme=dark; ory_kratos_session=${token}` };
  if (form === 'x-session-token') return { 'x-session-token': token };
  return { authorization: `Bearer ${token}` };
};

test('aalgate/worker in workerd under load: 10,000 requests at concurrency 50, each answer the core’s', { timeout: 300_000 }, async (t) => {
  const started = performance.now();
  const toml = await readWranglerToml();
  const { tmp, kratos, defer } = await testbed(t, 'aalgate-load-');

  const origin = await startOrigin();
  defer(() => origin.close());

  const config = { baseUrl: kratos.url, policy: POLICY };
  await stagePackage(tmp.path);
  const bundle = await bundleWorker(tmp.path, 'load', WORKER);
  const worker = (cache) => ({
    bundle,
    bindings: { GATE_CONFIG: JSON.stringify({ ...config, cache }), ORIGIN_URL: origin.url },
  });
  const workers = await startWorkers(toml.compatibility_date, {
    plain: worker(false),
    cached: worker({ ttlMs: 10 * MINUTE }),
    revocable: worker({ ttlMs: REVOCATION_TTL_MS }),
  });
  defer(() => workers.dispose());

  t.diagnostic(`setup (package staged, worker bundled, workerd started) ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const gate = await createGate(config);
  defer(async () => gate.dispose());

  // ---- the emulator's clock, frozen: every whoami answer is the same all run long ----
  const frozenAt = kratos.clock.freeze();
  /** whoami as the emulator answers these credentials (what the worker will be told). */
  async function whoamiFor(headers) {
    const response = await fetch(`${kratos.url}/sessions/whoami`, { headers: { accept: 'application/json', ...headers } });
    return { status: response.status, body: await response.text(), date: response.headers.get('date') };
  }
  // What the worker takes as now: Kratos's Date header (whole seconds) read as the end of its
  // second, plus the time since the answer came (DESIGN.md, aalgate/worker).
  const kratosNow = Date.parse(new Date(frozenAt).toUTCString()) + 999;

  /** A session made `ageMs` before the frozen instant: `{ token, id, identityId }`. */
  async function sessionAt(ageMs, options) {
    kratos.clock.advance(-ageMs);
    try {
      const response = await fetch(`${kratos.url}/__emulator/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options),
      });
      const { token, session } = await response.json();
      return { token, id: session.id, identityId: session.identity.id };
    } finally {
      kratos.clock.advance(ageMs);
    }
  }

  /** The sessions of one run: PER_KIND of each kind, credentials in turn by cookie, token, Bearer. */
  async function makeSessions(label) {
    const sessions = [];
    for (const spec of KINDS) {
      for (let i = 0; i < PER_KIND; i += 1) {
        const form = FORMS[(sessions.length + i) % FORMS.length];
        let headers = {};
        let made = { id: null, identityId: null };
        if (spec.forged) headers = credentialHeaders(form, `ory_st_forged_${label}_${i}`);
        else if (spec.email) {
          made = await sessionAt(spec.age, { email: spec.email, methods: spec.methods });
          headers = credentialHeaders(form, made.token);
          if (spec.revoked) assert.equal(kratos.revokeSession(made.id), made.id);
        }
        const whoami = await whoamiFor(headers);
        assert.equal(whoami.date, new Date(frozenAt).toUTCString(), 'dated by the frozen clock');
        sessions.push({ label: `${spec.kind}#${i}`, kind: spec.kind, headers, whoami, id: made.id, identityId: made.identityId });
      }
    }
    return sessions;
  }

  /**
   * The expected decision of each (session, route) pair: gate.decideRequest on the session's
   * whoami at Kratos's now. Checked to be the same STABLE_MS later (the test takes less, checked
   * at its end): no expectation depends on when in the run the worker decides, on a fresh or a
   * cached answer.
   */
  function expectationFor(session, method, path) {
    const request = { method, url: `${APP}${path}` };
    const expected = gate.decideRequest({ status: session.whoami.status, body: session.whoami.body }, { ...request, now: kratosNow });
    const later = gate.decideRequest({ status: session.whoami.status, body: session.whoami.body }, { ...request, now: kratosNow + STABLE_MS });
    assert.deepEqual(later, expected, `${session.label} ${method} ${path}: the decision must not sit on a time boundary`);
    return { decision: expected, public: gate.requirementFor(method, path).aal === 'none' };
  }

  /** The requests of one run: a seeded mix of sessions, routes and styles. */
  function makeRequests(sessions, count, seed) {
    const t0 = performance.now();
    const r = random(seed);
    const requests = [];
    for (let i = 0; i < count; i += 1) {
      const session = sessions[r(sessions.length)];
      const route = ROUTES[r(ROUTES.length)];
      const style = STYLES[r(STYLES.length)];
      const path = route.path(r);
      const headers = { ...style.headers, ...session.headers };
      // A client forging the headers the worker sets for the origin: dropped, or overwritten.
      if (r(4) === 0) Object.assign(headers, { 'x-aalgate-identity-id': 'forged-identity', 'x-aalgate-aal': 'aal2' });
      const body = route.body ? `{"n":${i}}` : undefined;
      if (body) headers['content-type'] = 'application/json';
      requests.push({ i, session, method: route.method, path, style, headers, body, ...expectationFor(session, route.method, path) });
    }
    t.diagnostic(`${count} requests and their expected decisions (createGate in this process) in ${(performance.now() - t0).toFixed(0)} ms`);
    return requests;
  }

  /** What is wrong with the worker's answer to `request` (null: nothing). */
  function problemWith(request, answer) {
    const { decision } = request;
    const where = `${request.session.label} ${request.method} ${request.path} (${request.style.name})`;
    if (answer.thrown) return `${where}: no answer: ${answer.thrown}`;
    const { status, headers, text } = answer;
    if (decision.verdict === 'allow') {
      if (status !== 200 || headers.get('x-origin') !== 'echo') return `${where}: expected the origin's 200, got ${status} ${text.slice(0, 200)}`;
      const seen = JSON.parse(text);
      if (seen.method !== request.method || seen.url !== request.path || seen.body !== (request.body ?? '')) {
        return `${where}: the origin got ${seen.method} ${seen.url} ${seen.body}`;
      }
      const forwarded = [seen.headers['x-aalgate-identity-id'], seen.headers['x-aalgate-session-id'], seen.headers['x-aalgate-aal']];
      const want = request.public ? [undefined, undefined, undefined] : [request.session.identityId, request.session.id, decision.aal];
      if (JSON.stringify(forwarded) !== JSON.stringify(want)) return `${where}: forwarded ${JSON.stringify(forwarded)}, expected ${JSON.stringify(want)}`;
      return null;
    }
    if (status === 200) return `${where}: WRONG ALLOW (the core says ${decision.verdict} ${decision.reason})`;
    if (headers.get('cache-control') !== 'no-store') return `${where}: a refusal without Cache-Control: no-store`;
    const code = STATUS[decision.verdict];
    if (request.style.navigation && decision.url !== null && (code === 401 || code === 403)) {
      if (status !== 303 || headers.get('location') !== decision.url) return `${where}: expected 303 to ${decision.url}, got ${status} ${headers.get('location')}`;
      return null;
    }
    if (status !== code) return `${where}: expected ${code} (${decision.verdict} ${decision.reason}), got ${status} ${text.slice(0, 200)}`;
    const body = JSON.parse(text);
    const want = { verdict: decision.verdict, url: decision.url, reason: decision.reason };
    if (JSON.stringify(body) !== JSON.stringify(want)) return `${where}: body ${text}, expected ${JSON.stringify(want)}`;
    const challenge = decision.challenge ?? (code === 401 ? 'Bearer' : null);
    if (headers.get('www-authenticate') !== challenge) return `${where}: WWW-Authenticate ${headers.get('www-authenticate')}, expected ${challenge}`;
    return null;
  }

  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const closing = new Agent({ keepAlive: false }); // for requests with a body (see above)
  defer(async () => agent.destroy());
  defer(async () => closing.destroy());

  /**
   * One request to worker `name` through miniflare's entry: `{ sentAt, status, headers, text }`
   * (`headers` a Headers), or `{ sentAt, thrown }` when no answer came. `onRequest` gets the
   * ClientRequest (to abort it).
   */
  function send(name, { method, path, headers, body }, onRequest) {
    const sentAt = Date.now();
    return new Promise((resolve) => {
      const outgoing = httpRequest(
        new URL(path, workers.url),
        {
          agent: body === undefined ? agent : closing,
          method,
          headers: {
            ...headers,
            'mf-route-override': name,
            'mf-original-url': `${APP}${path}`,
            ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const answerHeaders = new Headers();
            for (const [key, value] of Object.entries(response.headers)) answerHeaders.set(key, Array.isArray(value) ? value.join(', ') : value);
            resolve({ sentAt, status: response.statusCode, headers: answerHeaders, text: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (error) => resolve({ sentAt, thrown: String(error) }));
        },
      );
      outgoing.on('error', (error) => resolve({ sentAt, thrown: String(error) }));
      onRequest?.(outgoing);
      outgoing.end(body);
    });
  }

  /** Sends `requests` through worker `name`, `concurrency` at a time; checks every answer. */
  async function run(name, requests, concurrency = CONCURRENCY) {
    const answers = new Array(requests.length);
    let next = 0;
    const lane = async () => {
      while (next < requests.length) {
        const request = requests[next++];
        answers[request.i] = await send(name, request);
      }
    };
    const calls = kratos.whoamiCalls();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = (performance.now() - t0) / 1000;
    const after = kratos.whoamiCalls();
    const problems = [];
    const tally = { statuses: {}, verdicts: {}, fiveXX: 0, wrongAllows: 0 };
    for (const request of requests) {
      const answer = answers[request.i];
      const status = answer.thrown ? 'thrown' : answer.status;
      tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
      tally.verdicts[request.decision.verdict] = (tally.verdicts[request.decision.verdict] ?? 0) + 1;
      if (answer.thrown || answer.status >= 500) tally.fiveXX += 1;
      if (request.decision.verdict !== 'allow' && answer.status === 200) tally.wrongAllows += 1;
      const problem = problemWith(request, answer);
      if (problem !== null) problems.push(problem);
    }
    const bySession = {};
    for (const [id, n] of Object.entries(after.bySession)) bySession[id] = n - (calls.bySession[id] ?? 0);
    const whoami = { total: after.total - calls.total, bySession };
    t.diagnostic(
      `${name}: ${requests.length} requests at concurrency ${concurrency} in ${seconds.toFixed(2)} s = ` +
        `${(requests.length / seconds).toFixed(0)} requests/s; whoami calls ${whoami.total}; statuses ${JSON.stringify(tally.statuses)}`,
    );
    return { answers, problems, tally, whoami, seconds };
  }

  function assertClean(name, { problems, tally }) {
    assert.equal(tally.wrongAllows, 0, `${name}: wrong allows:\n${problems.filter((p) => p.includes('WRONG ALLOW')).slice(0, 10).join('\n')}`);
    assert.equal(tally.fiveXX, 0, `${name}: 5xx answers (no fault injected):\n${problems.slice(0, 10).join('\n')}`);
    assert.deepEqual(problems.slice(0, 10), [], `${name}: ${problems.length} answers differ from the core's decision`);
  }

  // Requests per session, and the ones that ask whoami (not a public route).
  const asking = (requests, session) => requests.filter((r) => r.session === session && !r.public).length;
  // whoami calls whose credentials name no stored session (none, or forged ones).
  const unstored = ({ total, bySession }) => total - Object.values(bySession).reduce((a, b) => a + b, 0);

  await t.test('without the cache: every answer is the core’s, one whoami call per request that needs a session', async () => {
    const sessions = await makeSessions('plain');
    const requests = makeRequests(sessions, REQUESTS, 13);
    // The mix covers every verdict, navigations and API calls.
    const verdicts = new Set(requests.map((r) => r.decision.verdict));
    for (const verdict of ['allow', 'login', 'step_up', 'refresh', 'enroll']) assert.ok(verdicts.has(verdict), `the mix has ${verdict}`);
    assert.ok(!verdicts.has('error'), 'no request is expected to fail: no fault is injected');
    const result = await run('plain', requests);
    assertClean('plain', result);
    assert.equal(result.whoami.total, requests.filter((r) => !r.public).length, 'one whoami call per request that needs a session, none for public routes');
    for (const session of sessions.filter((s) => s.id !== null)) {
      assert.equal(result.whoami.bySession[session.id] ?? 0, asking(requests, session), session.label);
    }
    const withoutStored = sessions.filter((s) => s.id === null).reduce((n, s) => n + asking(requests, s), 0);
    assert.equal(unstored(result.whoami), withoutStored, 'signed-out and forged requests: one call each');
  });


  await t.test('with the cache: every answer is the core’s, one whoami call per kept session (single flight)', async () => {
    const sessions = await makeSessions('cached');
    const requests = makeRequests(sessions, REQUESTS, 14);
    const result = await run('cached', requests);
    assertClean('cached', result);
    let kept = 0;
    let askedAnyway = 0;
    for (const session of sessions) {
      const calls = result.whoami.bySession[session.id] ?? 0;
      if (session.whoami.status === 200) {
        // A valid session's answer is kept (TTL 10 minutes, longer than the run): asked once,
        // however many of its requests came at once before the answer did.
        assert.equal(calls, 1, `${session.label}: ${asking(requests, session)} requests, ${calls} whoami calls`);
        kept += 1;
      } else if (session.id !== null) {
        // Not kept (a 401 or 403): asked per request, concurrent ones sharing a call.
        assert.ok(calls >= 1 && calls <= asking(requests, session), `${session.label}: ${calls} calls`);
        askedAnyway += calls;
      }
    }
    // No credentials: nothing to key a cache or a flight on, so one call per request; forged
    // ones are keyed (their 401 is not kept): at least one call per forged credential used.
    const signedOut = sessions.filter((s) => s.kind === 'signed-out').reduce((n, s) => n + asking(requests, s), 0);
    const forged = sessions.filter((s) => s.kind === 'forged');
    const forgedUsed = forged.filter((s) => asking(requests, s) > 0).length;
    const forgedRequests = forged.reduce((n, s) => n + asking(requests, s), 0);
    const other = unstored(result.whoami);
    assert.ok(other >= signedOut + forgedUsed && other <= signedOut + forgedRequests, `${other} calls without a stored session`);
    t.diagnostic(`cached: ${kept} sessions kept, asked once each; ${askedAnyway} calls for stored sessions whose answers are not kept (401, 403); ${result.whoami.total} in all`);
  });

  await t.test('single flight: 50 concurrent requests of one session, one whoami call', async () => {
    const made = await sessionAt(MINUTE, { email: 'ada@example.com', methods: ['password', 'totp'] });
    const cookie = `ory_kratos_session=${made.token}`;
    const session = { label: 'burst', headers: { cookie }, whoami: await whoamiFor({ cookie }), id: made.id, identityId: made.identityId };
    const requests = Array.from({ length: CONCURRENCY }, (_, i) => ({
      i,
      session,
      method: 'GET',
      path: `/billing/invoices/${i}`,
      style: STYLES[2],
      headers: { accept: 'application/json', cookie },
      ...expectationFor(session, 'GET', `/billing/invoices/${i}`),
    }));
    const result = await run('cached', requests);
    assertClean('burst', result);
    assert.equal(result.whoami.bySession[session.id], 1);
  });

  await t.test('single flight: a failing call is shared by its flight and not kept', async (t) => {
    t.after(() => kratos.fault({ mode: 'none' }));
    const { token, id } = await sessionAt(MINUTE, { email: 'bob@example.com', methods: ['password'] });
    const cookie = `ory_kratos_session=${token}`;
    kratos.fault({ mode: 'status500', delayMs: 1500 });
    const burst = Array.from({ length: 20 }, (_, i) => ({ i, path: '/dashboard', method: 'GET', headers: { cookie, accept: 'application/json' } }));
    const answers = await Promise.all(burst.map((request) => send('cached', request)));
    for (const answer of answers) {
      assert.equal(answer.status, 503, answer.thrown ?? answer.text);
      assert.deepEqual(JSON.parse(answer.text), { verdict: 'error', url: null, reason: 'unexpected_response' });
    }
    assert.equal(kratos.whoamiCalls().bySession[id], 1, '20 concurrent requests, one (failing) whoami call');
    kratos.fault({ mode: 'none' });
    const next = await send('cached', burst[0]);
    assert.equal(next.status, 200, next.text);
    assert.equal(kratos.whoamiCalls().bySession[id], 2, 'the failure was not kept: asked again');
    assert.equal((await send('cached', burst[0])).status, 200);
    assert.equal(kratos.whoamiCalls().bySession[id], 2, 'the good answer is kept');
  });

  await t.test('single flight: when the request that sent the call goes away, the others answer by the call’s time limit, never allow wrongly', async (t) => {
    t.after(() => kratos.fault({ mode: 'none' }));
    const { token, id } = await sessionAt(MINUTE, { email: 'bob@example.com', methods: ['password'] });
    const request = { method: 'GET', path: '/dashboard', headers: { cookie: `ory_kratos_session=${token}`, accept: 'application/json' } };
    kratos.fault({ mode: 'slow', delayMs: 1500 }); // within the worker's timeoutMs (3000)
    let owner;
    const ownerAnswer = send('cached', request, (outgoing) => {
      owner = outgoing;
    });
    const waitUntil = Date.now() + 2000;
    while ((kratos.whoamiCalls().bySession[id] ?? 0) === 0 && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(kratos.whoamiCalls().bySession[id], 1, 'the first request sent the call');
    const startedAt = Date.now();
    const others = Array.from({ length: 10 }, () => send('cached', request));
    await new Promise((resolve) => setTimeout(resolve, 200));
    owner.destroy(); // the client that sent the shared call leaves
    const answers = await Promise.all(others);
    const took = Date.now() - startedAt;
    const seen = answers.map((a) => a.thrown ?? `${a.status} ${a.text}`);
    for (const answer of answers) {
      // The shared call's answer (allow), or, had workerd dropped it with its request, the
      // timeout's 503; never anything else, never a hang.
      assert.ok(
        answer.status === 200 || (answer.status === 503 && JSON.parse(answer.text).reason === 'kratos_timeout'),
        `${answer.thrown ?? `${answer.status} ${answer.text}`}`,
      );
    }
    assert.ok(took < 3000 + 2000, `answered within the call's time limit (took ${took} ms)`);
    await ownerAnswer;
    t.diagnostic(`owner gone: the 10 others answered in ${took} ms: ${[...new Set(seen.map((x) => x.slice(0, 3)))].join(', ')}; whoami calls ${kratos.whoamiCalls().bySession[id]}`);
    kratos.fault({ mode: 'none' });
    assert.equal((await send('cached', request)).status, 200);
  });

  await t.test(`revocation: refused by every request that arrives once the TTL (${REVOCATION_TTL_MS} ms) has run, never later`, async () => {
    const { token, id } = await sessionAt(MINUTE, { email: 'bob@example.com', methods: ['password'] });
    const cookie = `ory_kratos_session=${token}`;
    const headers = { cookie, accept: 'application/json' };
    const request = { path: '/dashboard', method: 'GET', headers };
    const first = await send('revocable', request);
    assert.equal(first.status, 200, first.text);
    assert.equal((await send('revocable', request)).status, 200);
    const revokedAt = Date.now();
    assert.equal(kratos.revokeSession(id), id);
    const refusal = gate.decideRequest(await whoamiFor({ cookie }), { method: 'GET', url: `${APP}/dashboard`, now: kratosNow });
    assert.equal(refusal.verdict, 'login');
    const answers = [];
    const lane = async () => {
      while (Date.now() < revokedAt + REVOCATION_TTL_MS + 1000) answers.push(await send('revocable', request));
    };
    await Promise.all(Array.from({ length: 5 }, lane));
    const late = answers.filter((a) => a.sentAt >= revokedAt + REVOCATION_TTL_MS);
    assert.ok(late.length > 0);
    for (const answer of late) {
      // Past the TTL: the cache may not answer, and a call is asked after the revocation.
      assert.equal(answer.status, 401, `sent ${answer.sentAt - revokedAt} ms after the revocation: ${answer.text}`);
      assert.deepEqual(JSON.parse(answer.text), { verdict: refusal.verdict, url: refusal.url, reason: refusal.reason });
    }
    for (const answer of answers) assert.ok(answer.status === 200 || answer.status === 401, `${answer.status} ${answer.thrown ?? ''}`);
    const allowed = answers.filter((a) => a.status === 200).map((a) => a.sentAt - revokedAt);
    const refused = answers.filter((a) => a.status === 401).map((a) => a.sentAt - revokedAt);
    t.diagnostic(
      `revocation: ${answers.length} requests; allowed from the cache until ${allowed.length ? Math.max(...allowed) : '-'} ms after it, ` +
        `refused from ${refused.length ? Math.min(...refused) : '-'} ms (TTL ${REVOCATION_TTL_MS} ms)`,
    );
  });

  assert.ok(Date.now() < kratosNow + STABLE_MS, 'the test ran within the time its expectations hold');
  t.diagnostic(`load test wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
