// Shared by the aalgate/browser suites (not a test file itself): the Kratos emulator (a real
// local HTTP server), a browser-like fetch/location pair for Node, and a scripted API server.
import { createServer } from 'node:http';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';

export const ADA = 'ada@example.com';
export const ADA_PASSWORD = 'correct horse battery staple';
export const ADA_TOTP = '123456';
export const PAGE = 'https://app.example.com/billing?invoice=42&tab=pay';
export const STEP_UP_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A second authentication factor is required", acr_values="aal2"';

/** The mirror of an emulator started with `requiredAal: 'aal1'` (Kratos Lax). */
export const LAX = { session: { whoami: { required_aal: 'aal1' } } };

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
 * An API server answering each path with a scripted response:
 * `routes[path] = (req, body) => ({ status, headers?, body? })` (or `routes(path)` giving that
 * function). Records what it was sent.
 * @param {import('node:test').TestContext} t
 */
export async function apiServer(t, routes) {
  const seen = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url, 'http://localhost').pathname;
    seen.push({ method: req.method, path, body });
    const route = typeof routes === 'function' ? routes(path) : routes[path];
    const answer = route ? route(req, body) : { status: 404, body: 'not found' };
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${server.address().port}`, seen };
}

/** A URL nobody listens on: a port that was free a moment ago. */
export async function deadUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** `return_to` of a URL, decoded (null when absent). */
export const returnToOf = (url) => new URL(url).searchParams.get('return_to');
