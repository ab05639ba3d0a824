// A Cloudflare module worker in front of an origin: aalgate decides per route whether a request
// may go on; allowed requests are proxied to ORIGIN_URL as they came (method, headers, body),
// with the session's identity id, session id and aal in X-Aalgate-* headers.
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

// The mirror of the Kratos settings aalgate needs, from the optional [vars]:
//   KRATOS_WHOAMI_REQUIRED_AAL         session.whoami.required_aal: "aal1" (Lax), or "" for
//                                      Kratos's default (highest_available);
//   KRATOS_PRIVILEGED_SESSION_MAX_AGE  selfservice.flows.settings.privileged_session_max_age,
//                                      e.g. "15m" or "0s" (always privileged), or "" for Kratos's
//                                      default (1h). It decides the /account/** (settings) rule.
function kratosConfig(env) {
  const config = {};
  if (env.KRATOS_WHOAMI_REQUIRED_AAL) {
    config.session = { whoami: { required_aal: env.KRATOS_WHOAMI_REQUIRED_AAL } };
  }
  if (env.KRATOS_PRIVILEGED_SESSION_MAX_AGE) {
    config.selfservice = { flows: { settings: { privileged_session_max_age: env.KRATOS_PRIVILEGED_SESSION_MAX_AGE } } };
  }
  return Object.keys(config).length > 0 ? config : undefined;
}

let gate = null; // one per isolate, made by its first request

function gateFor(env) {
  gate ??= createWorkerGate({
    baseUrl: env.KRATOS_URL,
    whoamiUrl: env.KRATOS_WHOAMI_URL || undefined,
    timeoutMs: number(env.WHOAMI_TIMEOUT_MS),
    cache: env.WHOAMI_CACHE_TTL_MS ? { ttlMs: number(env.WHOAMI_CACHE_TTL_MS) } : false,
    kratos: kratosConfig(env),
    policy,
    forward: true,
  }).catch((error) => {
    gate = null; // a later request tries again
    throw error;
  });
  return gate;
}

export default {
  async fetch(request, env) {
    // The refusal, or ORIGIN_URL's answer for the request's own path and query (`//host/x` stays
    // a path there), method, headers and body, redirects passed on as they are. With `forward`,
    // the origin gets X-Aalgate-Identity-Id, X-Aalgate-Session-Id and X-Aalgate-Aal from the
    // session; the ones a client sends are always dropped.
    return (await gateFor(env)).proxy(request, env.ORIGIN_URL);
  },
};
