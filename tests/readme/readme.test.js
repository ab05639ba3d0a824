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

import { freePort, httpUrl, serve } from '../../examples/demo/http.mjs';
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
let shimEnv;

before(async () => {
  const port = await freePort();
  kratos = await startKratosEmulator({ port, requiredAal: 'highest_available', publicUrl: KRATOS_URL });
  app = await serve((req, res) => {
    if (req.url === '/api/billing/pay' && req.method === 'POST') {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': CHALLENGE });
      res.end('{"verdict":"step_up","url":null,"reason":"aal2_required"}');
    } else {
      res.writeHead(404).end();
    }
  });
  shimEnv = {
    AALGATE_README_KRATOS: httpUrl('127.0.0.1', port),
    AALGATE_README_APP: app.url,
    AALGATE_README_COOKIE: await kratos.createSession({ email: 'ada@example.com', methods: ['password'] }),
  };
});
after(async () => {
  await app?.close();
  await kratos?.close();
});

// A worker sample (`export default { fetch }`) is imported and given a request, as workerd would:
// a request with the session cookie, as the browser sends it to the app.
const WORKER_DRIVER = (sample) => `import worker from './${sample}';
const env = { KRATOS_URL: 'https://auth.example.com', ORIGIN_URL: 'https://origin.example.com' };
const request = new Request('https://app.example.com/billing/pay', {
  method: 'POST',
  headers: { accept: 'application/json', cookie: process.env.AALGATE_README_COOKIE },
});
const res = await worker.fetch(request, env);
console.log(JSON.stringify({ status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.json() }));
`;

/** Runs sample `index` with the shim; its stdout lines, and the requests the shim routed. */
async function runSample(index, source) {
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
    env: { ...process.env, ...shimEnv },
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
      assert.deepEqual(requests, [WHOAMI]);
      assert.deepEqual(JSON.parse(lines[0]), {
        status: 401,
        challenge: CHALLENGE,
        body: {
          verdict: 'step_up',
          url: 'https://auth.example.com/self-service/login/browser?aal=aal2&return_to=https%3A%2F%2Fapp.example.com%2Fbilling%2Fpay',
          reason: 'server_requires_aal2',
        },
      });
    } else if (navigations.length > 0) {
      // The SPA samples: whoami answered 403 session_aal2_required, so every navigation is the
      // step-up that keeps the page's own URL as return_to (the API's challenge leads there too).
      assert.ok(requests.includes(WHOAMI), requests.join());
      for (const line of navigations) {
        assert.equal(line, `location.assign: ${STEP_UP}`);
        assert.equal(new URL(line.slice('location.assign: '.length)).searchParams.get('return_to'), HREF);
      }
      if (source.includes('gate.fetch(')) {
        assert.ok(requests.includes(PAY), requests.join());
        assert.equal(navigations.length, 2, 'require() and the API challenge each lead to the step-up');
      }
      assert.deepEqual(lines.filter((line) => !line.startsWith('location.assign: ')), expected);
    } else {
      assert.ok(expected.length > 0, 'a sample that does not navigate says what it prints');
      assert.deepEqual(requests, [], 'a sample that does not navigate asks nobody');
      assert.deepEqual(lines, expected);
    }
  });
});

test('README states the Wasm, glue and Public Suffix List sizes of the current build (within 5%)', () => {
  for (const [, file, raw, gzip] of readme.matchAll(/^(?:wasm|glue|psl) +(js\/core\/\S+): +(\d+) B .* raw, (\d+) B .*gzip/gm)) {
    const bytes = readFileSync(`${root}${file}`);
    const gz = gzipSync(bytes, { level: 9 }).length;
    assert.ok(Math.abs(bytes.length - Number(raw)) <= Number(raw) * 0.05, `${file}: README says ${raw} B, build has ${bytes.length} B`);
    assert.ok(Math.abs(gz - Number(gzip)) <= Number(gzip) * 0.05, `${file}: README says ${gzip} B gzip, build has ${gz} B`);
  }
  assert.equal([...readme.matchAll(/^(?:wasm|glue|psl) +js\/core\//gm)].length, 3);
});
