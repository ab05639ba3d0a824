// aalgate/standalone (js/standalone/aalgate.mjs, tools/standalone.mjs): one ES module that
// imports nothing but the package's own files, by paths relative to itself. Checked three ways:
// the built file is what the build script makes from js/ now; esbuild's parser lists every import
// of the file (none bare, none `#`, each a packed file of js/core/); and, the behaviour, the file
// copied with js/core/ alone into an empty folder (no package.json, no node_modules: a bare or
// `#` import could not resolve there) is imported by Node, fetches its .wasm and imports the
// Public Suffix List table from next to itself, and decides. The browser and CDN case is
// tests/browser/standalone.test.js.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { STANDALONE, buildStandalone } from '../../tools/standalone.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORE_FILES = ['aalgate-core.mjs', 'aalgate-core.wasm', 'aalgate-public-suffix.js'];
const WHOAMI_403 = '{"error":{"id":"session_aal2_required","code":403}}';
const EXPECTED_403 = {
  verdict: 'step_up',
  reason: 'server_requires_aal2',
  url: 'https://auth.example.com/self-service/login/browser?aal=aal2&return_to=https%3A%2F%2Fapp.example.com%2Fbilling',
};

const readBuilt = () =>
  readFile(join(ROOT, STANDALONE), 'utf8').catch((error) => {
    throw new Error(`${STANDALONE} is missing (${error.code}): run 'npm run build' (or node tools/standalone.mjs)`);
  });

/** Every import of `file` as esbuild's parser finds it: [{ path, kind }]. Nothing is resolved. */
async function importsOf(file) {
  const esbuild = await import('esbuild');
  const found = [];
  await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'record',
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            found.push({ path: args.path, kind: args.kind });
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return found;
}

test('the built module is what tools/standalone.mjs makes from js/ now (not stale)', async () => {
  const built = await readBuilt();
  const { text, inputs } = await buildStandalone({ write: false });
  assert.ok(built === text, `${STANDALONE} differs from a fresh bundle of js/: run 'npm run build' (or node tools/standalone.mjs)`);
  // `#load-core` went to the browser loader, and only it.
  assert.ok(inputs.includes('js/loader/browser.js'), inputs.join(', '));
  assert.deepEqual(inputs.filter((f) => /loader\/(node|workerd)\.js$/.test(f) || f.startsWith('js/core/')), []);
});

test('it imports only js/core/ files of the package, by relative paths; no bare, `#` or node: specifier', async () => {
  const file = join(ROOT, STANDALONE);
  const imports = await importsOf(file);
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const bad = imports.filter(({ path }) => !/^\.\.?\//.test(path));
  assert.deepEqual(bad, [], 'every import is relative');
  assert.deepEqual(
    imports.map(({ path, kind }) => `${kind} ${posix.join(posix.dirname(STANDALONE), path)}`).sort(),
    ['dynamic-import js/core/aalgate-public-suffix.js', 'import-statement js/core/aalgate-core.mjs'],
  );
  for (const { path } of imports) {
    const target = posix.join(posix.dirname(STANDALONE), path);
    assert.ok(manifest.files.includes(target), `${target} is published (package.json files)`);
  }
  // The .wasm it fetches (a URL, not an import): the packed file next to the glue.
  const text = await readFile(file, 'utf8');
  const urls = [...text.matchAll(/new URL\(\s*(['"`])([^'"`]*)\1\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[2]);
  assert.deepEqual(urls, ['../core/aalgate-core.wasm']);
  assert.ok(manifest.files.includes(posix.join(posix.dirname(STANDALONE), urls[0])));
  // The parser sees what a module would import: a bare specifier added to the text is found.
  const probe = join(await mkdtemp(join(tmpdir(), 'aalgate-standalone-probe-')), 'probe.mjs');
  try {
    await writeFile(probe, `${text}\nimport "#load-core";import("aalgate");`);
    const probed = (await importsOf(probe)).map(({ path }) => path);
    assert.ok(probed.includes('#load-core') && probed.includes('aalgate'), probed.join(', '));
  } finally {
    await rm(join(probe, '..'), { recursive: true, force: true });
  }
});

test('in a folder with js/core/ and nothing else, Node imports it; it fetches its .wasm and the table relative to itself and decides', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aalgate-standalone-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'js', 'standalone'), { recursive: true });
  await mkdir(join(dir, 'js', 'core'));
  await copyFile(join(ROOT, STANDALONE), join(dir, STANDALONE));
  for (const name of CORE_FILES) await copyFile(join(ROOT, 'js/core', name), join(dir, 'js/core', name));

  // The browser loader fetches the .wasm; Node's fetch has no file: URLs, so this one serves
  // them from disk and records what was asked.
  const asked = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.protocol !== 'file:') return realFetch(input, init);
    asked.push(url.href);
    return new Response(await readFile(url), { headers: { 'content-type': 'application/wasm' } });
  };
  t.after(() => {
    globalThis.fetch = realFetch;
  });

  const standalone = await import(pathToFileURL(join(dir, STANDALONE)).href);
  const [api, browser, devtools] = await Promise.all([import('aalgate'), import('aalgate/browser'), import('aalgate/devtools')]);
  const union = [...new Set([...Object.keys(api), ...Object.keys(browser), ...Object.keys(devtools)])].sort();
  assert.deepEqual(Object.keys(standalone).sort(), union, 'exports what aalgate, aalgate/browser and aalgate/devtools export');

  const gate = await standalone.createGate({ baseUrl: 'https://auth.example.com' });
  const d = gate.decide({ status: 403, body: WHOAMI_403 }, { aal: 'aal2', returnTo: 'https://app.example.com/billing' });
  assert.deepEqual({ verdict: d.verdict, reason: d.reason, url: d.url }, EXPECTED_403);
  assert.deepEqual(asked, [pathToFileURL(join(dir, 'js/core/aalgate-core.wasm')).href]);
  assert.ok(gate instanceof standalone.Gate);

  // A wildcard loads the Public Suffix List table (../core/aalgate-public-suffix.js): kept for
  // a registrable domain, refused on a public suffix.
  const wild = await standalone.createGate({ baseUrl: 'https://auth.example.com', allowedReturnUrls: ['https://*.example.com/'] });
  assert.deepEqual(wild.decide(null, { returnTo: 'https://a.example.com/x' }).warnings, []);
  assert.deepEqual(wild.decide(null, { returnTo: 'https://evil.example.net/x' }).warnings, ['return_to_dropped']);
  const refused = await standalone.createGate({ baseUrl: 'https://auth.example.com', allowedReturnUrls: ['https://*.vercel.app/'] }).catch((e) => e);
  assert.ok(refused instanceof standalone.AalgateError, String(refused));
  assert.equal(refused.code, 'config.allowedReturnUrls[0]');
  // The formatting helper of aalgate/devtools came along.
  assert.equal(standalone.formatDuration(252_000), devtools.formatDuration(252_000));
  // aalgate/tokens (jose) is left out: a gate with tokenizeAs is refused, saying so.
  const tokenized = await standalone
    .createBrowserGate({ baseUrl: 'https://auth.example.com', tokenizeAs: 'aalgate', tokens: { jwks: { keys: [] }, issuer: 'https://auth.example.com' } })
    .catch((e) => e);
  assert.ok(tokenized instanceof standalone.AalgateError, String(tokenized));
  assert.equal(tokenized.code, 'tokens.load');
  assert.match(tokenized.message, /aalgate\/standalone leaves out aalgate\/tokens and jose/);
});

test("README's console line imports this version's aalgate/standalone file from the CDN", async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(manifest.exports['./standalone'].default, `./${STANDALONE}`);
  const line = `await import('https://cdn.jsdelivr.net/npm/aalgate@${manifest.version}/${STANDALONE}');`;
  assert.ok(readme.includes(line), `README has: ${line}`);
});
