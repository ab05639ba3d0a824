// Counts WebAssembly compile and instantiate calls; no side effect on import (wasm-instrument.js
// and the page script of tests/e2e/browser.test.js call it).
/**
 * Wraps `wasm`'s compile and instantiate functions so that each call is counted in `calls`
 * (then does the real work). Self-contained: the Chromium test injects its source into pages.
 * @param {typeof WebAssembly} wasm
 * @param {Record<string, number>} calls
 */
export function countWasmCalls(wasm, calls) {
  const Module = wasm.Module;
  const { compile, compileStreaming, instantiate, instantiateStreaming } = wasm;
  wasm.compile = function (...args) {
    calls.compileBytes += 1;
    return compile.apply(this, args);
  };
  wasm.instantiate = function (...args) {
    if (args[0] instanceof Module) calls.instantiateModule += 1;
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
}

