// A Cloudflare module worker in front of an origin: aalgate decides per route whether a request
// may go on; allowed requests are proxied to ORIGIN_URL as they came (method, headers, body).
// Configuration: wrangler.toml [vars]. Run: `npx wrangler dev` in this folder.
import { createWorkerGate } from 'aalgate/worker';

const policy = {
  rules: [
    { path: '/billing/**', aal: 'aal2', maxAge: '5m' },
    { path: '/account/**', operation: 'settings' },
    { path: '/public/**', aal: 'none' },
  ],
  default: { aal: 'aal1' },
};

// Optional [vars] are strings; "" or absent means the library's default.
const number = (text) => (text ? Number(text) : undefined);

let gate = null; // one per isolate, made by its first request

function gateFor(env) {
  gate ??= createWorkerGate({
    baseUrl: env.KRATOS_URL,
    whoamiUrl: env.KRATOS_WHOAMI_URL || undefined,
    timeoutMs: number(env.WHOAMI_TIMEOUT_MS),
    cache: env.WHOAMI_CACHE_TTL_MS ? { ttlMs: number(env.WHOAMI_CACHE_TTL_MS) } : false,
    // Kratos's session.whoami.required_aal: "aal1" (Lax), or "" for its default (highest_available).
    kratos: env.KRATOS_WHOAMI_REQUIRED_AAL
      ? { session: { whoami: { required_aal: env.KRATOS_WHOAMI_REQUIRED_AAL } } }
      : undefined,
    policy,
  }).catch((error) => {
    gate = null; // a later request tries again
    throw error;
  });
  return gate;
}

export default {
  async fetch(request, env) {
    const denied = await (await gateFor(env)).handle(request);
    if (denied) return denied;
    const { pathname, search } = new URL(request.url);
    const target = new URL(env.ORIGIN_URL); // path set as is: `//host/x` stays a path
    target.pathname = pathname;
    target.search = search;
    return fetch(target, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual', // the origin's redirects go to the browser as they are
    });
  },
};
