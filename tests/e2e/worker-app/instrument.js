// Imported first by worker.js, so it runs before the package: counts WebAssembly compilations
// and instantiations (each wrapper then does the real work), to show that the worker compiles
// nothing itself and only instantiates the module workerd compiled when it loaded the script.
export const calls = {
  compileBytes: 0,
  compileStreaming: 0,
  moduleConstructor: 0,
  instantiateBytes: 0,
  instantiateStreaming: 0,
  instantiateModule: 0,
};

const wasm = WebAssembly;
const RealModule = wasm.Module;
const { compile, compileStreaming, instantiate, instantiateStreaming } = wasm;

/** The real WebAssembly.compile, for the worker's controls (not counted). */
export const realCompile = compile.bind(wasm);

wasm.compile = function (...args) {
  calls.compileBytes += 1;
  return compile.apply(this, args);
};
wasm.instantiate = function (...args) {
  if (args[0] instanceof RealModule) calls.instantiateModule += 1;
  else calls.instantiateBytes += 1;
  return instantiate.apply(this, args);
};
if (typeof compileStreaming === 'function') {
  wasm.compileStreaming = function (...args) {
    calls.compileStreaming += 1;
    return compileStreaming.apply(this, args);
  };
}
if (typeof instantiateStreaming === 'function') {
  wasm.instantiateStreaming = function (...args) {
    calls.instantiateStreaming += 1;
    return instantiateStreaming.apply(this, args);
  };
}
wasm.Module = new Proxy(RealModule, {
  construct(target, args, newTarget) {
    calls.moduleConstructor += 1;
    return Reflect.construct(target, args, newTarget === wasm.Module ? target : newTarget);
  },
});
