/**
 * aalgate: step-up authentication decisions for Ory Kratos / Ory Network sessions.
 *
 * ```js
 * import { createGate } from 'aalgate';
 * const gate = await createGate({ baseUrl: 'https://auth.example.com' });
 * const d = gate.decide(session, { aal: 'aal2', maxAge: '10m', returnTo: location.href });
 * if (d.url) location.assign(d.url);
 * ```
 * @packageDocumentation
 */

/**
 * A Go-style duration string as Kratos writes them: `'300ms'`, `'90s'`, `'10m'`, `'1.5h'`,
 * `'1h30m'`, `'0'`. Where a number is accepted instead, it is seconds (fractions allowed).
 */
export type Duration = string;

/** A server-side `required_aal` value in the Kratos configuration. */
export type ServerRequiredAal = 'aal1' | 'highest_available';

/**
 * The part of the Kratos server configuration aalgate mirrors, with Kratos's key names, in the
 * nested form of `kratos.yml` or the dotted form (not both with different values). Other keys
 * are ignored, so a whole Kratos configuration may be passed.
 */
export interface KratosConfigMirror {
  session?: {
    whoami?: {
      /** Kratos `session.whoami.required_aal`; default `highest_available`. */
      required_aal?: ServerRequiredAal;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  selfservice?: {
    flows?: {
      settings?: {
        /** Kratos `selfservice.flows.settings.required_aal`; default `highest_available`. */
        required_aal?: ServerRequiredAal;
        /** Kratos `selfservice.flows.settings.privileged_session_max_age`; default `1h`. */
        privileged_session_max_age?: Duration;
        [key: string]: unknown;
      };
      [key: string]: unknown;
    };
    /**
     * Kratos `selfservice.default_browser_return_url`: a relative `returnTo` takes its scheme
     * and host (as Kratos resolves it). Not mirrored: `baseUrl`'s origin.
     */
    default_browser_return_url?: string;
    [key: string]: unknown;
  };
  /** Dotted form of `session.whoami.required_aal`. */
  'session.whoami.required_aal'?: ServerRequiredAal;
  /** Dotted form of `selfservice.flows.settings.required_aal`. */
  'selfservice.flows.settings.required_aal'?: ServerRequiredAal;
  /** Dotted form of `selfservice.flows.settings.privileged_session_max_age`. */
  'selfservice.flows.settings.privileged_session_max_age'?: Duration;
  /** Dotted form of `selfservice.default_browser_return_url`. */
  'selfservice.default_browser_return_url'?: string;
  [key: string]: unknown;
}

/** A gate's configuration, given once to {@link createGate}. */
export interface Config {
  /**
   * Kratos public URL or Ory project URL: absolute `http`/`https`, may carry a path prefix
   * (`https://app.example.com/.ory`); no query, fragment or userinfo. Trailing `/` trimmed.
   */
  baseUrl: string;
  /** Which self-service endpoints URLs use; default `'browser'`. */
  flow?: 'browser' | 'api';
  /**
   * Kratos `allowed_return_urls`: when set, a `returnTo` outside it is dropped (warning
   * `return_to_dropped`). Entries may name any scheme (`myapp://callback`) and start with a
   * `*` wildcard whose base has a registrable domain (`*.example.com`); a wildcard on a public
   * suffix (`*.vercel.app`, `*.co.uk`), which Kratos drops, is refused with
   * `config.allowedReturnUrls[i]`. A configuration with a wildcard loads the Public Suffix List
   * (a separate file) once.
   */
  allowedReturnUrls?: readonly string[];
  /**
   * Origins (`https://accounts.example.com`) that a Kratos `browser_location_change_required`
   * redirect may lead to besides Kratos's own self-service URLs: an OIDC provider, Hydra, the
   * account UI. Without it {@link Gate.recover} refuses such a redirect (`redirect_not_allowed`).
   */
  redirectOrigins?: readonly string[];
  /** Mirror of the server's configuration; default `{}` (Kratos's defaults). */
  kratos?: KratosConfigMirror;
  /**
   * Clock skew tolerated in freshness (`maxAge`) checks only, in seconds or as a duration;
   * never extends `expires_at`. Default `0`.
   */
  leeway?: number | Duration;
  /**
   * Per-route requirements for {@link Gate.decideRequest} and {@link Gate.requirementFor},
   * compiled once by {@link createGate}. At most 1000 rules, each `path` at most 1024 bytes.
   */
  policy?: Policy;
  /**
   * The largest whoami or Kratos error body decided on, in bytes (UTF-8; for a Session object,
   * its session record): a larger one is decided `error`, reason `body_too_large`, without being
   * read, and aalgate/worker and aalgate/browser stop downloading it there. A whole number from
   * 1 to 1073741824 (1 GiB); default 1048576 (1 MiB).
   */
  maxBodyBytes?: number;
}

/** What a route needs: a requirement's `aal`, `maxAge` and `operation`. */
export interface RouteRequirementInput {
  /** Assurance the route needs; `'none'` is a public route (always `allow`). */
  aal?: RequirementAal;
  /** How recent the authentication at the required level must be: seconds or a duration. */
  maxAge?: number | Duration;
  /** Take `aal` (and `maxAge` for `'settings'`) from the mirrored server configuration. */
  operation?: 'signin' | 'settings';
}

/** One route of a {@link Policy}: a path glob, optionally some methods, and a requirement. */
export interface PolicyRule extends RouteRequirementInput {
  /**
   * A path glob starting with `/`: `*` matches within one segment, `**` as a whole segment any
   * number of segments (none included). Literal segments match exactly, case-sensitively; a
   * trailing `/` is not significant.
   */
  path: string;
  /** HTTP methods (compared case-insensitively), non-empty; every method when left out. */
  methods?: readonly string[];
}

/** Per-route requirements: the first matching rule wins, else `default`. */
export interface Policy {
  /** The rules, in order. */
  rules?: readonly PolicyRule[];
  /** The requirement when no rule matches; default `{ aal: 'aal1' }`. */
  default?: RouteRequirementInput;
}

/**
 * The assurance level an operation needs. `'lax'` means `'aal1'`, `'strict'` means
 * `'highest_available'`, `'none'` a public operation (always `allow`, no session needed).
 */
export type RequirementAal = 'aal1' | 'aal2' | 'highest_available' | 'lax' | 'strict' | 'none';

/** What one operation needs; every field is optional. */
export interface Requirement {
  /** Assurance the operation needs; default `'aal1'` (or the operation's). */
  aal?: RequirementAal;
  /** How recent the authentication at the required level must be: seconds or a duration. */
  maxAge?: number | Duration;
  /**
   * Take `aal` (and for `'settings'`, `maxAge` from `privileged_session_max_age`) from the
   * mirrored server configuration. An explicit `aal` / `maxAge` wins.
   */
  operation?: 'signin' | 'settings';
  /** Where Kratos should send the user back: an absolute http(s) URL or a path starting with `/`. */
  returnTo?: string;
  /** The current time, as milliseconds since the epoch or a `Date`; default the clock. */
  now?: number | Date;
  /** Passed on login URLs as `login_challenge` (Ory OAuth2 login). */
  loginChallenge?: string;
  /** Passed on login URLs as `organization`. */
  organization?: string;
  /** Passed on login URLs as `via`. */
  via?: string;
  /** Accepted and ignored, so that a {@link RouteRequirement} can be passed as is. */
  rule?: number | null;
}

/** What {@link Gate.requirementFor} returns: a route's requirement, a frozen plain object. */
export interface RouteRequirement {
  /** Assurance the route needs, resolved (synonyms and `operation` applied). */
  readonly aal: RequiredAal;
  /** Freshness in seconds (from `operation: 'settings'` too); left out when there is none. */
  readonly maxAge?: number;
  /** The route's operation; left out when it sets none. */
  readonly operation?: 'signin' | 'settings';
  /** The index of the matching rule in `policy.rules`, or null for `policy.default`. */
  readonly rule: number | null;
}

/** An HTTP request for {@link Gate.decideRequest}. */
export interface Request {
  /** The HTTP method, e.g. `'GET'`. */
  method: string;
  /** An absolute http(s) URL or a path (`/billing?x=1`); query and fragment are not matched. */
  url: string;
  /** Where to come back after logging in; default `url` when it is absolute. */
  returnTo?: string;
  /** The current time, as milliseconds since the epoch or a `Date`; default the clock. */
  now?: number | Date;
}

/**
 * The requirement an RFC 9470 challenge asks for, from {@link Gate.parseChallenge}: a frozen
 * plain object that {@link Gate.decide} takes.
 */
export interface ChallengeRequirement {
  /** `'aal2'` when `acr_values` names `aal2` or `aal3`, else `'aal1'`. */
  readonly aal: 'aal1' | 'aal2';
  /** `max_age` in seconds, when the challenge has one. */
  readonly maxAge?: number;
}

/**
 * A Kratos error body as its endpoints return it (`{"error": {"id", "code", …}, …}`). Only the
 * fields aalgate reads are listed.
 */
export interface KratosErrorBody {
  error?: {
    id?: string;
    code?: number;
    [key: string]: unknown;
  } | null;
  redirect_browser_to?: string;
  [key: string]: unknown;
}

/** What an HTTP client got from a Kratos endpoint: its status, with the body as text or parsed. */
export interface KratosErrorResponse {
  status: number;
  body?: string | KratosErrorBody | null;
}

/**
 * The error given to {@link Gate.recover}: the body's JSON text, the parsed body, or
 * `{ status, body }`.
 */
export type KratosError = string | KratosErrorBody | KratosErrorResponse | null | undefined;

/** A timestamp in a session: RFC 3339 text, or a `Date` as `@ory/client-fetch` gives it. */
export type SessionTimestamp = string | Date;

/** One entry of a session's `authentication_methods`. */
export interface SessionAuthenticationMethodInput {
  method?: string | null;
  aal?: string | null;
  completed_at?: SessionTimestamp | null;
}

/**
 * A Kratos Session as `GET /sessions/whoami` returns it: parsed JSON, or the object
 * `@ory/client-fetch` returns (snake_case keys, `Date` timestamps). Only the fields aalgate
 * reads are listed; others are carried along and ignored.
 */
export interface SessionInput {
  active?: boolean | null;
  expires_at?: SessionTimestamp | null;
  authenticated_at?: SessionTimestamp | null;
  authenticator_assurance_level?: string | null;
  authentication_methods?: ReadonlyArray<SessionAuthenticationMethodInput> | null;
  id?: string;
  issued_at?: SessionTimestamp | null;
  identity?: unknown;
  devices?: unknown;
  tokenized?: string | null;
}

/**
 * What an HTTP client got from `GET /sessions/whoami`: any status, with the body as text or parsed.
 * Not a fetch `Response` (its body is read asynchronously): pass `{ status, body: await
 * response.text() }`, or the Response to {@link Gate.decideResponse}.
 */
export interface WhoamiResponse {
  status: number;
  body?: string | object | null;
  /** A fetch `Response` has this: `decide` refuses it (`AalgateError` `whoami`). */
  text?: never;
  /** A fetch `Response` has this: `decide` refuses it (`AalgateError` `whoami`). */
  json?: never;
}

/**
 * The parts of a fetch `Response` that {@link Gate.decideResponse} reads (the global `Response`
 * has them).
 */
export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly bodyUsed?: boolean;
  text(): Promise<string>;
}

/**
 * What {@link Gate.decideResponse} takes: a fetch `Response`; `@ory/client-fetch`'s
 * `ResponseError` (the 401 / 403 of `toSession()`, with its `response`); or its `FetchError` (no
 * answer: decided as Kratos unreachable).
 */
export type WhoamiFetchResult = ResponseLike | { readonly response: ResponseLike } | (Error & { readonly name: 'FetchError' });

// The runtime's own classes when its type library declares them (DOM, @types/node), else never.
type GlobalClass<Name extends string> = typeof globalThis extends { [K in Name]: { prototype: infer T } } ? T : never;
// WebAssembly.Module has no members in lib.dom: `& object` at least keeps primitives out.
type WasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M & object : never;

/**
 * Where the core's `.wasm` comes from ({@link LoadOptions.wasm}): its URL (a `URL`, or a string,
 * absolute or relative to the page), a `Response` or a promise of one, its bytes, or a compiled
 * `WebAssembly.Module`.
 */
export type WasmSource =
  | string
  | GlobalClass<'URL'>
  | ResponseLike
  | PromiseLike<ResponseLike>
  | ArrayBuffer
  | ArrayBufferView
  | WasmModule;

/** {@link createGate}'s second argument (also `createWorkerGate`'s and `createBrowserGate`'s). */
export interface LoadOptions {
  /**
   * The core's `.wasm`, for bundlers that do not ship `aalgate/core/aalgate-core.wasm` where the
   * glue looks for it (next to `js/core/aalgate-core.mjs`). The core loads once per process, page
   * or isolate: the first call that loads it uses its `wasm`; once it is loaded (or loading), a
   * later `wasm` is checked but not used. A failed load (`core.load`) is tried again by the next
   * call, with its own `wasm`. A value of another kind rejects with `options.wasm`.
   */
  wasm?: WasmSource | null;
}

/**
 * The request to Kratos got no answer: the connection failed (`unreachable`) or the caller gave
 * up waiting (`timeout`). The decision is an `error` naming it (`kratos_unreachable`,
 * `kratos_timeout`), never a pass.
 */
export interface NoAnswer {
  failure: 'unreachable' | 'timeout';
}

/**
 * The whoami outcome given to {@link Gate.decide}: a Session object, the JSON text of a 200
 * body, `{ status, body }`, {@link NoAnswer}, or `null` / `undefined` for no session.
 */
export type Whoami = SessionInput | string | WhoamiResponse | NoAnswer | VerifiedTokenInput | null | undefined;

/**
 * A token `aalgate/tokens` verified (`createTokenVerifier(...).verify(jwt)`): decided from its
 * claims. Only that function makes one; an object of the same shape is read as a Session.
 */
export interface VerifiedTokenInput {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly header: Readonly<Record<string, unknown>>;
}

/** What to do. */
export type Verdict = 'allow' | 'login' | 'step_up' | 'refresh' | 'enroll' | 'error';

/**
 * Why {@link Gate.recover} decided as it did: Kratos's own error id, `redirect_not_allowed` for a
 * redirect aalgate does not follow, `kratos_<id>` for any other Kratos error.
 */
export type RecoverReason =
  | 'session_aal2_required'
  | 'session_refresh_required'
  | 'session_already_available'
  | 'session_aal1_required'
  | 'session_inactive'
  | 'browser_location_change_required'
  | 'self_service_flow_return_to_forbidden'
  | 'self_service_flow_expired'
  | 'redirect_not_allowed'
  | 'no_session'
  | 'unexpected_response'
  | 'kratos_unreachable'
  | 'kratos_timeout'
  | 'body_too_large'
  | `kratos_${string}`;

/** Why, as a stable snake_case code (docs/contract.md §2, and {@link RecoverReason} from recover). */
export type Reason =
  | 'no_session'
  | 'server_requires_aal2'
  | 'unexpected_response'
  | 'invalid_session'
  | 'session_inactive'
  | 'session_expired'
  | 'no_authentication'
  | 'second_factor_unavailable'
  | 'aal2_required'
  | 'second_factor_stale'
  | 'reauthentication_required'
  | 'satisfied'
  | 'public'
  | 'kratos_unreachable'
  | 'kratos_timeout'
  | 'core_failure'
  | `claim_${string}`
  | RecoverReason;

/** Something the caller may want to know that did not change the verdict. */
export type Warning = 'return_to_dropped' | 'highest_available_unverifiable';

/** A session's authenticator assurance level. */
export type SessionAal = 'aal0' | 'aal1' | 'aal2' | 'aal3';

/**
 * The requirement as resolved: synonyms and `operation` applied; `'none'` for a public
 * operation.
 */
export type RequiredAal = 'aal1' | 'aal2' | 'highest_available' | 'none';

interface DecisionFields<
  V extends Verdict,
  R extends Reason,
  U extends string | null,
  C extends string | null = null,
> {
  /** What to do. */
  readonly verdict: V;
  /** Where to send the user (absolute URL on `baseUrl`); null exactly for `allow` and `error`. */
  readonly url: U;
  /** Why. */
  readonly reason: R;
  /** The session's level, or null when there is no (valid) session. */
  readonly aal: SessionAal | null;
  /** The requirement as resolved. */
  readonly requiredAal: RequiredAal;
  /** Warnings in the order they arose; empty when none. */
  readonly warnings: readonly Warning[];
  /**
   * An RFC 9470 `WWW-Authenticate` value (`Bearer error="insufficient_user_authentication", …`)
   * for `step_up` and `refresh`; null for every other verdict.
   */
  readonly challenge: C;
  /**
   * Why, when the call was given `{ explain: true }`: the rules the core considered, in order,
   * with the values it read. Absent otherwise.
   */
  readonly explanation?: Explanation;
}

/** The options of {@link Gate.decide}, {@link Gate.recover} and {@link Gate.decideRequest}. */
export interface DecideOptions {
  /** Add {@link Explanation} to the decision (the verdict is the same either way). */
  explain?: boolean;
}

/** One rule of the decision table, as the core considered it. */
export interface ExplanationStep {
  /**
   * The rule: a row of the decision table (`'0'`, `"0'"`, `'1'` … `'10'`, `'S'` for settings;
   * `'route'` for the policy route of decideRequest; `'size'` for a body over `maxBodyBytes`,
   * only when it decided), or for recover `'error.id'` and the Kratos error id whose row applied.
   */
  readonly rule: string;
  /** What it checked, with the values read, e.g. `aal2 age 620s > maxAge 300s + leeway 0s`. */
  readonly check: string;
  /** Whether it applied; the last step is the one that decided. */
  readonly applies: boolean;
}

/** Why a decision came out as it did, built by the core (DESIGN.md, "Explanations"). */
export interface Explanation {
  /** `decide` (decide, decideRequest) or `recover`. */
  readonly table: 'decide' | 'recover';
  /** What the decision read besides the session. Durations in seconds. */
  readonly inputs: {
    readonly answer: 'session' | 'status' | 'no_session' | 'unreachable' | 'timeout' | 'error_body' | 'token_claims';
    readonly status: number | null;
    /** The server's whoami model: `highest_available` (Strict) or `aal1` (Lax). */
    readonly serverAal: 'aal1' | 'highest_available';
    readonly operation: 'signin' | 'settings' | null;
    readonly requiredAal: RequiredAal;
    readonly maxAge: number | null;
    readonly leeway: number;
    /** RFC 3339, UTC. */
    readonly now: string;
  };
  /** The session read from a 200 answer; null when none was read. Ages in seconds at `now`. */
  readonly session: {
    readonly aal: SessionAal;
    readonly active: boolean;
    readonly expiresAt: string;
    readonly authenticatedAt: string | null;
    /** The newest second-factor completion, when a method at aal2 recorded one. */
    readonly secondFactorAt: string | null;
    readonly aal1Age: number | null;
    /** For an aal2 session: the age rule 8 judges. */
    readonly aal2Age: number | null;
    /** Every aal2 method is an OIDC/SAML login whose provider did the second factor. */
    readonly upstreamMfaOnly: boolean;
  } | null;
  /** For `invalid_session`: the field that was wrong (`(body)` for the whole text) and why. */
  readonly problem: { readonly field: string; readonly problem: string } | null;
  readonly steps: readonly ExplanationStep[];
}

/** The operation may go on (`public`: the requirement's aal is `'none'`). */
export type AllowDecision = DecisionFields<'allow', 'satisfied' | 'public', null>;
/** Send the user to a first-factor login. */
export type LoginDecision = DecisionFields<
  'login',
  'no_session' | 'session_inactive' | 'session_expired' | 'no_authentication',
  string
>;
/** Send the user to a second-factor login (`?aal=aal2`). */
export type StepUpDecision = DecisionFields<
  'step_up',
  'server_requires_aal2' | 'aal2_required',
  string,
  string
>;
/** Send the user to re-authenticate (`?refresh=true`, with `aal=aal2` for a second factor). */
export type RefreshDecision = DecisionFields<
  'refresh',
  'second_factor_stale' | 'reauthentication_required',
  string,
  string
>;
/** Send the user to settings to enrol a second factor. */
export type EnrollDecision = DecisionFields<'enroll', 'second_factor_unavailable', string>;
/**
 * The whoami outcome was not something to decide on (or there was none: Kratos unreachable or
 * too slow, or its body was over `maxBodyBytes`); never treat it as allowed.
 */
export type ErrorDecision = DecisionFields<
  'error',
  'unexpected_response' | 'invalid_session' | 'kratos_unreachable' | 'kratos_timeout' | 'body_too_large' | `claim_${string}`,
  null
>;

/**
 * The core itself failed (a trap or an abort inside the WebAssembly module: a bug, or memory
 * exhausted), so nothing was decided: never treat it as allowed (servers answer 503). The only
 * decision aalgate makes outside the core, since there is no core to ask; it carries no
 * explanation and no resolved requirement. The failed instance is replaced (every Gate configures
 * itself on the new one), and the next call is decided as usual.
 */
export type CoreFailureDecision = Omit<DecisionFields<'error', 'core_failure', null>, 'requiredAal'> & {
  readonly requiredAal: null;
};

/** The outcome of {@link Gate.decide} and {@link Gate.decideRequest}: a frozen plain object. */
export type Decision =
  | AllowDecision
  | LoginDecision
  | StepUpDecision
  | RefreshDecision
  | EnrollDecision
  | ErrorDecision
  | CoreFailureDecision;

/** Recovery: send the user to a first-factor login. */
export type RecoveryLoginDecision = DecisionFields<
  'login',
  | 'no_session'
  | 'session_inactive'
  | 'session_aal1_required'
  | 'browser_location_change_required'
  | 'self_service_flow_return_to_forbidden'
  | 'self_service_flow_expired',
  string
>;
/** Recovery: send the user to a second-factor login. */
export type RecoveryStepUpDecision = DecisionFields<
  'step_up',
  | 'session_aal2_required'
  | 'browser_location_change_required'
  | 'self_service_flow_return_to_forbidden'
  | 'self_service_flow_expired',
  string,
  string
>;
/** Recovery: send the user to re-authenticate. */
export type RecoveryRefreshDecision = DecisionFields<
  'refresh',
  | 'session_refresh_required'
  | 'session_already_available'
  | 'browser_location_change_required'
  | 'self_service_flow_return_to_forbidden'
  | 'self_service_flow_expired',
  string,
  string
>;
/** Recovery: the requested level is already met (`session_already_available`); go on. */
export type RecoveryAllowDecision = DecisionFields<'allow', 'session_already_available', null>;
/** Recovery: nothing aalgate can lead the user to; show an error. */
export type RecoveryErrorDecision = DecisionFields<
  'error',
  | 'unexpected_response'
  | 'redirect_not_allowed'
  | 'kratos_unreachable'
  | 'kratos_timeout'
  | 'body_too_large'
  | `kratos_${string}`,
  null
>;

/** The outcome of {@link Gate.recover}: a frozen plain object, shaped as a {@link Decision}. */
export type RecoveryDecision =
  | RecoveryAllowDecision
  | RecoveryLoginDecision
  | RecoveryStepUpDecision
  | RecoveryRefreshDecision
  | RecoveryErrorDecision
  | CoreFailureDecision;

/**
 * The error aalgate throws. `code` is stable: the path of the offending field
 * (`config.baseUrl`, `config.allowedReturnUrls[2]`, `requirement.maxAge`, `config` /
 * `requirement` when the value is not an object, `config.<key>` for an unknown key,
 * `config.policy.rules[3].path`, `request.method`, `request.url`), `gate.disposed`,
 * `gate.constructor`, `core.load` or `core.failure`; `whoami` for a fetch `Response` given to
 * `decide`, `options` / `options.wasm` for createGate's options.
 */
export declare class AalgateError extends Error {
  /**
   * @param code Stable error code.
   * @param message What is wrong, for people.
   * @param options The underlying error, when there is one.
   */
  constructor(code: string, message: string, options?: { cause?: unknown });
  /** Stable, machine-readable error code, e.g. `requirement.aal`. */
  readonly code: string;
  /** Always `'AalgateError'`. */
  name: string;
}

/**
 * A configured gate. Make one with {@link createGate}, reuse it for every decision, and
 * {@link Gate.dispose} it when done (a garbage-collected Gate frees its memory too).
 */
export declare class Gate {
  private constructor();
  /**
   * Decides whether an operation may go on and, if not, where to send the user. Synchronous.
   * Never throws on whoami content: malformed or hostile input gives verdict `error` (or
   * `login`), never `allow`.
   * @param whoami What `GET /sessions/whoami` gave (see {@link Whoami}).
   * @param requirement What the operation needs; left out or null, it is `{}` (aal1, no
   *   freshness check).
   * @throws {AalgateError} with the field's code (e.g. `requirement.aal`) for an invalid
   *   requirement, `whoami` for a fetch `Response` or a `ResponseError` holding one (use
   *   {@link Gate.decideResponse}), or `gate.disposed` after {@link Gate.dispose}.
   */
  decide(whoami: Whoami, requirement?: Requirement | null, options?: DecideOptions | null): Decision;
  /**
   * {@link Gate.decide} for what fetch gave: reads the `Response`'s body as text and decides on
   * `{ status, body }`. Takes `@ory/client-fetch`'s `ResponseError` (its `response`) and
   * `FetchError` (decided as `{ failure: 'unreachable' }`) too, so that
   * `catch (error) { d = await gate.decideResponse(error, requirement) }` needs no glue; a body
   * that fails while being read is no answer as well.
   * @throws {AalgateError} (as a rejection) `whoami` for anything else or a body already read,
   *   the requirement's code, or `gate.disposed`.
   */
  decideResponse(response: WhoamiFetchResult, requirement?: Requirement | null): Promise<Decision>;
  /**
   * Turns an error a Kratos endpoint answered (a settings or login flow, whoami) into what to do
   * next, with Kratos's error id as the reason. Never throws on error content: anything that is
   * not a Kratos error gives verdict `error`.
   * @param error The body's JSON text, the parsed body, or `{ status, body }`; without a status,
   *   the body's `error.code` counts.
   * @param requirement As for {@link Gate.decide}; its `returnTo` wins over the one in Kratos's
   *   own redirect.
   * @throws {AalgateError} for an invalid requirement, or `gate.disposed`.
   */
  recover(
    error: KratosError,
    requirement?: Requirement | null,
    options?: DecideOptions | null,
  ): RecoveryDecision;
  /**
   * Decides for one HTTP request with the configuration's `policy`: the matching route's
   * requirement (`returnTo` defaulting to `url` when it is absolute), then as {@link Gate.decide}.
   * @throws {AalgateError} `request.method`, `request.url`, … for an invalid request, or
   *   `gate.disposed`.
   */
  decideRequest(whoami: Whoami, request: Request, options?: DecideOptions | null): Decision;
  /**
   * The requirement the configuration's `policy` gives a request; {@link Gate.decide} takes it
   * as is.
   * @param method The HTTP method, e.g. `'POST'`.
   * @param url An absolute URL or a path; query and fragment are ignored.
   * @throws {AalgateError} `request.method` or `request.url`, or `gate.disposed`.
   */
  requirementFor(method: string, url: string): RouteRequirement;
  /**
   * Reads an RFC 9470 `WWW-Authenticate` value back into a requirement: the first `Bearer`
   * challenge whose `error` is `insufficient_user_authentication`. Null when there is none, or
   * when `header` is not a string.
   * @throws {AalgateError} `gate.disposed`.
   */
  parseChallenge(header: string | null | undefined): ChallengeRequirement | null;
  /**
   * Frees the gate's memory in the WebAssembly core now. Later calls of its methods throw
   * `AalgateError` with code `gate.disposed`; disposing again does nothing.
   */
  dispose(): void;
}

/**
 * Creates a gate for one Kratos / Ory Network deployment. Loads the WebAssembly core on first
 * use (once per process, page or isolate) and validates the configuration.
 * @param config The deployment's settings; only `baseUrl` is required.
 * @param options `wasm`: where the core's `.wasm` comes from (see {@link LoadOptions}).
 * @returns A promise of the gate; it rejects with an {@link AalgateError} whose code names the
 *   invalid field (e.g. `config.baseUrl`, `options.wasm`), or `core.load` when the core cannot be
 *   loaded (its message says when a Content-Security-Policy without `'wasm-unsafe-eval'` refused
 *   to compile it).
 */
export declare function createGate(config: Config, options?: LoadOptions | null): Promise<Gate>;
