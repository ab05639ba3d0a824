// Which values are verified tokens (js/tokens.js makes them): the claims' JSON text per token
// object, in a registry no other module can write to. js/index.js reads it to decide from the
// claims (the core's "token claims" whoami kind), so a claims object nobody verified is never
// taken for one. Kept apart from js/tokens.js so that the package root does not load jose.
const verified = new WeakMap();

/**
 * Registers `token` (a frozen object made by js/tokens.js) with the JSON text of its verified
 * claims.
 * @param {object} token
 * @param {string} claimsJson
 */
export function registerVerified(token, claimsJson) {
  verified.set(token, claimsJson);
}

/**
 * The verified claims' JSON text of a token js/tokens.js made, else undefined.
 * @param {unknown} value
 * @returns {string | undefined}
 */
export function verifiedClaimsOf(value) {
  return typeof value === 'object' && value !== null ? verified.get(value) : undefined;
}
