// Kratos rules the emulator needs, without HTTP: Go-style JSON and URL encoding, the error bodies
// (tests/fixtures/kratos/derived-*.json), the UI messages and input nodes of flows, the session AAL
// rule, return_to validation (x/redir) and Go durations. Each rule names the Kratos file
// (github.com/ory/kratos) and function it mirrors.

import { classifyOrigin, isUnsafeWildcard } from './publicsuffix.mjs';

// ---- encodings -------------------------------------------------------------------------------

/** Go encoding/json output: compact, `&<>` and U+2028/9 escaped, trailing newline. */
export function goJson(value) {
  return (
    JSON.stringify(value).replace(/[&<>\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) +
    '\n'
  );
}

/** Go url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay; space is `+`. */
export function goQueryEscape(s) {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go url.Values.Encode: keys sorted. */
export function goQuery(values) {
  return Object.keys(values)
    .filter((k) => values[k] !== undefined && values[k] !== null)
    .sort()
    .map((k) => `${goQueryEscape(k)}=${goQueryEscape(String(values[k]))}`)
    .join('&');
}

/** Go time.Time JSON (RFC 3339 with trailing zeros of the fraction dropped), UTC. */
export function goTime(ms) {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, d) => (d ? `.${d}Z` : 'Z'));
}

/** Go strconv.Quote, enough for URLs in reasons. */
export function goQuote(s) {
  const esc = { '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  return `"${s.replace(/["\\\x00-\x1f\x7f]/g, (c) => esc[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/**
 * Go strconv.ParseBool: true, false, or null for a parse error. Kratos reads `refresh` with it and
 * drops the error (selfservice/flow/login/flow.go NewFlow: `refresh, _ := strconv.ParseBool(...)`),
 * so null means false there.
 */
export function parseBool(s) {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/**
 * A duration as Kratos's config schema accepts it (embedx/config.schema.json:
 * `^([0-9]+(ns|us|ms|s|m|h))+$`, so `0s` yes, `1.5h` and a bare `0` no), or a number of ms → ms.
 */
export function parseDuration(d) {
  if (typeof d === 'number' && Number.isFinite(d) && d >= 0) return d;
  const unit = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  if (!/^(?:[0-9]+(?:ns|us|ms|s|m|h))+$/.test(String(d))) throw new TypeError(`not a Kratos duration: ${d}`);
  let ms = 0;
  for (const [, n, u] of String(d).matchAll(/([0-9]+)(ns|us|ms|s|m|h)/g)) ms += Number(n) * unit[u];
  return ms;
}

// ---- content negotiation (golang/gddo httputil.NegotiateContentType, as Kratos uses it) ---------

export function negotiate(accept, offers = ['text/html', 'application/json'], fallback = 'text/html') {
  const specs = String(accept ?? '')
    .split(',')
    .map((part) => {
      const [value, ...params] = part.split(';').map((s) => s.trim());
      let q = 1;
      for (const p of params) {
        const [k, v] = p.split('=').map((s) => s.trim());
        if (k.toLowerCase() === 'q') q = Number(v);
      }
      return { value: value.toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((s) => s.value !== '');
  let best = fallback;
  let bestQ = -1;
  let bestWild = 3;
  for (const offer of offers) {
    for (const { value, q } of specs) {
      if (q === 0 || q < bestQ) continue;
      if (value === '*/*') {
        if (q > bestQ || bestWild > 2) [bestQ, bestWild, best] = [q, 2, offer];
      } else if (value.endsWith('/*')) {
        if (offer.startsWith(value.slice(0, -1)) && (q > bestQ || bestWild > 1)) [bestQ, bestWild, best] = [q, 1, offer];
      } else if (value === offer && (q > bestQ || bestWild > 0)) {
        [bestQ, bestWild, best] = [q, 0, offer];
      }
    }
  }
  return best;
}

/** Kratos x.IsJSONRequest: Accept negotiates to JSON, or the body is JSON. */
export function isJsonRequest(headers) {
  return (
    negotiate(headers.accept) === 'application/json' ||
    String(headers['content-type'] ?? '').toLowerCase().startsWith('application/json')
  );
}

// ---- errors ----------------------------------------------------------------------------------

const STATUS = {
  400: ['Bad Request', 'The request was malformed or contained invalid parameters'],
  401: ['Unauthorized', 'The request could not be authorized'],
  403: ['Forbidden', 'The requested action was forbidden'],
  404: ['Not Found', 'The requested resource could not be found'],
  // x/nosurfx/nosurf.go ErrGone
  410: ['Gone', 'The requested resource is no longer available because it has expired or is otherwise invalid.'],
  422: ['Unprocessable Entity', 'The request was well-formed but was unable to be followed due to semantic errors'],
  500: ['Internal Server Error', 'An internal server error occurred, please contact the system administrator'],
};

/**
 * A Kratos error. `enhanced` errors (EnhanceJSONError types) never carry `request`; the others get
 * `"request":"<X-Request-ID>"` between status and reason when the request had that header.
 */
function kerr(code, { id, reason, details, message, redirect, extra, enhanced = false }) {
  return { code, id, reason, details, message: message ?? STATUS[code][1], redirect, extra, enhanced };
}

/** The body Kratos writes for an error, field order as herodot's DefaultError. */
export function errorBody(e, requestId) {
  const error = {};
  if (e.id) error.id = e.id;
  error.code = e.code;
  error.status = STATUS[e.code][0];
  if (requestId && !e.enhanced) error.request = requestId;
  if (e.reason) error.reason = e.reason;
  if (e.details) error.details = e.details;
  error.message = e.message;
  const body = { error };
  if (e.redirect) body.redirect_browser_to = e.redirect;
  return Object.assign(body, e.extra);
}

export const errors = {
  // x/redir/secure_redirect.go SecureRedirectTo
  returnToForbidden: (url) =>
    kerr(400, { id: 'self_service_flow_return_to_forbidden', reason: `Requested return_to URL ${goQuote(url)} is not allowed.` }),
  returnToUnparsable: (raw) =>
    kerr(400, { reason: `Unable to parse the return_to query parameter as an URL: parse ${goQuote(raw)}: invalid URL` }),
  // selfservice/flow/login/handler.go NewLoginFlow (stringsx.SwitchExact ToUnknownCaseErr)
  invalidAal: (got) =>
    kerr(400, { reason: `Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got ${got}` }),
  // selfservice/flow/login/error.go ErrSessionRequiredForHigherAAL
  aal1Required: () =>
    kerr(401, {
      id: 'session_aal1_required',
      reason: 'You can not requested a higher AAL (AAL2/AAL3) without an active session.',
      message: 'aal2 and aal3 can only be requested if a session exists already',
    }),
  // selfservice/flow/login/error.go ErrAlreadyLoggedIn
  alreadyAvailable: () =>
    kerr(400, {
      id: 'session_already_available',
      reason: 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?',
      message: 'you are already logged in',
    }),
  // session/handler.go whoami (ErrNoSessionFound)
  noSession: () => kerr(401, { reason: 'No valid session credentials found in the request.' }),
  // session/manager_http.go DoesSessionSatisfy (NewErrAALNotSatisfied)
  aal2Required: (redirect) =>
    kerr(403, {
      id: 'session_aal2_required',
      reason:
        'An active session was found but it does not fulfill the requested Authenticator Assurance Level. Please verify yourself with a second factor to resolve this issue.',
      details: { redirect_browser_to: redirect },
      message: 'Session does not fulfill the requested Authenticator Assurance Level',
      redirect,
      enhanced: true,
    }),
  // selfservice/flow/settings/error.go NewFlowNeedsReAuth (+ reauthenticate sets the redirect)
  refreshRequired: (redirect) =>
    kerr(403, {
      id: 'session_refresh_required',
      reason: 'The login session is too old and thus not allowed to update these fields. Please re-authenticate.',
      redirect,
      enhanced: true,
    }),
  // session/errors.go NewErrNoActiveSessionFound, written as is (settings browser init)
  sessionInactiveUnwrapped: () =>
    kerr(401, {
      id: 'session_inactive',
      reason: 'No active session was found in this request.',
      message: 'request does not have a valid authentication session',
      extra: { CredentialsMissing: false },
      enhanced: true,
    }),
  // session/handler.go IsAuthenticated (no onUnauthenticated handler: settings API init)
  sessionInactive: () =>
    kerr(401, {
      id: 'session_inactive',
      reason: 'This endpoint can only be accessed with a valid session. Please log in and try again.',
      message: 'request does not have a valid authentication session',
    }),
  // selfservice/flow/settings/strategy_helper.go OnUnauthenticated: a plain 401, no error id
  settingsUnauthenticated: () => kerr(401, { reason: 'A valid Ory Session Cookie or Ory Session Token is missing.' }),
  // selfservice/flow/error.go NewBrowserLocationChangeRequiredError
  browserLocationChange: (redirect) =>
    kerr(422, {
      id: 'browser_location_change_required',
      reason: `In order to complete this flow please redirect the browser to: ${redirect}`,
      message: 'browser location change required',
      redirect,
      enhanced: true,
    }),
  /**
   * selfservice/flow/error.go NewFlowExpiredError + ExpiredError.WithFlow: an EnhanceJSONError
   * type, so the body is the struct itself: `error`, then top-level `expired_at`, `since` (a Go
   * time.Duration: nanoseconds) and `use_flow_id` (the replacement flow).
   */
  flowExpired: (expiredAtMs, nowMs, useFlowId) => {
    const ago = nowMs - expiredAtMs;
    return kerr(410, {
      id: 'self_service_flow_expired',
      reason: `The self-service flow expired ${(ago / 60_000).toFixed(2)} minutes ago, initialize a new one.`,
      message: 'self-service flow expired',
      extra: { expired_at: goTime(expiredAtMs), since: Math.round(ago * 1e6), use_flow_id: useFlowId },
      enhanced: true,
    });
  },
  // selfservice/flow/{login,settings}/handler.go get{Login,Settings}Flow, expired flows
  flowGone: ({ id, reason, details }) => kerr(410, { id, reason, details }),
  // selfservice/flow/settings/flow.go Valid (submit) / handler.go getSettingsFlow (fetch)
  identityMismatch: (reason = 'The request was initiated by someone else and has been blocked for security reasons. Please go back and try again.') =>
    kerr(403, { id: 'security_identity_mismatch', reason }),
  // selfservice/flow/{login,settings} GetFlowID
  flowIdMissing: () => kerr(400, { reason: 'The flow query parameter is missing or malformed.' }),
  notFound: (reason) => kerr(404, { reason }),
  badRequest: (reason) => kerr(400, { reason }),
  internal: () => kerr(500, {}),
  // herodot ToDefaultError of a plain Go error (not a herodot one): a 500 whose message is the
  // error's text (e.g. oryx/fetcher/fetcher.go's for a claims mapper it cannot read).
  internalMessage: (message) => kerr(500, { message }),
  // herodot ErrMisconfiguration (error_defaults.go), with a reason
  misconfiguration: (reason) => kerr(500, { id: 'invalid_configuration', reason, message: 'Invalid configuration' }),
};

// ---- flow UI: messages and input nodes ----------------------------------------------------------

// text/*.go messages
export const messages = {
  invalidCredentials: {
    id: 4000006,
    text: 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
    type: 'error',
  },
  invalidTotp: { id: 4000008, text: 'The provided authentication code is invalid, please try again.', type: 'error' },
  noStrategy: { id: 4010002, text: 'Could not find a strategy to log you in with. Did you fill out the form correctly?', type: 'error' },
  noSettingsStrategy: { id: 4010004, text: 'Could not find a strategy to update your settings. Did you fill out the form correctly?', type: 'error' },
  saved: { id: 1050001, text: 'Your changes have been saved!', type: 'success' },
  reAuth: { id: 1010003, text: 'Please confirm this action by verifying that it is you.', type: 'info' },
  mfa: { id: 1010004, text: 'Please complete the second authentication challenge.', type: 'info' },
  generic: (reason) => ({ id: 4000001, text: reason, type: 'error', context: { reason } }),
  required: (property) => ({ id: 4000002, text: `Property ${property} is missing.`, type: 'error', context: { property } }),
  expired: (kind, id, expiredAt, now) => ({
    id,
    text: `The ${kind} flow expired ${((now - expiredAt) / 60_000).toFixed(2)} minutes ago, please try again.`,
    type: 'error',
    context: { expired_at: goTime(expiredAt), expired_at_unix: Math.floor(expiredAt / 1000) },
  }),
};

/** An input node of a flow's `ui.nodes` (ui/node); `label` is [id, text, context?]. */
export const inputNode = (group, name, type, value, label) => ({
  type: 'input',
  group,
  attributes: { name, type, ...(value !== undefined ? { value } : {}), ...(label && type !== 'submit' ? { required: true } : {}), disabled: false, node_type: 'input' },
  messages: [],
  meta: label ? { label: { id: label[0], text: label[1], type: 'info', ...(label[2] ? { context: label[2] } : {}) } } : {},
});

// ---- sessions --------------------------------------------------------------------------------

/**
 * The level a method is RECORDED with when a login completes (the strategies'
 * CompletedAuthenticationMethod): totp, lookup_secret, webauthn (not passwordless) → aal2;
 * password, oidc/saml without upstream MFA, anything else → aal1. Used for createSession's string
 * shorthand only; the session's level is sessionAal below.
 */
const AAL2_METHODS = new Set(['totp', 'lookup_secret', 'webauthn']);
export const loginAal = (method) => (AAL2_METHODS.has(method) ? 'aal2' : 'aal1');

/**
 * session/session.go SetAuthenticatorAssuranceLevel: no methods → aal0; a method counts only by
 * its `aal` (no fallback on its name); an oidc or saml entry at aal2 counts as aal1 and aal2
 * (upstream MFA), wherever it stands; aal1 and aal2 together → aal2; everything else → aal1.
 */
export function sessionAal(methods) {
  if (methods.length === 0) return 'aal0';
  let aal1 = false;
  let aal2 = false;
  for (const m of methods) {
    if (m.aal === 'aal1') aal1 = true;
    else if (m.aal === 'aal2') {
      aal2 = true;
      if (m.method === 'oidc' || m.method === 'saml') aal1 = true;
    }
  }
  return aal1 && aal2 ? 'aal2' : 'aal1';
}

/**
 * identity/identity.go SetAvailableAAL: a second factor (totp) → aal2, else a first factor
 * (password, oidc) → aal1, else aal0.
 */
export function availableAal(identity) {
  if (identity.totp) return 'aal2';
  if (identity.password || identity.oidc) return 'aal1';
  return 'aal0';
}

// ---- return_to (Kratos x/redir) ----------------------------------------------------------------

/** Go url.Parse, the parts x/redir looks at; null when Go would refuse the URL. */
export function goParseUrl(raw) {
  if (/[\x00-\x1f\x7f]/.test(raw)) return null;
  let rest = raw.split('#')[0];
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (/^[^/?]*:/.test(rest)) return null; // "first path segment in URL cannot contain colon"
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let host = '';
  let hasAuthority = false;
  if (rest.startsWith('//')) {
    hasAuthority = true;
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    if (/[\s<>"{}|\\^`]/.test(host)) return null;
  } else if (scheme && !rest.startsWith('/')) {
    rest = ''; // opaque URL (`mailto:x`): no path
  }
  let path;
  try {
    path = decodeURIComponent(rest); // url.URL.Path is the decoded path
  } catch {
    return null;
  }
  return { scheme, host, path, hasAuthority };
}

/**
 * driver/config/config.go SelfServiceBrowserAllowedReturnToDomains: every entry is read with Go
 * url.ParseRequestURI (unparsable ones are ignored) and an entry whose host is an unsafe wildcard
 * (oryx/corsx/check_origin.go ClassifyOrigin: bare `*`, dot-less `*foo.com`, trailing `www.ory.*`,
 * or a base that is a public suffix: `*.com`, `*.co.uk`, `*.vercel.app`) is dropped with a
 * warning, not an error. Entries without a scheme or host are dropped too: SecureRedirectTo could
 * never match them. `psl` null (no list): every wildcard is unsafe.
 * @returns {{ allowList: object[], dropped: string[] }}
 */
export function compileAllowList(urls, psl) {
  const allowList = [];
  const dropped = [];
  for (const u of urls ?? []) {
    const raw = String(u);
    if (raw === '') continue;
    const p = goParseUrl(raw);
    if (!p || !p.scheme || !p.host) {
      dropped.push(raw);
      continue;
    }
    if (isUnsafeWildcard(classifyOrigin(p.host, psl))) {
      dropped.push(raw);
      continue;
    }
    allowList.push(p);
  }
  return { allowList, dropped };
}

/**
 * x/redir/secure_redirect.go SecureRedirectToIsAllowedHost: an entry whose host starts with `*`
 * matches any host ending in the rest (`.example.com`); else the hosts (with their ports) are
 * equal; case-insensitively either way.
 */
function hostAllowed(host, allowed) {
  if (allowed.host.startsWith('*')) return host.toLowerCase().endsWith(allowed.host.slice(1).toLowerCase());
  return host.toLowerCase() === allowed.host.toLowerCase();
}

/**
 * x/redir/secure_redirect.go SecureRedirectTo for a `return_to` value. A relative value takes its
 * scheme and host from `defaultReturnUrl` (selfservice.default_browser_return_url); the allow-list
 * is the configured entries plus `<public>/self-service`; scheme compared case-insensitively (any
 * scheme), host as above, the entry's path (or `/`) a prefix of the decoded path (or `/`).
 * Returns { url } (the absolute URL to send the browser to, null when no return_to was given) or
 * { error }.
 */
export function checkReturnTo(raw, { defaultReturnUrl, allowList, publicUrl }) {
  if (raw === null || raw === undefined || raw === '') return { url: null };
  const p = goParseUrl(raw);
  if (!p) return { error: errors.returnToUnparsable(raw) };
  const def = goParseUrl(defaultReturnUrl);
  const scheme = p.scheme || def.scheme;
  const host = p.host || def.host;
  let url = raw;
  if (!p.scheme || !p.host) {
    const tail = raw.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:/, '').replace(/^\/\/[^/?#]*/, '');
    url = `${scheme}://${host}${tail.startsWith('/') || tail === '' ? '' : '/'}${tail}`;
  }
  const entries = [...allowList, goParseUrl(`${publicUrl}/self-service`)];
  const path = p.path || '/';
  const ok = entries.some(
    (a) => a.scheme.toLowerCase() === scheme.toLowerCase() && hostAllowed(host, a) && path.startsWith(a.path || '/'),
  );
  return ok ? { url } : { error: errors.returnToForbidden(url) };
}
