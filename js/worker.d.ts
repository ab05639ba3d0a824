/**
 * aalgate/worker: step-up authentication in front of an origin, for edge workers (workerd /
 * Cloudflare Workers and any runtime with fetch, Request, Response and Web Crypto).
 *
 * ```js
 * import { createWorkerGate } from 'aalgate/worker';
 * const gate = await createWorkerGate({
 *   baseUrl: 'https://auth.example.com',
 *   policy: { rules: [{ path: '/billing/**', aal: 'aal2', maxAge: '5m' }] },
 * });
 * export default {
 *   async fetch(request) {
 *     return gate.proxy(request, 'https://origin.internal'); // the refusal or the origin's answer
 *   },
 * };
 * ```
 * @packageDocumentation
 */
import type { Config, Decision, LoadOptions } from './index.js';
import type { TokenVerifierOptions } from './tokens.js';

export { AalgateError } from './index.js';

/** The whoami cache's settings; `cache: true` takes both defaults. */
export interface WorkerCacheOptions {
  /** How many whoami answers are kept, least recently used out first; default 1000. */
  maxEntries?: number;
  /**
   * How long an answer is kept, in milliseconds, counted from when its whoami call was sent,
   * never past the session's `expires_at`; default 30000. It bounds revocation: a session
   * revoked in Kratos is refused by every request that arrives `ttlMs` after the revocation or
   * later.
   */
  ttlMs?: number;
}

/** A worker gate's configuration: a {@link Config} plus how to reach whoami. */
export interface WorkerGateConfig extends Config {
  /**
   * The whoami endpoint as the worker reaches it (e.g. an internal address:
   * `http://kratos.internal:4433/sessions/whoami`); the same meaning as in aalgate/browser.
   * Absolute http(s), no userinfo, query or fragment. Default `{baseUrl}/sessions/whoami`;
   * `baseUrl` stays the base of the URLs users are sent to.
   */
  whoamiUrl?: string;
  /**
   * How long whoami may take (answer and body), in milliseconds; then the decision is an
   * `error` with reason `kratos_timeout`. A positive number, at most 2147483647; default 3000.
   */
  timeoutMs?: number;
  /**
   * Keep whoami answers with a valid session, keyed by a SHA-256 of the request's credential
   * headers: `true` for the defaults, or {@link WorkerCacheOptions}. Off by default. Errors,
   * non-200 answers and requests without credentials are never kept. With the cache on,
   * concurrent requests with the same credential headers share one whoami call (single flight),
   * whatever it answers; a request waits for a shared call no longer than `timeoutMs` from when
   * it was sent.
   */
  cache?: boolean | WorkerCacheOptions;
  /**
   * Which session fields {@link WorkerGate.proxy} sends the origin, as request headers, on a
   * request allowed with a session: `true` for all three under their default names, or an
   * object naming the ones wanted (`true`: the default name; a string: another header name;
   * `false`: not sent). Off by default. Whatever is configured, `proxy` removes these names and
   * the three defaults from what the client sent.
   */
  forward?: boolean | WorkerForwardOptions;
  /**
   * Decide from Kratos's tokenized session (a JWT from `GET /sessions/whoami?tokenize_as=`)
   * that the request carries, without calling whoami: verified with `aalgate/tokens` (loaded only
   * when this is set), then decided by the core from its claims. Off by default.
   */
  tokens?: WorkerTokensOptions | null | false;
}

/**
 * The worker's `tokens`: the verifier's options (`jwks`, `issuer`, `leeway`, `jwksTtlMs`,
 * `maxTokenAge`, as `createTokenVerifier` takes them) plus where the token is and what happens
 * without one.
 */
export interface WorkerTokensOptions extends TokenVerifierOptions {
  /**
   * Seconds of clock skew tolerated on `iat` and `nbf` (Kratos writes them as whole seconds of its
   * clock); default 5 here (createTokenVerifier's own default is 0). `exp` gets none: a token past
   * its `exp` is no token, as the core reads the session as expired then.
   */
  leeway?: number;
  /**
   * Where the request carries the token: `'authorization'` (default), an
   * `Authorization: Bearer <jwt>` header whose value has a JWT's shape (any other value there,
   * such as a Kratos session token, stays a whoami credential), or `{ cookie: name }`. A cookie
   * sent twice is taken as no token.
   */
  from?: 'authorization' | { cookie: string };
  /**
   * Without a token, or with one that is refused (expired, another issuer or key, malformed):
   * `'whoami'` (default) asks whoami with the request's other credentials (never the token);
   * `'challenge'` answers at once with the core's decision without a session (401 with
   * `WWW-Authenticate`, or a 303 to login for a navigation), or, when the JWKS cannot be
   * fetched, the core's error for no answer (503): never a whoami call.
   */
  fallback?: 'whoami' | 'challenge';
  /**
   * Whether {@link WorkerGate.proxy} sends the token on to the origin. `false` (default): the
   * Authorization header holding it, or the token cookie, is removed from every proxied request,
   * valid or not.
   */
  forward?: boolean;
}

/** The headers of `forward`, each `true` (its default name), a header name, or off. */
export interface WorkerForwardOptions {
  /** The session's `identity.id` (from the whoami body); default name `X-Aalgate-Identity-Id`. */
  identityId?: boolean | string | null;
  /** The session's `id`; default name `X-Aalgate-Session-Id`. */
  sessionId?: boolean | string | null;
  /** The session's level as the core derived it (`aal1`, `aal2`); default name `X-Aalgate-Aal`. */
  aal?: boolean | string | null;
}

/**
 * What {@link WorkerGate.check} gives: the core's frozen {@link Decision}; when Kratos gave no
 * answer an `error` with reason `kratos_unreachable`, or `kratos_timeout` past `timeoutMs`.
 * Never treat it as allowed.
 */
export type WorkerDecision = Decision;

/** A gate for a worker; make one per isolate with {@link createWorkerGate}. */
export interface WorkerGate {
  /**
   * Decides for `request` and answers for it when it may not go on:
   * - `null`: allowed, pass the request to the origin;
   * - a navigation (`Sec-Fetch-Mode: navigate`, or an `Accept` ranking `text/html` above
   *   `application/json`) that needs a login, step-up, refresh or enrolment: `303` to the
   *   decision's URL, with `return_to` the request's URL;
   * - any other request: `401` (`403` for enroll) with JSON `{ verdict, url, reason }`, and
   *   the RFC 9470 `WWW-Authenticate` challenge for step_up and refresh;
   * - Kratos unreachable, too slow, a 5xx or an unreadable answer: `503` with JSON
   *   `{ verdict: 'error', url: null, reason }`.
   *
   * - a request whose URL is past the core's limits (8192 bytes before the query, 256 path
   *   segments): `414` with JSON `{ error: 'request.url' }` (`400` and `request.method` for a
   *   method that is not an HTTP token).
   *
   * Every Response carries `Cache-Control: no-store`.
   * @throws {AalgateError} (as a rejection) `request` when it is not a Request, `gate.disposed`
   *   after {@link WorkerGate.dispose}.
   */
  handle(request: Request): Promise<Response | null>;
  /**
   * {@link WorkerGate.handle}, then, for a request that may go on, `fetch` to `origin`: that
   * URL's scheme, host and port (its path is not used) with the request's own path and query
   * (set, not resolved: `//other.host/x` stays a path on `origin`), method, headers and body;
   * redirects are not followed. The `forward` headers (and the three default names) that came
   * from the client are removed; with `forward` on, a request allowed with a session carries the
   * session's fields in them. With `tokens` (unless `tokens.forward`), the token's header or
   * cookie is removed too.
   * @param origin An absolute http(s) URL, e.g. `env.ORIGIN_URL`.
   * @returns The refusal (303, 400, 401, 403, 414, 503), or the origin's Response.
   * @throws {AalgateError} (as a rejection) `origin` when it is not such a URL, or as
   *   {@link WorkerGate.handle}.
   */
  proxy(request: Request, origin: string | URL): Promise<Response>;
  /**
   * The decision for `request` without a Response: the route's requirement from `policy`, the
   * request's URL as `returnTo`, whoami asked with only the request's `Cookie`, `Authorization`
   * and `X-Session-Token` (not asked at all for a public route, nor for a request whose token
   * `tokens` verified).
   * @throws {AalgateError} (as a rejection) `request` when it is not a Request, `request.url` /
   *   `request.method` when the core refuses them, `gate.disposed` after {@link WorkerGate.dispose}.
   */
  check(request: Request): Promise<WorkerDecision>;
  /** Frees the core's memory and drops the cache; later calls reject with `gate.disposed`. */
  dispose(): void;
}

/**
 * Creates a worker gate: loads the WebAssembly core (once per isolate; in workerd the `.wasm`
 * is imported as a compiled module) and checks the configuration.
 * @param options `wasm`: where the core's `.wasm` comes from (see `LoadOptions`); in workerd the
 *   package's own import needs none.
 * @throws {AalgateError} (as a rejection) `config`, `config.whoamiUrl`, `config.timeoutMs`,
 *   `config.cache`, `config.cache.maxEntries`, `config.cache.ttlMs`, `config.forward`,
 *   `config.forward.<key>`, `config.tokens`, `config.tokens.<option>` (`jwks`, `jwks.keys[i]`,
 *   `issuer`, `leeway`, `jwksTtlMs`, `maxTokenAge`, `from`, `fallback`, `forward`, or an unknown
 *   one), `tokens.load`, `options.wasm`, or the core's code for the gate's configuration
 *   (`config.baseUrl`, `config.policy.rules[0].path`, …).
 */
export function createWorkerGate(config: WorkerGateConfig, options?: LoadOptions | null): Promise<WorkerGate>;
