// gate.proxy and the `forward` option in real workerd (miniflare), bundled as wrangler bundles
// it: an allowed request reaches only the configured origin, with its own path and query, and
// carries the session's identity id, session id and aal in the forward headers; the same headers
// sent by a client are always removed; refused requests never reach the origin.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { APP, bundleWorker, stagePackage, startOrigin, startWorkers, testbed } from './harness.js';

const POLICY = "{ rules: [{ path: '/billing/**', aal: 'aal2' }, { path: '/public/**', aal: 'none' }] }";
const source = (forward) => `import { createWorkerGate } from 'aalgate/worker';
let gate = null;
export default {
  async fetch(request, env) {
    gate ??= createWorkerGate({ baseUrl: env.KRATOS_URL, policy: ${POLICY}, forward: ${forward} });
    return (await gate).proxy(request, env.ORIGIN_URL);
  },
};
`;

test('gate.proxy with forward in workerd', { timeout: 180_000 }, async (t) => {
  const { tmp, kratos, defer } = await testbed(t, 'aalgate-proxy-');
  const origin = await startOrigin();
  defer(() => origin.close());
  await stagePackage(tmp.path);
  const bindings = { KRATOS_URL: kratos.url, ORIGIN_URL: `${origin.url}/ignored-prefix` };
  const workers = await startWorkers('2026-04-01', {
    on: { bundle: await bundleWorker(tmp.path, 'on', source('true')), bindings },
    off: { bundle: await bundleWorker(tmp.path, 'off', source('false')), bindings },
    named: { bundle: await bundleWorker(tmp.path, 'named', source("{ identityId: 'X-User-Id', aal: true }")), bindings },
  });
  defer(() => workers.dispose());

  // bob has no second factor: an aal1 session passes the default route (aal1) under Strict Kratos.
  const cookie = await kratos.createSession({ email: 'bob@example.com', methods: ['password'] });
  const session = await (await fetch(`${kratos.url.replace(/\/$/, '')}/sessions/whoami`, { headers: { cookie } })).json();
  const FORGED = {
    'x-aalgate-identity-id': 'forged-identity',
    'x-aalgate-session-id': 'forged-session',
    'x-aalgate-aal': 'aal2',
    'x-user-id': 'forged-user',
  };

  async function send(worker, path, headers = {}, init = {}) {
    const before = origin.requests.length;
    const response = await workers.fetch(worker, `${APP}${path}`, { headers, ...init });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, seen: origin.requests.slice(before) };
  }

  await t.test('allowed with a session: identity id, session id and aal from the session; forged ones replaced', async () => {
    const answer = await send('on', '/dashboard?x=1', { cookie, accept: 'application/json', ...FORGED }, { method: 'POST', body: 'hi' });
    assert.equal(answer.status, 200, answer.text);
    const [seen] = answer.seen;
    assert.equal(seen.url, '/dashboard?x=1', 'path and query kept; ORIGIN_URL’s own path not used');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, 'hi');
    assert.equal(seen.headers['x-aalgate-identity-id'], session.identity.id);
    assert.equal(seen.headers['x-aalgate-session-id'], session.id);
    assert.equal(seen.headers['x-aalgate-aal'], 'aal1');
    assert.equal(seen.headers['x-user-id'], 'forged-user', 'not a name this gate forwards');
    assert.equal(seen.headers.cookie, cookie);
  });

  await t.test('custom names: only the configured fields, under their names; the defaults still stripped', async () => {
    const answer = await send('named', '/dashboard', { cookie, ...FORGED });
    const [seen] = answer.seen;
    assert.equal(seen.headers['x-user-id'], session.identity.id);
    assert.equal(seen.headers['x-aalgate-aal'], 'aal1');
    assert.equal(seen.headers['x-aalgate-identity-id'], undefined);
    assert.equal(seen.headers['x-aalgate-session-id'], undefined);
  });

  await t.test('forward off: nothing set, and the client’s forged headers are still removed', async () => {
    const answer = await send('off', '/dashboard', { cookie, ...FORGED });
    assert.equal(answer.status, 200, answer.text);
    const [seen] = answer.seen;
    for (const name of ['x-aalgate-identity-id', 'x-aalgate-session-id', 'x-aalgate-aal']) {
      assert.equal(seen.headers[name], undefined, name);
    }
  });

  await t.test('a public route (no session asked): forged headers removed, none set', async () => {
    const answer = await send('on', '/public/logo.svg', { cookie, ...FORGED });
    assert.equal(answer.status, 200, answer.text);
    const [seen] = answer.seen;
    for (const name of ['x-aalgate-identity-id', 'x-aalgate-session-id', 'x-aalgate-aal']) {
      assert.equal(seen.headers[name], undefined, name);
    }
  });

  await t.test('not allowed: the refusal, the origin never called (so nothing forwarded)', async () => {
    const enroll = await send('on', '/billing/pay', { cookie, accept: 'application/json', ...FORGED });
    assert.equal(enroll.status, 403, enroll.text);
    assert.deepEqual(enroll.seen, []);
    const login = await send('on', '/dashboard', { accept: 'application/json', ...FORGED });
    assert.equal(login.status, 401);
    assert.equal(login.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(login.seen, []);
  });

  await t.test('hostile paths stay paths on the origin', async () => {
    for (const path of ['//evil.example/x?q=1', '/%2F%2Fevil.example', '/https://evil.example/x']) {
      const answer = await send('on', path, { cookie });
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
      assert.equal(answer.seen.length, 1, path);
      const { pathname, search } = new URL(`${APP}${path}`);
      assert.equal(answer.seen[0].url, `${pathname}${search}`, path);
    }
  });
});
