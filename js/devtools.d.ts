// Types of aalgate/devtools: a console inspector for a Kratos session (see js/devtools.js).
import type { Config, Explanation, Reason, Verdict, Warning } from './index.js';

/** One authentication method of the session, for display. */
export interface InspectedMethod {
  readonly method: string | null;
  readonly aal: string | null;
  /** `completed_at` as Kratos wrote it. */
  readonly completedAt: string | null;
  /** now − completed_at, e.g. "4m 12s" (presentation only). */
  readonly age: string | null;
}

/** The session whoami returned, for display (never used to decide). */
export interface InspectedSession {
  readonly active: boolean;
  /** whoami's HTTP status; null when Kratos gave no answer. */
  readonly status: number | null;
  /** Why there is no session to show ("no session (401)", …); absent with a session. */
  readonly note?: string;
  readonly level?: string | null;
  readonly authenticatedAt?: string | null;
  readonly authenticatedAge?: string | null;
  readonly expiresAt?: string | null;
  /** e.g. "23h 59m", or "expired 3m 2s ago". */
  readonly timeLeft?: string | null;
  /** Present exactly when there is a session. */
  readonly methods?: readonly InspectedMethod[];
}

/** What the core decides for one of the four requirements shown. */
export interface InspectedDecision {
  /** The requirement as a label: "aal: aal2, maxAge: 5m". */
  readonly requirement: string;
  readonly verdict: Verdict;
  readonly reason: Reason;
  /** The rule that decided and its check, from the core's explanation: "8: aal2 age …". */
  readonly why: string;
  readonly url: string | null;
  /** The decision's warnings (e.g. highest_available_unverifiable). */
  readonly warnings: readonly Warning[];
  /** The core's whole explanation of this decision (not printed in the table). */
  readonly explanation: Explanation;
}

export interface InspectOptions {
  /** More of createGate's configuration (`baseUrl` is inspect's first argument). */
  config?: Omit<Config, 'baseUrl'>;
  /** whoami's absolute URL (default `{baseUrl}/sessions/whoami`). */
  whoamiUrl?: string;
  /** Default `globalThis.fetch`; called with `credentials: 'include'`. */
  fetch?: typeof globalThis.fetch;
  /** Credentials to send (cookie, authorization, x-session-token; others dropped): for Node. */
  headers?: HeadersInit;
  /** `false`: no console.table output. Default true. */
  print?: boolean;
  /**
   * This machine's clock in ms (default `Date.now()`). Ages and decisions are measured on it plus
   * Kratos's clock skew from whoami's `Date` header, as aalgate/worker does.
   */
  now?: number;
}

/** The four requirements shown, in order. */
export declare const REQUIREMENTS: readonly [
  { readonly aal: 'aal1' },
  { readonly aal: 'aal2' },
  { readonly aal: 'aal2'; readonly maxAge: '5m' },
  { readonly operation: 'settings' },
];

/**
 * Asks whoami (with the page's cookies), prints the session and the core's decisions for
 * `{aal:'aal1'}`, `{aal:'aal2'}`, `{aal:'aal2', maxAge:'5m'}` and `{operation:'settings'}` with
 * console.table, and resolves to the same data.
 */
export declare function inspect(
  baseUrl: string,
  options?: InspectOptions,
): Promise<{ readonly session: InspectedSession; readonly decisions: readonly InspectedDecision[] }>;

/** "4m 12s", "2h 5m", "3d 4h", "12s": the two largest units. */
export declare function formatDuration(ms: number): string;
