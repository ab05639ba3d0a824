/**
 * aalgate/browser: step-up authentication for single-page apps on Ory Kratos / Ory Network.
 *
 * ```js
 * import { createBrowserGate } from 'aalgate/browser';
 * const gate = await createBrowserGate({ baseUrl: 'https://auth.example.com' });
 * // Sends the browser to Kratos unless allowed; then it never settles.
 * const d = await gate.require({ aal: 'aal2', maxAge: '10m' });
 * if (d.verdict !== 'allow') return; // an error: Kratos could not be asked
 * const res = await gate.fetch('/api/billing/pay', { method: 'POST' }); // follows a 401 step-up
 * ```
 * @packageDocumentation
 */
import type { Config, Decision, LoadOptions, Requirement, Whoami, WhoamiFetchResult } from './index.js';
import type { TokenVerifierOptions, VerifiedToken } from './tokens.js';

export { AalgateError } from './index.js';
export type { Config, Decision, LoadOptions, Requirement, Whoami, WhoamiFetchResult } from './index.js';

/** The part of `window.location` the gate uses. */
export interface LocationLike {
  /** The page's URL: the default `returnTo`. */
  readonly href: string;
  /** Navigates to `url` (a Kratos self-service URL). */
  assign(url: string): void;
}

/** A `fetch` function: the global one or a stand-in (tests, a wrapper adding headers). */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** {@link createBrowserGate}'s options: a gate {@link Config} plus how to reach the browser. */
export interface BrowserGateOptions extends Config {
  /**
   * The whoami endpoint (absolute http(s), no userinfo, query or fragment); default
   * `{baseUrl}/sessions/whoami`, the same meaning as in aalgate/worker. Kratos must allow the
   * page's origin with credentials (CORS) or share its origin.
   */
  whoamiUrl?: string;
  /** The fetch to use; default `globalThis.fetch`, looked up at each call. */
  fetch?: FetchLike;
  /**
   * How long a whoami request may take, headers and body, in milliseconds: past it the decision
   * is an `error` with reason `kratos_timeout`. A positive number, at most 2147483647; default
   * 10000.
   */
  timeoutMs?: number;
  /** The location to read and navigate; default `globalThis.location`, looked up at each call. */
  location?: LocationLike;
  /**
   * A Kratos tokenizer template (`session.whoami.tokenizer.templates.<name>`): the gate gets the
   * session's JWT from `GET {whoamiUrl}?tokenize_as=<name>` (cookies included), holds it in
   * memory only, and {@link BrowserGate.fetch} sends it as `Authorization: Bearer <jwt>` to the
   * allowed origins. Needs `tokens`.
   */
  tokenizeAs?: string;
  /** How the tokens of `tokenizeAs` are verified, where they go and when they are renewed. */
  tokens?: BrowserTokensOptions;
}

/**
 * The browser's `tokens`: the verifier's options (`jwks`, `issuer`, `leeway`, `jwksTtlMs`,
 * `maxTokenAge`, as `createTokenVerifier` takes them) plus where the token goes and when it is
 * renewed.
 */
export interface BrowserTokensOptions extends TokenVerifierOptions {
  /**
   * Seconds of clock skew tolerated on `iat` and `nbf` (Kratos writes them as whole seconds of its
   * clock); default 5 here (createTokenVerifier's own default is 0). `exp` gets none: a token past
   * its `exp` is no token, as the core reads the session as expired then.
   */
  leeway?: number;
  /**
   * The origins (`https://api.example.com`: scheme, host and port, no path, no wildcard) whose
   * requests through {@link BrowserGate.fetch} carry the token. Default: the page's own origin
   * only. URLs under `baseUrl` (Kratos) never get it.
   */
  origins?: readonly string[];
  /**
   * How long before its `exp` the token is renewed (at the next call that needs it), in
   * milliseconds; at most half the token's lifetime. Default 15000.
   */
  renewBeforeMs?: number;
}

/** {@link BrowserGate.token}'s answer: the current token. Frozen. */
export interface SessionToken {
  /** The JWT, as `fetch` sends it after `Bearer `. */
  readonly jwt: string;
  /** The verified token: what {@link BrowserGate.decide} takes, to decide in the page. */
  readonly verified: VerifiedToken;
  /** When it expires, in milliseconds since the epoch on this machine's clock. */
  readonly expiresAt: number;
}

/** {@link BrowserGate.require}'s second argument. */
export interface RequireOptions {
  /**
   * `true` (default): for `login`, `step_up`, `refresh` and `enroll`, `location.assign` the
   * decision's URL. `false`: only return the decision, so the app can show its own UI.
   */
  redirect?: boolean;
}

/**
 * What {@link BrowserGate.require} returns: the core's {@link Decision}; when Kratos could not be
 * asked (network failure, CORS refusal, aborted request) an `error` with reason
 * `kratos_unreachable`, never a pass, never a redirect.
 */
export type BrowserDecision = Decision;

/** A gate bound to the page: made by {@link createBrowserGate}. */
export interface BrowserGate {
  /**
   * Fetches whoami (`credentials: 'include'`, `Accept: application/json`) and decides. For
   * `login`, `step_up`, `refresh` and `enroll`, unless `{ redirect: false }`, sends the browser
   * to the decision's URL with `location.assign`, and then never settles: no code after
   * `await gate.require(...)` runs while the page leaves (if the navigation does not happen, the
   * promise stays pending). Otherwise it resolves to the decision: `allow`, or `error` (Kratos
   * could not be asked or answered garbage); with `{ redirect: false }`, any decision. Go on
   * only when the verdict is `allow`.
   *
   * `returnTo` defaults to `location.href` when the requirement has none (undefined or null);
   * `''` means no `return_to`. A public requirement (`aal: 'none'`) is allowed without a request.
   *
   * @param requirement What the operation needs; default `{}` (aal1, no freshness check).
   * @throws {AalgateError} (as a rejection) with the field's code for an invalid requirement
   *   (before any request), `options.redirect` for a non-boolean, `gate.disposed`, or
   *   `browser.location` when a redirect is due and there is no location.
   */
  require(requirement?: Requirement | null, options?: RequireOptions): Promise<BrowserDecision>;
  /**
   * The app's request, sent as is with the gate's fetch; resolves to its `Response` (body
   * unread) in every case. On a 401 or 403:
   * - with an RFC 9470 `WWW-Authenticate` challenge (`insufficient_user_authentication`): the
   *   challenge's requirement goes to {@link BrowserGate.require}, which redirects unless the
   *   session already satisfies it (then nothing happens: no loop);
   * - else with aalgate's JSON (`{ verdict, url }`, as `aalgate/worker` answers): the browser is
   *   sent to `url` when it is a Kratos self-service URL under `baseUrl` (same origin); any
   *   other URL is ignored.
   *
   * At most one redirect per call. Network errors reject as `fetch` does.
   *
   * With `tokenizeAs`, a request to an allowed origin (`tokens.origins`, default the page's own)
   * that has no `Authorization` of its own gets `Authorization: Bearer <jwt>`, the token fetched
   * or renewed first when needed; without a token (no session, Kratos unreachable, a token that
   * does not verify) the request goes without one. A 401 or 403 to a request that carried the
   * token drops it: the next call gets a new one.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /**
   * With `tokenizeAs`: the current token (fetched, or renewed when due, first), or null when
   * Kratos gave none. Its `verified` is what {@link BrowserGate.decide} takes. Without
   * `tokenizeAs`: null.
   * @throws {AalgateError} (as a rejection) `gate.disposed`.
   */
  token(): Promise<SessionToken | null>;
  /** The core's decision for a whoami outcome, exactly as `Gate.decide` (no defaults added). */
  decide(whoami: Whoami, requirement?: Requirement | null): Decision;
  /** The decision for a fetch `Response` (or `@ory/client-fetch`'s `ResponseError` / `FetchError`), as `Gate.decideResponse`. */
  decideResponse(response: WhoamiFetchResult, requirement?: Requirement | null): Promise<Decision>;
  /** Frees the core's memory now; later calls throw `AalgateError` `gate.disposed`. */
  dispose(): void;
}

/**
 * Creates a browser gate: loads the WebAssembly core (once per page) and validates the
 * configuration.
 * @param loadOptions `wasm`: where the core's `.wasm` comes from (a bundler's URL, a Response,
 *   bytes or a compiled module; see `LoadOptions`).
 * @returns A promise of the gate; it rejects with an `AalgateError` whose code names the invalid
 *   field: `config.whoamiUrl`, `config.timeoutMs`, `config.fetch`, `config.location`, `config.tokenizeAs`,
 *   `config.tokens`, `config.tokens.<option>` (`jwks`, `issuer`, `origins`, `origins[i]`,
 *   `renewBeforeMs`, …), `options.wasm`, or the core's (`config.baseUrl`, …), or `core.load`
 *   when the core cannot be loaded (`tokens.load` for aalgate/tokens).
 */
export declare function createBrowserGate(options: BrowserGateOptions, loadOptions?: LoadOptions | null): Promise<BrowserGate>;
