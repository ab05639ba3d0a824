// The module worker of workerd.test.js, bundled with esbuild under the `workerd` condition (as
// wrangler does), the package's .wasm import left to workerd as a CompiledWasm module.
import { calls, realCompile } from '../../support/wasm-instrument.js';

import * as aalgate from 'aalgate';

import { runCases, tryConfig } from '../../support/run-cases.js';

// The smallest valid Wasm module: to see whether this runtime lets a request compile bytes.
const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

async function attempt(run) {
  try {
    await run();
    return 'allowed';
  } catch (error) {
    return `${error?.name}: ${error?.message}`;
  }
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/decide' && request.method === 'POST') {
      const { config, cases, badConfig } = await request.json();
      const results = await runCases(aalgate, config, cases);
      return Response.json({
        results,
        badConfig: await tryConfig(aalgate, badConfig),
        calls: { ...calls },
      });
    }
    if (pathname === '/controls') {
      // What this runtime refuses at request time; these count nothing for the package.
      return Response.json({
        newFunction: await attempt(() => new Function('return 1')()), // eslint-disable-line no-new-func
        eval: await attempt(() => (0, eval)('1')),
        compileBytes: await attempt(() => realCompile(EMPTY_WASM)),
      });
    }
    return new Response('not found', { status: 404 });
  },
};
