// Shared by the emulator suites (not a test file itself): start/stop, HTTP with cookies by hand,
// and the fixture bodies with their placeholders replaced.
import { readFileSync } from 'node:fs';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';

export const FIXTURES = new URL('../fixtures/kratos/', import.meta.url);
export const PLACEHOLDER_URL = 'https://auth.example.com';
export const PLACEHOLDER_FLOW = '2b0c2b4e-6f0a-4d3e-9b1a-6c2f5e7d8a90';
export const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
export const JSON_ACCEPT = 'application/json';
export const ADA = { email: 'ada@example.com', password: 'correct horse battery staple', totp: '123456' };
export const BOB = { email: 'bob@example.com', password: 'hunter2hunter2' };

/** Starts an emulator for one test and closes it when the test ends. */
export async function emulator(t, options = {}) {
  const kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, ...options });
  t.after(() => kratos.close());
  return kratos;
}

/** Go url.QueryEscape (for the placeholders inside escaped return_to values). */
export const qe = (s) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');

/**
 * A fixture's bytes with the placeholders replaced: the public URL (plain and query-escaped), the
 * flow id, and, when given, the escaped return_to value inside redirect URLs.
 */
export function fixture(name, { url, flowId, returnTo } = {}) {
  let text = readFileSync(new URL(name, FIXTURES), 'utf8');
  if (returnTo !== undefined) {
    text = text.replaceAll(`return_to=${qe(`${PLACEHOLDER_URL}/self-service/settings?flow=${PLACEHOLDER_FLOW}`)}`, `return_to=${qe(returnTo)}`);
  }
  if (url) text = text.replaceAll(qe(PLACEHOLDER_URL), qe(url)).replaceAll(PLACEHOLDER_URL, url);
  if (flowId) text = text.replaceAll(PLACEHOLDER_FLOW, flowId);
  return text;
}

/** One request, redirects not followed. */
export async function http(kratos, path, { method = 'GET', headers = {}, cookie, accept, form, json } = {}) {
  const h = { ...headers };
  if (cookie) h.cookie = cookie;
  if (accept) h.accept = accept;
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    h['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (json) {
    body = JSON.stringify(json);
    h['content-type'] = 'application/json';
    h.accept ??= JSON_ACCEPT;
  }
  const url = path.startsWith('http') ? path : kratos.url + path;
  const res = await fetch(url, { method, headers: h, body, redirect: 'manual' });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    location: res.headers.get('location'),
    setCookie: res.headers.get('set-cookie'),
    json: () => JSON.parse(text),
  };
}

/** The `name=value` part of a Set-Cookie header. */
export const cookieOf = (setCookie) => setCookie.split(';')[0];

/** The value of a query parameter of an absolute URL. */
export const param = (url, name) => new URL(url).searchParams.get(name);

/** whoami with a cookie: { status, body }. */
export async function whoami(kratos, cookie) {
  const r = await http(kratos, '/sessions/whoami', { cookie, accept: JSON_ACCEPT });
  return { status: r.status, body: r.json(), text: r.text, headers: r.headers };
}
