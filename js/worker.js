// aalgate/worker: step-up authentication in front of an origin, for edge workers (workerd /
// Cloudflare Workers, Deno, Node's fetch). It asks Kratos's whoami with the request's
// credentials, lets the core decide for the request's route, and turns the Decision into a
// Response. Only Web APIs: fetch, Headers, Response, AbortController, crypto.subtle.
import { AalgateError, createGate } from './index.js';
import {
  WhoamiCache,
  cacheSettings,
  credentialKey,
  credentialsOf,
  decideWithSession,
  isNavigation,
  responseFor,
} from './internal.js';

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
  const givenEndpoint = whoamiUrl === undefined || whoamiUrl === null ? null : whoamiEndpoint(whoamiUrl, 'config.whoamiUrl');
  const settings = cacheSettings(cache);

  const gate = await createGate(gateConfig);
  let endpoint;
  try {
    endpoint = givenEndpoint ?? whoamiEndpoint(gateConfig.baseUrl, 'config.baseUrl');
  } catch (error) {
    gate.dispose();
    throw error;
  }
  const answers = settings === null ? null : new WhoamiCache(settings);

  async function check(request) {
    const { method, url, headers } = readRequest(request);
    const input = { method, url, returnTo: url };
    // Throws for an invalid method or URL, and once the gate is disposed.
    if (gate.requirementFor(method, url).aal === 'none') return gate.decideRequest(null, input);

    const credentials = credentialsOf(headers);
    const key = answers === null ? null : await credentialKey(credentials);
    if (key !== null) {
      const kept = answers.get(key, Date.now());
      if (kept !== null) {
        return gate.decideRequest(whoamiOf(kept), { ...input, now: Date.now() + kept.skewMs });
      }
    }

    const answer = await askWhoami(endpoint, credentials, timeoutMs);
    if (typeof answer.failure === 'string') {
      // No answer: the core's decision for that (an error naming what went wrong).
      return gate.decideRequest({ failure: answer.failure }, input);
    }
    const { decision, sessionExpiresAt } = decideWithSession(gate, whoamiOf(answer), {
      ...input,
      now: Date.now() + answer.skewMs,
    });
    if (key !== null && answer.status === 200 && sessionExpiresAt !== null) {
      // The session's expiry on this machine's clock, as the cache keeps time.
      answers.set(key, answer, sessionExpiresAt - answer.skewMs, Date.now());
    }
    return decision;
  }

  return Object.freeze({
    /**
     * The Response that stops `request`, or null when it may go on to the origin.
     * @param {Request} request
     * @returns {Promise<Response | null>}
     */
    async handle(request) {
      const decision = await check(request);
      return responseFor(decision, isNavigation(request.headers));
    },
    /**
     * The Decision for `request` (as `gate.decideRequest` gives it, or an `error` with reason
     * `kratos_unreachable` / `kratos_timeout`), without building a Response.
     * @param {Request} request
     * @returns {Promise<Readonly<object>>}
     */
    check,
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

// `{base}/sessions/whoami` for an absolute http(s) base URL without userinfo, query or fragment.
function whoamiEndpoint(base, code) {
  const refuse = () => new AalgateError(code, `${code} must be an absolute http(s) URL without userinfo, query or fragment`);
  if (typeof base !== 'string' || /[\s\\?#\u0000-\u001f\u007f]/.test(base)) throw refuse();
  let url;
  try {
    url = new URL(base);
  } catch {
    throw refuse();
  }
  const authority = base.slice(base.indexOf('//') + 2).split('/')[0];
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || authority.includes('@')) throw refuse();
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/sessions/whoami`;
}

function readRequest(request) {
  if (typeof request !== 'object' || request === null || typeof request.headers?.get !== 'function') {
    throw new AalgateError('request', 'expected a Request (method, url, headers)');
  }
  return { method: request.method, url: request.url, headers: request.headers };
}

// GET whoami with only the credentials, within `timeoutMs` (headers and body): `{ status, body }`
// as Kratos answered, or `{ failure }` when no answer came.
async function askWhoami(endpoint, credentials, timeoutMs) {
  const controller = new AbortController();
  let timedOut = false;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new Error('whoami timed out'));
    }, timeoutMs);
  });
  deadline.catch(() => {});
  try {
    const headers = new Headers([['accept', 'application/json'], ...credentials]);
    const response = await Promise.race([
      // `manual`: a redirect is an answer to judge (unexpected), never followed with credentials.
      fetch(endpoint, { method: 'GET', headers, redirect: 'manual', signal: controller.signal }),
      deadline,
    ]);
    const body = await Promise.race([response.text(), deadline]);
    // Kratos's clock, from its Date header: ages are measured on the clock that wrote the
    // session's times, whatever this machine's clock says (0 when absent or unreadable). The
    // header has whole seconds: taken as the end of its second, so ages and expiry can only
    // err on the strict side.
    const served = Date.parse(response.headers.get('date') ?? '');
    const skewMs = Number.isFinite(served) ? served + 999 - Date.now() : 0;
    return { status: response.status, body, skewMs };
  } catch {
    return { failure: timedOut ? 'timeout' : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}
