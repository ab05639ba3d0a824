// Builds the playground (examples/playground) as static files: index.html, playground.css, the
// page's script bundled by esbuild (the package through its own exports, '#load-core' under the
// `browser` condition; the Public Suffix List a chunk loaded only for a wildcard
// allowedReturnUrls), the core's .wasm next to it, LICENSE and THIRD_PARTY_NOTICES. Any static
// server can serve the folder; nothing in it asks another origin for anything.
//
//   npm run playground                     # → dist/playground/
//   node examples/playground/build.mjs DIR # → DIR (a new or empty folder, or an earlier build)
//
// examples/demo/stack.mjs builds it too, for `npm start`.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PLAYGROUND_DIR = join(ROOT, 'examples/playground');
export const DEFAULT_OUT = join(ROOT, 'dist/playground');

// Marks a folder as a playground build: only such a folder (or an empty one) is emptied.
const MARKER = '.aalgate-playground';
const COPIED = [
  [join(PLAYGROUND_DIR, 'index.html'), 'index.html'],
  [join(PLAYGROUND_DIR, 'playground.css'), 'playground.css'],
  [join(ROOT, 'js/core/aalgate-core.wasm'), 'aalgate-core.wasm'],
  [join(ROOT, 'LICENSE'), 'LICENSE'],
  [join(ROOT, 'THIRD_PARTY_NOTICES'), 'THIRD_PARTY_NOTICES'],
];

/**
 * Writes the playground into `outDir`.
 * @param {{ outDir?: string }} [options] default dist/playground; it must be missing, empty or
 *   an earlier build (its files are replaced)
 * @returns {Promise<{ outDir: string, files: string[] }>} the files written, relative to outDir
 */
export async function buildPlayground({ outDir = DEFAULT_OUT } = {}) {
  outDir = resolve(outDir);
  for (const file of ['js/core/aalgate-core.mjs', 'js/core/aalgate-core.wasm', 'js/core/aalgate-public-suffix.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  if (existsSync(outDir)) {
    const present = await readdir(outDir);
    if (present.length > 0 && !present.includes(MARKER)) {
      throw new Error(`${outDir} is not empty and not a playground build: choose another folder`);
    }
    await rm(outDir, { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, MARKER), 'written by examples/playground/build.mjs; the folder is replaced on the next build\n');

  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is missing: run `npm install` first');
  }
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { playground: join(PLAYGROUND_DIR, 'main.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: outDir,
    chunkNames: '[name]-[hash]',
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const [from, to] of COPIED) await copyFile(from, join(outDir, to));
  const files = (await readdir(outDir, { recursive: true })).filter((f) => f !== MARKER).sort();
  return { outDir, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { outDir, files } = await buildPlayground({ outDir: process.argv[2] ?? DEFAULT_OUT });
    const shown = relative(process.cwd(), outDir) || '.';
    console.log(`aalgate playground: ${files.length} files in ${shown}/ (${files.join(', ')})`);
    console.log(`Serve the folder with any static server and open index.html, e.g.:`);
    console.log(`  python3 -m http.server -d ${shown} 8000   # then http://127.0.0.1:8000/`);
  } catch (error) {
    console.error(`aalgate playground: ${error?.message ?? error}`);
    process.exit(1);
  }
}
