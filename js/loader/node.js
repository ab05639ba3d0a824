// Node: compile the .wasm file next to the glue (or the `wasm` createGate was given), then
// instantiate it.
import { readFile } from 'node:fs/promises';

import factory from '../core/aalgate-core.mjs';
import { compileSource, instantiateCore, once } from './instantiate.js';

const DEFAULT = { url: new URL('../core/aalgate-core.wasm', import.meta.url) };

const load = once(async (source = DEFAULT) => instantiateCore(factory, await compileSource(source, { readFile })));

/**
 * Loads the aalgate core once per process. The source is used by the call that loads it; once
 * the core is loaded (or loading), later sources are not used.
 * @param {object} [source] the `wasm` option as js/index.js checked it; default the .wasm file
 * @returns {Promise<object>} the instantiated Emscripten module
 */
export async function loadCore(source) {
  return load(source);
}
