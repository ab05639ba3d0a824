// aalgate/worker: step-up authentication in front of an origin, for edge workers (workerd /
// Cloudflare Workers, Deno, Node's fetch): a Request in, a Response (or null: go on) out.
// whoami is asked through js/kratos.js with the request's credentials; every decision, and the
// status a refusal gets, is the core's. Only Web APIs: fetch, Headers, Response,
// AbortController, crypto.subtle.
import { AalgateError, createGate } from './index.js';
import { askWhoami, credentialsOf, whoamiEndpoint } from './kratos.js';
import { INTERNAL } from './marshal.js';
import { WhoamiCache, cacheSettings, credentialKey } from './whoami-cache.js';
import { isNavigation, responseFor } from './worker-http.js';

export { AalgateError };

const DEFAULT_TIMEOUT_MS = 3000;
// setTimeout's largest delay; beyond it runtimes fire at once.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Creates a gate for a worker: one per isolate, reused for every request.
 *
 * @example
 * ```js
 * import { createWorkerGate } from 'aalgate/worker';
 *
 * const gate = await createWorkerGate({
 *   baseUrl: 'https://auth.example.com',
 *   policy: { rules: [{ path: '/billing/**', aal: 'aal2', maxAge: '5m' }] },
 * });
 * const denied = await gate.handle(request);
 * if (denied) return denied; // else go on to the origin
 * ```
 *
 * @param {object} config the configuration of `createGate` (`baseUrl`, `policy`, `flow`,
 *   `allowedReturnUrls`, `kratos`, `leeway`) plus `whoamiUrl` (where to reach Kratos's public
 *   API from the worker; default `baseUrl`), `timeoutMs` (default 3000) and `cache` (`true` or
 *   `{ maxEntries = 1000, ttlMs = 30000 }`; off by default).
 * @returns {Promise<{ handle(request: Request): Promise<Response | null>,
 *   check(request: Request): Promise<Readonly<object>>, dispose(): void }>}
 * @throws {AalgateError} (as a rejection) `config` when the configuration is not an object,
 *   `config.whoamiUrl`, `config.timeoutMs`, `config.cache…`, or the core's code (e.g.
 *   `config.baseUrl`, `config.policy.rules[0].path`).
 */
export async function createWorkerGate(config) {
  // Read and checked before any await: later changes to `config` do not leak into the gate.
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new AalgateError('config', 'config must be an object');
  }
  const { whoamiUrl, timeoutMs: givenTimeout, cache, ...gateConfig } = config;
  const timeoutMs = givenTimeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > MAX_TIMEOUT_MS) {
    throw new AalgateError('config.timeoutMs', `config.timeoutMs must be a number of milliseconds above 0, at most ${MAX_TIMEOUT_MS}`);
  }
  if (whoamiUrl !== undefined && whoamiUrl !== null) whoamiEndpoint(undefined, whoamiUrl);
  const settings = cacheSettings(cache);

  const gate = await createGate(gateConfig);
  // The core accepted baseUrl, so this cannot fail on it now.
  const endpoint = whoamiEndpoint(gateConfig.baseUrl, whoamiUrl);
  const answers = settings === null ? null : new WhoamiCache(settings);

  // The decision for `request` with what a server needs of it (INTERNAL: httpStatus, expiry).
  async function decideFor(request) {
    const { method, url, headers } = readRequest(request);
    const input = { method, url, returnTo: url };
    const core = gate[INTERNAL];
    // Throws for an invalid method or URL, and once the gate is disposed. A route that needs no
    // session (the core goes on without one) is decided without asking Kratos.
    const unsigned = core.decide(null, input, 'request');
    if (unsigned.httpStatus === 0) return unsigned;

    const credentials = credentialsOf(headers);
    const key = answers === null ? null : await credentialKey(credentials);
    if (key !== null) {
      const kept = answers.get(key, Date.now());
      if (kept !== null) {
        return core.decide(whoamiOf(kept), { ...input, now: Date.now() + kept.skewMs }, 'request');
      }
    }

    const answer = await askWhoami(endpoint, { fetch: (...args) => fetch(...args), headers: credentials, timeoutMs });
    if (typeof answer.failure === 'string') {
      // No answer: the core's decision for that (an error naming what went wrong).
      return core.decide({ failure: answer.failure }, input, 'request');
    }
    const decided = core.decide(whoamiOf(answer), { ...input, now: Date.now() + answer.skewMs }, 'request');
    if (key !== null && answer.status === 200 && decided.sessionExpiresAt !== null) {
      // The session's expiry on this machine's clock, as the cache keeps time.
      answers.set(key, answer, decided.sessionExpiresAt - answer.skewMs, Date.now());
    }
    return decided;
  }

  return Object.freeze({
    /**
     * The Response that stops `request`, or null when it may go on to the origin.
     * @param {Request} request
     * @returns {Promise<Response | null>}
     */
    async handle(request) {
      return responseFor(await decideFor(request), isNavigation(request.headers));
    },
    /**
     * The Decision for `request` (as `gate.decideRequest` gives it, or an `error` with reason
     * `kratos_unreachable` / `kratos_timeout`), without building a Response.
     * @param {Request} request
     * @returns {Promise<Readonly<object>>}
     */
    async check(request) {
      return (await decideFor(request)).decision;
    },
    /**
     * Frees the core's memory and drops the cache; later calls reject with `gate.disposed`.
     * @returns {void}
     */
    dispose() {
      answers?.clear();
      gate.dispose();
    },
  });
}

// What the core reads of a whoami answer.
function whoamiOf(answer) {
  return { status: answer.status, body: answer.body };
}

function readRequest(request) {
  if (typeof request !== 'object' || request === null || typeof request.headers?.get !== 'function') {
    throw new AalgateError('request', 'expected a Request (method, url, headers)');
  }
  return { method: request.method, url: request.url, headers: request.headers };
}
