// Every ```js sample in README.md runs here, as its own ES module importing 'aalgate' (the
// package, through its exports). A sample's "// prints:" lines must be exactly what it prints.
// The samples name Kratos at https://auth.example.com and the app at https://app.example.com:
// browser-shim.mjs routes fetch for them to the Kratos emulator (tools/kratos-emulator) and to
// the app's API below, with the cookie of the emulator's session as a browser would send it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

import { freePort, httpUrl, serve, unusedUrl } from '../../examples/demo/http.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(new URL('README.md', `file://${root}`), 'utf8');
const samples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const run = promisify(execFile);

// Kratos: the emulator as Kratos's default (Strict, session.whoami.required_aal:
// highest_available) at the public URL the samples use, and an aal1 (password) session of ada,
// who has a second factor: whoami answers 403 session_aal2_required (the derived fixture, byte for
// byte). The app's API answers a payment with the RFC 9470 challenge an aalgate-guarded API sends
// for a step-up.
const KRATOS_URL = 'https://auth.example.com';
const CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A second authentication factor is required", acr_values="aal2"';
const WHOAMI = `GET ${KRATOS_URL}/sessions/whoami → 403`;
const PAY = 'POST https://app.example.com/api/billing/pay → 401';
let kratos;
let app;
let origin;
let shimEnv;
let bobIdentity;
// What the app's API got on GET /api/orders: the Authorization header of each request.
const orders = [];

before(async () => {
  const port = await freePort();
  kratos = await startKratosEmulator({ port, requiredAal: 'highest_available', publicUrl: KRATOS_URL });
  app = await serve((req, res) => {
    if (req.url === '/api/billing/pay' && req.method === 'POST') {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': CHALLENGE });
      res.end('{"verdict":"step_up","url":null,"reason":"aal2_required"}');
    } else if (req.url === '/.well-known/kratos-jwks.json' && req.method === 'GET') {
      // The public half of the tokenizer's keys, published by the app (the tokens samples).
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(kratos.jwks));
    } else if (req.url === '/api/orders' && req.method === 'GET') {
      const authorization = req.headers.authorization ?? null;
      orders.push(authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bearer: /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(authorization ?? '') }));
    } else {
      res.writeHead(404).end();
    }
  });
  // The origin behind the worker sample: echoes what reached it.
  origin = await serve(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });
  const bobCookie = await kratos.createSession({ email: 'bob@example.com', methods: ['password'] });
  shimEnv = {
    AALGATE_README_KRATOS: httpUrl('127.0.0.1', port),
    AALGATE_README_APP: app.url,
    AALGATE_README_ORIGIN: origin.url,
    AALGATE_README_COOKIE: await kratos.createSession({ email: 'ada@example.com', methods: ['password'] }),
    // bob has no second factor: his aal1 session passes the worker's default route (aal1).
    AALGATE_README_COOKIE_BOB: bobCookie,
  };
  const whoami = await fetch(`${shimEnv.AALGATE_README_KRATOS}/sessions/whoami`, { headers: { cookie: bobCookie } });
  const session = await whoami.json();
  bobIdentity = { identityId: session.identity.id, sessionId: session.id };
});
after(async () => {
  await origin?.close();
  await app?.close();
  await kratos?.close();
});

// A worker sample (`export default { fetch }`) is imported and given requests, as workerd would:
// first ada's payment (aal1, Strict Kratos: refused), then bob's requests (aal1, allowed on the
// default route) for hostile paths, each with a forged identity header. Each answer is one line.
const HOSTILE_PATHS = [
  '/dashboard?x=1&y=%2F',
  '//evil.example/x?q=1',
  '/\\evil.example/steal',
  '/%2F%2Fevil.example/x',
  '/https://evil.example/x',
  '/http:/evil.example',
  '/..//evil.example/x',
  '//user:pass@evil.example:8080/x?token=1',
];
const WORKER_DRIVER = (sample) => `import worker from './${sample}';
const env = { KRATOS_URL: 'https://auth.example.com', ORIGIN_URL: 'https://origin.example.com' };
const request = new Request('https://app.example.com/billing/pay', {
  method: 'POST',
  headers: { accept: 'application/json', cookie: process.env.AALGATE_README_COOKIE },
});
const res = await worker.fetch(request, env);
console.log(JSON.stringify({ status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.json() }));
for (const path of ${JSON.stringify(HOSTILE_PATHS)}) {
  const hostile = new Request('https://app.example.com' + path, {
    method: 'POST',
    body: 'hi',
    headers: {
      accept: 'application/json',
      cookie: process.env.AALGATE_README_COOKIE_BOB,
      'x-aalgate-identity-id': 'forged',
      'X-Aalgate-Aal': 'aal2',
    },
  });
  const answer = await worker.fetch(hostile, env);
  console.log(JSON.stringify({ path, status: answer.status, body: await answer.json() }));
}
`;

/** Runs sample `index` with the shim; its stdout lines, and the requests the shim routed. */
async function runSample(index, source, env = {}) {
  const dir = `${root}tests/readme/.run`;
  mkdirSync(dir, { recursive: true });
  const name = `sample-${index}.mjs`;
  writeFileSync(`${dir}/${name}`, source);
  let entry = `${dir}/${name}`;
  if (/^export default \{/m.test(source)) {
    entry = `${dir}/driver-${index}.mjs`;
    writeFileSync(entry, WORKER_DRIVER(name));
  }
  const { stdout, stderr } = await run(process.execPath, ['--import', `${root}tests/readme/browser-shim.mjs`, entry], {
    env: { ...process.env, ...shimEnv, ...env },
    cwd: root,
  });
  const requests = stderr
    .split('\n')
    .filter((line) => line.startsWith('readme-shim: '))
    .map((line) => line.slice('readme-shim: '.length));
  return { lines: stdout.split('\n').filter(Boolean), requests };
}

test('README has the samples this suite knows how to run', () => {
  assert.ok(samples.length >= 3, `found ${samples.length} js samples`);
  assert.match(readme, /npm start[\s\S]*npm test/, 'README leads with npm start and npm test');
});

const HREF = 'https://app.example.com/billing?invoice=42&tab=pay';
const STEP_UP = `https://auth.example.com/self-service/login/browser?aal=aal2&return_to=${encodeURIComponent(HREF)}`;

samples.forEach((source, index) => {
  const expected = [...source.matchAll(/^\/\/ prints: (.*)$/gm)].map((m) => m[1]);
  test(`README sample ${index + 1} runs and prints what it says`, async () => {
    const { lines, requests } = await runSample(index + 1, source);
    const navigations = lines.filter((line) => line.startsWith('location.assign: '));
    if (/^export default \{/m.test(source)) {
      // The worker sample: Kratos's 403 for the /billing route → 401, step-up JSON, challenge.
      assert.deepEqual(JSON.parse(lines[0]), {
        status: 401,
        challenge: CHALLENGE,
        body: {
          verdict: 'step_up',
          url: 'https://auth.example.com/self-service/login/browser?aal=aal2&return_to=https%3A%2F%2Fapp.example.com%2Fbilling%2Fpay',
          reason: 'server_requires_aal2',
        },
      });
      // Hostile paths: each reaches only the configured origin, with its path and query as the
      // request had them (as WHATWG URL parsing gave them), the body, and the session's identity
      // instead of the forged headers.
      const answers = lines.slice(1).map((line) => JSON.parse(line));
      assert.deepEqual(answers.map((a) => a.path), HOSTILE_PATHS);
      for (const { path, status, body } of answers) {
        const { pathname, search } = new URL(`https://app.example.com${path}`);
        assert.equal(status, 200, path);
        assert.equal(body.url, `${pathname}${search}`, path);
        assert.equal(body.method, 'POST', path);
        assert.equal(body.body, 'hi', path);
        assert.equal(body.headers['x-aalgate-identity-id'], bobIdentity.identityId, path);
        assert.equal(body.headers['x-aalgate-session-id'], bobIdentity.sessionId, path);
        assert.equal(body.headers['x-aalgate-aal'], 'aal1', path);
        assert.equal(body.headers.host, new URL(shimEnv.AALGATE_README_ORIGIN).host, path);
      }
      assert.match(answers.find((a) => a.path.startsWith('/dashboard')).body.url, /\?x=1&y=%2F$/, 'the query is kept');
      const whoami = requests.filter((r) => r.startsWith('GET https://auth.example.com/sessions/whoami'));
      const rest = requests.filter((r) => !whoami.includes(r));
      assert.equal(whoami.length, 1 + HOSTILE_PATHS.length);
      assert.deepEqual(
        rest,
        answers.map(({ path }) => {
          const { pathname, search } = new URL(`https://app.example.com${path}`);
          return `POST https://origin.example.com${pathname}${search} → 200`;
        }),
        'every proxied request went to the origin, nowhere else',
      );
    } else if (source.includes('gate.require(')) {
      // The browser sample, clicked with ada's aal1 session (Strict Kratos: whoami 403): the
      // step-up, which keeps the page's URL as return_to, and no payment while the page leaves.
      assert.deepEqual(requests, [WHOAMI]);
      assert.deepEqual(navigations, [`location.assign: ${STEP_UP}`]);
      assert.equal(new URL(navigations[0].slice('location.assign: '.length)).searchParams.get('return_to'), HREF);
      assert.ok(!requests.some((r) => r.startsWith('POST ')), 'no POST while redirecting');
      assert.deepEqual(lines.filter((line) => !line.startsWith('location.assign: ')), ['click: #pay']);
      // With an aal2 session the same click pays: the POST goes out (the test API answers it
      // with a step-up challenge that this session already meets: no redirect, no loop).
      const aal2 = await runSample(index + 1, source, {
        AALGATE_README_COOKIE: await kratos.createSession({ email: 'ada@example.com', methods: ['password', 'totp'] }),
      });
      assert.deepEqual(aal2.requests, [`GET ${KRATOS_URL}/sessions/whoami → 200`, PAY, `GET ${KRATOS_URL}/sessions/whoami → 200`]);
      assert.deepEqual(aal2.lines, ['click: #pay']);
      // Kratos down: require resolves to an error, and the sample stops before the payment.
      const down = await runSample(index + 1, source, { AALGATE_README_KRATOS: await unusedUrl() });
      assert.ok(!down.requests.some((r) => r.startsWith('POST ')), down.requests.join());
      assert.deepEqual(down.lines, ['click: #pay', 'cannot check your session (kratos_unreachable)']);
    } else if (source.includes('tokenizeAs')) {
      // The SPA tokens sample, with bob's session (no second factor: Strict Kratos answers whoami,
      // so it tokenizes): the token from whoami?tokenize_as=aalgate, the app's public JWKS, the
      // API call on the page's origin carrying it; nothing else.
      const before = orders.length;
      const bob = await runSample(index + 1, source, { AALGATE_README_COOKIE: shimEnv.AALGATE_README_COOKIE_BOB });
      assert.deepEqual(bob.requests, [
        `GET ${KRATOS_URL}/sessions/whoami?tokenize_as=aalgate → 200`,
        'GET https://app.example.com/.well-known/kratos-jwks.json → 200',
        'GET https://app.example.com/api/orders → 200',
      ]);
      assert.deepEqual(bob.lines, expected);
      const [authorization] = orders.slice(before);
      const claims = JSON.parse(Buffer.from(authorization.split('.')[1], 'base64url').toString());
      assert.deepEqual([claims.iss, claims.sub, claims.acr], [KRATOS_URL, bobIdentity.identityId, 'aal1']);
      // ada's aal1 session: Strict Kratos answers 403, there is no token, the call goes without.
      // (gate.token() asks again: no token is remembered as none.)
      assert.deepEqual(requests, [
        `GET ${KRATOS_URL}/sessions/whoami?tokenize_as=aalgate → 403`,
        'GET https://app.example.com/api/orders → 200',
        `GET ${KRATOS_URL}/sessions/whoami?tokenize_as=aalgate → 403`,
      ]);
      assert.deepEqual(lines, ['200 false']);
    } else if (navigations.length > 0) {
      // The SPA samples: whoami answered 403 session_aal2_required, so every navigation is the
      // step-up that keeps the page's own URL as return_to.
      assert.ok(requests.includes(WHOAMI), requests.join());
      for (const line of navigations) {
        assert.equal(line, `location.assign: ${STEP_UP}`);
        assert.equal(new URL(line.slice('location.assign: '.length)).searchParams.get('return_to'), HREF);
      }
      assert.deepEqual(lines.filter((line) => !line.startsWith('location.assign: ')), expected);
    } else {
      assert.ok(expected.length > 0, 'a sample that does not navigate says what it prints');
      // Only the @ory/client-fetch sample asks Kratos (whoami: 403 for ada's aal1 session).
      assert.deepEqual(requests, source.includes('toSession()') ? [WHOAMI] : [], 'a sample that does not navigate asks nobody else');
      assert.deepEqual(lines, expected);
    }
  });
});

test('README states the Wasm, glue, Public Suffix List and standalone module sizes of the current build (within 5%)', () => {
  const checked = [];
  for (const [, file, raw, gzip] of readme.matchAll(/^(?:wasm|glue|psl|standalone) +(js\/(?:core|standalone)\/\S+): +(\d+) B .* raw, (\d+) B .*gzip/gm)) {
    checked.push(file);
    const bytes = readFileSync(`${root}${file}`);
    const gz = gzipSync(bytes, { level: 9 }).length;
    assert.ok(Math.abs(bytes.length - Number(raw)) <= Number(raw) * 0.05, `${file}: README says ${raw} B, build has ${bytes.length} B`);
    assert.ok(Math.abs(gz - Number(gzip)) <= Number(gzip) * 0.05, `${file}: README says ${gzip} B gzip, build has ${gz} B`);
  }
  assert.deepEqual(checked, ['js/core/aalgate-core.wasm', 'js/core/aalgate-core.mjs', 'js/core/aalgate-public-suffix.js', 'js/standalone/aalgate.mjs']);
});
