// aalgate/worker's optional whoami cache: answers by credential key (a SHA-256, never the
// credentials themselves), LRU-bounded, each kept no longer than its TTL and its session.
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
 * expiry (the caller gives `min(now + ttlMs, session's expires_at)`). Holds plain data only.
 */
export class WhoamiCache {
  #entries = new Map();
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
   * Keeps a whoami answer until `min(now + ttlMs, sessionExpiresAt)`; nothing is kept when that
   * is not after `now`.
   * @param {string} key
   * @param {{ status: number, body: string, skewMs?: number }} answer `skewMs`: Kratos's clock
   *   minus this machine's when the answer came (kept, to decide on Kratos's clock later)
   * @param {number} sessionExpiresAt the session's `expires_at`, ms since the epoch
   * @param {number} now
   * @returns {boolean} whether it was kept
   */
  set(key, answer, sessionExpiresAt, now) {
    const expiresAt = Math.min(now + this.#ttlMs, sessionExpiresAt);
    this.#entries.delete(key);
    if (!(expiresAt > now)) return false;
    const kept = { status: answer.status, body: answer.body, skewMs: answer.skewMs ?? 0 };
    this.#entries.set(key, { answer: kept, expiresAt });
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value);
    }
    return true;
  }

  /** Drops every answer. @returns {void} */
  clear() {
    this.#entries.clear();
  }
}
