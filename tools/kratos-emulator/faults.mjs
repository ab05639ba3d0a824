// Fault injection (not Kratos): GET /sessions/whoami answers slowly, with a 500 or a 502 HTML
// page, with a body that is not JSON or not a Session, a session answer cut short (truncated, or
// the connection reset mid-body) or padded to megabytes, or with a Date header off the emulator's
// clock, so that clients' timeouts, size limits and error paths can be tested. Other endpoints
// are not affected. Modes and defaults: README.md, "Faults".
import * as K from './kratos.mjs';
import { send, sendError } from './http.mjs';

const MODES = ['none', 'slow', 'status500', 'status502html', 'garbage', 'notsession', 'truncated', 'reset', 'huge'];
// Modes that act on whoami's own 200 session answer (faulty delivery of a real session).
const BODY_MODES = ['truncated', 'reset', 'huge'];
const SLOW_DEFAULT_MS = 5000;
const HUGE_DEFAULT_BYTES = 16 * 1024 * 1024;

/** A 502 as a proxy in front of Kratos answers it: an HTML page. */
export const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
/** A 200 JSON body that is not a Session: an identity, as a misrouted request could get. */
export const NOT_A_SESSION = {
  id: 'a1b2c3d4-0000-4000-8000-0000000000aa',
  schema_id: 'default',
  state: 'active',
  traits: { email: 'user@example.com' },
};

export function createFaults() {
  let fault = { mode: 'none' };
  let closed = false;
  const sleepers = new Set();
  // The bytes of the last `huge` answer handed to the socket (the reader's pace bounds it).
  let sentBytes = 0;

  /**
   * Sets the fault (`{ mode, delayMs, dateOffsetMs, sizeBytes }`, each optional); returns it as
   * view() does.
   */
  function set(f = {}) {
    const mode = f?.mode ?? 'none';
    if (!MODES.includes(mode)) throw new TypeError(`unknown fault mode: ${mode}`);
    const number = (name, check, message) => {
      const value = f?.[name];
      if (value === undefined || value === null) return undefined;
      const n = Number(value);
      if (!check(n)) throw new TypeError(message);
      return n;
    };
    const delayMs = number('delayMs', (n) => n >= 0, 'delayMs must be a number ≥ 0');
    const dateOffsetMs = number('dateOffsetMs', Number.isFinite, 'dateOffsetMs must be a finite number');
    const sizeBytes = number('sizeBytes', (n) => Number.isInteger(n) && n > 0, 'sizeBytes must be a whole number > 0');
    fault = { mode, delayMs, dateOffsetMs, sizeBytes };
    return view();
  }
  /** The fault in force, with its defaults filled in. */
  const view = () => ({
    mode: fault.mode,
    delayMs: fault.delayMs ?? (fault.mode === 'slow' ? SLOW_DEFAULT_MS : 0),
    dateOffsetMs: fault.dateOffsetMs ?? 0,
    sizeBytes: fault.sizeBytes ?? (fault.mode === 'huge' ? HUGE_DEFAULT_BYTES : 0),
  });
  function reset() {
    fault = { mode: 'none' };
  }

  function sleep(ms) {
    return new Promise((resolve) => {
      const s = { resolve, timer: setTimeout(() => (sleepers.delete(s), resolve()), ms) };
      sleepers.add(s);
    });
  }

  /**
   * Applies the fault to a whoami request: waits its delay, dates the answer off the clock when
   * asked, then answers for the faults that replace the answer. True when the request is
   * answered (or dropped: the client left or the emulator is closing); false when whoami answers
   * as usual (through {@link sendSession} for a session).
   */
  async function answered(req, res) {
    const { mode, delayMs, dateOffsetMs } = view();
    if (delayMs > 0) await sleep(delayMs);
    if (res.destroyed || closed) return true;
    if (dateOffsetMs !== 0) {
      // The emulator.mjs Date header moved: what a proxy with a wrong clock, or a stale cache,
      // would send. The session's own times stay on the emulator's clock.
      const date = Date.parse(res.getHeader('Date'));
      res.setHeader('Date', new Date(date + dateOffsetMs).toUTCString());
    }
    if (mode === 'status500') {
      sendError(req, res, K.errors.internal());
      return true;
    }
    if (mode === 'status502html') {
      res.writeHead(502, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(BAD_GATEWAY_HTML) });
      res.end(BAD_GATEWAY_HTML);
      return true;
    }
    if (mode === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end('<html>this is not a session {"id":');
      return true;
    }
    if (mode === 'notsession') {
      send(res, 200, NOT_A_SESSION);
      return true;
    }
    return false;
  }

  /**
   * Sends whoami's 200 session answer, as the fault in force delivers it: cut short after half
   * of its bytes with the Content-Length of the whole and the connection closed (`truncated`),
   * half of it chunked and then the connection reset (`reset`, a TCP RST), or padded with a
   * `padding` member to `sizeBytes` (`huge`, default 16 MiB, sent in 64 KiB writes).
   */
  function sendSession(res, body, headers) {
    const { mode, sizeBytes } = view();
    if (!BODY_MODES.includes(mode)) return send(res, 200, body, headers);
    const type = { 'Content-Type': 'application/json; charset=utf-8', ...headers };
    if (mode === 'huge') {
      const text = K.goJson({ ...body, padding: '' });
      const at = text.lastIndexOf('"padding":""') + '"padding":"'.length;
      const [head, tail] = [Buffer.from(text.slice(0, at)), Buffer.from(text.slice(at))];
      const fill = Math.max(sizeBytes - head.length - tail.length, 0);
      res.writeHead(200, { ...type, 'Content-Length': head.length + fill + tail.length });
      sentBytes = head.length;
      res.write(head);
      const chunk = Buffer.alloc(65536, 'x');
      let left = fill;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          sentBytes += piece.length;
          if (!res.write(piece)) return res.once('drain', pump);
        }
        if (!res.destroyed) res.end(tail);
      };
      res.on('close', () => (left = 0));
      return pump();
    }
    const bytes = Buffer.from(K.goJson(body));
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    if (mode === 'truncated') {
      res.writeHead(200, { ...type, 'Content-Length': bytes.length });
      return res.write(half, () => res.socket?.end());
    }
    res.writeHead(200, type); // chunked
    return res.write(half, () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
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

  /** What the faults did: `sentBytes`, the bytes of the last `huge` answer written out. */
  const stats = () => ({ sentBytes });

  return { set, view, reset, answered, sendSession, stats, close };
}
