// aalgate/browser: step-up authentication for single-page apps: fetch → location. whoami is
// asked through js/kratos.js with the page's cookies; the core decides and builds the URL, and
// says which URLs from a server's answer are Kratos's own. This module only talks to fetch and
// location.
import { AalgateError, createGate } from './index.js';
import { askWhoami, whoamiEndpoint } from './kratos.js';
import { INTERNAL } from './marshal.js';

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
 *   call time) and `location` (`{ href, assign(url) }`, default `globalThis.location`).
 * @param {{ wasm?: unknown }} [loadOptions] createGate's options: `wasm`, where the core's
 *   `.wasm` comes from (a bundler's URL, a Response, bytes or a compiled module).
 * @returns {Promise<object>} `{ require, fetch, decide, decideResponse, dispose }`
 * @throws {AalgateError} (as a rejection) `config.whoamiUrl`, `config.fetch`,
 *   `config.location`, `options.wasm`, or the core's code for the gate configuration
 *   (`config.baseUrl`, …).
 */
export async function createBrowserGate(options, loadOptions) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    // Not an object: the core refuses it with code `config`.
    await createGate(options, loadOptions);
    throw new AalgateError('config', 'config must be an object');
  }
  const { whoamiUrl, fetch: fetchOption, location: locationOption, ...config } = options;
  if (whoamiUrl !== undefined && whoamiUrl !== null) whoamiEndpoint(undefined, whoamiUrl);
  if (fetchOption !== undefined && typeof fetchOption !== 'function') {
    throw new AalgateError('config.fetch', 'config.fetch must be a function (default: globalThis.fetch)');
  }
  if (
    locationOption !== undefined &&
    (locationOption === null || typeof locationOption !== 'object' || typeof locationOption.assign !== 'function')
  ) {
    throw new AalgateError('config.location', 'config.location must be an object with href and assign(url)');
  }
  const gate = await createGate(config, loadOptions);
  // The core accepted baseUrl, so this cannot fail on it now.
  return wrap(gate, { whoami: whoamiEndpoint(config.baseUrl, whoamiUrl), fetch: fetchOption, location: locationOption });
}

function wrap(gate, { whoami, fetch: fetchOption, location: locationOption }) {
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

    const answer = await askWhoami(whoami, { fetch: fetchNow(), credentials: 'include' });
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
    /** `fetch`, then a 401/403 with aalgate's JSON or an RFC 9470 challenge leads to the step-up. */
    fetch: (input, init) => fetchImpl(input, init),
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
