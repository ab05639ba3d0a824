// One startup measurement in this (fresh) Node process, run by benchmarks/bench.mjs as a child:
//   node benchmarks/startup.mjs fresh   compile + instantiate aalgate-core.wasm as js/loader/node.js
//                                       does, in a process that never compiled Wasm
//   node benchmarks/startup.mjs warm    the same after compiling and instantiating another small
//                                       module (the engine's first-compile cost already paid)
//   node benchmarks/startup.mjs gate    import('aalgate') + createGate(config) to a configured Gate
// Prints one line of JSON with the times in milliseconds.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const CORE = new URL('../js/core/', import.meta.url);
const CONFIG = { baseUrl: 'https://auth.example.com', kratos: { 'session.whoami.required_aal': 'aal1' } };

// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const SMALL_MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01,
  0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09,
  0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
]);

async function compileAndInstantiate() {
  // The glue and the loader's helper are imported and the bytes read before timing: the time is
  // the engine's (compile) and the module's start (instantiate, the glue's and Embind's setup).
  const { default: factory } = await import(new URL('aalgate-core.mjs', CORE).href);
  const { instantiateCore } = await import('../js/loader/instantiate.js');
  const bytes = await readFile(new URL('aalgate-core.wasm', CORE));
  const start = performance.now();
  const compiled = await WebAssembly.compile(bytes);
  const compiledAt = performance.now();
  const core = await instantiateCore(factory, compiled);
  const end = performance.now();
  if (typeof core.Gate !== 'function') throw new Error('the instantiated core has no Gate class');
  return { compileMs: compiledAt - start, instantiateMs: end - compiledAt, totalMs: end - start };
}

const mode = process.argv[2];
let result;
if (mode === 'fresh') {
  result = await compileAndInstantiate();
} else if (mode === 'warm') {
  const start = performance.now();
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(SMALL_MODULE));
  const smallMs = performance.now() - start;
  if (instance.exports.add(2, 3) !== 5) throw new Error('the small module does not add');
  result = { ...(await compileAndInstantiate()), smallMs };
} else if (mode === 'gate') {
  const start = performance.now();
  const { createGate } = await import('aalgate');
  const imported = performance.now();
  const gate = await createGate(CONFIG);
  const end = performance.now();
  gate.dispose();
  result = { importMs: imported - start, createGateMs: end - imported, totalMs: end - start };
} else {
  console.error('usage: node benchmarks/startup.mjs fresh|warm|gate');
  process.exit(2);
}
console.log(JSON.stringify(result));
