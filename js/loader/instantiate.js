// Shared by the runtime loaders: instantiate the Emscripten module from an already compiled
// WebAssembly.Module, so no runtime ever fetches or compiles the .wasm through the glue itself;
// and compile the `wasm` a caller gives createGate (js/index.js checks its kind first).
import { AalgateError } from '../errors.js';

/**
 * Runs the Emscripten factory (`-sMODULARIZE -sEXPORT_ES6`) with a compiled module.
 * @param {(options: object) => Promise<object>} factory default export of aalgate-core.mjs
 * @param {WebAssembly.Module} wasmModule the compiled aalgate-core.wasm
 * @returns {Promise<object>} the ready Emscripten module (with the Embind `Gate` class)
 */
export function instantiateCore(factory, wasmModule) {
  return new Promise((resolve, reject) => {
    const options = {
      // workerd has no import.meta.url; nothing is located through the glue anyway.
      locateFile: (path) => path,
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(wasmModule, imports)
          .then((instance) => receive(instance, wasmModule))
          .catch(reject); // the glue would otherwise wait for ever
        return {}; // instantiation is asynchronous
      },
    };
    Promise.resolve()
      .then(() => factory(options))
      .then(resolve, reject);
  });
}

/**
 * Makes `load` run once per process or isolate: later calls share its promise (and their
 * arguments are not used). A failed load is forgotten, so a later call tries again, with its own
 * arguments.
 * @template T
 * @param {(...args: unknown[]) => Promise<T>} load
 * @returns {(...args: unknown[]) => Promise<T>}
 */
export function once(load) {
  let pending = null;
  return function loadOnce(...args) {
    if (pending === null) {
      pending = load(...args);
      pending.catch(() => {
        pending = null;
      });
    }
    return pending;
  };
}

/**
 * Compiles a fetch Response holding the .wasm: streaming when it is served as exactly
 * `application/wasm` (what `compileStreaming` takes, WebAssembly Web API), else from its bytes.
 * @param {Response} response
 * @param {string} what names the source in an error message
 * @returns {Promise<WebAssembly.Module>}
 */
export async function compileResponse(response, what) {
  if (!response.ok) throw new Error(`fetching ${what} failed: HTTP ${response.status}`);
  const type = (response.headers.get('content-type') ?? '').trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Compiles the `wasm` option as js/index.js checked it (`wasmSource`):
 * `{ module }`, `{ bytes }`, `{ url }` or `{ response }` (a Response or a promise of one).
 * @param {{ module?: WebAssembly.Module, bytes?: BufferSource, url?: URL, response?: unknown }} source
 * @param {{ readFile?: (url: URL) => Promise<Uint8Array> }} [runtime] how this runtime reads a
 *   `file:` URL (Node); elsewhere a URL is fetched
 * @returns {Promise<WebAssembly.Module>}
 */
export async function compileSource(source, { readFile } = {}) {
  if (source.module !== undefined) return source.module;
  if (source.bytes !== undefined) return WebAssembly.compile(source.bytes);
  if (source.url !== undefined) {
    const { url } = source;
    if (url.protocol === 'file:' && readFile !== undefined) return WebAssembly.compile(await readFile(url));
    return compileResponse(await fetch(url), url.href);
  }
  const response = await source.response;
  if (!isResponse(response)) {
    throw new AalgateError('options.wasm', 'options.wasm: the promise did not resolve to a Response');
  }
  return compileResponse(response, response.url || 'the Response given as options.wasm');
}

/**
 * Whether `value` is a fetch Response (or one from another realm or polyfill: a numeric
 * `status`, `headers.get` and `arrayBuffer()`).
 * @param {unknown} value
 * @returns {boolean}
 */
export function isResponse(value) {
  if (typeof Response === 'function' && value instanceof Response) return true;
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof value.status === 'number' &&
      typeof value.headers?.get === 'function' &&
      typeof value.arrayBuffer === 'function'
    );
  } catch {
    return false;
  }
}
