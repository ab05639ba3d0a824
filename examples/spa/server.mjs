// Serves the SPA example: the page, its config.js, the aalgate package under
// /node_modules/aalgate/ (for the import map) and one API route, POST /api/billing/pay, which
// aalgate guards on the server: a second factor from the last 5 minutes, else 401 with an RFC 9470
// challenge (or aalgate's JSON alone when there is no session).
//
//   node examples/spa/server.mjs     # with the Kratos emulator; open the URL it prints
//
// PORT (default 8080) and KRATOS_PORT (default 4433) choose the ports; KRATOS_URL uses a real
// Kratos instead of the emulator (it must allow this origin with credentials, CORS).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createGate } from 'aalgate';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAX = { session: { whoami: { required_aal: 'aal1' } } };

export const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * The SPA's files as a server serves them (this one, and the demo's origin under /spa/): the page
 * at `pagePaths`, /app.js, and the package's js/ folder under /node_modules/aalgate/js/ (never
 * anything above it).
 * @param {string} path the request's path
 * @param {{ packageDir?: string, pagePaths?: string[] }} [options] the aalgate package to serve
 *   (default: this checkout); where the page is (default: / and /index.html)
 * @returns {Promise<{ type: string, body: Buffer } | null>} null: no such file
 */
export async function spaFile(path, { packageDir = ROOT, pagePaths = ['/', '/index.html'] } = {}) {
  let file = null;
  if (pagePaths.includes(path)) file = join(HERE, 'index.html');
  else if (path === '/app.js') file = join(HERE, 'app.js');
  else if (path.startsWith('/node_modules/aalgate/js/')) {
    const relative = normalize(decodeURIComponent(path.slice('/node_modules/aalgate/'.length)));
    if (relative.startsWith(`js${sep}`) && !relative.split(sep).includes('..')) file = join(packageDir, relative);
  }
  if (file === null || !existsSync(file)) return null;
  return { type: TYPES[extname(file)] ?? 'application/octet-stream', body: await readFile(file) };
}

/** The SPA's config.js: `window.AALGATE_CONFIG = <config>`, which app.js reads. */
export const configScript = (config) => `window.AALGATE_CONFIG = ${JSON.stringify(config)};\n`;

/**
 * Starts the example's HTTP server.
 * @param {object} options
 * @param {string | (() => string)} options.kratosUrl Kratos public URL (a function: read at each
 *   request, so Kratos may start after this server, e.g. to allow its origin for CORS)
 * @param {object} [options.kratos] mirror of the Kratos config (default: Lax, whoami aal1)
 * @param {string} [options.packageDir] the aalgate package to serve (default: this checkout)
 * @param {() => number} [options.now] the API's clock in ms (default: Date.now)
 * @param {string} [options.host] default 127.0.0.1
 * @param {number} [options.port] default 0 (any free port)
 * @returns {Promise<{ url: string, requests: object[], close(): Promise<void> }>}
 */
export async function startSpaServer({
  kratosUrl,
  kratos = LAX,
  packageDir = ROOT,
  now = Date.now,
  host = '127.0.0.1',
  port = 0,
} = {}) {
  const kratosUrlNow = typeof kratosUrl === 'function' ? kratosUrl : () => kratosUrl;
  const gates = new Map(); // one server-side gate per Kratos URL
  const gateFor = (baseUrl) => {
    if (!gates.has(baseUrl)) gates.set(baseUrl, createGate({ baseUrl, kratos }));
    return gates.get(baseUrl);
  };
  const requests = [];
  let origin = '';

  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    const record = { method: req.method, path, status: 0 };
    requests.push(record);
    const send = (status, type, body, headers = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const sendJson = (status, value, headers) => send(status, 'application/json', JSON.stringify(value), headers);
    try {
      if (path === '/api/billing/pay') {
        if (req.method !== 'POST') return sendJson(405, { error: 'method_not_allowed' }, { allow: 'POST' });
        return await pay(req, sendJson);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed');
      if (path === '/config.js') return send(200, TYPES['.js'], configScript({ kratosUrl: kratosUrlNow(), apiBase: '', kratos }));
      if (path === '/favicon.ico') return send(204, 'image/x-icon', '');
      const file = await spaFile(path, { packageDir });
      if (file === null) return send(404, 'text/plain', 'not found');
      return send(200, file.type, file.body);
    } catch (error) {
      return send(500, 'text/plain', String(error?.message ?? error));
    }
  });

  // POST /api/billing/pay: whoami with the caller's cookie, then aalgate decides.
  async function pay(req, sendJson) {
    const baseUrl = kratosUrlNow();
    const gate = await gateFor(baseUrl);
    let whoami;
    try {
      const answer = await fetch(`${baseUrl.replace(/\/+$/, '')}/sessions/whoami`, {
        headers: { accept: 'application/json', cookie: req.headers.cookie ?? '' },
        signal: AbortSignal.timeout(3000),
      });
      whoami = { status: answer.status, body: await answer.text() };
    } catch {
      return sendJson(503, { verdict: 'error', url: null, reason: 'kratos_unreachable' });
    }
    // Come back to the page that called (same origin only), not to this API route.
    const d = gate.decide(whoami, { aal: 'aal2', maxAge: '5m', returnTo: sameOriginReferer(req), now: now() });
    if (d.verdict === 'allow') return sendJson(200, { receipt: `R-${Math.floor(now() / 1000)}` });
    const body = { verdict: d.verdict, url: d.url, reason: d.reason };
    if (d.verdict === 'error') return sendJson(503, body);
    if (d.verdict === 'enroll') return sendJson(403, body);
    return sendJson(401, body, d.challenge ? { 'www-authenticate': d.challenge } : {});
  }

  const sameOriginReferer = (req) => {
    try {
      const referer = new URL(req.headers.referer ?? '');
      return referer.origin === origin ? referer.href : undefined;
    } catch {
      return undefined;
    }
  };

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url: `${origin}/`,
    requests,
    close: async () => {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      for (const gate of gates.values()) (await gate.catch(() => null))?.dispose();
    },
  };
}

// `node examples/spa/server.mjs`: the example with the Kratos emulator (or KRATOS_URL).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8080);
  let kratosUrl = process.env.KRATOS_URL ?? '';
  const spa = await startSpaServer({ kratosUrl: () => kratosUrl, port });
  const origin = new URL(spa.url).origin;
  let emulator = null;
  if (kratosUrl === '') {
    const { startKratosEmulator } = await import('../../tools/kratos-emulator/emulator.mjs');
    emulator = await startKratosEmulator({
      host: '127.0.0.1',
      port: Number(process.env.KRATOS_PORT ?? 4433),
      requiredAal: 'aal1',
      corsOrigins: [origin],
      allowedReturnUrls: [`${origin}/`],
    });
    kratosUrl = emulator.url;
  }
  console.log(`SPA:    ${spa.url}`);
  console.log(`Kratos: ${kratosUrl}${emulator ? ' (emulator: ada@example.com / correct horse battery staple, TOTP 123456)' : ''}`);
  const stop = async () => {
    await spa.close();
    await emulator?.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
