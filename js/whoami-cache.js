// aalgate/worker's optional whoami cache: answers by credential key (a SHA-256, never the
// credentials themselves), LRU-bounded, each kept no longer than its TTL (counted from when it
// was asked) and its session; and the whoami calls in flight, so that concurrent misses for one
// key share one call (single flight).
import { AalgateError } from './errors.js';

/**
 * The cache key of a set of credentials: the hex SHA-256 (Web Crypto) of their unambiguous
 * serialisation, so the cache never holds a cookie or token itself. null when there are none.
 * @param {[string, string][]} credentials from {@link credentialsOf}
 * @returns {Promise<string | null>}
 */
export async function credentialKey(credentials) {
  if (credentials.length === 0) return null;
  const bytes = new TextEncoder().encode(JSON.stringify(credentials));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The cache's defaults: `cache: true`. */
export const CACHE_DEFAULTS = Object.freeze({ maxEntries: 1000, ttlMs: 30_000 });

/**
 * The cache settings from the worker's `cache` option: null when off (`undefined`, `null`,
 * `false`), the defaults for `true`, else `{ maxEntries?, ttlMs? }` over the defaults.
 * @param {unknown} option
 * @returns {{ maxEntries: number, ttlMs: number } | null}
 * @throws {AalgateError} `config.cache`, `config.cache.maxEntries`, `config.cache.ttlMs`,
 *   `config.cache.<key>` for an unknown key
 */
export function cacheSettings(option) {
  if (option === undefined || option === null || option === false) return null;
  if (option === true) return { ...CACHE_DEFAULTS };
  if (typeof option !== 'object' || Array.isArray(option)) {
    throw new AalgateError('config.cache', 'config.cache must be true, false or { maxEntries, ttlMs }');
  }
  const settings = { ...CACHE_DEFAULTS };
  for (const key of Object.keys(option)) {
    const value = option[key];
    if (value === undefined || value === null) continue;
    if (key === 'maxEntries') {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new AalgateError('config.cache.maxEntries', 'config.cache.maxEntries must be a positive integer');
      }
    } else if (key === 'ttlMs') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new AalgateError('config.cache.ttlMs', 'config.cache.ttlMs must be a positive number of milliseconds');
      }
    } else {
      throw new AalgateError(`config.cache.${key}`, `config.cache.${key} is not a cache setting (maxEntries, ttlMs)`);
    }
    settings[key] = value;
  }
  return settings;
}

/**
 * whoami answers by credential key, least recently used first out, each kept until its own
 * expiry, `min(askedAt + ttlMs, session's expires_at)`; and the calls in flight by key. Holds
 * plain data and the promises of calls in flight only.
 *
 * The bound this gives: an answer is used only by requests that arrive less than `ttlMs` after
 * the call that fetched it was sent (a flight is joined, an answer kept, on that clock). Kratos
 * answered after it was sent, so a session revoked at time R is answered by Kratos again, and
 * refused, for every request that arrives at R + ttlMs or later.
 */
export class WhoamiCache {
  #entries = new Map();
  #flights = new Map();
  #maxEntries;
  #ttlMs;

  /** @param {{ maxEntries: number, ttlMs: number }} settings from {@link cacheSettings} */
  constructor({ maxEntries, ttlMs }) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
  }

  /** How many answers are held (expired ones included until they are looked up or pushed out). */
  get size() {
    return this.#entries.size;
  }

  /**
   * The answer kept for `key`, or null when there is none or it has expired (then it is dropped).
   * @param {string} key
   * @param {number} now milliseconds since the epoch
   * @returns {{ status: number, body: string, skewMs: number } | null}
   */
  get(key, now) {
    const entry = this.#entries.get(key);
    if (entry === undefined) return null;
    this.#entries.delete(key);
    if (!(now < entry.expiresAt)) return null;
    this.#entries.set(key, entry); // most recently used last
    return entry.answer;
  }

  /**
   * Keeps a whoami answer until `min(askedAt + ttlMs, sessionExpiresAt)`; nothing is kept when
   * that is not after `now`.
   * @param {string} key
   * @param {{ status: number, body: string, skewMs?: number }} answer `skewMs`: Kratos's clock
   *   minus this machine's when the answer came (kept, to decide on Kratos's clock later)
   * @param {number} sessionExpiresAt the session's `expires_at`, ms since the epoch
   * @param {number} now
   * @param {number} [askedAt] when the whoami call that got `answer` was sent (default `now`):
   *   the TTL runs from there, as Kratos may have answered any time after it
   * @returns {boolean} whether it was kept
   */
  set(key, answer, sessionExpiresAt, now, askedAt = now) {
    const expiresAt = Math.min(askedAt + this.#ttlMs, sessionExpiresAt);
    this.#entries.delete(key);
    if (!(expiresAt > now)) return false;
    const kept = { status: answer.status, body: answer.body, skewMs: answer.skewMs ?? 0 };
    this.#entries.set(key, { answer: kept, expiresAt });
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value);
    }
    return true;
  }

  /**
   * The whoami call in flight for `key` that a request arriving at `now` may share: one sent
   * less than `min(ttlMs, windowMs)` ago (`windowMs`: the call's own time limit, past which it
   * has failed or is lost), else null.
   * @param {string} key
   * @param {number} now
   * @param {number} windowMs
   * @returns {{ answer: Promise<object>, askedAt: number } | null}
   */
  inFlight(key, now, windowMs) {
    const flight = this.#flights.get(key);
    if (flight === undefined || !(now < flight.askedAt + Math.min(this.#ttlMs, windowMs))) return null;
    return flight;
  }

  /**
   * Registers `asking`, the whoami call for `key` sent at `askedAt`, for concurrent requests to
   * share ({@link inFlight}). It leaves the flights when it settles, before anyone awaiting the
   * returned promise goes on: whatever it answered (an error, a failure, any status) lasts no
   * longer than its flight unless the caller then {@link set}s it. Never shared across keys. At
   * most `maxEntries` flights are held, the oldest dropped first (one that never settles, its
   * request gone, cannot pile up; a dropped flight only stops being shared).
   * @param {string} key
   * @param {number} askedAt
   * @param {Promise<object>} asking
   * @returns {{ answer: Promise<object>, askedAt: number }} the flight; await its `answer`
   */
  startFlight(key, askedAt, asking) {
    const flight = { askedAt, answer: null };
    flight.answer = Promise.resolve(asking).finally(() => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
    this.#flights.delete(key);
    this.#flights.set(key, flight);
    while (this.#flights.size > this.#maxEntries) {
      this.#flights.delete(this.#flights.keys().next().value);
    }
    return flight;
  }

  /** Drops every answer and forgets the calls in flight. @returns {void} */
  clear() {
    this.#entries.clear();
    this.#flights.clear();
  }
}
