// workerd (Cloudflare Workers): the .wasm import is a compiled WebAssembly.Module already;
// code generation from bytes is not allowed at request time, and none happens here. A `wasm`
// given to createGate is used instead (a compiled module; bytes or a Response would need
// compiling, which workerd allows only at startup).
import wasmModule from '../core/aalgate-core.wasm';
import factory from '../core/aalgate-core.mjs';
import { compileSource, instantiateCore, once } from './instantiate.js';

const load = once(async (source) =>
  instantiateCore(factory, source === undefined ? wasmModule : await compileSource(source)),
);

/**
 * Loads the aalgate core once per isolate. The source is used by the call that loads it; once
 * the core is loaded (or loading), later sources are not used.
 * @param {object} [source] the `wasm` option as js/index.js checked it; default the imported module
 * @returns {Promise<object>} the instantiated Emscripten module
 */
export async function loadCore(source) {
  return load(source);
}
