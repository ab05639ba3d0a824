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
    const options = coreOptions(wasmModule, reject, false);
    Promise.resolve()
      .then(() => factory(options))
      .then((core) => resolve(withOrigin(core, factory, wasmModule)), reject);
  });
}

/**
 * A new instance of the core `core` came from (same factory, same compiled module, new memory):
 * what js/index.js puts in place of an instance that failed (a trap, an abort). Made
 * synchronously where the runtime allows it (Node, workerd, workers), so the next call works at
 * once; where it does not (a browser's main thread refuses to instantiate a large module
 * synchronously), a promise of it.
 * @param {object} core an instance made by {@link instantiateCore} or by this function
 * @returns {object | Promise<object>}
 */
export function renewCore(core) {
  const { factory, wasmModule } = core[ORIGIN];
  let options;
  const ready = new Promise((resolve, reject) => {
    options = coreOptions(wasmModule, reject, true);
    Promise.resolve(factory(options)).then((made) => resolve(withOrigin(made, factory, wasmModule)), reject);
  });
  // The glue sets the module up on the options object itself: ready now when the instance was.
  if (typeof options.Gate === 'function') {
    ready.catch(() => {});
    return withOrigin(options, factory, wasmModule);
  }
  return ready;
}

// Where an instance came from, for renewCore.
const ORIGIN = Symbol('aalgate.coreOrigin');

function withOrigin(core, factory, wasmModule) {
  Object.defineProperty(core, ORIGIN, { value: { factory, wasmModule }, configurable: true });
  return core;
}

// The glue's Module options: instantiate `wasmModule` (synchronously first when `sync`, falling
// back to WebAssembly.instantiate where that is refused).
function coreOptions(wasmModule, reject, sync) {
  return {
    // workerd has no import.meta.url; nothing is located through the glue anyway.
    locateFile: (path) => path,
    instantiateWasm(imports, receive) {
      if (sync) {
        let instance = null;
        try {
          instance = new WebAssembly.Instance(wasmModule, imports);
        } catch {
          // refused synchronously here (a browser's main thread): asynchronously below
        }
        if (instance !== null) {
          receive(instance, wasmModule);
          return {};
        }
      }
      WebAssembly.instantiate(wasmModule, imports)
        .then((instance) => receive(instance, wasmModule))
        .catch(reject); // the glue would otherwise wait for ever
      return {}; // instantiation is asynchronous
    },
  };
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
