// The package as users get it (issue 11): one `npm pack` (its prepack included), the tarball
// installed with `npm install <tarball>` into fresh temporary projects, and each way of using it
// checked there: Node ESM and require(), a CommonJS project from `npm init -y`, strict
// TypeScript (nodenext and bundler resolution) with @ory/client-fetch's Session, an esbuild and
// a Vite page in headless Chromium under a strict Content-Security-Policy, a `wrangler deploy
// --dry-run` bundle in workerd (miniflare), publint --strict, @arethetypeswrong/cli and the
// tarball's size. The tools are the repository's devDependencies; the installs are offline
// (aalgate's one dependency, jose, comes from npm's cache).
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, posix, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

import { launchChromium, needChromium } from '../support/chromium.js';
import { findTsc } from '../support/tsc.js';

const execFile = promisify(execFileCb);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./app/', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');

// Issue 11 asks for a tarball of at most 100 KiB; not reached (188,595 B = 184.2 KiB on
// 2026-12-04: the Wasm core alone is 56 KiB and the Public Suffix List table 42 KiB, gzip). Until
// it is, this guards the size reached against growing, and the test prints how far from the limit
// it is. Raised from 175 KiB by the 9.6 KiB the standalone module added (issue 12:
// js/standalone/aalgate.mjs and js/standalone.d.ts, 178,184 B -> 188,005 B with the same README),
// then to 196 KiB by the core's explanations (issue 12: +7.4 KB gzip of Wasm and their README and
// .d.ts text; 198,294 B), then to 222 KiB by issues 13 and 14 (the trap recovery, the token
// claims reader, aalgate/tokens, aalgate.jsonnet, the worker's and the SPA's tokens and their
// README sections: 224,871 B), then to 226 KiB (README's Security section: 227,542 B in CI), then
// to 232 KiB by issue 13's limits (maxBodyBytes in the core and the JS that streams and measures
// bodies, the worker's 414, the JWKS bound, README's Limits table and rows: 234,342 B in CI).
const ISSUE_LIMIT_BYTES = 100 * 1024;
const MAX_TARBALL_BYTES = 232 * 1024;

// What every runtime must decide for the README's 403 fixture.
const EXPECTED = {
  verdict: 'step_up',
  reason: 'server_requires_aal2',
  url: 'https://auth.example.com/self-service/login/browser?aal=aal2&return_to=https%3A%2F%2Fapp.example.com%2Fbilling',
};
const WHOAMI_403 = '{"error":{"id":"session_aal2_required","code":403}}';

const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";
// The same without 'wasm-unsafe-eval': compiling the Wasm must be refused (proves the header applies).
const NO_WASM_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'";

let tmp;
let tarball; // { path, size, files }

async function run(command, args, options = {}) {
  try {
    return await execFile(command, args, { maxBuffer: 32 * 1024 * 1024, ...options });
  } catch (error) {
    error.message += `\n--- stdout\n${error.stdout ?? ''}\n--- stderr\n${error.stderr ?? ''}`;
    throw error;
  }
}

/** A fresh project in `<tmp>/<name>` with the tarball installed; `npmInit`: made by `npm init -y`. */
async function project(name, { npmInit = false } = {}) {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  if (npmInit) {
    await run('npm', ['init', '-y'], { cwd: dir });
  } else {
    await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
  }
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', tarball.path], { cwd: dir });
  const installed = JSON.parse(await readFile(join(dir, 'node_modules/aalgate/package.json'), 'utf8'));
  assert.equal(installed.name, 'aalgate');
  return dir;
}

// A project `name` with `source` (from tests/package/app/) as its worker.js, bundled by
// `wrangler deploy --dry-run` into dist/ with a throwaway HOME; returns the project's folder.
async function wranglerBundle(name, source, workerName) {
  const dir = await project(name);
  await copyFile(join(APP, source), join(dir, 'worker.js'));
  await writeFile(join(dir, 'wrangler.json'), JSON.stringify({ name: workerName, main: 'worker.js', compatibility_date: '2026-04-01' }, null, 2));
  const home = join(dir, '.home');
  await mkdir(home);
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_LOG_PATH: join(home, 'logs'),
    CI: '1',
  };
  await run(join(BIN, 'wrangler'), ['deploy', '--dry-run', '--outdir', 'dist'], { cwd: dir, env });
  return dir;
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aalgate-package-'));
  const packDir = join(tmp, 'pack');
  await mkdir(packDir);
  const started = performance.now();
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT });
  const [info] = JSON.parse(stdout);
  tarball = { path: join(packDir, info.filename), size: info.size, files: info.files.map((f) => f.path).sort() };
  console.log(`npm pack: ${info.filename}, ${tarball.files.length} files, ${info.size} B (${(info.size / 1024).toFixed(1)} KiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

after(async () => {
  if (tmp && !process.env.AALGATE_KEEP_TMP) await rm(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`kept ${tmp}`);
});

describe('the packed tarball', { concurrency: true }, () => {
  test('carries the core, LICENSE and notices, and every module its modules import', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    for (const file of ['js/core/aalgate-core.wasm', 'js/core/aalgate-core.mjs', 'js/core/aalgate-public-suffix.js', 'js/call.js', 'js/record.js', 'js/standalone/aalgate.mjs', 'js/standalone.d.ts', 'aalgate.jsonnet', 'LICENSE', 'THIRD_PARTY_NOTICES', 'README.md', 'package.json']) {
      assert.ok(tarball.files.includes(file), `${file} is in the tarball: ${tarball.files.join(', ')}`);
    }
    // Every relative import of a packed module is packed too (`files` lists modules one by one).
    const missing = [];
    for (const file of tarball.files.filter((f) => /\.(m?js|d\.ts)$/.test(f))) {
      const text = await readFile(join(ROOT, file), 'utf8');
      for (const [, spec] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = posix.join(posix.dirname(file), spec);
        if (!tarball.files.includes(target)) missing.push(`${file} -> ${spec}`);
      }
    }
    assert.deepEqual(missing, [], 'relative imports that the tarball lacks');
    // Every export's target is packed.
    const targets = (value) => (typeof value === 'string' ? [value] : Object.values(value).flatMap(targets));
    for (const target of [...targets(manifest.exports), ...targets(manifest.imports)]) {
      assert.ok(tarball.files.includes(posix.normalize(target)), `exports/imports target ${target} is packed`);
    }
    const license = await readFile(join(ROOT, 'LICENSE'), 'utf8');
    assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
    const notices = await readFile(join(ROOT, 'THIRD_PARTY_NOTICES'), 'utf8');
    for (const name of ['nlohmann', 'Emscripten', 'LLVM Exceptions', 'musl', 'Public Suffix List']) {
      assert.ok(notices.includes(name), `THIRD_PARTY_NOTICES names ${name}`);
    }
  });

  test(`stays within the ${MAX_TARBALL_BYTES / 1024} KiB reached (issue 11's ${ISSUE_LIMIT_BYTES / 1024} KiB not met)`, async () => {
    console.log(
      `tarball size: ${tarball.size} B = ${(tarball.size / 1024).toFixed(1)} KiB (guard ${MAX_TARBALL_BYTES / 1024} KiB; ` +
        `issue 11's limit ${ISSUE_LIMIT_BYTES / 1024} KiB: ${tarball.size <= ISSUE_LIMIT_BYTES ? 'met' : 'not met'})`,
    );
    // Where the bytes are: each file alone, gzip -9 (the tarball compresses them together).
    const sizes = await Promise.all(
      tarball.files.map(async (file) => [file, gzipSync(await readFile(join(ROOT, file)), { level: 9 }).length]),
    );
    const largest = sizes.sort((a, b) => b[1] - a[1]).slice(0, 6);
    const breakdown = largest.map(([file, bytes]) => `${file} ${(bytes / 1024).toFixed(1)}`).join(', ');
    console.log(`largest files, KiB gzip -9 each: ${breakdown}`);
    assert.ok(
      tarball.size <= MAX_TARBALL_BYTES,
      `the tarball is ${(tarball.size / 1024).toFixed(1)} KiB, over ${MAX_TARBALL_BYTES / 1024} KiB (largest files, KiB gzip -9: ${breakdown})`,
    );
  });

  test('prepack and prepare refuse, in one line, a pack without the core when Emscripten is missing, or without esbuild for the standalone module', async () => {
    // A copy of the repository's packing scripts without js/core/.
    const dir = join(tmp, 'no-core');
    await mkdir(join(dir, 'tools'), { recursive: true });
    await mkdir(join(dir, 'js'), { recursive: true });
    for (const file of ['package.json', 'tools/prepack.sh', 'tools/common.sh', 'js/index.js']) {
      await copyFile(join(ROOT, file), join(dir, file));
    }
    const env = { ...process.env, AALGATE_FAKE_NO_EMSCRIPTEN: '1' };
    await assert.rejects(
      run('npm', ['pack', '--dry-run', '--loglevel=error'], { cwd: dir, env }),
      (error) => /prepack\.sh: error: js\/core\/ has no Wasm core and Emscripten is not installed to build it: run 'bash tools\/setup\.sh && npm run build' first/.test(error.stderr),
    );
    // prepare, as npm runs it in a clone for an install from git (INIT_CWD: the user's project).
    await assert.rejects(
      run('bash', ['tools/prepack.sh', '--prepare'], { cwd: dir, env: { ...env, INIT_CWD: tmp } }),
      (error) => /^prepack\.sh: error: aalgate from git has no Wasm core .* install aalgate from the npm registry/.test(error.stderr),
    );
    // prepare in the checkout's own `npm install` does nothing.
    await run('bash', ['tools/prepack.sh', '--prepare'], { cwd: dir, env: { ...env, INIT_CWD: dir } });
    // With the core but without esbuild (no node_modules), the standalone module cannot be
    // bundled: no tarball either.
    await mkdir(join(dir, 'js/core'));
    for (const file of ['js/core/aalgate-core.mjs', 'js/core/aalgate-core.wasm', 'js/core/aalgate-public-suffix.js']) {
      await copyFile(join(ROOT, file), join(dir, file));
    }
    await assert.rejects(
      run('npm', ['pack', '--dry-run', '--loglevel=error'], { cwd: dir, env }),
      (error) => /prepack\.sh: error: esbuild is missing, and the tarball needs it to bundle js\/standalone\/aalgate\.mjs: run 'npm ci' first/.test(error.stderr),
    );
  });

  test('Node: import in an ESM project, require() in a CommonJS project made by `npm init -y`', async () => {
    const [esm, cjs] = await Promise.all([project('node-esm'), project('node-cjs', { npmInit: true })]);
    await copyFile(join(APP, 'decide.mjs'), join(esm, 'decide.mjs'));
    await copyFile(join(APP, 'decide.cjs'), join(esm, 'decide.cjs'));
    await copyFile(join(APP, 'decide.cjs'), join(cjs, 'index.js'));
    const manifest = JSON.parse(await readFile(join(cjs, 'package.json'), 'utf8'));
    assert.notEqual(manifest.type, 'module', 'npm init -y made a CommonJS project');
    for (const [dir, file] of [[esm, 'decide.mjs'], [esm, 'decide.cjs'], [cjs, 'index.js']]) {
      const { stdout } = await run(process.execPath, [file], { cwd: dir });
      assert.deepEqual(JSON.parse(stdout), EXPECTED, `${file} in ${dir}`);
    }
  });

  test('aalgate/standalone from the installed tarball: imported, its .wasm fetched from next to it, a decision (issue 12)', async () => {
    const dir = await project('standalone');
    await copyFile(join(APP, 'standalone.mjs'), join(dir, 'standalone.mjs'));
    const { stdout } = await run(process.execPath, ['standalone.mjs'], { cwd: dir });
    const out = JSON.parse(stdout);
    const installed = pathToFileURL(join(dir, 'node_modules/aalgate/')).href;
    assert.equal(out.resolved, `${installed}js/standalone/aalgate.mjs`);
    assert.deepEqual(out.asked, [`${installed}js/core/aalgate-core.wasm`]);
    assert.deepEqual(out.exports, ['AalgateError', 'Gate', 'REQUIREMENTS', 'createBrowserGate', 'createGate', 'formatDuration', 'inspect']);
    assert.deepEqual(out.decision, EXPECTED);
  });

  test('npx aalgate runs the CLI from the installed tarball (issue 12)', async () => {
    const dir = await project('cli');
    await writeFile(join(dir, 'whoami-403.json'), WHOAMI_403);
    const decide = ['--offline', 'aalgate', 'decide', '--base', 'https://auth.example.com', '--whoami', 'whoami-403.json'];
    // A 403 session_aal2_required: step_up, exit code 11, the decision as JSON.
    const stepUp = await run('npx', [...decide, '--status', '403', '--aal', 'aal2', '--json'], { cwd: dir }).then(
      () => assert.fail('a step_up exits 11, not 0'),
      (error) => error,
    );
    assert.equal(stepUp.code, 11, stepUp.message);
    assert.deepEqual(
      (({ verdict, reason }) => ({ verdict, reason }))(JSON.parse(stepUp.stdout)),
      { verdict: 'step_up', reason: 'server_requires_aal2' },
    );
    const help = await run('npx', ['--offline', 'aalgate', '--help'], { cwd: dir });
    assert.match(help.stdout, /^Usage: aalgate <command>/);
    assert.match(help.stdout, /decide +decide from a whoami answer/);
  });

  test('TypeScript strict, nodenext and bundler resolution, with @ory/client-fetch types', async () => {
    const dir = await project('typescript');
    await mkdir(join(dir, 'node_modules/@ory'), { recursive: true });
    await symlink(join(ROOT, 'node_modules/@ory/client-fetch'), join(dir, 'node_modules/@ory/client-fetch'), 'dir');
    await copyFile(join(APP, 'usage.ts'), join(dir, 'usage.ts'));
    const common = { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false };
    const configs = {
      nodenext: { ...common, module: 'nodenext', moduleResolution: 'nodenext' },
      bundler: { ...common, module: 'esnext', moduleResolution: 'bundler' },
    };
    const tsc = findTsc();
    assert.ok(tsc, 'the typescript devDependency is installed');
    await Promise.all(
      Object.entries(configs).map(async ([name, compilerOptions]) => {
        const file = join(dir, `tsconfig.${name}.json`);
        await writeFile(file, JSON.stringify({ compilerOptions, files: ['usage.ts'] }, null, 2));
        await run(process.execPath, [tsc, '-p', file], { cwd: dir });
      }),
    );
    // The same file with a type error must fail (the check can fail).
    await writeFile(join(dir, 'usage.ts'), `${await readFile(join(APP, 'usage.ts'), 'utf8')}\nconst broken: number = gate.decide(session, { aal: 'aal2' });\n`);
    await assert.rejects(run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.bundler.json')], { cwd: dir }), /TS2322/);
  });

  test('esbuild (two ways) and Vite pages in headless Chromium under a strict CSP', async (t) => {
    if (!needChromium(t)) return;
    const dir = await project('web');
    const wasmFile = createRequire(join(dir, 'package.json')).resolve('aalgate/core/aalgate-core.wasm');
    assert.equal(wasmFile, join(dir, 'node_modules/aalgate/js/core/aalgate-core.wasm'));

    // esbuild: page.js bundled, the .wasm from the exported subpath copied next to it.
    const esbuildOut = join(dir, 'dist-esbuild');
    await copyFile(join(APP, 'page.js'), join(dir, 'page.js'));
    const esbuild = await import('esbuild');
    await esbuild.build({
      absWorkingDir: dir,
      entryPoints: ['page.js'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outdir: esbuildOut,
      logLevel: 'warning',
    });
    await copyFile(join(APP, 'index.html'), join(esbuildOut, 'index.html'));
    await copyFile(wasmFile, join(esbuildOut, 'aalgate-core.wasm'));

    // esbuild with the `file` loader: `import wasmUrl from 'aalgate/core/aalgate-core.wasm'`.
    const fileLoaderOut = join(dir, 'dist-esbuild-file');
    await copyFile(join(APP, 'page-file-loader.js'), join(dir, 'page.js'));
    await esbuild.build({
      absWorkingDir: dir,
      entryPoints: ['page.js'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      loader: { '.wasm': 'file' },
      outdir: fileLoaderOut,
      logLevel: 'warning',
    });
    await copyFile(join(APP, 'index.html'), join(fileLoaderOut, 'index.html'));
    const emitted = (await readdir(fileLoaderOut)).filter((f) => f.endsWith('.wasm'));
    assert.equal(emitted.length, 1, `esbuild emitted the .wasm: ${emitted.join(', ')}`);

    // Vite: vite/main.js imports the exported subpath with ?url.
    const viteRoot = join(dir, 'vite-app');
    await cp(join(APP, 'vite'), viteRoot, { recursive: true });
    const vite = await import('vite');
    await vite.build({
      root: viteRoot,
      configFile: false,
      logLevel: 'warn',
      build: { outDir: join(dir, 'dist-vite'), emptyOutDir: true },
    });

    const browser = await launchChromium();
    try {
      const pages = [['esbuild', esbuildOut], ['esbuild file loader', fileLoaderOut], ['vite', join(dir, 'dist-vite')]];
      for (const [name, root] of pages) {
        const { result, violations, notFound } = await openPage(browser, root, STRICT_CSP);
        assert.deepEqual(result, EXPECTED, `${name} page decided`);
        assert.deepEqual(violations, [], `${name} page: no CSP violation`);
        assert.deepEqual(notFound, [], `${name} page: every request found`);
        const refused = await openPage(browser, root, NO_WASM_CSP);
        assert.equal(refused.result.error, 'core.load', `${name} page without 'wasm-unsafe-eval': ${JSON.stringify(refused.result)}`);
        assert.match(refused.result.message, /wasm-unsafe-eval/);
      }
    } finally {
      await browser.close();
    }
  });

  test('wrangler deploy --dry-run bundle of an aalgate/worker module worker, run in workerd', async () => {
    const dir = await wranglerBundle('worker', 'worker.js', 'aalgate-package-test');
    const out = await readdir(join(dir, 'dist'));
    const wasm = out.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `one .wasm module beside the bundle: ${out.join(', ')}`);
    assert.ok(out.includes('worker.js'), `dist/worker.js: ${out.join(', ')}`);

    const bundled = await readFile(join(dir, 'dist/worker.js'));
    console.log(`wrangler bundle, aalgate/worker without tokens: worker.js ${bundled.length} B (${gzipSync(bundled, { level: 9 }).length} B gzip -9)`);

    const { Miniflare } = await import('miniflare');
    const asked = [];
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'dist/worker.js'),
      modulesRoot: join(dir, 'dist'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-01',
      outboundService: (request) => {
        asked.push(request.url);
        return new Response(WHOAMI_403, { status: 403, headers: { 'content-type': 'application/json' } });
      },
    });
    try {
      const response = await mf.dispatchFetch('https://app.example.com/billing', {
        headers: { accept: 'application/json', cookie: 'ory_kratos_session=x' },
      });
      const body = await response.text();
      assert.equal(response.status, 401, body);
      assert.deepEqual(JSON.parse(body), EXPECTED);
      assert.match(response.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);
      assert.deepEqual(asked, ['https://auth.example.com/sessions/whoami']);
    } finally {
      await mf.dispose();
    }
  });

  test('wrangler deploy --dry-run bundle of aalgate/worker with tokens (jose from the install), run in workerd', async () => {
    const dir = await wranglerBundle('worker-tokens', 'worker-tokens.js', 'aalgate-package-tokens');
    const bundled = await readFile(join(dir, 'dist/worker.js'));
    // jose comes from the project's node_modules, where npm installed it as aalgate's dependency.
    assert.match(bundled.toString(), /node_modules\/jose\/dist\/webapi\/jwt\/verify\.js/);
    console.log(`wrangler bundle, aalgate/worker with tokens: worker.js ${bundled.length} B (${gzipSync(bundled, { level: 9 }).length} B gzip -9)`);

    const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256', use: 'sig' }] };
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'https://auth.example.com', sub: 'i', sid: 's', iat: now, nbf: now, exp: now + 60, acr: 'aal2', amr: ['password', 'totp'], auth_time: now, aal2_time: now, session_exp: now + 3600, identity_id: 'i' };
    const sign = (c) => new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid: 'k' }).sign(privateKey);

    const { Miniflare } = await import('miniflare');
    const asked = [];
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'dist/worker.js'),
      modulesRoot: join(dir, 'dist'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-01',
      bindings: { JWKS: JSON.stringify(jwks) },
      outboundService: (request) => {
        asked.push(request.url);
        return new Response(WHOAMI_403, { status: 403 });
      },
    });
    try {
      const allowed = await mf.dispatchFetch('https://app.example.com/billing', { headers: { authorization: `Bearer ${await sign(claims)}` } });
      assert.equal(await allowed.text(), 'origin');
      const stepUp = await mf.dispatchFetch('https://app.example.com/billing', {
        headers: { accept: 'application/json', authorization: `Bearer ${await sign({ ...claims, acr: 'aal1', aal2_time: undefined })}` },
      });
      assert.equal(stepUp.status, 403, 'Strict: an aal1 token has no second factor: enroll');
      await stepUp.text();
      const forged = await mf.dispatchFetch('https://app.example.com/billing', {
        headers: { accept: 'application/json', authorization: `Bearer ${(await sign(claims)).slice(0, -4)}AAAA` },
      });
      assert.equal(forged.status, 401);
      assert.equal(forged.headers.get('www-authenticate'), 'Bearer');
      await forged.text();
      assert.deepEqual(asked, [], 'no whoami call: decided from the tokens');
    } finally {
      await mf.dispose();
    }
  });

  test('publint --strict finds nothing', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const buffer = await readFile(tarball.path);
    const { messages } = await publint({
      pack: { tarball: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) },
      level: 'suggestion',
      strict: true,
    });
    assert.deepEqual(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`), []);
  });

  test('@arethetypeswrong/cli: only the notes of an ESM-only package', async () => {
    let stdout;
    try {
      // The .wasm and the claims mapper are assets, not modules: no types to resolve for them.
      ({ stdout } = await run(
        join(BIN, 'attw'),
        [tarball.path, '--format', 'json', '--no-color', '--exclude-entrypoints', './core/aalgate-core.wasm', './aalgate.jsonnet'],
        { cwd: tmp },
      ));
    } catch (error) {
      stdout = error.stdout; // attw exits 1 when it finds any problem
    }
    const { analysis } = JSON.parse(stdout);
    assert.ok(analysis.types, 'attw found the types');
    const problems = analysis.problems.map((p) => `${p.kind} ${p.resolutionKind ?? ''} ${p.entrypoint ?? ''}`.trim());
    console.log(`attw problems: ${problems.join('; ') || 'none'}`);
    // ESM only: CommonJS resolution (node10, node16 from CJS) gets ESM, as require(esm) does.
    const unexpected = analysis.problems.filter(
      (p) => !(p.kind === 'CJSResolvesToESM' && p.resolutionKind === 'node16-cjs') && !(p.resolutionKind === 'node10'),
    );
    assert.deepEqual(unexpected, []);
  });
});

/**
 * Serves `root` with `csp` and opens its index.html; the page's `window.aalgateResult`, its CSP
 * violations and the paths the server did not find.
 */
async function openPage(browser, root, csp) {
  const notFound = [];
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    try {
      if (!file.startsWith(root)) throw new Error('outside');
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': types[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': csp,
      });
      response.end(body);
    } catch {
      if (path !== '/favicon.ico') notFound.push(path);
      response.writeHead(404, { 'content-security-policy': csp }).end();
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.aalgateResult !== undefined, null, { timeout: 20_000 });
    const result = await page.evaluate(() => window.aalgateResult);
    const violations = await page.evaluate(() => window.cspViolations);
    return { result, violations: csp === STRICT_CSP ? violations : [], notFound };
  } finally {
    await context.close();
    await new Promise((done) => server.close(done));
  }
}
