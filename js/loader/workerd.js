// workerd (Cloudflare Workers): the .wasm import is a compiled WebAssembly.Module already;
// code generation from bytes is not allowed at request time, and none happens here.
import wasmModule from '../core/aalgate-core.wasm';
import factory from '../core/aalgate-core.mjs';
import { instantiateCore, once } from './instantiate.js';

const load = once(async () => instantiateCore(factory, wasmModule));

/**
 * Loads the aalgate core once per isolate.
 * @returns {Promise<object>} the instantiated Emscripten module
 */
export async function loadCore() {
  return load();
}
