// examples/worker bundled as wrangler bundles it, for the demo stack (stack.mjs) and the journey
// tests: esbuild with wrangler's conditions (workerd, worker, browser), so that 'aalgate/worker'
// resolves to this checkout's js/ (the package's self-reference) and '#load-core' to
// js/loader/workerd.js; the core's `.wasm` import stays an import of a module beside the script,
// which miniflare loads with a CompiledWasm rule, as wrangler uploads it. Nothing is compiled or
// evaluated from bytes at request time.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WORKER_DIR = join(ROOT, 'examples/worker');

/**
 * The parts of examples/worker/wrangler.toml the demo needs: top-level string keys (`name`,
 * `main`, `compatibility_date`) and the `[vars]` table. Only `key = "string"` lines, as the
 * example has; anything else is an error rather than a silent guess.
 * @returns {Promise<{ name: string, main: string, compatibility_date: string, vars: Record<string, string> }>}
 */
export async function readWranglerToml(dir = WORKER_DIR) {
  const text = await readFile(join(dir, 'wrangler.toml'), 'utf8');
  const top = {};
  const vars = {};
  let table = top;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      table = header[1] === 'vars' ? vars : {};
      continue;
    }
    const pair = /^([A-Za-z0-9_]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(line);
    if (!pair) throw new Error(`${join(dir, 'wrangler.toml')}: cannot read line: ${line}`);
    table[pair[1]] = JSON.parse(`"${pair[2]}"`);
  }
  return { ...top, vars };
}

/**
 * Bundles a module worker as wrangler does (conditions workerd, worker, browser; `.wasm` imports
 * kept as imports of modules copied beside the script) into `<outDir>/worker.js`.
 * @param {object} options
 * @param {string} options.entry the worker's entry module
 * @param {string} options.outDir where to write (created if missing)
 * @param {string} [options.absWorkingDir] where packages resolve from (default: this checkout)
 * @returns {Promise<{ scriptPath: string, wasmFiles: string[], inputs: string[] }>} `wasmFiles`
 *   absolute; `inputs` the bundled files, relative to `absWorkingDir`
 */
export async function bundleModuleWorker({ entry, outDir, absWorkingDir = ROOT }) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is missing: run `npm install` (or `bash tools/setup.sh`) first');
  }
  const wasmFiles = [];
  const result = await esbuild.build({
    absWorkingDir,
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        // As wrangler does: a .wasm import stays an import, of a module uploaded beside the script.
        name: 'wasm-module',
        setup(build) {
          build.onResolve({ filter: /\.wasm$/ }, (args) => {
            const file = resolve(args.resolveDir, args.path);
            wasmFiles.push(file);
            return { path: `./${basename(file)}`, external: true };
          });
        },
      },
    ],
  });
  await mkdir(outDir, { recursive: true });
  const scriptPath = join(outDir, 'worker.js');
  await writeFile(scriptPath, result.outputFiles[0].contents);
  for (const file of wasmFiles) await copyFile(file, join(outDir, basename(file)));
  const inputs = Object.keys(result.metafile.inputs).map((input) =>
    relative(absWorkingDir, resolve(absWorkingDir, input)),
  );
  return { scriptPath, wasmFiles, inputs };
}

/**
 * Bundles the example worker (wrangler.toml's `main` in `dir`) into `<outDir>/worker.js`, with
 * each imported `.wasm` copied beside it.
 * @param {object} options
 * @param {string} options.outDir where to write (created if missing)
 * @param {string} [options.dir] the worker's folder (default examples/worker)
 * @returns {Promise<{ scriptPath: string, modulesRoot: string, wasmFiles: string[], compatibilityDate: string, vars: Record<string, string> }>}
 */
export async function bundleWorker({ outDir, dir = WORKER_DIR }) {
  const toml = await readWranglerToml(dir);
  const { scriptPath, wasmFiles } = await bundleModuleWorker({ entry: join(dir, toml.main), outDir });
  return { scriptPath, modulesRoot: outDir, wasmFiles, compatibilityDate: toml.compatibility_date, vars: toml.vars };
}
