// The core instance every Gate of this process (page, isolate) uses, and its replacement after a
// failure inside it. A trap or an abort in the WebAssembly module (a bug, memory exhausted)
// leaves its memory in an unknown state: it is never called again. A new instance of the same
// compiled module takes its place, synchronously where the runtime allows it, and each Gate
// configures itself on it again at its next call (js/index.js).
import { AalgateError } from './errors.js';
import { renewCore } from './loader/instantiate.js';

export class CoreHost {
  /** The instance calls go to; null while a replacement is being made. @type {object | null} */
  core;
  /** Counts replacements: a Gate made on an older generation configures itself again. */
  generation = 0;
  #renewing = null;

  /** @param {object} core the loaded Emscripten module */
  constructor(core) {
    this.core = core;
  }

  /**
   * Drops the current instance (it failed) and puts a new one in its place: at once where the
   * runtime instantiates synchronously, else when the promise settles (until then `core` is
   * null and calls answer `core_failure`).
   */
  replace() {
    const failed = this.core;
    this.generation += 1;
    this.core = null;
    if (failed !== null) this.#renew(failed);
  }

  /** Resolves once an instance is in place (createGate waits on it). @returns {Promise<object>} */
  async ready() {
    this.retry();
    if (this.core === null && this.#renewing !== null) await this.#renewing;
    if (this.core === null) throw new Error('the aalgate core could not be instantiated again');
    return this.core;
  }

  #renew(from) {
    let made;
    try {
      made = renewCore(from);
    } catch {
      made = Promise.reject(new Error('the aalgate core could not be instantiated again'));
    }
    if (typeof made.then !== 'function') {
      this.core = made;
      return;
    }
    const generation = this.generation;
    this.#renewing = made.then(
      (core) => {
        this.#renewing = null;
        if (this.generation === generation) this.core = core;
      },
      () => {
        // Not made: the next failure report (or createGate) tries again from the same origin.
        this.#renewing = null;
        this.#origin = from;
      },
    );
  }

  #origin = null;

  /** After a failed renewal: try again (calls answer core_failure meanwhile). */
  retry() {
    if (this.core === null && this.#renewing === null && this.#origin !== null) {
      const from = this.#origin;
      this.#origin = null;
      this.#renew(from);
    }
  }
}

/** A failure inside the module (a trap, an abort, an Embind error): never an AalgateError. */
export class CoreFault extends Error {
  /** @param {unknown} cause what the module threw */
  constructor(cause) {
    super(`the aalgate core failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CoreFault';
  }
}

/**
 * Calls into the module: anything it throws becomes a CoreFault (an AalgateError the core
 * answered with goes through as it is).
 * @template T
 * @param {() => T} call
 * @returns {T}
 */
export function inModule(call) {
  try {
    return call();
  } catch (cause) {
    if (cause instanceof CoreFault || cause instanceof AalgateError) throw cause;
    throw new CoreFault(cause);
  }
}

// One host per loaded core (the loaders load it once per process).
const hosts = new WeakMap();

/**
 * The host of a loaded core.
 * @param {object} core what loadCore resolved to
 * @returns {CoreHost}
 */
export function hostOf(core) {
  let host = hosts.get(core);
  if (host === undefined) {
    host = new CoreHost(core);
    hosts.set(core, host);
  }
  return host;
}
