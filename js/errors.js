/**
 * The one error class aalgate throws.
 *
 * `code` is stable and machine-readable: the path of the offending field for invalid input
 * (`config.baseUrl`, `requirement.maxAge`, `config` when the value itself is not an object),
 * `gate.disposed` for a call on a disposed Gate, `gate.constructor` for `new Gate()` (use
 * `createGate`), `core.load` when the WebAssembly core could not be loaded and `core.failure`
 * when it failed while running (a bug: please report it).
 *
 * @example
 * ```js
 * try {
 *   gate.decide(session, { aal: 'aal7' });
 * } catch (err) {
 *   if (err instanceof AalgateError && err.code === 'requirement.aal') { … }
 * }
 * ```
 */
export class AalgateError extends Error {
  /**
   * @param {string} code Stable error code, e.g. `requirement.aal`.
   * @param {string} message What is wrong, for people.
   * @param {{ cause?: unknown }} [options] The underlying error, when there is one.
   */
  constructor(code, message, options) {
    super(message, options);
    /** Stable, machine-readable error code, e.g. `config.baseUrl`. @type {string} */
    this.code = code;
  }
}

Object.defineProperty(AalgateError.prototype, 'name', {
  value: 'AalgateError',
  writable: true,
  enumerable: false,
  configurable: true,
});
