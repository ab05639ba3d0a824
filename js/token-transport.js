// Kratos's tokenized sessions on the move (issue 14), for aalgate/worker and aalgate/browser:
// the `tokens` options, loading js/tokens.js (and jose) only when they are configured, where a
// request carries the session JWT (`Authorization: Bearer <jwt>` or a named cookie) and taking
// it out of what goes to whoami and to the origin. Transport only: js/tokens.js verifies a token
// and the core decides from its claims.
import { AalgateError } from './errors.js';

// The shape of a JWS in compact serialization, any part possibly empty (an `alg: none` token has
// no signature): what is taken for a token, for the verifier to judge. A Kratos session token
// (`ory_st_…`) has no dots.
const JWT_SHAPE = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
// RFC 6750 §2.1: `Bearer` (any case), one or more spaces, the token.
const BEARER = /^bearer +([^\s]+) *$/i;
// RFC 6265 §4.1.1 cookie-name: an HTTP token.
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The worker's `tokens` option, read and copied before any await: null when off (`undefined`,
 * `null`, `false`), else `{ verifier, from, fallback, forward }` where `verifier` is what
 * createTokenVerifier takes (checked there), `from` is `{ header: 'authorization' }` or
 * `{ cookie: name }`, `fallback` `'whoami'` or `'challenge'`, `forward` a boolean.
 * @param {unknown} option
 * @throws {AalgateError} `config.tokens`, `config.tokens.from`, `config.tokens.fallback`,
 *   `config.tokens.forward`, `config.tokens.jwks` (a JWKS object that cannot be copied)
 */
export function workerTokenSettings(option) {
  if (option === undefined || option === null || option === false) return null;
  if (typeof option !== 'object' || Array.isArray(option)) {
    throw new AalgateError('config.tokens', 'config.tokens must be { jwks, issuer, leeway?, from?, fallback?, forward? }');
  }
  const { from = 'authorization', fallback = 'whoami', forward = false, ...rest } = option;
  let source;
  if (from === 'authorization') {
    source = Object.freeze({ header: 'authorization' });
  } else if (
    typeof from === 'object' && from !== null && !Array.isArray(from) &&
    Object.keys(from).length === 1 && typeof from.cookie === 'string' && COOKIE_NAME.test(from.cookie)
  ) {
    source = Object.freeze({ cookie: from.cookie });
  } else {
    throw new AalgateError('config.tokens.from', "config.tokens.from must be 'authorization' or { cookie: name } (a cookie name)");
  }
  if (fallback !== 'whoami' && fallback !== 'challenge') {
    throw new AalgateError('config.tokens.fallback', "config.tokens.fallback must be 'whoami' or 'challenge'");
  }
  if (typeof forward !== 'boolean') {
    throw new AalgateError('config.tokens.forward', 'config.tokens.forward must be true or false');
  }
  return Object.freeze({ verifier: verifierOptions(rest, 'config.tokens'), from: source, fallback, forward });
}

/**
 * The worker's and the browser's default `leeway`, in seconds (createTokenVerifier's own is 0).
 * Kratos writes `iat` and `nbf` as whole seconds of its clock: a verifier whose clock is a few
 * milliseconds behind it across a second boundary would refuse a token minted that instant (as
 * issued in the future, not yet valid), and a refused token costs a whoami call, or with
 * `fallback: 'challenge'` sends the user to a login that brings them back with another one.
 * `exp` gets no leeway ({@link verifyToken}).
 */
export const DEFAULT_LEEWAY_S = 5;

/**
 * createTokenVerifier's options out of a `tokens` option's other keys, copied now (a JWKS
 * object deeply): later changes to the caller's object do not reach the verifier. `leeway`
 * defaults to {@link DEFAULT_LEEWAY_S}. An unknown key is left in for createTokenVerifier to
 * refuse with its code.
 * @param {object} rest
 * @param {string} code the option's code, e.g. `config.tokens`
 * @returns {object}
 */
export function verifierOptions(rest, code) {
  const copy = { ...rest };
  if (copy.leeway === undefined) copy.leeway = DEFAULT_LEEWAY_S;
  if (typeof copy.jwks === 'object' && copy.jwks !== null && !(copy.jwks instanceof URL)) {
    try {
      copy.jwks = structuredClone(copy.jwks);
    } catch (cause) {
      throw new AalgateError(`${code}.jwks`, `${code}.jwks must be a JWKS object { keys: [...] } or its URL`, { cause });
    }
  }
  return copy;
}

/**
 * Makes js/tokens.js's verifier from `options`, its option codes under `code`
 * (`tokens.issuer` → `config.tokens.issuer`).
 * @param {{ createTokenVerifier: Function }} tokensModule js/tokens.js
 * @param {object} options from {@link verifierOptions}
 * @param {string} code e.g. `config.tokens`
 * @throws {AalgateError} `<code>`, `<code>.jwks`, `<code>.issuer`, … for invalid options
 */
export function makeVerifier(tokensModule, options, code) {
  try {
    return tokensModule.createTokenVerifier(options);
  } catch (error) {
    if (error instanceof AalgateError && (error.code === 'tokens' || error.code.startsWith('tokens.'))) {
      const renamed = code + error.code.slice('tokens'.length);
      throw new AalgateError(renamed, error.message.replace(/^tokens\b/, code), { cause: error });
    }
    throw error;
  }
}

/**
 * `{ token, unavailable }`: the verified token, or null with whether the JWKS could not be had.
 * A token the verifier refuses (code `token`) is no token, and so is one whose `exp` is not after
 * `now` even within the leeway: the core reads the session as expired at `exp` (no leeway, as for
 * `expires_at`), so such a token would be decided a login, where no token falls back. Decide it
 * at the same `now`. Any other error is thrown.
 * @param {{ verify: Function }} verifier
 * @param {string} jwt
 * @param {number} now milliseconds since the epoch, on Kratos's clock as best known
 * @returns {Promise<{ token: object | null, unavailable: boolean }>}
 */
export async function verifyToken(verifier, jwt, now) {
  let token;
  try {
    token = await verifier.verify(jwt, { now });
  } catch (error) {
    if (!(error instanceof AalgateError) || error.code !== 'token') throw error;
    return { token: null, unavailable: error.reason === 'jwks_unavailable' };
  }
  return token.claims.exp * 1000 > now ? { token, unavailable: false } : { token: null, unavailable: false };
}

/**
 * Loads js/tokens.js (and with it jose) on demand: a worker or page without `tokens` never
 * evaluates it (and a bundler that splits code leaves it out of the main chunk).
 * @returns {Promise<{ createTokenVerifier: Function }>}
 * @throws {AalgateError} `tokens.load` when it cannot be loaded
 */
export async function loadTokens() {
  try {
    return await import('./tokens.js');
  } catch (cause) {
    throw new AalgateError('tokens.load', `aalgate/tokens (and its dependency jose) could not be loaded: ${cause?.message ?? cause}`, { cause });
  }
}

/**
 * A Gate from `makeGate` and, for `verifierSettings` (not null), js/tokens.js loaded alongside it
 * and the verifier made from those settings; when the verifier cannot be made the Gate is
 * disposed and the error thrown.
 * @param {() => Promise<object>} makeGate
 * @param {object | null} verifierSettings {@link makeVerifier}'s options, or null for no tokens
 * @returns {Promise<{ gate: object, verifier: object | null }>}
 * @throws {AalgateError} what createGate, {@link loadTokens} or {@link makeVerifier} throws
 */
export async function gateWithVerifier(makeGate, verifierSettings) {
  const [made, loaded] = await Promise.allSettled([makeGate(), verifierSettings === null ? null : loadTokens()]);
  if (made.status === 'rejected') throw made.reason;
  const gate = made.value;
  if (verifierSettings === null) return { gate, verifier: null };
  try {
    if (loaded.status === 'rejected') throw loaded.reason;
    return { gate, verifier: makeVerifier(loaded.value, verifierSettings, 'config.tokens') };
  } catch (error) {
    gate.dispose();
    throw error;
  }
}

/**
 * The token a request carries where `from` says: the `Authorization: Bearer` value when it has
 * a JWT's shape (three base64url parts; anything else there, e.g. a Kratos session token `ory_st_…`, is not the
 * token and stays a whoami credential), or the named cookie's value (whatever it holds: the
 * verifier refuses what is not a token). null when there is none, and when the cookie is there
 * more than once (which one the client meant is unknown: none is taken).
 * @param {{ get(name: string): string | null }} headers
 * @param {{ header?: string, cookie?: string }} from
 * @returns {string | null}
 */
export function tokenOf(headers, from) {
  if (from.cookie === undefined) {
    const match = BEARER.exec(headers.get('authorization') ?? '');
    return match !== null && JWT_SHAPE.test(match[1]) ? match[1] : null;
  }
  const values = cookieValues(headers.get('cookie'), from.cookie);
  return values.length === 1 ? values[0] : null;
}

/**
 * `headers` (a Headers the caller owns) without the token's place: the Authorization header when
 * it holds a `Bearer` value of a JWT's shape ({@link tokenOf}'s form), or every pair of the named cookie (the
 * Cookie header dropped when nothing else is left). Returns `headers`.
 * @param {Headers} headers
 * @param {{ header?: string, cookie?: string }} from
 * @returns {Headers}
 */
export function withoutToken(headers, from) {
  if (from.cookie === undefined) {
    const match = BEARER.exec(headers.get('authorization') ?? '');
    if (match !== null && JWT_SHAPE.test(match[1])) headers.delete('authorization');
    return headers;
  }
  const cookie = headers.get('cookie');
  if (cookie === null) return headers;
  const kept = cookie
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && cookieName(pair) !== from.cookie);
  if (kept.length === 0) headers.delete('cookie');
  else headers.set('cookie', kept.join('; '));
  return headers;
}

// The name of a `name=value` cookie pair (trimmed), or the pair itself when it has no `=`.
function cookieName(pair) {
  const equals = pair.indexOf('=');
  return (equals < 0 ? pair : pair.slice(0, equals)).trim();
}

// The values of every `name=value` pair named `name` in a Cookie header (RFC 6265 §5.4: pairs
// separated by `;`), a DQUOTE-wrapped value unwrapped.
function cookieValues(header, name) {
  if (typeof header !== 'string') return [];
  const values = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}
