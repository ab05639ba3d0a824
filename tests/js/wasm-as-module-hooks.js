// Node module hooks for tests/js/loaders.test.js: `import x from './file.wasm'` gives a compiled
// WebAssembly.Module, as workerd (and wrangler's bundling) does.
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.wasm')) return nextLoad(url, context);
  return {
    format: 'module',
    shortCircuit: true,
    source: `import { readFile } from 'node:fs/promises';
export default await WebAssembly.compile(await readFile(new URL(${JSON.stringify(url)})));`,
  };
}
