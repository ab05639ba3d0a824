// Shared by the aalgate/browser suites (not a test file itself): the Kratos emulator (a real
// local HTTP server), a browser-like fetch/location pair for Node, a gate on both, and a scripted
// API server.
import { createBrowserGate } from 'aalgate/browser';

import { readBody, serve } from '../../examples/demo/http.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';

export { unusedUrl } from '../../examples/demo/http.mjs';

export const ADA = 'ada@example.com';
export const ADA_PASSWORD = 'correct horse battery staple';
export const ADA_TOTP = '123456';
export const PAGE = 'https://app.example.com/billing?invoice=42&tab=pay';
export const STEP_UP_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A second authentication factor is required", acr_values="aal2"';

/** The mirror of an emulator started with `requiredAal: 'aal1'` (Kratos Lax). */
export const LAX = { session: { whoami: { required_aal: 'aal1' } } };

/**
 * Each whoami fault of the emulator (tools/kratos-emulator/README.md "Faults") with the core's
 * reason for it. `delayMs`: how long 'slow' waits (past the gate's timeoutMs); `sizeBytes`: the
 * 'huge' answer's size (the emulator's default when not given).
 * @param {{ delayMs: number, sizeBytes?: number }} options
 * @returns {Array<[object, string]>}
 */
export function kratosFaults({ delayMs, sizeBytes }) {
  return [
    [{ mode: 'slow', delayMs }, 'kratos_timeout'],
    [{ mode: 'status500' }, 'unexpected_response'],
    [{ mode: 'status502html' }, 'unexpected_response'],
    [{ mode: 'garbage' }, 'invalid_session'],
    [{ mode: 'notsession' }, 'invalid_session'],
    [{ mode: 'truncated' }, 'kratos_unreachable'],
    [{ mode: 'reset' }, 'kratos_unreachable'],
    [{ mode: 'huge', ...(sizeBytes === undefined ? {} : { sizeBytes }) }, 'body_too_large'],
  ];
}

/**
 * Starts the emulator for one test and closes it when the test ends.
 * @param {import('node:test').TestContext} t
 * @param {object} [options] passed to startKratosEmulator
 */
export async function emulator(t, options = {}) {
  const kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'aal1', ...options });
  t.after(() => kratos.close());
  return kratos;
}

// The real fetch, kept before any test swaps globalThis.fetch.
const realFetch = globalThis.fetch;

/**
 * What a page gives aalgate/browser: `fetch` that, like a browser, attaches the session cookie
 * when asked to (`credentials: 'include'`), and a `location` that records `assign` calls.
 * @param {{ cookie?: string, href?: string }} [options]
 */
export function browserEnv({ cookie = '', href = PAGE } = {}) {
  const calls = [];
  const assigned = [];
  const fetch = async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push({ url, init });
    const headers = new Headers(init.headers);
    if (cookie !== '' && init.credentials === 'include') headers.set('cookie', cookie);
    return realFetch(input, { ...init, headers });
  };
  const location = {
    href,
    assign(url) {
      assigned.push(url);
    },
  };
  return { fetch, location, calls, assigned };
}

/**
 * The usual setup: a Lax emulator for this test (`kratosOptions` passed on), a session of Ada
 * with `methods` (none: `methods` null), a browserEnv with its cookie (and `href`), and a gate
 * (createBrowserGate with the emulator's URL, that env and `gateOptions`, default the Lax mirror)
 * disposed when the test ends.
 * @param {import('node:test').TestContext} t
 * @param {{ methods?: string[] | null, kratosOptions?: object, href?: string, gateOptions?: object }} [options]
 */
export async function gateOnEmulator(t, { methods = null, kratosOptions, href, gateOptions = { kratos: LAX } } = {}) {
  const kratos = await emulator(t, kratosOptions);
  const cookie = methods === null ? '' : await kratos.createSession({ email: ADA, methods });
  const env = browserEnv({ cookie, href });
  const gate = await createBrowserGate({ baseUrl: kratos.url, fetch: env.fetch, location: env.location, ...gateOptions });
  t.after(() => gate.dispose());
  return { kratos, env, gate };
}

/**
 * An API server answering each path with a scripted response:
 * `routes[path] = (req, body) => ({ status, headers?, body? })` (or `routes(path)` giving that
 * function). Records what it was sent.
 * @param {import('node:test').TestContext} t
 */
export async function apiServer(t, routes) {
  const seen = [];
  const server = await serve(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url, 'http://localhost').pathname;
    seen.push({ method: req.method, path, body });
    const route = typeof routes === 'function' ? routes(path) : routes[path];
    const answer = route ? route(req, body) : { status: 404, body: 'not found' };
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
  });
  t.after(() => server.close());
  return { url: server.url, seen };
}

/** `return_to` of a URL, decoded (null when absent). */
export const returnToOf = (url) => new URL(url).searchParams.get('return_to');

/**
 * Calls `gate.require(requirement)` where it redirects: waits for its `location.assign`, checks
 * that the promise stays pending after it (require never settles once it has sent the page away),
 * and returns the URL it assigned together with the decision `{ redirect: false }` gives for the
 * same requirement (asked again: one more whoami request).
 * @returns {Promise<{ url: string, decision: object }>}
 */
export async function requireRedirecting(gate, requirement, env) {
  const before = env.assigned.length;
  let settled = null;
  gate.require(requirement).then(
    () => (settled = 'resolved'),
    (error) => (settled = `rejected: ${error}`),
  );
  for (let waited = 0; env.assigned.length === before && settled === null && waited < 5000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (env.assigned.length !== before + 1) throw new Error(`require did not redirect once (${settled})`);
  if (settled !== null) throw new Error(`require settled after redirecting: ${settled}`);
  const decision = await gate.require(requirement, { redirect: false });
  if (decision.url !== env.assigned.at(-1)) throw new Error(`redirected to ${env.assigned.at(-1)}, decision says ${decision.url}`);
  return { url: env.assigned.at(-1), decision };
}
