// The test page's application module: imports the package by its bare name, as an app would;
// the page's import map (browser.test.js) says where 'aalgate' and its '#load-core' live.
import * as aalgate from 'aalgate';

import { runCases, tryConfig } from './run-cases.js';

const moduleGraphMs = performance.now();

// createGate timings: the first call fetches, compiles and instantiates the Wasm; the second
// only configures a gate. Reported by the test, never asserted.
async function timeCreateGate(config) {
  const t0 = performance.now();
  const first = await aalgate.createGate(config);
  const t1 = performance.now();
  const second = await aalgate.createGate(config);
  const t2 = performance.now();
  first.dispose();
  second.dispose();
  return { moduleGraphMs, firstCreateGateMs: t1 - t0, secondCreateGateMs: t2 - t1 };
}

// Tries code generation from strings: what the page's CSP allows ('allowed' or the error name).
async function probeCodeGeneration() {
  try {
    new Function('return 1'); // eslint-disable-line no-new-func
    return 'allowed';
  } catch (error) {
    return error.name;
  }
}

// Each call runs in a task of its own, not inside the test driver's evaluation: DevTools lets
// code it evaluates bypass the page's CSP, and the package must be tested under the real one.
const inTask =
  (run) =>
  (...args) =>
    new Promise((resolve, reject) => {
      setTimeout(() => run(...args).then(resolve, reject), 0);
    });

// createGate's error, as plain data ({ name, code, message }), or null when it succeeds.
async function tryCreateGate(config) {
  try {
    (await aalgate.createGate(config)).dispose();
    return null;
  } catch (error) {
    return { name: error.name, code: error.code, message: error.message };
  }
}

window.e2e = {
  tryCreateGate: inTask(tryCreateGate),
  timeCreateGate: inTask(timeCreateGate),
  run: inTask((config, cases) => runCases(aalgate, config, cases)),
  tryConfig: inTask((config) => tryConfig(aalgate, config)),
  probeCodeGeneration: inTask(probeCodeGeneration),
};
