// A module worker using aalgate/worker, bundled by `wrangler deploy --dry-run`.
import { createWorkerGate } from 'aalgate/worker';

let gate = null;

export default {
  async fetch(request) {
    gate ??= createWorkerGate({
      baseUrl: 'https://auth.example.com',
      cache: false,
      policy: { rules: [{ path: '/billing/**', aal: 'aal2' }], default: { aal: 'aal1' } },
    });
    return (await (await gate).handle(request)) ?? new Response('origin');
  },
};
