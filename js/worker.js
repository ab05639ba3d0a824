// aalgate/worker: step-up authentication in front of an origin, for edge workers (workerd /
// Cloudflare Workers, Deno, Node's fetch): a Request in, a Response (or null: go on) out.
// whoami is asked through js/kratos.js with the request's credentials, or, with `tokens`, the
// request's Kratos session JWT is verified (js/tokens.js, loaded only then) and decided on
// without whoami; every decision, and the status a refusal gets, is the core's. Only Web APIs:
// fetch, Headers, Response, AbortController, crypto.subtle.
import { AalgateError, createGate } from './index.js';
import { askWhoami, credentialsOf, whoamiEndpoint } from './kratos.js';
import { INTERNAL } from './marshal.js';
import { gateWithVerifier, tokenOf, verifyToken, withoutToken, workerTokenSettings } from './token-transport.js';
import { WhoamiCache, cacheSettings, credentialKey } from './whoami-cache.js';
import { isNavigation, refusedRequestResponse, responseFor } from './worker-http.js';

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
 * return gate.proxy(request, 'https://origin.internal'); // the refusal, or the origin's answer
 * ```
 *
 * @param {object} config the configuration of `createGate` (`baseUrl`, `policy`, `flow`,
 *   `allowedReturnUrls`, `kratos`, `leeway`) plus `whoamiUrl` (where to reach Kratos's public
 *   API from the worker; default `baseUrl`), `timeoutMs` (default 3000), `cache` (`true` or
 *   `{ maxEntries = 1000, ttlMs = 30000 }`; off by default), `forward` (`true` or
 *   `{ identityId, sessionId, aal }`: the header names {@link proxy} sets from the session) and
 *   `tokens` (`{ jwks, issuer, leeway?, jwksTtlMs?, maxTokenAge?, from = 'authorization' |
 *   { cookie }, fallback = 'whoami' | 'challenge', forward = false }`: decide from Kratos's
 *   session JWT without whoami; off by default).
 * @param {{ wasm?: unknown }} [options] createGate's options: `wasm`, where the core's `.wasm`
 *   comes from.
 * @returns {Promise<{ handle(request: Request): Promise<Response | null>,
 *   proxy(request: Request, origin: string | URL): Promise<Response>,
 *   check(request: Request): Promise<Readonly<object>>, dispose(): void }>}
 * @throws {AalgateError} (as a rejection) `config` when the configuration is not an object,
 *   `config.whoamiUrl`, `config.timeoutMs`, `config.cache…`, `config.forward…`,
 *   `config.tokens…` (`config.tokens.jwks`, `config.tokens.issuer`, `config.tokens.from`, …),
 *   `tokens.load` when aalgate/tokens cannot be loaded, `options.wasm`, or the core's code (e.g.
 *   `config.baseUrl`, `config.policy.rules[0].path`).
 */
export async function createWorkerGate(config, options) {
  // Read and checked before any await: later changes to `config` do not leak into the gate.
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new AalgateError('config', 'config must be an object');
  }
  const { whoamiUrl, timeoutMs: givenTimeout, cache, forward, tokens, ...gateConfig } = config;
  const timeoutMs = givenTimeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > MAX_TIMEOUT_MS) {
    throw new AalgateError('config.timeoutMs', `config.timeoutMs must be a number of milliseconds above 0, at most ${MAX_TIMEOUT_MS}`);
  }
  if (whoamiUrl !== undefined && whoamiUrl !== null) whoamiEndpoint(undefined, whoamiUrl);
  const settings = cacheSettings(cache);
  const forwarded = forwardSettings(forward);
  const tokenSettings = workerTokenSettings(tokens);

  // js/tokens.js (and jose) is loaded only for `tokens`, alongside the core.
  const { gate, verifier } = await gateWithVerifier(() => createGate(gateConfig, options), tokenSettings === null ? null : tokenSettings.verifier);
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

    let sent = headers;
    if (verifier !== null) {
      const jwt = tokenOf(headers, tokenSettings.from);
      if (jwt !== null) {
        const now = Date.now();
        const checked = await verifyToken(verifier, jwt, now);
        // A verified token: the core decides from its claims, without whoami.
        if (checked.token !== null) return withAnswer(core.decide(checked.token, { ...input, now }, 'request'), { token: checked.token });
        // The JWKS could not be had: with no whoami to fall back to, the core's decision for no
        // answer (an error), never a login that would only send the user back here.
        if (tokenSettings.fallback === 'challenge' && checked.unavailable) {
          return core.decide({ failure: 'unreachable' }, input, 'request');
        }
      }
      // No token, or one refused: the core's decision without a session, or whoami with the
      // request's other credentials (the token is not one: Kratos would take a Bearer JWT for a
      // session token and look no further).
      if (tokenSettings.fallback === 'challenge') return unsigned;
      sent = withoutToken(new Headers(headers), tokenSettings.from);
    }

    const credentials = credentialsOf(sent);
    const key = answers === null ? null : await credentialKey(credentials);
    if (key !== null) {
      const kept = answers.get(key, Date.now());
      if (kept !== null) {
        return withAnswer(core.decide(whoamiOf(kept), { ...input, now: Date.now() + kept.skewMs }, 'request'), kept);
      }
    }

    // Single flight: a request for credentials whose whoami call is under way waits for that
    // call, up to its time limit, rather than sending its own; it never keeps the answer.
    const askedAt = Date.now();
    const shared = key === null ? null : answers.inFlight(key, askedAt, timeoutMs);
    let answer;
    if (shared !== null) {
      answer = await joinFlight(shared, timeoutMs);
    } else {
      const asking = askWhoami(endpoint, {
        fetch: (...args) => fetch(...args),
        maxBodyBytes: core.maxBodyBytes,
        headers: credentials,
        timeoutMs,
      });
      answer = await (key === null ? asking : answers.startFlight(key, askedAt, asking).answer);
    }
    if (typeof answer.failure === 'string') {
      // No answer: the core's decision for that (an error naming what went wrong).
      return core.decide({ failure: answer.failure }, input, 'request');
    }
    const decided = core.decide(whoamiOf(answer), { ...input, now: Date.now() + answer.skewMs }, 'request');
    if (key !== null && shared === null && answer.status === 200 && decided.sessionExpiresAt !== null) {
      // The session's expiry on this machine's clock, as the cache keeps time; the TTL runs from
      // when the call was sent.
      answers.set(key, answer, decided.sessionExpiresAt - answer.skewMs, Date.now(), askedAt);
    }
    return withAnswer(decided, answer);
  }

  // decideFor, or the answer to a request whose URL or method the core refused (414, 400).
  async function decideOrRefuse(request) {
    try {
      return await decideFor(request);
    } catch (error) {
      const refused = refusedRequestResponse(error);
      if (refused === null) throw error;
      return refused;
    }
  }

  return Object.freeze({
    /**
     * The Response that stops `request`, or null when it may go on to the origin.
     * @param {Request} request
     * @returns {Promise<Response | null>}
     */
    async handle(request) {
      const decided = await decideOrRefuse(request);
      if (decided instanceof Response) return decided;
      return responseFor(decided, isNavigation(request.headers));
    },
    /**
     * {@link handle}, then, when the request may go on, sends it to `origin`: the origin's
     * scheme, host and port with the request's path and query (its own path is not used; a path
     * like `//other.host/x` stays a path on `origin`), method, headers and body, redirects not
     * followed. The header names of `forward` (and the default ones) that came from the client are
     * removed; with `forward` on, a request allowed with a session carries the session's identity
     * id, session id and aal in them. With `tokens`, the token's place (the `Authorization: Bearer`
     * JWT, or the token cookie) is removed too, unless `tokens.forward`.
     * @param {Request} request
     * @param {string | URL} origin an absolute http(s) URL
     * @returns {Promise<Response>} the refusal, or the origin's Response
     */
    async proxy(request, origin) {
      const target = originUrl(origin);
      const decided = await decideOrRefuse(request);
      if (decided instanceof Response) return decided;
      const refusal = responseFor(decided, isNavigation(request.headers));
      if (refusal !== null) return refusal;
      const { pathname, search } = new URL(request.url);
      target.pathname = pathname; // set, not resolved: `//host/x` is a path here
      target.search = search;
      const headers = new Headers(request.headers);
      for (const name of forwarded.strip) headers.delete(name);
      if (tokenSettings !== null && !tokenSettings.forward) withoutToken(headers, tokenSettings.from);
      if (forwarded.set !== null) {
        for (const [name, value] of forwardedValues(forwarded.set, decided)) headers.set(name, value);
      }
      const init = { method: request.method, headers, redirect: 'manual' };
      if (request.body !== null && request.body !== undefined) {
        init.body = request.body;
        init.duplex = 'half'; // a streamed body (Node's fetch asks for it; workerd ignores it)
      }
      return fetch(target, init);
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

/**
 * The answer of a whoami call another request sent (single flight), or `{ failure: 'timeout' }`
 * once that call's time limit has passed without one: a request never waits longer than its own
 * call would have, even when the request that sent the call went away and its call with it.
 * @param {{ answer: Promise<object>, askedAt: number }} flight
 * @param {number} timeoutMs
 * @returns {Promise<object>}
 */
function joinFlight(flight, timeoutMs) {
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ failure: 'timeout' }), Math.max(0, flight.askedAt + timeoutMs - Date.now()));
  });
  return Promise.race([flight.answer, deadline]).finally(() => clearTimeout(timer));
}

// The decision with the whoami answer it was made from (for `forward`).
function withAnswer(decided, answer) {
  return { ...decided, answer };
}

// The header names aalgate/worker sets for the origin: always removed from client requests.
const FORWARD_DEFAULTS = Object.freeze({
  identityId: 'x-aalgate-identity-id',
  sessionId: 'x-aalgate-session-id',
  aal: 'x-aalgate-aal',
});
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The `forward` option: `strip`, the header names removed from every proxied request (the
 * defaults and any configured), and `set`, `{ identityId?, sessionId?, aal? }` → header name, or
 * null when off (`undefined`, `null`, `false`). `true` takes the three defaults; an object names
 * the ones wanted (`true` for a default name, a string for another, `false`/null for none).
 * @param {unknown} option
 * @throws {AalgateError} `config.forward`, `config.forward.<key>`
 */
function forwardSettings(option) {
  const strip = new Set(Object.values(FORWARD_DEFAULTS));
  if (option === undefined || option === null || option === false) return { strip: [...strip], set: null };
  let wanted = option;
  if (option === true) wanted = { identityId: true, sessionId: true, aal: true };
  if (typeof wanted !== 'object' || Array.isArray(wanted)) {
    throw new AalgateError('config.forward', 'config.forward must be true, false or { identityId, sessionId, aal } (header names)');
  }
  const set = {};
  for (const key of Object.keys(wanted)) {
    if (!Object.hasOwn(FORWARD_DEFAULTS, key)) {
      throw new AalgateError(`config.forward.${key}`, `config.forward.${key} is not a forwarded field (identityId, sessionId, aal)`);
    }
    const value = wanted[key];
    if (value === undefined || value === null || value === false) continue;
    const name = value === true ? FORWARD_DEFAULTS[key] : value;
    if (typeof name !== 'string' || !HEADER_NAME.test(name) || CREDENTIAL_NAMES.has(name.toLowerCase())) {
      throw new AalgateError(`config.forward.${key}`, `config.forward.${key} must be true or a header name (not a credential header)`);
    }
    set[key] = name.toLowerCase();
    strip.add(name.toLowerCase());
  }
  return { strip: [...strip], set };
}

const CREDENTIAL_NAMES = new Set(['cookie', 'authorization', 'x-session-token', 'host']);

// The forwarded header values of an allowed request: the session's identity id and id from the
// whoami body, or from a verified token's `identity_id` and `sid` claims (shape only: strings of
// printable ASCII), and the aal the core derived. None without a whoami 200 or a verified token
// (a public route, no session).
function forwardedValues(set, { decision, answer }) {
  const values = [];
  const session = sessionFields(answer);
  if (session === null) return values;
  const fields = { ...session, aal: decision.aal };
  for (const [key, name] of Object.entries(set)) {
    const value = fields[key];
    if (typeof value === 'string' && /^[\x21-\x7e]{1,512}$/.test(value)) values.push([name, value]);
  }
  return values;
}

// `{ identityId, sessionId }` of a whoami 200's Session or of a verified token's claims, else null.
function sessionFields(answer) {
  if (answer === undefined || answer === null) return null;
  if (answer.token !== undefined) return { identityId: answer.token.claims.identity_id, sessionId: answer.token.claims.sid };
  if (answer.status !== 200) return null;
  try {
    const session = JSON.parse(answer.body);
    return { identityId: session?.identity?.id, sessionId: session?.id };
  } catch {
    return null;
  }
}

// The origin of `proxy`: an absolute http(s) URL (a fresh URL object each call).
function originUrl(origin) {
  let url = null;
  try {
    url = new URL(String(origin));
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || typeof origin === 'object' && !(origin instanceof URL)) {
    throw new AalgateError('origin', 'proxy(request, origin): origin must be an absolute http(s) URL');
  }
  return new URL(url.origin);
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
