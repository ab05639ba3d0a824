// Talking to Kratos, for aalgate/worker and aalgate/browser alike: where whoami is, which
// request headers are credentials, the request with its time limit, and Kratos's clock from its
// Date header. Transport only: what an answer means is the core's (js/index.js).
import { AalgateError } from './errors.js';
import { BODY_OVER_LIMIT } from './normalize.js';

/** The request headers forwarded to whoami: the credentials Kratos reads, nothing else. */
export const CREDENTIAL_HEADERS = Object.freeze(['cookie', 'authorization', 'x-session-token']);

/**
 * The whoami endpoint: `whoamiUrl` (the endpoint itself, e.g. Kratos as a worker reaches it
 * inside its network: `http://kratos.internal:4433/sessions/whoami`) when set, else
 * `{baseUrl}/sessions/whoami`. Either must be an absolute http(s) URL without userinfo, query or
 * fragment; trailing slashes are dropped.
 * @param {unknown} baseUrl the gate's baseUrl (already accepted by the core)
 * @param {unknown} whoamiUrl the `whoamiUrl` option, or undefined / null
 * @returns {string}
 * @throws {AalgateError} `config.whoamiUrl` (or `config.baseUrl`) when it is not such a URL
 */
export function whoamiEndpoint(baseUrl, whoamiUrl) {
  if (whoamiUrl !== undefined && whoamiUrl !== null) return checkedUrl(whoamiUrl, 'config.whoamiUrl');
  return `${checkedUrl(baseUrl, 'config.baseUrl')}/sessions/whoami`;
}

// The URL without trailing slashes, when it is absolute http(s) without userinfo, query, fragment.
function checkedUrl(value, code) {
  const refuse = () => new AalgateError(code, `${code} must be an absolute http(s) URL without userinfo, query or fragment`);
  if (typeof value !== 'string' || /[\s\\?#\u0000-\u001f\u007f]/.test(value)) throw refuse();
  let url;
  try {
    url = new URL(value);
  } catch {
    throw refuse();
  }
  const authority = value.slice(value.indexOf('//') + 2).split('/')[0];
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || authority.includes('@')) throw refuse();
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The credential headers a request carries, in {@link CREDENTIAL_HEADERS} order, lower-case
 * names; absent ones are left out (an empty value is kept: it was sent).
 * @param {{ get(name: string): string | null }} headers
 * @returns {[string, string][]}
 */
export function credentialsOf(headers) {
  const credentials = [];
  for (const name of CREDENTIAL_HEADERS) {
    const value = headers.get(name);
    if (value !== null) credentials.push([name, value]);
  }
  return credentials;
}

/**
 * GET whoami, within `timeoutMs` (headers and body) when given: `{ status, body, skewMs }` as
 * Kratos answered, or `{ failure: 'unreachable' | 'timeout' }` when no answer came (the core's
 * no-answer outcome: refused, reset, cut off mid-body, too slow). A redirect is an answer to
 * judge, never followed. The body is read as a stream and no further than `maxBodyBytes`: a
 * longer one is cancelled there and `body` is BODY_OVER_LIMIT (js/normalize.js), which the core
 * decides on (`body_too_large`).
 * @param {string} endpoint from {@link whoamiEndpoint}
 * @param {{ fetch: Function, maxBodyBytes: number, headers?: [string, string][],
 *   credentials?: RequestCredentials, timeoutMs?: number }} options `maxBodyBytes`: the gate's
 *   (`gate[INTERNAL].maxBodyBytes`); `headers`: the credentials to forward (worker);
 *   `credentials`: the fetch mode (browser: 'include')
 * @returns {Promise<{ status: number, body: string | object, skewMs: number } | { failure: string }>}
 */
export async function askWhoami(endpoint, { fetch: fetchFn, maxBodyBytes, headers = [], credentials, timeoutMs }) {
  const controller = new AbortController();
  let timedOut = false;
  let timer;
  const deadline = new Promise((_, reject) => {
    if (timeoutMs === undefined) return;
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new Error('whoami timed out'));
    }, timeoutMs);
  });
  deadline.catch(() => {});
  try {
    const init = {
      method: 'GET',
      headers: new Headers([['accept', 'application/json'], ...headers]),
      redirect: 'manual',
      signal: controller.signal,
    };
    if (credentials !== undefined) init.credentials = credentials;
    const response = await Promise.race([fetchFn(endpoint, init), deadline]);
    const body = await readBody(response, maxBodyBytes, deadline);
    return { status: response.status, body, skewMs: clockSkew(response.headers.get('date')) };
  } catch (cause) {
    if (cause instanceof AalgateError) throw cause;
    return { failure: timedOut ? 'timeout' : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The body of a fetch Response as text (UTF-8, as `text()` reads it), read as a stream and no
 * further than `maxBytes` bytes: past them the rest is cancelled (neither downloaded nor kept)
 * and the answer is BODY_OVER_LIMIT. A Response-like without a stream is read with `text()`
 * (js/call.js still measures it before it crosses). Rejects when the body breaks off or
 * `deadline` rejects first.
 * @param {{ body?: ReadableStream | null, text(): Promise<string> }} response
 * @param {number} maxBytes
 * @param {Promise<never>} [deadline]
 * @returns {Promise<string | object>}
 */
export async function readBody(response, maxBytes, deadline = NEVER) {
  if (!(maxBytes >= 0)) throw new AalgateError('maxBodyBytes', 'readBody needs the gate\'s maxBodyBytes');
  const stream = response.body;
  if (stream === null) return '';
  if (typeof stream?.getReader !== 'function') return Promise.race([response.text(), deadline]);
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let bytes = 0;
  let text = '';
  for (;;) {
    const { done, value } = await Promise.race([reader.read(), deadline]);
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      reader.cancel().catch(() => {});
      return BODY_OVER_LIMIT;
    }
    text += decoder.decode(value, { stream: true });
  }
}

const NEVER = new Promise(() => {});

/**
 * How far Kratos's clock may be taken to be behind this machine's: a `Date` further in the past
 * is taken as this far behind (DESIGN.md, "Kratos's clock").
 */
export const MOST_CLOCK_BEHIND_MS = 60_000;

/**
 * Kratos's clock minus this machine's, from an answer's `Date` header: ages are measured on the
 * clock that wrote the session's times (0 when absent or unreadable). The header has whole
 * seconds: taken as the end of its second, so ages and expiry can only err on the strict side.
 * A clock ahead is taken as it is: ages grow, which can only refuse more (Kratos's clock moved on,
 * as the emulator's does in the tests). A clock behind makes ages shrink, the side of a wrong
 * allow, and a `Date` hours in the past is what a stale cache or a proxy with a wrong clock would
 * send: taken at most {@link MOST_CLOCK_BEHIND_MS} behind.
 * @param {string | null} date the header's value
 * @returns {number} milliseconds
 */
export function clockSkew(date) {
  const served = Date.parse(date ?? '');
  return Number.isFinite(served) ? Math.max(served + 999 - Date.now(), -MOST_CLOCK_BEHIND_MS) : 0;
}
