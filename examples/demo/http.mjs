// The node:http helpers the demo's servers and the tests' servers (tests/worker, tests/browser,
// tests/e2e, tests/readme) share: start a server on a port, stop it (kept-alive connections too),
// find a free port, read a request's body.
import { createServer } from 'node:http';

/** `http://<host>:<port>`, an IPv6 host in brackets. */
export const httpUrl = (host, port) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Starts `server` listening on `port` at `host` (port 0: one the OS picks).
 * @returns {Promise<number>} the port it listens on; rejects when it cannot (EADDRINUSE, …)
 */
export function listen(server, port = 0, host = '127.0.0.1') {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen(server.address().port);
    });
  });
}

/** Stops `server`, closing its kept-alive connections too; resolves once it is closed. */
export function closeServer(server) {
  server.closeAllConnections?.();
  return new Promise((resolveClose) => server.close(() => resolveClose()));
}

/**
 * A node:http server answering with `handler`, listening on `host`:`port` (0: any free port).
 * @returns {Promise<{ server: import('node:http').Server, port: number, url: string, close(): Promise<void> }>}
 */
export async function serve(handler, { host = '127.0.0.1', port = 0 } = {}) {
  const server = createServer(handler);
  const actualPort = await listen(server, port, host);
  return { server, port: actualPort, url: httpUrl(host, actualPort), close: () => closeServer(server) };
}

/** A port on `host` that nothing listens on right now (the OS picks it). */
export async function freePort(host = '127.0.0.1') {
  const { port, close } = await serve(undefined, { host });
  await close();
  return port;
}

/** A URL on `host` where nothing listens (a port just freed). */
export const unusedUrl = async (host = '127.0.0.1') => httpUrl(host, await freePort(host));

/** Whether `port` on `host` can be listened on right now. */
export async function portIsFree(port, host = '127.0.0.1') {
  let server;
  try {
    server = await serve(undefined, { host, port });
  } catch {
    return false;
  }
  await server.close();
  return true;
}

/** A request's body as text. */
export function readBody(request) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
