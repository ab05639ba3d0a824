// aalgate/worker's HTTP plumbing: which request is a navigation, which Response a decision
// becomes. The status itself is the core's (`httpStatus`, from `http_status`); no verdict or
// reason is named here.
import { AalgateError } from './errors.js';

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The weight an `Accept` header gives a media type (RFC 9110 §12.5.1): that of the most specific
 * range matching it (`type/subtype` over `type/*` over `*\/*`; the first of equals), 0 when none
 * does. Media-type parameters other than `q` are ignored; a range with a malformed `q` is skipped.
 * @param {string | null | undefined} accept the header's value
 * @param {string} mediaType lower-case `type/subtype`
 * @returns {number} 0 to 1
 */
export function acceptWeight(accept, mediaType) {
  if (typeof accept !== 'string') return 0;
  const [type, subtype] = mediaType.split('/');
  let best = 0; // specificity of the best match so far: 3 exact, 2 type/*, 1 */*
  let weight = 0;
  for (const element of accept.split(',')) {
    const [range, ...params] = element.split(';').map((part) => part.trim());
    const slash = range.indexOf('/');
    if (slash < 0) continue;
    const rangeType = range.slice(0, slash).toLowerCase();
    const rangeSubtype = range.slice(slash + 1).toLowerCase();
    if (!TOKEN.test(rangeType) || !TOKEN.test(rangeSubtype)) continue;
    let specificity = 0;
    if (rangeType === type && rangeSubtype === subtype) specificity = 3;
    else if (rangeType === type && rangeSubtype === '*') specificity = 2;
    else if (rangeType === '*' && rangeSubtype === '*') specificity = 1;
    if (specificity <= best) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const equals = param.indexOf('=');
      if (equals < 0 || param.slice(0, equals).trim().toLowerCase() !== 'q') continue;
      const value = param.slice(equals + 1).trim();
      valid = QVALUE.test(value);
      q = Number(value);
      break; // parameters after the weight are accept-ext
    }
    if (!valid) continue;
    best = specificity;
    weight = q;
  }
  return weight;
}

/**
 * Whether a request is a browser navigation, answered with a redirect rather than JSON:
 * `Sec-Fetch-Mode: navigate`, or an `Accept` that ranks `text/html` above `application/json`
 * (a tie, `*\/*` alone or no `Accept` at all is not one).
 * @param {{ get(name: string): string | null }} headers
 * @returns {boolean}
 */
export function isNavigation(headers) {
  if ((headers.get('sec-fetch-mode') ?? '').trim().toLowerCase() === 'navigate') return true;
  const accept = headers.get('accept');
  return acceptWeight(accept, 'text/html') > acceptWeight(accept, 'application/json');
}

// The statuses whose decisions send the user somewhere (login, step-up, refresh, enrolment).
const SENDS_THE_USER = new Set([401, 403]);

/**
 * The Response for a decision, or null when the request may go on (`httpStatus` 0). Every
 * Response carries `Cache-Control: no-store`. What the status is, is the core's
 * (`http_status`); here only its form:
 * - a navigation, a decision with a url and a status that sends the user somewhere (401, 403):
 *   303 to the url (a 503 is never a redirect);
 * - otherwise JSON `{ verdict, url, reason }` with the core's status (401, 403, 503), and the
 *   decision's RFC 9470 challenge as `WWW-Authenticate` when it has one. RFC 9110 asks every 401
 *   for a `WWW-Authenticate`: a 401 without a challenge gets `Bearer` alone.
 * @param {{ decision: { verdict: string, url: string | null, reason: string, challenge: string | null },
 *   httpStatus: number }} decided what the Gate's integration method gives
 * @param {boolean} navigation from {@link isNavigation}
 * @returns {Response | null}
 */
export function responseFor({ decision, httpStatus }, navigation) {
  if (httpStatus === 0) return null;
  const { verdict, url, reason, challenge } = decision;
  const headers = new Headers({ 'cache-control': 'no-store' });
  if (navigation && typeof url === 'string' && SENDS_THE_USER.has(httpStatus)) {
    headers.set('location', url);
    return new Response(null, { status: 303, headers });
  }
  headers.set('content-type', 'application/json');
  if (typeof challenge === 'string' && challenge !== '') headers.set('www-authenticate', challenge);
  else if (httpStatus === 401) headers.set('www-authenticate', 'Bearer');
  return new Response(JSON.stringify({ verdict, url, reason }), { status: httpStatus, headers });
}

/**
 * The Response for a request the core refused to decide (`request.url` past its limits: 8192
 * bytes before the query, 256 path segments; `request.method` not an HTTP token): the client's
 * doing, so the worker answers it (414 URI Too Long, 400 Bad Request) rather than throwing, and
 * the origin never sees it. JSON `{ error }` with the AalgateError's code, `Cache-Control:
 * no-store`; the URL is not echoed. null for any other error (rethrown by the caller).
 * @param {unknown} error what deciding threw
 * @returns {Response | null}
 */
export function refusedRequestResponse(error) {
  const code = error instanceof AalgateError ? error.code : undefined;
  if (code !== 'request.url' && code !== 'request.method') return null;
  return new Response(JSON.stringify({ error: code }), {
    status: code === 'request.url' ? 414 : 400,
    headers: { 'cache-control': 'no-store', 'content-type': 'application/json' },
  });
}
