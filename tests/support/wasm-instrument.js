// Imported first by the workers the workerd suites bundle (tests/e2e/worker-app/worker.js, the
// wrapper of tests/worker/harness.js), so it runs before the package: counts WebAssembly
// compilations and instantiations (each wrapper then does the real work), to show that the
// worker compiles nothing itself and only instantiates the module workerd compiled when it loaded
// the script. Not for Node: importing it wraps this runtime's WebAssembly.
import { countWasmCalls } from './count-wasm-calls.js';

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
/** The real WebAssembly.compile, for the worker's controls (not counted). */
export const realCompile = wasm.compile.bind(wasm);

countWasmCalls(wasm, calls);
wasm.Module = new Proxy(RealModule, {
  construct(target, args, newTarget) {
    calls.moduleConstructor += 1;
    return Reflect.construct(target, args, newTarget === wasm.Module ? target : newTarget);
  },
});
