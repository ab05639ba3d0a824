// Turns JS values into the strings the core takes (DESIGN.md, "JS normalisation").
// Data only: no decisions here. Every rule about what a value means lives in the C++ core.
import { verifiedClaimsOf } from './verified.js';

/**
 * What the core's `decide` takes about the whoami outcome (and `recover` about a Kratos error):
 * `kind` as {@link OUTCOME} numbers it (wasm/bindings.cpp reads the same numbers); a Session
 * object as `session` (js/call.js reads its fields, or sends it as JSON text), else `body`;
 * `claims` when `body` is the claims of a token js/tokens.js verified.
 * `overLimit` when the body was cut off at the gate's maxBodyBytes while it was read
 * ({@link BODY_OVER_LIMIT}).
 * @typedef {{ kind: number, status: number, body: string, session?: object, claims: boolean,
 *   overLimit: boolean }} WhoamiOutcome
 */

/** The kinds of outcome the core tells apart; what each means is the core's (DESIGN.md). */
export const OUTCOME = Object.freeze({ nothing: 0, answer: 1, unreachable: 2, timeout: 3 });

/**
 * The `body` of an answer whose reading stopped at the gate's maxBodyBytes (js/kratos.js
 * askWhoami): `{ status, body: BODY_OVER_LIMIT }`. Not exported by the package; the core
 * decides what such an answer means.
 */
export const BODY_OVER_LIMIT = Object.freeze({ bodyOverLimit: true });

// Every outcome has the same shape (one hidden class for the code that reads it).
const outcome = (kind, status, body, session = undefined, claims = false, overLimit = false) => ({
  kind,
  status,
  body,
  session,
  claims,
  overLimit,
});
const NOTHING = Object.freeze(outcome(OUTCOME.nothing, 0, ''));
// `{ failure: 'unreachable' | 'timeout' }`: the caller's request to Kratos got no answer.
const NO_ANSWER = Object.freeze({
  unreachable: Object.freeze(outcome(OUTCOME.unreachable, 0, '')),
  timeout: Object.freeze(outcome(OUTCOME.timeout, 0, '')),
});

/**
 * Normalises a whoami outcome: `null`/`undefined`, a Session object, the JSON text of a 200 body,
 * or `{ status, body }`. Never throws: what cannot be read or serialised becomes status 200 with
 * an empty body, which the core judges an invalid session.
 * @param {unknown} whoami
 * @returns {WhoamiOutcome}
 */
export function normalizeWhoami(whoami) {
  // A token js/tokens.js verified: the core decides from its claims.
  const claims = verifiedClaimsOf(whoami);
  if (claims !== undefined) return outcome(OUTCOME.answer, 200, claims, undefined, true);
  return normalizeOutcome(whoami, 200, true);
}

/**
 * Normalises what a Kratos endpoint answered with an error, for the core's `recover`: the JSON
 * text of the body, the parsed body, or `{ status, body }`. Without a numeric `status` the status
 * is 0 (not given: the core reads `error.code`); `null`/`undefined` is nothing given. Never
 * throws: what cannot be read or serialised becomes an empty body, which the core judges.
 * @param {unknown} error
 * @returns {WhoamiOutcome}
 */
export function normalizeKratosError(error) {
  return normalizeOutcome(error, 0);
}

// An HTTP outcome: text or an object is the body (with `statusWhenNotGiven`), an object with a
// numeric `status` is `{ status, body }`, `{ failure: 'unreachable' | 'timeout' }` no answer.
// A text body stays as it is: it crosses to the core through TextEncoder.encodeInto, which
// writes a lone surrogate as U+FFFD (what `wellFormed` does for the strings that cross as JSON).
// With `sessions`, a Session object (a 200 body given as an object) is passed on as `session`.
function normalizeOutcome(value, statusWhenNotGiven, sessions = false) {
  if (value === null || value === undefined) return NOTHING;
  if (typeof value === 'string') return outcome(OUTCOME.answer, statusWhenNotGiven, value);
  let status;
  let failure;
  try {
    status = typeof value === 'object' ? value.status : undefined;
    failure = typeof value === 'object' ? value.failure : undefined;
  } catch {
    return outcome(OUTCOME.answer, statusWhenNotGiven, '');
  }
  if (typeof failure === 'string' && Object.hasOwn(NO_ANSWER, failure)) return NO_ANSWER[failure];
  if (typeof status === 'number') {
    let given;
    try {
      given = value.body;
    } catch {
      return outcome(OUTCOME.answer, status, '');
    }
    if (given === undefined) return outcome(OUTCOME.answer, status, '');
    if (typeof given === 'string') return outcome(OUTCOME.answer, status, given);
    if (given === BODY_OVER_LIMIT) return outcome(OUTCOME.answer, status, '', undefined, false, true);
    if (sessions && status === 200) return outcome(OUTCOME.answer, status, '', given);
    return outcome(OUTCOME.answer, status, stringifyWhoami(given));
  }
  if (sessions) return outcome(OUTCOME.answer, statusWhenNotGiven, '', value);
  return outcome(OUTCOME.answer, statusWhenNotGiven, stringifyWhoami(value));
}

/**
 * The JSON text of a request (`{ method, url, returnTo, now }`) for the core's `decideRequest`.
 * Serialised like a requirement: a `Date` as `now` becomes milliseconds, values JSON cannot carry
 * become markers the core rejects with the field's code; `undefined` is marked, not `{}`.
 * @param {unknown} request
 * @returns {string}
 */
export function requestToJson(request) {
  return toCoreJson(request, true);
}

/**
 * A string argument for the core as is, when it is a well-formed string; otherwise `null`
 * (the caller passes a value the core rejects instead).
 * @param {unknown} value
 * @returns {string | null}
 */
export function coreString(value) {
  return typeof value === 'string' && isWellFormed(value) ? value : null;
}

/**
 * A header value for the core: lone surrogates become U+FFFD, as a fetch `Headers` object could
 * never hold them anyway.
 * @param {string} text
 * @returns {string}
 */
export function wellFormedText(text) {
  return wellFormed(text);
}

/**
 * The JSON text of a configuration for the core's `configure`. Values JSON cannot carry become
 * `{"$unserializable": type}` so the core rejects them with the field's code.
 * @param {unknown} config
 * @returns {string}
 */
export function configToJson(config) {
  return toCoreJson(config, false);
}

/**
 * The JSON text of a requirement for the core's `decide`; `undefined` is `{}`. A `Date` given as
 * `now` becomes its milliseconds since the epoch.
 * @param {unknown} requirement
 * @returns {string}
 */
export function requirementToJson(requirement) {
  return requirement === undefined ? '{}' : toCoreJson(requirement, true);
}

/** A stand-in for a value JSON cannot carry, named by its type, for the core to reject. */
function unserializable(type) {
  return { $unserializable: type };
}

/**
 * JSON.stringify with Dates through toJSON, as DESIGN.md says for whoami (and Kratos errors).
 * Only an invalid Date (whose toJSON gives null) is marked, so the core rejects it instead of
 * seeing the field absent. A cycle, a throwing getter or a BigInt anywhere makes the whole body
 * empty.
 * @param {unknown} value
 * @returns {string}
 */
export function stringifyWhoami(value) {
  try {
    const text = JSON.stringify(value, function markInvalidDates(key, json) {
      return json === null && isDate(this[key]) ? unserializable('date') : json;
    });
    return typeof text === 'string' ? text : '';
  } catch {
    return '';
  }
}

function toCoreJson(root, nowToMs) {
  // Objects are copied while serialising, so each property is read exactly once and a getter or
  // Proxy trap that throws marks only its own field. `path` holds [copy, original] pairs from
  // the root down to the object being serialised, to find cycles.
  const path = [];
  let rootCopy = null;
  let atRoot = true;
  function replacer(key, json) {
    while (path.length > 0 && path[path.length - 1][0] !== this) path.pop();
    const isRoot = atRoot;
    atRoot = false;
    const descend = (copy, original) => {
      path.push([copy, original]);
      return copy;
    };
    // `this` is the root's wrapper or one of our copies: reading it again has no side effects.
    const original = this[key];
    if (isDate(original)) {
      const ms = Date.prototype.getTime.call(original);
      if (!Number.isFinite(ms)) return descend(unserializable('date'), null);
      if (nowToMs && key === 'now' && this === rootCopy) return ms;
    }
    const value = unwrapPrimitive(json);
    switch (typeof value) {
      case 'function':
      case 'symbol':
      case 'bigint':
        return descend(unserializable(typeof value), null);
      case 'number':
        return Number.isFinite(value) ? value : descend(unserializable('number'), null);
      case 'undefined':
        // Left out of objects as JSON.stringify does (an unset field); only the root is marked.
        return isRoot ? descend(unserializable('undefined'), null) : undefined;
      case 'string':
        // A lone surrogate has no UTF-8 form: the core drops such a returnTo, rejects others.
        return isWellFormed(value) ? value : descend(unserializable('ill-formed string'), null);
      case 'object':
        break;
      default:
        return value;
    }
    if (value === null || isRawJson(value)) return value;
    if (path.some(([, seen]) => seen === value)) return descend(unserializable('cycle'), null);
    const copy = copyReadable(value);
    if (copy === null) return descend(unserializable('exception'), null);
    if (isRoot) rootCopy = copy;
    return descend(copy, value);
  }
  try {
    return JSON.stringify(root, replacer);
  } catch {
    // Reached only when a toJSON method throws or nesting exhausts the stack.
    return JSON.stringify(unserializable('exception'));
  }
}

// A plain copy of an array or object's own enumerable string-keyed properties, in
// JSON.stringify's order; a property whose read throws becomes a marker. null if the keys
// themselves cannot be read (a Proxy whose ownKeys trap throws).
function copyReadable(value) {
  let isArray;
  let keys;
  try {
    isArray = Array.isArray(value);
    keys = isArray ? null : Object.keys(value);
  } catch {
    return null;
  }
  if (isArray) {
    let length;
    try {
      length = value.length;
    } catch {
      return null;
    }
    const copy = [];
    for (let i = 0; i < length; i += 1) copy.push(readProperty(value, i));
    return copy;
  }
  const copy = {};
  for (const key of keys) {
    // Any key with a lone surrogate is unknown to the core; keep it nameable (U+FFFD) so the
    // core reports it as such instead of failing to parse the whole text.
    Object.defineProperty(copy, isWellFormed(key) ? key : wellFormed(key), {
      value: readProperty(value, key),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function readProperty(object, key) {
  try {
    return object[key];
  } catch {
    return unserializable('exception');
  }
}

// JSON.stringify unwraps Number, String, Boolean and BigInt objects; so do we, before copying.
function unwrapPrimitive(value) {
  if (typeof value !== 'object' || value === null || isPlainContainer(value)) return value;
  for (const type of [Number, String, Boolean, BigInt]) {
    try {
      return type.prototype.valueOf.call(value);
    } catch {
      // not this wrapper type
    }
  }
  return value;
}

function isDate(value) {
  if (typeof value !== 'object' || value === null || isPlainContainer(value)) return false;
  try {
    Date.prototype.getTime.call(value);
    return true;
  } catch {
    return false;
  }
}

// A plain object or array is neither a Date nor a primitive wrapper: the common case, checked
// without the brand checks' exceptions (they cost microseconds per object).
function isPlainContainer(value) {
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null || proto === Array.prototype;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws: take the slow, careful path
  }
}

function isRawJson(value) {
  return typeof JSON.isRawJSON === 'function' && JSON.isRawJSON(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(text) {
  return typeof text.isWellFormed === 'function' ? text.isWellFormed() : !LONE_SURROGATE.test(text);
}

// UTF-8 cannot carry a lone surrogate (Emscripten's conversion would merge it with the next code
// unit): it becomes U+FFFD, as a fetch body's text() would have it.
function wellFormed(text) {
  if (isWellFormed(text)) return text;
  if (typeof text.toWellFormed === 'function') return text.toWellFormed();
  return new TextDecoder().decode(new TextEncoder().encode(text));
}
