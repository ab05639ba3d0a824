// Browsers (and bundlers, which follow `new URL(..., import.meta.url)`): fetch and compile the
// .wasm next to the glue, streaming when the server sends it as application/wasm.
import factory from '../core/aalgate-core.mjs';
import { instantiateCore, once } from './instantiate.js';

async function compileWasm(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url} failed: HTTP ${response.status}`);
  // compileStreaming takes exactly `application/wasm`, without parameters (WebAssembly Web API).
  const type = (response.headers.get('content-type') ?? '').trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
    return WebAssembly.compileStreaming(response);
  }
  // Any other MIME type would make compileStreaming reject: compile the bytes instead.
  return WebAssembly.compile(await response.arrayBuffer());
}

const load = once(async () =>
  instantiateCore(factory, await compileWasm(new URL('../core/aalgate-core.wasm', import.meta.url))),
);

/**
 * Loads the aalgate core once per page or worker.
 * @returns {Promise<object>} the instantiated Emscripten module
 */
export async function loadCore() {
  return load();
}
