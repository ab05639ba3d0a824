// The one place where the core's Embind values become JS values (DESIGN.md, "The Wasm
// boundary"): "" and -1 cross for null/unset, warnings as a comma-separated list, and every
// answer that can fail carries the same { ok, code, message }. Data only: no decision here.
import { AalgateError } from './errors.js';

/**
 * The key of a Gate's integration method (aalgate/worker, aalgate/browser): a symbol this
 * package's modules share and the package root does not export, as tree-sitter's web binding
 * guards its internals with a private token.
 */
export const INTERNAL = Symbol('aalgate.internal');

/**
 * The AalgateError for a failed answer (`ok` false): its `code` names the field.
 * @param {{ code: string, message: string }} answer
 * @returns {AalgateError}
 */
export function coreError(answer) {
  return new AalgateError(answer.code, `${answer.code} ${answer.message}`);
}

/**
 * Throws the answer's error unless it is `ok`.
 * @param {{ ok: boolean, code: string, message: string }} answer
 * @returns {void}
 */
export function checkAnswer(answer) {
  if (!answer.ok) throw coreError(answer);
}

/**
 * The public Decision of a DecisionValue (decide, recover, decideRequest), frozen.
 * @param {object} answer the core's DecisionValue
 * @returns {Readonly<object>}
 */
export function decisionOf(answer) {
  checkAnswer(answer);
  return Object.freeze({
    verdict: answer.verdict,
    url: orNull(answer.url),
    reason: answer.reason,
    aal: orNull(answer.aal),
    requiredAal: answer.requiredAal,
    warnings: Object.freeze(answer.warnings === '' ? [] : answer.warnings.split(',')),
    challenge: orNull(answer.challenge),
  });
}

/**
 * What the integrations also need of a DecisionValue: the session's `expires_at` (ms since the
 * epoch, null when no valid session was read) and the HTTP status a server answers the decision
 * with when it does not redirect (0: the request goes on).
 * @param {object} answer the core's DecisionValue, already checked
 * @returns {{ sessionExpiresAt: number | null, httpStatus: number }}
 */
export function serverFieldsOf(answer) {
  return {
    sessionExpiresAt: answer.sessionExpiresAt === -1 ? null : answer.sessionExpiresAt,
    httpStatus: answer.httpStatus,
  };
}

/**
 * A RouteValue (requirementFor) as the requirement `decide` takes, frozen.
 * @param {object} answer
 * @returns {Readonly<{ aal: string, maxAge?: number, operation?: string, rule: number | null }>}
 */
export function routeOf(answer) {
  checkAnswer(answer);
  const requirement = { aal: answer.aal };
  if (answer.maxAge !== -1) requirement.maxAge = answer.maxAge;
  if (answer.operation !== '') requirement.operation = answer.operation;
  requirement.rule = answer.rule === -1 ? null : answer.rule;
  return Object.freeze(requirement);
}

/**
 * A ChallengeValue (parseChallenge) as a requirement, frozen; null when none was found.
 * @param {object} answer
 * @returns {Readonly<{ aal: string, maxAge?: number }> | null}
 */
export function challengeOf(answer) {
  if (!answer.found) return null;
  const requirement = { aal: answer.aal };
  if (answer.maxAge !== -1) requirement.maxAge = answer.maxAge;
  return Object.freeze(requirement);
}

function orNull(text) {
  return text === '' ? null : text;
}
