// Shared by the integrations (aalgate/worker, aalgate/browser); not exported from the package.
// The decision plus what the public Decision does not carry, and the worker's HTTP plumbing:
// which request is a navigation, which headers are credentials, which Response a Decision
// becomes, a bounded cache of whoami answers. Data and transport only: every verdict, URL and
// reason comes from the core.
import { AalgateError } from './errors.js';

// One entry per evaluation of js/index.js (normally one; a test may load a second copy).
const gateInternals = [];

/**
 * Called by js/index.js (a static block of its Gate class) to hand over what only it can reach;
 * nothing else may call it.
 * @param {{ owns(gate: unknown): boolean, decideWithSession: Function }} internals
 * @returns {void}
 */
export function provideGateInternals(internals) {
  gateInternals.push(internals);
}

/**
 * The core's decision (the same frozen Decision as `gate.decide` / `gate.decideRequest`) and the
 * session's `expires_at`.
 * @param {object} gate a Gate from `createGate`
 * @param {unknown} whoami as for `gate.decide`
 * @param {object} input a request (`{ method, url, returnTo?, now? }`) for `kind` 'request', a
 *   requirement for 'requirement'
 * @param {'request' | 'requirement'} [kind] default 'request' (`decideRequest`)
 * @returns {{ decision: Readonly<object>, sessionExpiresAt: number | null }} `sessionExpiresAt`
 *   in milliseconds since the epoch, null when no valid session was read
 * @throws {AalgateError} as `decideRequest` / `decide` do; `gate` for anything but a Gate
 */
export function decideWithSession(gate, whoami, input, kind = 'request') {
  if (kind !== 'request' && kind !== 'requirement') {
    throw new TypeError(`aalgate: unknown decision kind ${String(kind)}`);
  }
  const internals = gateInternals.find((candidate) => candidate.owns(gate));
  if (internals === undefined) throw new AalgateError('gate', 'expected a Gate made by createGate');
  return internals.decideWithSession(gate, whoami, input, kind);
}

// ---- the worker's HTTP plumbing -------------------------------------------------------------

/** The request headers forwarded to whoami: the credentials Kratos reads, nothing else. */
export const CREDENTIAL_HEADERS = Object.freeze(['cookie', 'authorization', 'x-session-token']);

/**
 * The credential headers a request carries, in {@link CREDENTIAL_HEADERS} order, lower-case
 * names; absent ones are left out (an empty value is kept: it was sent).
 * @param {{ get(name: string): string | null }} headers
 * @returns {[string, string][]}
 */
export function credentialsOf(headers) {
  const credentials = [];
  for (const name of CREDENTIAL_HEADERS) {
    const value = headers.get(name);
    if (value !== null) credentials.push([name, value]);
  }
  return credentials;
}

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

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The weight an `Accept` header gives a media type (RFC 9110 §12.5.1): that of the most specific
 * range matching it (`type/subtype` over `type/*` over `*\/*`; the first of equals), 0 when none
 * does. Media-type parameters other than `q` are ignored; a range with a malformed `q` is skipped.
 * @param {string | null | undefined} accept the header's value
 * @param {string} mediaType lower-case `type/subtype`
 * @returns {number} 0 to 1
 */
export function acceptWeight(accept, mediaType) {
  if (typeof accept !== 'string') return 0;
  const [type, subtype] = mediaType.split('/');
  let best = 0; // specificity of the best match so far: 3 exact, 2 type/*, 1 */*
  let weight = 0;
  for (const element of accept.split(',')) {
    const [range, ...params] = element.split(';').map((part) => part.trim());
    const slash = range.indexOf('/');
    if (slash < 0) continue;
    const rangeType = range.slice(0, slash).toLowerCase();
    const rangeSubtype = range.slice(slash + 1).toLowerCase();
    if (!TOKEN.test(rangeType) || !TOKEN.test(rangeSubtype)) continue;
    let specificity = 0;
    if (rangeType === type && rangeSubtype === subtype) specificity = 3;
    else if (rangeType === type && rangeSubtype === '*') specificity = 2;
    else if (rangeType === '*' && rangeSubtype === '*') specificity = 1;
    if (specificity <= best) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const equals = param.indexOf('=');
      if (equals < 0 || param.slice(0, equals).trim().toLowerCase() !== 'q') continue;
      const value = param.slice(equals + 1).trim();
      valid = QVALUE.test(value);
      q = Number(value);
      break; // parameters after the weight are accept-ext
    }
    if (!valid) continue;
    best = specificity;
    weight = q;
  }
  return weight;
}

/**
 * Whether a request is a browser navigation, answered with a redirect rather than JSON:
 * `Sec-Fetch-Mode: navigate`, or an `Accept` that ranks `text/html` above `application/json`
 * (a tie, `*\/*` alone or no `Accept` at all is not one).
 * @param {{ get(name: string): string | null }} headers
 * @returns {boolean}
 */
export function isNavigation(headers) {
  if ((headers.get('sec-fetch-mode') ?? '').trim().toLowerCase() === 'navigate') return true;
  const accept = headers.get('accept');
  return acceptWeight(accept, 'text/html') > acceptWeight(accept, 'application/json');
}

const REDIRECTED = new Set(['login', 'step_up', 'refresh', 'enroll']);

/**
 * The Response for a Decision, or null for `allow` (the request may go on). Every Response
 * carries `Cache-Control: no-store`.
 * - `login`, `step_up`, `refresh`, `enroll` for a navigation: 303 to the decision's url;
 * - the same for other requests: 401 (403 for `enroll`) with JSON `{ verdict, url, reason }`
 *   and, when the decision has one, its RFC 9470 challenge as `WWW-Authenticate`;
 * - `error`, and anything else: 503 with JSON `{ verdict: 'error', url: null, reason }`.
 * @param {{ verdict: string, url: string | null, reason: string, challenge: string | null }} decision
 * @param {boolean} navigation from {@link isNavigation}
 * @returns {Response | null}
 */
export function responseFor(decision, navigation) {
  const { verdict, url, reason, challenge } = decision;
  if (verdict === 'allow') return null;
  const headers = new Headers({ 'cache-control': 'no-store' });
  if (!REDIRECTED.has(verdict) || typeof url !== 'string') {
    headers.set('content-type', 'application/json');
    return new Response(JSON.stringify({ verdict: 'error', url: null, reason }), {
      status: 503,
      headers,
    });
  }
  if (navigation) {
    headers.set('location', url);
    return new Response(null, { status: 303, headers });
  }
  headers.set('content-type', 'application/json');
  if (typeof challenge === 'string' && challenge !== '') headers.set('www-authenticate', challenge);
  return new Response(JSON.stringify({ verdict, url, reason }), {
    status: verdict === 'enroll' ? 403 : 401,
    headers,
  });
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
