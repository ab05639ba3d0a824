// A module worker using aalgate/worker with `tokens`, bundled by `wrangler deploy --dry-run`: the
// public JWKS and Kratos's URL come from bindings, a request's Bearer JWT is decided without whoami.
import { createWorkerGate } from 'aalgate/worker';

let gate = null;

export default {
  async fetch(request, env) {
    gate ??= createWorkerGate({
      baseUrl: 'https://auth.example.com',
      policy: { rules: [{ path: '/billing/**', aal: 'aal2' }], default: { aal: 'aal1' } },
      tokens: { jwks: JSON.parse(env.JWKS), issuer: 'https://auth.example.com', fallback: 'challenge' },
    });
    return (await (await gate).handle(request)) ?? new Response('origin');
  },
};
