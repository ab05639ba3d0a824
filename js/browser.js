// aalgate/browser: step-up authentication for single-page apps. Fetches whoami with the page's
// cookies, asks the core, and moves the browser to the URL the core built. Every decision is the
// core's (js/index.js); this module only talks to fetch and location.
import { AalgateError, createGate } from './index.js';

export { AalgateError };

// Verdicts that come with a URL to send the browser to.
const NAVIGATING = new Set(['login', 'step_up', 'refresh', 'enroll']);

/**
 * Creates a gate for a single-page app: `require` checks the session before an operation and
 * `fetch` follows an API's step-up answers.
 *
 * @example
 * ```js
 * import { createBrowserGate } from 'aalgate/browser';
 * const gate = await createBrowserGate({ baseUrl: 'https://auth.example.com' });
 * await gate.require({ aal: 'aal2', maxAge: '10m' }); // redirects unless allowed
 * const res = await gate.fetch('/api/billing/pay', { method: 'POST' });
 * ```
 *
 * @param {object} options the gate configuration of `createGate` (`baseUrl`, `flow`,
 *   `allowedReturnUrls`, `kratos`, `leeway`, `policy`) plus `whoamiUrl` (absolute http(s),
 *   default `{baseUrl}/sessions/whoami`), `fetch` (default `globalThis.fetch`, looked up at
 *   call time) and `location` (`{ href, assign(url) }`, default `globalThis.location`).
 * @returns {Promise<object>} `{ require, fetch, decide, dispose }`
 * @throws {AalgateError} (as a rejection) `config.whoamiUrl`, `config.fetch`,
 *   `config.location`, or the core's code for the gate configuration (`config.baseUrl`, …).
 */
export async function createBrowserGate(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    // Not an object: the core refuses it with code `config`.
    await createGate(options);
    throw new AalgateError('config', 'config must be an object');
  }
  const { whoamiUrl, fetch: fetchOption, location: locationOption, ...config } = options;
  if (whoamiUrl !== undefined && !isHttpUrl(whoamiUrl)) {
    throw new AalgateError('config.whoamiUrl', 'config.whoamiUrl must be an absolute http(s) URL');
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
  const gate = await createGate(config);
  return wrap(gate, { baseUrl: config.baseUrl, whoamiUrl, fetch: fetchOption, location: locationOption });
}

function wrap(gate, { baseUrl, whoamiUrl, fetch: fetchOption, location: locationOption }) {
  // createGate accepted baseUrl, so it is an absolute http(s) URL without query or fragment.
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const whoami = whoamiUrl ?? `${String(baseUrl).replace(/\/+$/, '')}/sessions/whoami`;
  // Where aalgate's own URLs point: Kratos's self-service endpoints under baseUrl.
  const selfServicePrefix = `${basePath}/self-service/`;
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

  // An absolute URL on baseUrl's origin under its /self-service/ path, or null.
  const ownUrl = (value) => {
    if (typeof value !== 'string' || !isHttpUrl(value)) return null;
    const url = new URL(value);
    if (url.origin !== base.origin || url.username !== '' || url.password !== '') return null;
    if (!url.pathname.startsWith(selfServicePrefix)) return null;
    return url.href;
  };

  async function requireImpl(requirement, options) {
    live();
    const redirect = redirectOption(options);
    const effective = withReturnTo(requirement, locationNow());
    // Checks the requirement before any request (an invalid one throws with its code) and
    // answers public operations without whoami.
    const probe = gate.decide(null, effective);
    if (probe.verdict === 'allow') return probe;

    let answer;
    try {
      const response = await fetchNow()(whoami, {
        method: 'GET',
        credentials: 'include',
        headers: { Accept: 'application/json' },
      });
      answer = { status: response.status, body: await response.text() };
    } catch (cause) {
      if (cause instanceof AalgateError) throw cause;
      // No whoami answer: the core's decision for that (an error, never a pass or a redirect).
      return gate.decide({ failure: 'unreachable' }, effective);
    }
    live();
    const decision = gate.decide(answer, effective);
    if (redirect && NAVIGATING.has(decision.verdict) && decision.url !== null) navigate(decision.url);
    return decision;
  }

  async function fetchImpl(input, init) {
    live();
    const response = await fetchNow()(input, init);
    if (response.status !== 401 && response.status !== 403) return response;

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
    let body;
    try {
      body = JSON.parse(await response.clone().text());
    } catch {
      return response;
    }
    if (body !== null && typeof body === 'object' && NAVIGATING.has(body.verdict)) {
      const url = ownUrl(body.url);
      if (url !== null) {
        live();
        navigate(url);
      }
    }
    return response;
  }

  return Object.freeze({
    /**
     * Fetches whoami (with cookies) and decides; unless allowed (or an error), sends the browser
     * to the decision's URL. `returnTo` defaults to `location.href`.
     */
    require: (requirement, options) => requireImpl(requirement, options),
    /** `fetch`, then a 401/403 with aalgate's JSON or an RFC 9470 challenge leads to the step-up. */
    fetch: (input, init) => fetchImpl(input, init),
    /** The core's decision for a whoami outcome, as `Gate.decide`. */
    decide: (whoamiValue, requirement) => {
      live();
      return gate.decide(whoamiValue, requirement);
    },
    /** Frees the core's memory; later calls throw `gate.disposed`. */
    dispose: () => {
      if (disposed) return;
      disposed = true;
      gate.dispose();
    },
  });
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

function isHttpUrl(value) {
  if (typeof value !== 'string') return false;
  let url;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'http:' || url.protocol === 'https:';
}
