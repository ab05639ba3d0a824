// Builds js/standalone/aalgate.mjs: aalgate, aalgate/browser and aalgate/devtools as one ES
// module with no bare or `#` import, for `await import(url)` from a CDN or any static server
// (a devtools console, a page without an import map or bundler). tools/build.sh runs it after the
// Wasm core, tools/prepack.sh before every pack.
//
//   node tools/standalone.mjs     writes js/standalone/aalgate.mjs and prints its size
//
// What the bundle holds: the package's JS modules, minified, with `#load-core` resolved to the
// browser loader (js/loader/browser.js). What it does not: the files of js/core/ (the glue, the
// .wasm, the Public Suffix List table). They stay the package's own files, imported (the glue, the
// table) or fetched (the .wasm) relative to the bundle's URL, so the tarball carries each once.
// The bundle sits one folder below js/, as js/loader/ does, so the loader's
// `new URL('../core/aalgate-core.wasm', import.meta.url)` names the same file from both.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const STANDALONE = 'js/standalone/aalgate.mjs';
const CORE_DIR = join(ROOT, 'js', 'core') + sep;

// The three entry points, re-exported as they are (AalgateError is the same binding in each).
const ENTRY = `export * from './index.js';
export * from './browser.js';
export * from './devtools.js';
`;

/**
 * Bundles the standalone module.
 * @param {{ outfile?: string, write?: boolean }} [options] where to write it (default
 *   js/standalone/aalgate.mjs; the relative paths to js/core/ are computed from there), and
 *   whether to write it (false: return the text only)
 * @returns {Promise<{ outfile: string, text: string, imports: { path: string, kind: string }[], inputs: string[] }>}
 *   the module's text, what it imports (as esbuild's metafile records it) and the repository
 *   files bundled into it
 */
export async function buildStandalone({ outfile = join(ROOT, STANDALONE), write = true } = {}) {
  const esbuild = await import('esbuild');
  const outdir = dirname(outfile);
  const coreAsItIs = {
    name: 'aalgate-core-files',
    setup(build) {
      // A module of js/core/ (the glue, the Public Suffix List table) stays a file of the package,
      // imported by its path relative to the bundle.
      build.onResolve({ filter: /^\.{1,2}\// }, ({ path, resolveDir }) => {
        const target = join(resolveDir, path);
        if (!target.startsWith(CORE_DIR)) return undefined;
        let spec = relative(outdir, target).split(sep).join('/');
        if (!spec.startsWith('../')) spec = `./${spec}`;
        return { path: spec, external: true };
      });
    },
  };
  // aalgate/tokens (and jose, 27 KB minified) is left out: js/token-transport.js imports it only
  // for `tokens` / `tokenizeAs`, and here that import rejects, so such a gate is refused with
  // AalgateError `tokens.load` (its message says why) instead of the bundle carrying jose for all.
  const withoutTokens = {
    name: 'aalgate-without-tokens',
    setup(build) {
      build.onResolve({ filter: /^\.\/tokens\.js$/ }, ({ importer }) =>
        importer === join(ROOT, 'js', 'token-transport.js') ? { path: 'tokens.js', namespace: 'aalgate-without-tokens' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'aalgate-without-tokens' }, () => ({
        contents: "throw new Error('aalgate/standalone leaves out aalgate/tokens and jose: use the package through a bundler or an import map for tokens and tokenizeAs');",
        loader: 'js',
      }));
    },
  };
  const result = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: join(ROOT, 'js'), sourcefile: 'standalone-entry.js', loader: 'js' },
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // `#load-core` (package.json imports) by the browser condition: js/loader/browser.js.
    conditions: ['browser'],
    // Minified, with no syntax lowered (no target): the same code as the package's modules.
    minify: true,
    legalComments: 'none',
    banner: { js: `// aalgate ${await packageVersion()} standalone (tools/standalone.mjs): aalgate, aalgate/browser, aalgate/devtools. Apache-2.0.` },
    plugins: [coreAsItIs, withoutTokens],
    metafile: true,
    write: false,
    outfile,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  const meta = result.metafile.outputs[relative(ROOT, outfile).split(sep).join('/')];
  if (meta === undefined) throw new Error(`esbuild's metafile has no output for ${outfile}`);
  if (write) {
    await mkdir(outdir, { recursive: true });
    await writeFile(outfile, output.contents);
  }
  return {
    outfile,
    text: output.text,
    imports: meta.imports.map(({ path, kind }) => ({ path, kind })),
    inputs: Object.keys(meta.inputs),
  };
}

async function packageVersion() {
  return JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version;
}

// "<raw> B (<KiB> KiB) raw, <gz> B (<KiB> KiB) gzip -9", as tools/build.sh prints sizes.
const sizeLine = (bytes) => {
  const gz = gzipSync(bytes, { level: 9 }).length;
  return `${bytes.length} B (${(bytes.length / 1024).toFixed(1)} KiB) raw, ${gz} B (${(gz / 1024).toFixed(1)} KiB) gzip -9`;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { text } = await buildStandalone();
    console.log(`standalone ${STANDALONE}: ${sizeLine(Buffer.from(text))}`);
  } catch (error) {
    console.error(`standalone.mjs: error: ${error.message}`);
    process.exit(1);
  }
}
