// The emulator's HTTP answers: JSON as Go writes it, Kratos error bodies, redirects, pages, the
// request body, and errorx's Forward (JSON for JSON requests, else the error UI).
import { randomUUID } from 'node:crypto';

import * as K from './kratos.mjs';

export function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(K.goJson(body));
}

export const sendError = (req, res, e, headers) => send(res, e.code, K.errorBody(e, req.headers['x-request-id']), headers);

export function redirect(res, location, headers = {}, status = 303) {
  res.writeHead(status, { Location: location, ...headers });
  res.end();
}

export function html(res, text) {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

export const acceptsJson = (req) => K.negotiate(req.headers.accept) === 'application/json';

/** selfservice/errorx/manager.go Forward: JSON for JSON requests, else a 303 to the error UI. */
export function forward(em, req, res, e) {
  if (K.isJsonRequest(req.headers)) return sendError(req, res, e);
  const id = randomUUID();
  em.storedErrors.set(id, { error: K.errorBody(e).error, at: em.now() });
  return redirect(res, `${em.publicUrl}/ui/error?id=${id}`);
}

/** The body of a request: JSON (an object, else {}) when it says so, else a form. */
export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 1 << 20) throw new Error('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    try {
      const v = JSON.parse(text);
      return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
