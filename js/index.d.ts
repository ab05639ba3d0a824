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
    [key: string]: unknown;
  };
  /** Dotted form of `session.whoami.required_aal`. */
  'session.whoami.required_aal'?: ServerRequiredAal;
  /** Dotted form of `selfservice.flows.settings.required_aal`. */
  'selfservice.flows.settings.required_aal'?: ServerRequiredAal;
  /** Dotted form of `selfservice.flows.settings.privileged_session_max_age`. */
  'selfservice.flows.settings.privileged_session_max_age'?: Duration;
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
   * `return_to_dropped`). Entries may start with a `*.` wildcard label.
   */
  allowedReturnUrls?: readonly string[];
  /** Mirror of the server's configuration; default `{}` (Kratos's defaults). */
  kratos?: KratosConfigMirror;
  /**
   * Clock skew tolerated in freshness (`maxAge`) checks only, in seconds or as a duration;
   * never extends `expires_at`. Default `0`.
   */
  leeway?: number | Duration;
}

/**
 * The assurance level an operation needs. `'lax'` means `'aal1'`, `'strict'` means
 * `'highest_available'`.
 */
export type RequirementAal = 'aal1' | 'aal2' | 'highest_available' | 'lax' | 'strict';

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
}

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

/** What an HTTP client got from `GET /sessions/whoami`: any status, with the body as text or parsed. */
export interface WhoamiResponse {
  status: number;
  body?: string | object | null;
}

/**
 * The whoami outcome given to {@link Gate.decide}: a Session object, the JSON text of a 200
 * body, `{ status, body }`, or `null` / `undefined` for no session.
 */
export type Whoami = SessionInput | string | WhoamiResponse | null | undefined;

/** What to do. */
export type Verdict = 'allow' | 'login' | 'step_up' | 'refresh' | 'enroll' | 'error';

/** Why, as a stable snake_case code (SPEC §2). */
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
  | 'satisfied';

/** Something the caller may want to know that did not change the verdict. */
export type Warning = 'return_to_dropped' | 'highest_available_unverifiable';

/** A session's authenticator assurance level. */
export type SessionAal = 'aal0' | 'aal1' | 'aal2' | 'aal3';

/** The requirement as resolved: synonyms and `operation` applied. */
export type RequiredAal = 'aal1' | 'aal2' | 'highest_available';

interface DecisionFields<V extends Verdict, R extends Reason, U extends string | null> {
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
}

/** The operation may go on. */
export type AllowDecision = DecisionFields<'allow', 'satisfied', null>;
/** Send the user to a first-factor login. */
export type LoginDecision = DecisionFields<
  'login',
  'no_session' | 'session_inactive' | 'session_expired' | 'no_authentication',
  string
>;
/** Send the user to a second-factor login (`?aal=aal2`). */
export type StepUpDecision = DecisionFields<'step_up', 'server_requires_aal2' | 'aal2_required', string>;
/** Send the user to re-authenticate (`?refresh=true`, with `aal=aal2` for a second factor). */
export type RefreshDecision = DecisionFields<
  'refresh',
  'second_factor_stale' | 'reauthentication_required',
  string
>;
/** Send the user to settings to enrol a second factor. */
export type EnrollDecision = DecisionFields<'enroll', 'second_factor_unavailable', string>;
/** The whoami outcome was not something to decide on; never treat it as allowed. */
export type ErrorDecision = DecisionFields<'error', 'unexpected_response' | 'invalid_session', null>;

/** The outcome of {@link Gate.decide}: a frozen plain object. */
export type Decision =
  | AllowDecision
  | LoginDecision
  | StepUpDecision
  | RefreshDecision
  | EnrollDecision
  | ErrorDecision;

/**
 * The error aalgate throws. `code` is stable: the path of the offending field
 * (`config.baseUrl`, `config.allowedReturnUrls[2]`, `requirement.maxAge`, `config` /
 * `requirement` when the value is not an object, `config.<key>` for an unknown key),
 * `gate.disposed`, `gate.constructor`, `core.load` or `core.failure`.
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
   *   requirement, or `gate.disposed` after {@link Gate.dispose}.
   */
  decide(whoami: Whoami, requirement?: Requirement | null): Decision;
  /**
   * Frees the gate's memory in the WebAssembly core now. Later {@link Gate.decide} calls throw
   * `AalgateError` with code `gate.disposed`; disposing again does nothing.
   */
  dispose(): void;
}

/**
 * Creates a gate for one Kratos / Ory Network deployment. Loads the WebAssembly core on first
 * use (once per process, page or isolate) and validates the configuration.
 * @param config The deployment's settings; only `baseUrl` is required.
 * @returns A promise of the gate; it rejects with an {@link AalgateError} whose code names the
 *   invalid field (e.g. `config.baseUrl`), or `core.load` when the core cannot be loaded.
 */
export declare function createGate(config: Config): Promise<Gate>;
