// Every ```js sample in README.md runs here, as its own ES module importing 'aalgate' (the
// package, through its exports). A sample's "// prints:" lines must be exactly what it prints;
// the SPA sample runs with fetch routed to a local Kratos stand-in serving the real fixture bodies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(new URL('README.md', `file://${root}`), 'utf8');
const samples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const fixture = (name) => readFileSync(`${root}tests/fixtures/kratos/${name}`, 'utf8');
const run = promisify(execFile);

// Answers whoami as Kratos does for an aal1 session of an identity with a second factor
// under Strict: 403 session_aal2_required (derived fixture, byte for byte).
async function withKratos(fn) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    if (req.url === '/sessions/whoami') {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(fixture('derived-whoami-403-session_aal2_required.json'));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`, requests);
  } finally {
    server.close();
  }
}

async function runSample(index, source, env = {}) {
  const dir = `${root}tests/readme/.run`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/sample-${index}.mjs`;
  writeFileSync(file, source);
  const { stdout } = await run(
    process.execPath,
    ['--import', `${root}tests/readme/browser-shim.mjs`, file],
    { env: { ...process.env, ...env }, cwd: root },
  );
  return stdout;
}

test('README has the samples this suite knows how to run', () => {
  assert.ok(samples.length >= 3, `found ${samples.length} js samples`);
  assert.match(readme, /npm start[\s\S]*npm test/, 'README leads with npm start and npm test');
});

samples.forEach((source, index) => {
  const expected = [...source.matchAll(/^\/\/ prints: (.*)$/gm)].map((m) => m[1]);
  test(`README sample ${index + 1} runs and prints what it says`, async () => {
    await withKratos(async (kratos, requests) => {
      const stdout = await runSample(index + 1, source, { AALGATE_README_KRATOS: kratos });
      const lines = stdout.split('\n').filter(Boolean);
      if (source.includes('location.assign')) {
        // The SPA sample: whoami answered 403 session_aal2_required, so a step-up that keeps
        // the page's own URL as return_to.
        assert.deepEqual(requests, ['/sessions/whoami']);
        const href = 'https://app.example.com/billing?invoice=42&tab=pay';
        assert.deepEqual(lines, [
          `location.assign: https://auth.example.com/self-service/login/browser?aal=aal2&return_to=${encodeURIComponent(href)}`,
        ]);
        const assigned = new URL(lines[0].slice('location.assign: '.length));
        assert.equal(assigned.searchParams.get('return_to'), href);
      } else {
        assert.ok(expected.length > 0, 'a non-browser sample says what it prints');
        assert.deepEqual(lines, expected);
      }
    });
  });
});

test('README states the Wasm and glue sizes of the current build (within 5%)', () => {
  for (const [, file, raw, gzip] of readme.matchAll(/^(?:wasm|glue) +(js\/core\/\S+): +(\d+) B .* raw, (\d+) B .*gzip/gm)) {
    const bytes = readFileSync(`${root}${file}`);
    const gz = gzipSync(bytes, { level: 9 }).length;
    assert.ok(Math.abs(bytes.length - Number(raw)) <= Number(raw) * 0.05, `${file}: README says ${raw} B, build has ${bytes.length} B`);
    assert.ok(Math.abs(gz - Number(gzip)) <= Number(gzip) * 0.05, `${file}: README says ${gzip} B gzip, build has ${gz} B`);
  }
  assert.equal([...readme.matchAll(/^(?:wasm|glue) +js\/core\//gm)].length, 2);
});
