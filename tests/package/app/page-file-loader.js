// A page bundled by esbuild with the `file` loader for .wasm (README, "Runtimes"): the import of
// the exported subpath gives the emitted file's path, relative to the bundle.
import { createGate } from 'aalgate';
import wasmUrl from 'aalgate/core/aalgate-core.wasm';

window.aalgateResult = (async () => {
  try {
    const gate = await createGate({ baseUrl: 'https://auth.example.com' }, { wasm: new URL(wasmUrl, import.meta.url) });
    const whoami = { status: 403, body: '{"error":{"id":"session_aal2_required","code":403}}' };
    const d = gate.decide(whoami, { aal: 'aal2', returnTo: 'https://app.example.com/billing' });
    return { verdict: d.verdict, reason: d.reason, url: d.url };
  } catch (error) {
    return { error: error?.code ?? String(error), message: error?.message };
  }
})();
