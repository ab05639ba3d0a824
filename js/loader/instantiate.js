// Shared by the runtime loaders: instantiate the Emscripten module from an already compiled
// WebAssembly.Module, so no runtime ever fetches or compiles the .wasm through the glue itself.

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
 * Makes `load` run once per process or isolate: later calls share its promise. A failed load is
 * forgotten, so a later call tries again.
 * @template T
 * @param {() => Promise<T>} load
 * @returns {() => Promise<T>}
 */
export function once(load) {
  let pending = null;
  return function loadOnce() {
    if (pending === null) {
      pending = load();
      pending.catch(() => {
        pending = null;
      });
    }
    return pending;
  };
}
