// Issue 13 (item 5): examples/worker in real workerd (miniflare), in front of the Kratos emulator
// with its fault injection (tools/kratos-emulator/faults.mjs): Kratos down, unreachable, slow past
// the timeout, answering 500, 502 with HTML, a truncated body, a connection reset mid-body, a 200
// that is not a session, a 16 MiB body, and a Date header hours off. The session behind each
// request is one that would pass (ada, password + TOTP, fresh): every fault must give the
// documented answer, a 503 for all but the Date, never the origin, never a redirect.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import {
  APP,
  BROWSER_ACCEPT,
  bundleWorker,
  exampleSource,
  readWranglerToml,
  stagePackage,
  startOrigin,
  startWorkers,
  testbed,
  unusedUrl,
} from './harness.js';

const ADA = 'ada@example.com';
const PASSWORD_TOTP = ['password', 'totp'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MIB = 1024 * 1024;

// A TCP server that accepts connections and never answers: Kratos's host is up, Kratos is not.
async function silentServer() {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

test('examples/worker in workerd under Kratos faults', { timeout: 180_000 }, async (t) => {
  const toml = await readWranglerToml();
  const { tmp, kratos, defer } = await testbed(t, 'aalgate-faults-');

  const origin = await startOrigin();
  defer(() => origin.close());
  const silent = await silentServer();
  defer(() => silent.close());

  await stagePackage(tmp.path);
  const bundle = await bundleWorker(tmp.path, 'example', await exampleSource(toml.main));
  const example = (more) => ({ bundle, bindings: { ...toml.vars, KRATOS_URL: kratos.url, KRATOS_WHOAMI_URL: '', ORIGIN_URL: origin.url, ...more } });
  const workers = await startWorkers(toml.compatibility_date, {
    main: example(),
    impatient: example({ WHOAMI_TIMEOUT_MS: '300' }),
    refused: example({ KRATOS_URL: await unusedUrl() }),
    unresolvable: example({ KRATOS_URL: 'http://kratos.invalid' }),
    silent: example({ KRATOS_URL: silent.url, WHOAMI_TIMEOUT_MS: '300' }),
  });
  defer(() => workers.dispose());

  async function send(worker, path, headers) {
    const before = origin.requests.length;
    const started = performance.now();
    const response = await workers.fetch(worker, `${APP}${path}`, { headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, ms: performance.now() - started, originRequests: origin.requests.length - before };
  }

  // A 503 with aalgate's JSON, for an API call and for a navigation alike: no Location, no origin.
  async function assertRefused(worker, path, headers, reasons) {
    for (const extra of [{ accept: 'application/json' }, { accept: BROWSER_ACCEPT }, { 'sec-fetch-mode': 'navigate' }]) {
      const answer = await send(worker, path, { ...headers, ...extra });
      assert.equal(answer.status, 503, `${worker} ${path}: ${answer.status} ${answer.text}`);
      assert.equal(answer.headers.get('location'), null, 'never a redirect');
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal(answer.originRequests, 0, 'never the origin');
      const body = JSON.parse(answer.text);
      assert.deepEqual([body.verdict, body.url], ['error', null]);
      assert.ok([reasons].flat().includes(body.reason), `${worker} ${path}: reason ${body.reason}, expected ${reasons}`);
    }
  }

  const cookie = await kratos.createSession({ email: ADA, methods: PASSWORD_TOTP });
  const passes = async (worker = 'main') => {
    const answer = await send(worker, '/billing/pay', { cookie });
    assert.equal(answer.status, 200, `the session passes without a fault: ${answer.text}`);
    assert.equal(answer.originRequests, 1);
  };
  await passes();
  await passes('impatient');

  await t.test('a request URL past the core\'s limits is answered 414 and never reaches the origin', async () => {
    for (const path of [`/dashboard/${'a'.repeat(9000)}`, '/a'.repeat(300), `/billing/${'b/'.repeat(300)}pay`]) {
      for (const headers of [{ cookie }, { cookie, accept: BROWSER_ACCEPT }]) {
        const answer = await send('main', path, headers);
        assert.equal(answer.status, 414, `${answer.status} ${answer.text.slice(0, 200)}`);
        assert.deepEqual(JSON.parse(answer.text), { error: 'request.url' });
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        assert.equal(answer.originRequests, 0);
        assert.equal(answer.headers.get('location'), null);
      }
    }
    // The query is not the path: a long one is fine.
    const answer = await send('main', `/dashboard?q=${'a'.repeat(9000)}`, { cookie });
    assert.equal(answer.status, 200, answer.text.slice(0, 200));
  });

  await t.test('Kratos down (connection refused) → 503 kratos_unreachable', async () => {
    await assertRefused('refused', '/billing/pay', { cookie }, 'kratos_unreachable');
    await assertRefused('refused', '/dashboard', { cookie }, 'kratos_unreachable');
  });

  await t.test('Kratos unreachable (its name does not resolve) → 503 kratos_unreachable', async () => {
    await assertRefused('unresolvable', '/billing/pay', { cookie }, 'kratos_unreachable');
  });

  await t.test('Kratos\'s host accepts and never answers → 503 kratos_timeout within timeoutMs', async () => {
    await assertRefused('silent', '/billing/pay', { cookie }, 'kratos_timeout');
    const answer = await send('silent', '/dashboard', { cookie });
    assert.ok(answer.ms < 2000, `answered after ${answer.ms.toFixed(0)} ms`);
  });

  const faults = [
    ['slow past the timeout', { mode: 'slow', delayMs: 2000 }, 'impatient', 'kratos_timeout'],
    ['a 500', { mode: 'status500' }, 'main', 'unexpected_response'],
    ['a 502 with an HTML page', { mode: 'status502html' }, 'main', 'unexpected_response'],
    ['a truncated body (Content-Length larger than sent, connection closed)', { mode: 'truncated' }, 'main', 'kratos_unreachable'],
    ['a connection reset mid-body', { mode: 'reset' }, 'main', 'kratos_unreachable'],
    ['a 200 that is not a session', { mode: 'notsession' }, 'main', 'invalid_session'],
    ['a 16 MiB session body (over maxBodyBytes, 1 MiB)', { mode: 'huge' }, 'main', 'body_too_large'],
  ];
  for (const [name, fault, worker, reason] of faults) {
    await t.test(`${name} → 503 ${reason}`, async () => {
      kratos.fault(fault);
      try {
        await assertRefused(worker, '/billing/pay', { cookie }, reason);
        await assertRefused(worker, '/dashboard', { cookie }, reason);
      } finally {
        kratos.fault({ mode: 'none' });
      }
      await passes(worker); // back to normal
    });
  }

  await t.test('a 16 MiB answer is not downloaded: the worker stops reading at 1 MiB', async () => {
    kratos.fault({ mode: 'huge', sizeBytes: 64 * MIB });
    try {
      const answer = await send('main', '/dashboard', { cookie, accept: 'application/json' });
      assert.equal(answer.status, 503);
      assert.equal(JSON.parse(answer.text).reason, 'body_too_large');
      // The emulator writes as the reader takes; what it got rid of is what the worker read plus
      // the socket buffers on the way, far less than the 64 MiB it would have sent.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { sentBytes: sent } = kratos.faultStats();
      assert.ok(sent < 16 * MIB, `the emulator sent ${(sent / MIB).toFixed(1)} MiB`);
    } finally {
      kratos.fault({ mode: 'none' });
    }
  });

  // The worker takes Kratos's clock from the answer's Date header (ages are measured on the
  // clock that wrote the session's times). Here only the header is off, as from a proxy with a
  // wrong clock or a stale cache; the session's times stay on Kratos's clock.
  await t.test('a Date header hours in the past: a stale second factor is still refused (the skew is bounded)', async () => {
    const tenMinutes = await (async () => {
      kratos.clock.advance(-10 * MINUTE);
      try {
        return await kratos.createSession({ email: ADA, methods: PASSWORD_TOTP });
      } finally {
        kratos.clock.advance(10 * MINUTE);
      }
    })();
    const api = await send('main', '/billing/pay', { cookie: tenMinutes, accept: 'application/json' });
    assert.equal(api.status, 401, 'refused without a fault');
    kratos.fault({ dateOffsetMs: -3 * HOUR });
    try {
      const refused = await send('main', '/billing/pay', { cookie: tenMinutes, accept: 'application/json' });
      assert.equal(refused.status, 401, `never a pass: ${refused.text}`);
      assert.equal(JSON.parse(refused.text).reason, 'second_factor_stale');
      assert.equal(refused.originRequests, 0);
      // A fresh session still passes: the bound costs nothing to a Kratos whose clock is right.
      await passes();
    } finally {
      kratos.fault({ mode: 'none' });
    }
  });

  await t.test('a Date header hours in the future: stricter, never a pass, no redirect loop', async () => {
    kratos.fault({ dateOffsetMs: 3 * HOUR });
    try {
      // /billing (maxAge 5m): the fresh second factor looks 3 hours old on that clock.
      const api = await send('main', '/billing/pay', { cookie, accept: 'application/json' });
      assert.equal(api.status, 401, api.text);
      const { verdict, url, reason } = JSON.parse(api.text);
      assert.deepEqual([verdict, reason], ['refresh', 'second_factor_stale']);
      assert.equal(api.originRequests, 0);
      // The URL is a Kratos re-authentication flow, which Kratos shows (no automatic redirect back).
      const flow = await fetch(url, { headers: { cookie }, redirect: 'manual' });
      assert.ok(flow.status < 400, `${flow.status}`);
      assert.ok(!(flow.headers.get('location') ?? '').startsWith(APP), `Kratos sends the browser back: ${flow.headers.get('location')}`);
      // A route with no freshness requirement is unaffected: the session has not expired.
      const dashboard = await send('main', '/dashboard', { cookie });
      assert.equal(dashboard.status, 200);
    } finally {
      kratos.fault({ mode: 'none' });
    }
  });
});
