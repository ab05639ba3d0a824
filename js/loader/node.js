// Node: compile the .wasm file next to the glue, then instantiate it.
import { readFile } from 'node:fs/promises';

import factory from '../core/aalgate-core.mjs';
import { instantiateCore, once } from './instantiate.js';

const load = once(async () => {
  const bytes = await readFile(new URL('../core/aalgate-core.wasm', import.meta.url));
  return instantiateCore(factory, await WebAssembly.compile(bytes));
});

/**
 * Loads the aalgate core once per process.
 * @returns {Promise<object>} the instantiated Emscripten module
 */
export async function loadCore() {
  return load();
}
