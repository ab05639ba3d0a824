// A page bundled by esbuild: the .wasm comes from the package's exported subpath
// (aalgate/core/aalgate-core.wasm), copied next to the bundle and passed to createGate.
import { createGate } from 'aalgate';

window.aalgateResult = (async () => {
  try {
    const gate = await createGate(
      { baseUrl: 'https://auth.example.com' },
      { wasm: new URL('./aalgate-core.wasm', import.meta.url) },
    );
    const whoami = { status: 403, body: '{"error":{"id":"session_aal2_required","code":403}}' };
    const d = gate.decide(whoami, { aal: 'aal2', returnTo: 'https://app.example.com/billing' });
    return { verdict: d.verdict, reason: d.reason, url: d.url };
  } catch (error) {
    return { error: error?.code ?? String(error), message: error?.message };
  }
})();
