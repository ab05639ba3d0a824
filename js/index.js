// aalgate: step-up authentication decisions for Ory Kratos sessions.
// This module loads the WebAssembly core, turns arguments into the strings it takes and turns
// its answers into plain objects or AalgateErrors. Every decision is the core's.
import { loadCore } from '#load-core';

import { AalgateError } from './errors.js';
import { configToJson, normalizeWhoami, requirementToJson } from './normalize.js';

export { AalgateError };

// Deletes the core's object when a Gate is collected without dispose().
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((handle) => {
        try {
          handle.delete();
        } catch {
          // already deleted or the module is gone: nothing left to free
        }
      })
    : null;

const constructing = Symbol('aalgate.Gate');

/**
 * A configured gate. Make one with {@link createGate}, reuse it for every decision, and
 * {@link Gate.dispose} it when done (a garbage-collected Gate frees its memory too).
 */
export class Gate {
  #handle;

  /**
   * Not for direct use: call {@link createGate}.
   * @param {symbol} token
   * @param {object} handle the core's configured gate
   */
  constructor(token, handle) {
    if (token !== constructing) {
      throw new AalgateError('gate.constructor', 'make a Gate with: await createGate(config)');
    }
    this.#handle = handle;
    registry?.register(this, handle, this);
  }

  /**
   * Decides whether an operation may go on and, if not, where to send the user.
   *
   * Never throws on whoami content: malformed or hostile input gives verdict `error` (or
   * `login`), never `allow`.
   *
   * @param {unknown} whoami what `GET /sessions/whoami` gave: a Session object (parsed JSON or
   *   an `@ory/client-fetch` Session), the JSON text of a 200 body, `{ status, body }`, or
   *   `null`/`undefined` for no session.
   * @param {object} [requirement] `{ aal, maxAge, operation, returnTo, now, loginChallenge,
   *   organization, via }`, all optional; left out or null, it is `{}`.
   * @returns {Readonly<{ verdict: string, url: string | null, reason: string, aal: string | null,
   *   requiredAal: string, warnings: readonly string[] }>} a frozen decision; `url` is null
   *   exactly when `verdict` is `allow` or `error`.
   * @throws {AalgateError} with the field's code (e.g. `requirement.aal`) for an invalid
   *   requirement, or `gate.disposed` after {@link Gate.dispose}.
   */
  decide(whoami, requirement) {
    const handle = this.#handle;
    if (handle === null) {
      throw new AalgateError('gate.disposed', 'this Gate was disposed; create a new one');
    }
    const outcome = normalizeWhoami(whoami);
    const requirementJson = requirementToJson(requirement);
    const answer = callCore(() =>
      handle.decide(outcome.present, outcome.status, outcome.body, requirementJson),
    );
    if (!answer.ok) throw coreError(answer);
    return Object.freeze({
      verdict: answer.verdict,
      url: answer.url === '' ? null : answer.url,
      reason: answer.reason,
      aal: answer.aal === '' ? null : answer.aal,
      requiredAal: answer.requiredAal,
      warnings: Object.freeze(answer.warnings === '' ? [] : answer.warnings.split(',')),
    });
  }

  /**
   * Frees the gate's memory in the WebAssembly core now. Later {@link Gate.decide} calls throw
   * `AalgateError` with code `gate.disposed`; disposing again does nothing.
   * @returns {void}
   */
  dispose() {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    registry?.unregister(this);
    callCore(() => handle.delete());
  }
}

/**
 * Creates a gate for one Kratos / Ory Network deployment. Loads the WebAssembly core on first
 * use (once per process, page or isolate) and validates the configuration.
 *
 * @example
 * ```js
 * const gate = await createGate({ baseUrl: 'https://auth.example.com' });
 * const d = gate.decide(session, { aal: 'aal2', maxAge: '10m', returnTo: location.href });
 * if (d.url) location.assign(d.url);
 * ```
 *
 * @param {object} config `{ baseUrl, flow, allowedReturnUrls, kratos, leeway }`.
 * @returns {Promise<Gate>}
 * @throws {AalgateError} (as a rejection) with the field's code, e.g. `config.baseUrl`, for an
 *   invalid configuration, or `core.load` when the WebAssembly core cannot be loaded.
 */
export async function createGate(config) {
  // Serialised before any await: later changes to `config` do not leak into the gate.
  const configJson = configToJson(config);
  let core;
  try {
    core = await loadCore();
  } catch (cause) {
    throw new AalgateError('core.load', `the aalgate WebAssembly core could not be loaded: ${describe(cause)}`, {
      cause,
    });
  }
  const handle = callCore(() => new core.Gate());
  let answer;
  try {
    answer = callCore(() => handle.configure(configJson));
  } catch (error) {
    handle.delete();
    throw error;
  }
  if (!answer.ok) {
    handle.delete();
    throw coreError(answer);
  }
  return new Gate(constructing, handle);
}

function coreError(answer) {
  return new AalgateError(answer.code, `${answer.code} ${answer.message}`);
}

// The core reports bad input as values; anything thrown from it is a bug (an abort in Wasm).
function callCore(call) {
  try {
    return call();
  } catch (cause) {
    throw new AalgateError('core.failure', `the aalgate core failed: ${describe(cause)}`, { cause });
  }
}

function describe(error) {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}
