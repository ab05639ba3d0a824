// aalgate/browser: step-up authentication for single-page apps: fetch → location. whoami is
// asked through js/kratos.js with the page's cookies; the core decides and builds the URL, and
// says which URLs from a server's answer are Kratos's own. This module only talks to fetch and
// location. With `tokenizeAs`, it also holds Kratos's session JWT (whoami?tokenize_as=, verified
// by js/tokens.js, loaded only then) in memory and attaches it to the app's API calls.
import { AalgateError, createGate } from './index.js';
import { askWhoami, readBody, whoamiEndpoint } from './kratos.js';
import { INTERNAL } from './marshal.js';
import { gateWithVerifier, verifierOptions, verifyToken } from './token-transport.js';

export { AalgateError };

/**
 * Creates a gate for a single-page app: `require` checks the session before an operation and
 * `fetch` follows an API's step-up answers.
 *
 * @example
 * ```js
 * import { createBrowserGate } from 'aalgate/browser';
 * const gate = await createBrowserGate({ baseUrl: 'https://auth.example.com' });
 * const d = await gate.require({ aal: 'aal2', maxAge: '10m' }); // never settles once it redirects
 * if (d.verdict !== 'allow') return; // an error: show it
 * const res = await gate.fetch('/api/billing/pay', { method: 'POST' });
 * ```
 *
 * @param {object} options the gate configuration of `createGate` (`baseUrl`, `flow`,
 *   `allowedReturnUrls`, `kratos`, `leeway`, `policy`) plus `whoamiUrl` (absolute http(s),
 *   default `{baseUrl}/sessions/whoami`), `fetch` (default `globalThis.fetch`, looked up at
 *   call time), `location` (`{ href, assign(url) }`, default `globalThis.location`), `timeoutMs`
 *   (how long whoami may take, default 10000; past it the decision is kratos_timeout's), and
 *   `tokenizeAs` (a Kratos tokenizer template) with `tokens` (`{ jwks, issuer, leeway?,
 *   jwksTtlMs?, maxTokenAge?, origins?, renewBeforeMs? }`): the session JWT for `fetch`.
 * @param {{ wasm?: unknown }} [loadOptions] createGate's options: `wasm`, where the core's
 *   `.wasm` comes from (a bundler's URL, a Response, bytes or a compiled module).
 * @returns {Promise<object>} `{ require, fetch, token, decide, decideResponse, dispose }`
 * @throws {AalgateError} (as a rejection) `config.whoamiUrl`, `config.timeoutMs`, `config.fetch`,
 *   `config.location`, `config.tokenizeAs`, `config.tokens…` (`config.tokens.origins[0]`,
 *   `config.tokens.issuer`, …), `tokens.load`, `options.wasm`, or the core's code for the gate
 *   configuration (`config.baseUrl`, …).
 */
export async function createBrowserGate(options, loadOptions) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    // Not an object: the core refuses it with code `config`.
    await createGate(options, loadOptions);
    throw new AalgateError('config', 'config must be an object');
  }
  const { whoamiUrl, fetch: fetchOption, location: locationOption, tokenizeAs, tokens, timeoutMs: givenTimeout, ...config } = options;
  if (whoamiUrl !== undefined && whoamiUrl !== null) whoamiEndpoint(undefined, whoamiUrl);
  const timeoutMs = givenTimeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > MAX_TIMEOUT_MS) {
    throw new AalgateError('config.timeoutMs', `config.timeoutMs must be a number of milliseconds above 0, at most ${MAX_TIMEOUT_MS}`);
  }
  if (fetchOption !== undefined && typeof fetchOption !== 'function') {
    throw new AalgateError('config.fetch', 'config.fetch must be a function (default: globalThis.fetch)');
  }
  if (
    locationOption !== undefined &&
    (locationOption === null || typeof locationOption !== 'object' || typeof locationOption.assign !== 'function')
  ) {
    throw new AalgateError('config.location', 'config.location must be an object with href and assign(url)');
  }
  const tokenSettings = browserTokenSettings(tokenizeAs, tokens);
  // js/tokens.js (and jose) is loaded only for `tokenizeAs`, alongside the core.
  const { gate, verifier } = await gateWithVerifier(() => createGate(config, loadOptions), tokenSettings === null ? null : tokenSettings.verifier);
  const tokenizer = tokenSettings === null ? null : { ...tokenSettings, verifier };
  // The core accepted baseUrl, so this cannot fail on it now.
  return wrap(gate, {
    whoami: whoamiEndpoint(config.baseUrl, whoamiUrl),
    baseUrl: config.baseUrl,
    fetch: fetchOption,
    location: locationOption,
    tokenizer,
    timeoutMs,
  });
}

// How long a whoami request may take, headers and body (a Kratos that never answers would
// leave require() pending), and setTimeout's largest delay.
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

// How long before its `exp` a held token is renewed, at most half its lifetime; by default.
const RENEW_BEFORE_MS = 15_000;
// A Kratos tokenizer template's name: what goes in `?tokenize_as=` (percent-encoded).
const TEMPLATE = /^[^\u0000-\u001f\u007f]{1,256}$/;

/**
 * `tokenizeAs` and `tokens`, read and copied before any await: null when neither is set, else
 * `{ template, verifier, origins, renewBeforeMs }` (`verifier`: createTokenVerifier's options,
 * checked there; `origins`: the API origins the token goes to, or null for the page's own).
 * @throws {AalgateError} `config.tokenizeAs`, `config.tokens`, `config.tokens.origins`,
 *   `config.tokens.origins[i]`, `config.tokens.renewBeforeMs`
 */
function browserTokenSettings(tokenizeAs, tokens) {
  const off = (value) => value === undefined || value === null;
  if (off(tokenizeAs) && off(tokens)) return null;
  if (typeof tokenizeAs !== 'string' || !TEMPLATE.test(tokenizeAs)) {
    throw new AalgateError('config.tokenizeAs', 'config.tokenizeAs must be the name of a Kratos tokenizer template (session.whoami.tokenizer.templates), given with tokens');
  }
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) {
    throw new AalgateError('config.tokens', 'config.tokens must be { jwks, issuer, leeway?, origins?, renewBeforeMs? } with tokenizeAs');
  }
  const { origins = null, renewBeforeMs = RENEW_BEFORE_MS, ...rest } = tokens;
  if (typeof renewBeforeMs !== 'number' || !Number.isFinite(renewBeforeMs) || renewBeforeMs < 0) {
    throw new AalgateError('config.tokens.renewBeforeMs', 'config.tokens.renewBeforeMs must be a number of milliseconds ≥ 0');
  }
  let allowed = null;
  if (origins !== null) {
    if (!Array.isArray(origins)) {
      throw new AalgateError('config.tokens.origins', "config.tokens.origins must be a list of origins ('https://api.example.com')");
    }
    allowed = origins.map((origin, i) => {
      let url = null;
      try {
        url = typeof origin === 'string' ? new URL(origin) : null;
      } catch {
        url = null;
      }
      // Exactly an origin, and no wildcard: a `*` would be taken literally, never as a pattern.
      if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin || origin.includes('*')) {
        throw new AalgateError(`config.tokens.origins[${i}]`, `config.tokens.origins[${i}] must be an origin: scheme, host and port only ('https://api.example.com')`);
      }
      return origin;
    });
  }
  return {
    template: tokenizeAs,
    verifier: verifierOptions(rest, 'config.tokens'),
    origins: allowed === null ? null : Object.freeze(allowed),
    renewBeforeMs,
  };
}

function wrap(gate, { whoami, baseUrl, fetch: fetchOption, location: locationOption, tokenizer, timeoutMs }) {
  let disposed = false;

  const fetchNow = () => {
    const fn = fetchOption ?? globalThis.fetch;
    if (typeof fn !== 'function') {
      throw new AalgateError('config.fetch', 'there is no fetch here: pass { fetch } to createBrowserGate');
    }
    return fn;
  };
  const locationNow = () => locationOption ?? globalThis.location ?? null;
  const live = () => {
    if (disposed) throw new AalgateError('gate.disposed', 'this browser gate was disposed; create a new one');
  };
  const navigate = (url) => {
    const location = locationNow();
    if (location === null || typeof location.assign !== 'function') {
      throw new AalgateError(
        'browser.location',
        'there is no location to redirect: pass { location } to createBrowserGate or { redirect: false }',
      );
    }
    location.assign(url);
  };
  // Settles never: what a redirecting require() gives, so that no code after `await` runs
  // while the page is leaving (a payment sent during the redirect).
  const leaving = () => new Promise(() => {});

  // The decision for `requirement`, and whether the page was sent to its URL.
  async function requireImpl(requirement, options) {
    live();
    const redirect = redirectOption(options);
    const effective = withReturnTo(requirement, locationNow());
    // Checks the requirement before any request (an invalid one throws with its code) and
    // answers, without whoami, what needs no session (the core lets it go on).
    const unsigned = gate[INTERNAL].decide(null, effective, 'requirement');
    if (unsigned.httpStatus === 0) return { decision: unsigned.decision, navigated: false };

    const answer = await askWhoami(whoami, {
      fetch: fetchNow(),
      maxBodyBytes: gate[INTERNAL].maxBodyBytes,
      credentials: 'include',
      timeoutMs,
    });
    live();
    // `{ status, body }`, or `{ failure }` (no answer: the core's error, never a pass or a redirect).
    const decision = gate.decide(answer, effective);
    // A URL comes exactly with the verdicts that send the user somewhere.
    if (redirect && decision.url !== null) {
      navigate(decision.url);
      return { decision, navigated: true };
    }
    return { decision, navigated: false };
  }

  // The session JWT, with `tokenizeAs`: the current one, held in this closure only (never in
  // storage or a cookie), renewed when less than its margin is left; null when Kratos gave none.
  let held = null;
  let renewing = null;
  const kratosBase = new URL(baseUrl);
  const kratosPath = kratosBase.pathname.replace(/\/+$/, '');

  function tokenNow() {
    if (held !== null && Date.now() < held.renewAt) return Promise.resolve(held);
    renewing ??= tokenize().finally(() => {
      renewing = null;
    });
    return renewing;
  }

  // GET whoami?tokenize_as=<template> with the page's cookies; the answer's `tokenized`,
  // verified on Kratos's clock: this machine's plus the skew its `iat` gives (Kratos's time when
  // it minted the token, just now, read as the end of that second). Not the Date header: a page
  // cannot read it from another origin unless Kratos exposes it (CORS).
  async function tokenize() {
    held = null; // a token due for renewal is not used again, whatever the answer
    const url = `${whoami}?tokenize_as=${encodeURIComponent(tokenizer.template)}`;
    const answer = await askWhoami(url, {
      fetch: fetchNow(),
      maxBodyBytes: gate[INTERNAL].maxBodyBytes,
      credentials: 'include',
      timeoutMs,
    });
    const receivedAt = Date.now();
    if (disposed || answer.status !== 200) return null;
    let jwt;
    try {
      jwt = JSON.parse(answer.body)?.tokenized;
    } catch {
      return null;
    }
    if (typeof jwt !== 'string') return null;
    const minted = issuedAt(jwt);
    const skewMs = minted === undefined ? 0 : minted * 1000 + 999 - receivedAt;
    const { token: verified } = await verifyToken(tokenizer.verifier, jwt, Date.now() + skewMs);
    if (disposed || verified === null) return null;
    const { exp, iat } = verified.claims;
    const margin = Math.min(tokenizer.renewBeforeMs, ((exp - iat) * 1000) / 2);
    // Kratos's times on this machine's clock.
    const expiresAt = exp * 1000 - skewMs;
    held = Object.freeze({ jwt, verified, expiresAt, renewAt: expiresAt - margin });
    return held;
  }

  // Whether a request to `url` gets the token: its origin is one of `tokens.origins` (default:
  // the page's own), and it is not under Kratos's baseUrl (Kratos would take a Bearer JWT for a
  // session token).
  function tokenGoesTo(url) {
    let pageOrigin = null;
    try {
      pageOrigin = new URL(locationNow()?.href).origin;
    } catch {
      pageOrigin = null;
    }
    const allowed = tokenizer.origins ?? (pageOrigin === null || pageOrigin === 'null' ? [] : [pageOrigin]);
    if (!allowed.includes(url.origin)) return false;
    const underKratos =
      url.origin === kratosBase.origin && (kratosPath === '' || url.pathname === kratosPath || url.pathname.startsWith(`${kratosPath}/`));
    return !underKratos;
  }

  // `{ init, token }`: `init` with `Authorization: Bearer <jwt>` added for a request that gets
  // the token and has no Authorization of its own (`token` the one attached), else as given.
  async function withToken(input, init) {
    const unchanged = { init, token: null };
    let url;
    try {
      url = new URL(input instanceof Request ? input.url : String(input), locationNow()?.href);
    } catch {
      return unchanged;
    }
    if (!tokenGoesTo(url)) return unchanged;
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (headers.has('authorization')) return unchanged;
    const current = await tokenNow();
    live();
    if (current === null) return unchanged;
    headers.set('authorization', `Bearer ${current.jwt}`);
    return { init: { ...init, headers }, token: current };
  }

  async function fetchImpl(input, init) {
    live();
    const sent = tokenizer === null ? { init, token: null } : await withToken(input, init);
    const response = await fetchNow()(input, sent.init);
    if (response.status !== 401 && response.status !== 403) return response;
    // Refused with the token: it may be older than the session (a step-up since); the next call
    // gets a new one.
    if (sent.token !== null && held === sent.token) held = null;

    // RFC 9470: decide again for this page, with the session as it is now. A session that
    // already satisfies the challenge gives allow and no redirect (no loop).
    const header = response.headers.get('www-authenticate');
    const challenged = header === null ? null : gate.parseChallenge(header);
    if (challenged !== null) {
      await requireImpl({ ...challenged }, { redirect: true });
      return response;
    }

    // aalgate's JSON ({verdict, url, reason}, as aalgate/worker answers): follow its URL when
    // it is one of Kratos's own pages.
    // Read up to maxBodyBytes (a copy: the caller still gets the whole Response).
    let body;
    try {
      const text = await readBody(response.clone(), gate[INTERNAL].maxBodyBytes);
      if (typeof text !== 'string') return response;
      body = JSON.parse(text);
    } catch {
      return response;
    }
    // Followed only when the core says it is one of Kratos's own self-service URLs.
    if (body !== null && typeof body === 'object' && gate[INTERNAL].isSelfServiceUrl(body.url)) {
      live();
      navigate(body.url);
    }
    return response;
  }

  return Object.freeze({
    /**
     * Fetches whoami (with cookies) and decides; unless allowed (or an error), sends the browser
     * to the decision's URL. `returnTo` defaults to `location.href`. Resolves to the decision,
     * except once it has sent the browser away: then it never settles, so nothing after
     * `await gate.require(...)` runs while the page leaves. With `{ redirect: false }` it always
     * resolves.
     */
    require: async (requirement, options) => {
      const { decision, navigated } = await requireImpl(requirement, options);
      return navigated ? leaving() : decision;
    },
    /**
     * `fetch`, then a 401/403 with aalgate's JSON or an RFC 9470 challenge leads to the step-up.
     * With `tokenizeAs`, a request to an allowed origin carries `Authorization: Bearer <jwt>`.
     */
    fetch: (input, init) => fetchImpl(input, init),
    /**
     * With `tokenizeAs`: the current session token `{ jwt, verified, expiresAt }` (renewed first
     * when due), or null when Kratos gave none; `verified` is what `decide` takes. Without
     * `tokenizeAs`: null.
     */
    token: async () => {
      live();
      if (tokenizer === null) return null;
      const current = await tokenNow();
      live();
      return current === null ? null : Object.freeze({ jwt: current.jwt, verified: current.verified, expiresAt: current.expiresAt });
    },
    /** The core's decision for a whoami outcome, as `Gate.decide`. */
    decide: (whoamiValue, requirement) => {
      live();
      return gate.decide(whoamiValue, requirement);
    },
    /** `Gate.decideResponse`: the decision for a fetch Response (or a ResponseError's). */
    decideResponse: async (response, requirement) => {
      live();
      return gate.decideResponse(response, requirement);
    },
    /** Frees the core's memory; later calls throw `gate.disposed`. */
    dispose: () => {
      if (disposed) return;
      disposed = true;
      held = null;
      gate.dispose();
    },
  });
}

// A JWT's `iat` as it is written (not verified: only to read Kratos's clock off a token just
// fetched from Kratos, before verifying it), or undefined.
function issuedAt(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const iat = JSON.parse(atob(part)).iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined;
  } catch {
    return undefined;
  }
}

// `{ redirect }` from require's second argument: true unless `false`.
function redirectOption(options) {
  if (options === undefined || options === null) return true;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new AalgateError('options', 'require options must be an object: { redirect }');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'redirect') throw new AalgateError(`options.${key}`, `unknown require option: ${key}`);
  }
  const { redirect } = options;
  if (redirect === undefined) return true;
  if (typeof redirect !== 'boolean') {
    throw new AalgateError('options.redirect', 'options.redirect must be true or false');
  }
  return redirect;
}

// The requirement with `returnTo` set to the page's URL when the caller gave none (undefined or
// null; an empty string stays: no return_to). Anything that is not a plain requirement object is
// passed as is, for the core to reject with its code.
function withReturnTo(requirement, location) {
  if (requirement === undefined || requirement === null) requirement = {};
  if (typeof requirement !== 'object' || Array.isArray(requirement) || requirement instanceof Date) {
    return requirement;
  }
  if (requirement.returnTo !== undefined && requirement.returnTo !== null) return requirement;
  let href;
  try {
    href = location?.href;
  } catch {
    href = undefined;
  }
  if (typeof href !== 'string' || href === '') return requirement;
  return { ...requirement, returnTo: href };
}
