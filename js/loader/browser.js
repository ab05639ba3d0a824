// Browsers (and bundlers, which follow `new URL(..., import.meta.url)`): fetch and compile the
// .wasm next to the glue, streaming when the server sends it as application/wasm; or compile the
// `wasm` createGate was given (a bundler's URL, a Response, bytes or a compiled module).
import factory from '../core/aalgate-core.mjs';
import { compileSource, instantiateCore, once } from './instantiate.js';

const load = once(async (source) =>
  instantiateCore(factory, await compileSource(source ?? { url: new URL('../core/aalgate-core.wasm', import.meta.url) })),
);

/**
 * Loads the aalgate core once per page or worker. The source is used by the call that loads it;
 * once the core is loaded (or loading), later sources are not used.
 * @param {object} [source] the `wasm` option as js/index.js checked it; default the .wasm file
 *   next to the glue
 * @returns {Promise<object>} the instantiated Emscripten module
 */
export async function loadCore(source) {
  return load(source);
}
