// Fault injection (not Kratos): GET /sessions/whoami answers slowly, with a 500, or with a body that
// is not JSON, so that clients' timeouts and error paths can be tested. Other endpoints are not
// affected. Modes and defaults: README.md, "Faults".
import * as K from './kratos.mjs';
import { sendError } from './http.mjs';

const MODES = ['none', 'slow', 'status500', 'garbage'];
const SLOW_DEFAULT_MS = 5000;

export function createFaults() {
  let fault = { mode: 'none', delayMs: 0 };
  let closed = false;
  const sleepers = new Set();

  /** Sets the fault (`{ mode, delayMs }`, both optional); returns it as view() does. */
  function set(f = {}) {
    const mode = f?.mode ?? 'none';
    if (!MODES.includes(mode)) throw new TypeError(`unknown fault mode: ${mode}`);
    const delayMs = f?.delayMs === undefined || f?.delayMs === null ? undefined : Number(f.delayMs);
    if (delayMs !== undefined && !(delayMs >= 0)) throw new TypeError('delayMs must be a number ≥ 0');
    fault = { mode, delayMs };
    return { mode, delayMs: delayMs ?? (mode === 'slow' ? SLOW_DEFAULT_MS : 0) };
  }
  /** The fault in force, with its delay (the default of `slow` filled in). */
  const view = () => ({ mode: fault.mode, delayMs: fault.delayMs ?? (fault.mode === 'slow' ? SLOW_DEFAULT_MS : 0) });
  function reset() {
    fault = { mode: 'none', delayMs: 0 };
  }

  function sleep(ms) {
    return new Promise((resolve) => {
      const s = { resolve, timer: setTimeout(() => (sleepers.delete(s), resolve()), ms) };
      sleepers.add(s);
    });
  }

  /**
   * Applies the fault to a whoami request: waits its delay, then answers for the faults that
   * replace the answer. True when the request is answered (or dropped: the client left or the
   * emulator is closing); false when whoami answers as usual.
   */
  async function answered(req, res) {
    const { mode, delayMs } = fault;
    const delay = delayMs ?? (mode === 'slow' ? SLOW_DEFAULT_MS : 0);
    if (delay > 0) await sleep(delay);
    if (res.destroyed || closed) return true;
    if (mode === 'status500') {
      sendError(req, res, K.errors.internal());
      return true;
    }
    if (mode === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end('<html>this is not a session {"id":');
      return true;
    }
    return false;
  }

  /** Ends pending delays at once; delayed requests are then dropped. */
  function close() {
    closed = true;
    for (const s of sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    sleepers.clear();
  }

  return { set, view, reset, answered, close };
}
