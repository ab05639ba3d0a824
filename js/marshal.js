// The one place where the core's answers become JS values (DESIGN.md, "The Wasm boundary"):
// a decision from the call block's numbers and strings; for the cold Embind calls, "" and -1
// cross for null/unset and every answer that can fail carries the same { ok, code, message }.
// Data only: no decision here.
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
 * The names of the core's enums (wasm/bindings.cpp names()), read once per module, with the
 * frozen warning lists for each set of warning bits.
 * @param {object} core the loaded Emscripten module
 * @returns {{ verdicts: string[], reasons: string[], warnings: string[], aals: string[],
 *   requiredAals: string[], kratosId: number, claimId: number, warningLists: Map<number, readonly string[]> }}
 */
export function namesOf(core) {
  core[NAMES] ??= (() => {
    const [verdicts, reasons, warnings, aals, requiredAals, [failureVerdict, failureReason, failureStatus]] = core
      .names()
      .split('|')
      .map((list) => list.split(','));
    // The core's answer for when it has failed and cannot be asked (js/index.js, js/host.js).
    const failure = Object.freeze({
      decision: Object.freeze({
        verdict: failureVerdict,
        url: null,
        reason: failureReason,
        aal: null,
        requiredAal: null,
        warnings: Object.freeze([]),
        challenge: null,
      }),
      sessionExpiresAt: null,
      httpStatus: Number(failureStatus),
    });
    return { verdicts, reasons, warnings, aals, requiredAals, kratosId: reasons.indexOf('kratos_id'), claimId: reasons.indexOf('token_claim'), warningLists: new Map(), failure };
  })();
  return core[NAMES];
}

const NAMES = Symbol('aalgate.names');

// The answer fields of the call block (wasm/bindings.cpp CallBlock) as Int32 / Float64 indexes.
const F64_SESSION_EXPIRES_AT = 6;
const I32_VERDICT = 14;
const I32_REASON = 15;
const I32_AAL = 16;
const I32_REQUIRED_AAL = 17;
const I32_WARNINGS = 18;
const I32_HTTP_STATUS = 19;
const I32_URL = 20;
const I32_URL_LENGTH = 21;
const I32_CHALLENGE = 22;
const I32_CHALLENGE_LENGTH = 23;
const I32_TEXT = 24;
const I32_TEXT_LENGTH = 25;
const I32_SAME = 26;
const SAME_URL = 1;
const SAME_CHALLENGE = 2;

/**
 * The answer in a call block: the public Decision (frozen), and what the integrations also need:
 * the session's `expires_at` (ms since the epoch, null when no valid session was read) and the
 * HTTP status a server answers with when it does not redirect (0: the request goes on).
 * @param {Uint8Array} u8 the module's memory as bytes
 * @param {Int32Array} i32 the same memory as Int32s
 * @param {Float64Array} f64 the same memory as doubles
 * @param {number} block the call block's address
 * @param {ReturnType<typeof namesOf>} names
 * @param {TextDecoder} decoder
 * @param {{ url: string | null, challenge: string | null }} last the strings of the block's
 *   previous answer, updated here (the core says when they are the same again)
 * @returns {{ decision: Readonly<object>, sessionExpiresAt: number | null, httpStatus: number }}
 */
export function decisionFrom(u8, i32, f64, block, names, decoder, last) {
  const b = block >> 2;
  const same = i32[b + I32_SAME];
  if ((same & SAME_URL) === 0) last.url = textAt(u8, i32, b + I32_URL, decoder);
  if ((same & SAME_CHALLENGE) === 0) last.challenge = textAt(u8, i32, b + I32_CHALLENGE, decoder);
  const reason = i32[b + I32_REASON];
  const aal = i32[b + I32_AAL];
  const expiresAt = f64[(block >> 3) + F64_SESSION_EXPIRES_AT];
  const decision = Object.freeze({
    verdict: names.verdicts[i32[b + I32_VERDICT]],
    url: last.url,
    // The Kratos id (recover) or the claim (`claim_<name>`) is the core's text.
    reason: reason === names.kratosId || reason === names.claimId ? textAt(u8, i32, b + I32_TEXT, decoder) : names.reasons[reason],
    aal: aal < 0 ? null : names.aals[aal],
    requiredAal: names.requiredAals[i32[b + I32_REQUIRED_AAL]],
    warnings: warningList(names, i32[b + I32_WARNINGS]),
    challenge: last.challenge,
  });
  return {
    decision,
    sessionExpiresAt: Number.isNaN(expiresAt) ? null : expiresAt,
    httpStatus: i32[b + I32_HTTP_STATUS],
  };
}

/**
 * The string whose address and length are at Int32 index `at` of a call block; null when empty.
 * @param {Uint8Array} u8
 * @param {Int32Array} i32
 * @param {number} at
 * @param {TextDecoder} decoder
 * @returns {string | null}
 */
export function textAt(u8, i32, at, decoder) {
  const length = i32[at + 1];
  return length === 0 ? null : decoder.decode(u8.subarray(i32[at], i32[at] + length));
}

function warningList(names, bits) {
  let list = names.warningLists.get(bits);
  if (list === undefined) {
    list = Object.freeze(names.warnings.filter((_, i) => (bits & (1 << i)) !== 0));
    names.warningLists.set(bits, list);
  }
  return list;
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
