// The demo stack, for `npm start` (start.mjs) and tests/journey: three servers on one host.
//
//   browser ──► worker (examples/worker in workerd, through miniflare)  = the app's URL
//                 │ whoami with the request's cookie            │ allowed requests, as they came
//                 ▼                                             ▼
//               Kratos emulator (tools/kratos-emulator)   origin (node:http, below)
//
// All three listen on the same host (127.0.0.1 by default) on different ports: cookies are not
// separated by port, so the session cookie the emulator sets reaches the worker too, and the
// SPA's whoami `fetch` to the emulator is same-site (CORS with credentials, which the emulator
// allows for the app's origin).
//
// The emulator runs Lax (`session.whoami.required_aal: aal1`): a password sign-in is an aal1
// session, so /billing/** (aal2, second factor within 5 minutes) needs the step-up. The worker
// is the example as it is, configured by its [vars] (wrangler.toml): KRATOS_URL and ORIGIN_URL
// point here, and KRATOS_WHOAMI_REQUIRED_AAL = "aal1" tells it that this Kratos is Lax (with
// Kratos's default, Strict, an aal1 session would mean "no second factor to step up with").
//
// The origin's routes (all behind the worker; its policy decides who gets there):
//   /            home, links (default rule: aal1)
//   /public/     no session needed (whoami is not even called)
//   /dashboard   default rule: aal1
//   /billing/    aal2, second factor within 5 minutes
//   /account/    Kratos's settings-flow needs; links to Kratos's settings flow (return_to here)
//   /spa/        examples/spa's page (default rule: aal1), with its assets at the root paths its
//                index.html names (/config.js, /app.js, /node_modules/aalgate/js/…)
//   POST /billing/api/billing/pay   the SPA's payment API: 200 with a receipt (the worker answers
//                a caller without a recent second factor with 401 + an RFC 9470 challenge)
//   /public/playground/   the playground (examples/playground, built at start by its build.mjs):
//                paste a whoami or error body, or fetch whoami from the emulator with the
//                browser's cookie (same site, CORS allowed for the app's origin)
//
// Why the SPA is not under /public/: its index.html loads its assets from root paths, which the
// default rule covers anyway, and a page that talks to the payment API is for signed-in users;
// this way the worker sends a signed-out visitor to the login first, and the SPA's own gate
// (aalgate/browser) handles the step-up the API asks for.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';

import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { buildPlayground } from '../playground/build.mjs';
import { encodeState } from '../playground/state.js';
import { TYPES, configScript, spaFile } from '../spa/server.mjs';

import { WORKER_DIR, bundleWorker } from './bundle.mjs';
import { freePort, httpUrl, readBody, serve } from './http.mjs';

const LAX = { session: { whoami: { required_aal: 'aal1' } } };
// The emulator options the stack sets itself (the worker's [vars] and the app's URL follow them).
const STACK_KRATOS_OPTIONS = ['host', 'port', 'requiredAal', 'allowedReturnUrls', 'corsOrigins'];
const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const PAGES = {
  '/': {
    id: 'home',
    title: 'Home',
    needs: 'a sign-in (the policy\'s default rule: aal1)',
  },
  '/public/': {
    id: 'public',
    title: 'Public page',
    needs: 'nothing: <code>/public/**</code> is <code>aal: none</code>, the worker does not even call whoami',
  },
  '/dashboard': {
    id: 'dashboard',
    title: 'Dashboard',
    needs: 'a sign-in (the default rule: aal1)',
  },
  '/billing/': {
    id: 'billing',
    title: 'Billing',
    needs: 'a second factor from the last 5 minutes (<code>/billing/**</code>: aal2, maxAge 5m)',
  },
  '/account/': {
    id: 'account',
    title: 'Account',
    needs: 'what Kratos\'s settings flow needs (<code>/account/**</code>: operation settings)',
  },
};
const PLAYGROUND = '/public/playground/';
const PLAYGROUND_TYPES = { ...TYPES, '.css': 'text/css; charset=utf-8', '': 'text/plain; charset=utf-8' };
const ALIASES = { '/index.html': '/', '/public': '/public/', '/billing': '/billing/', '/account': '/account/', '/dashboard/': '/dashboard' };

function pageHtml(path, kratosUrl, appUrl) {
  const page = PAGES[path];
  // The account page leads to Kratos's settings flow, which sends the browser back here when done.
  const settings =
    path === '/account/'
      ? `<p><a id="settings" href="${escapeHtml(
          `${kratosUrl}/self-service/settings/browser?return_to=${encodeURIComponent(`${appUrl}/account/`)}`,
        )}">Security settings at Kratos (second factor, password)</a></p>`
      : '';
  const links = [
    ['/public/', 'Public page (no session)'],
    ['/dashboard', 'Dashboard (sign-in)'],
    ['/billing/', 'Billing (second factor within 5 minutes)'],
    ['/account/', 'Account (settings needs)'],
    ['/spa/', 'Single-page app (aalgate/browser; Pay asks for the second factor)'],
    ['/', 'Home'],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)} · aalgate demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
.info{color:#555}code{background:#f3f3f3;padding:.1rem .3rem}</style></head>
<body data-page="${page.id}">
<p class="info">aalgate demo: the origin behind the example worker</p>
<h1 id="title">${escapeHtml(page.title)}</h1>
<p id="needs">This page needs ${page.needs}. You are reading it, so the worker let the request through.</p>
${settings}
<ul id="links">${links.map(([href, text]) => `<li><a href="${href}">${escapeHtml(text)}</a></li>`).join('')}</ul>
<p class="info">Kratos (emulator): <a href="${escapeHtml(kratosUrl)}/">${escapeHtml(kratosUrl)}</a>,
where you can sign in, step up, or enable the second factor in its settings.</p>
</body></html>
`;
}

/**
 * The origin behind the worker. Keeps every request it got in `requests` ({ method, path }).
 * @param {{ host: string, port: number, kratosUrl: () => string, appUrl: () => string,
 *   log: (line: string) => void, playground: { outDir: string, files: string[] } }} options
 *   `playground`: buildPlayground's result, served under /public/playground/
 */
async function startOrigin({ host, port, kratosUrl, appUrl, log, playground }) {
  const requests = [];
  let receipts = 1000;
  const server = await serve(async (req, res) => {
    const url = new URL(req.url, 'http://origin.invalid');
    const path = url.pathname;
    const seen = { method: req.method, path, search: url.search };
    requests.push(seen);
    const send = (status, type, body, headers = {}) => {
      seen.status = status;
      log(`[origin] ${req.method} ${path}${url.search} → ${status}`);
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const sendJson = (status, value, headers) => send(status, 'application/json', JSON.stringify(value), headers);
    try {
      await readBody(req);
      if (path === '/billing/api/billing/pay') {
        if (req.method !== 'POST') return sendJson(405, { error: 'method_not_allowed' }, { allow: 'POST' });
        receipts += 1;
        return sendJson(200, { receipt: `R-${receipts}`, paid: true });
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
      const pagePath = ALIASES[path] ?? path;
      if (Object.hasOwn(PAGES, pagePath)) return send(200, TYPES['.html'], pageHtml(pagePath, kratosUrl(), appUrl()));
      if (path === '/config.js') {
        // The SPA's settings: Kratos's URL, the API under /billing/** (so the worker guards it
        // with the billing rule), and the mirror of the emulator's Lax whoami.
        return send(200, TYPES['.js'], configScript({ kratosUrl: kratosUrl(), apiBase: '/billing', kratos: LAX }));
      }
      if (path === '/favicon.ico') return send(204, 'image/x-icon', '');
      if (path === '/spa') return send(308, 'text/plain', '', { location: '/spa/' });
      // The playground's files (only those its build wrote).
      if (`${path}/` === PLAYGROUND) return send(308, 'text/plain', '', { location: PLAYGROUND });
      if (path.startsWith(PLAYGROUND)) {
        const name = path.slice(PLAYGROUND.length) || 'index.html';
        if (!playground.files.includes(name)) return send(404, 'text/plain', 'not found\n');
        return send(200, PLAYGROUND_TYPES[extname(name)] ?? 'application/octet-stream', await readFile(join(playground.outDir, name)));
      }
      // The SPA's page under /spa/, its app.js and the package (this checkout's js/) at the root.
      const file = await spaFile(path, { pagePaths: ['/spa/', '/spa/index.html'] });
      if (file === null) return send(404, 'text/plain', 'not found\n');
      return send(200, file.type, file.body);
    } catch (error) {
      return send(500, 'text/plain', `${error?.message ?? error}\n`);
    }
  }, { host, port });
  return { url: server.url, requests, close: server.close };
}

/**
 * Starts the emulator, the origin and the example worker (in workerd through miniflare).
 * A port of 0 means any free port.
 * @param {object} [options]
 * @param {string} [options.host] default 127.0.0.1 (all three servers)
 * @param {number} [options.workerPort] the app's port (the worker); default 0
 * @param {number} [options.kratosPort] default 0
 * @param {number} [options.originPort] default 0
 * @param {boolean} [options.quiet] no request log lines from the origin (default false)
 * @param {(line: string) => void} [options.log] where log lines go (default console.log)
 * @param {Record<string, string>} [options.vars] more worker [vars], e.g. { WHOAMI_TIMEOUT_MS: '500' }
 * @param {object} [options.kratos] more Kratos emulator options, e.g. { privilegedSessionMaxAge: '0s' }
 *   (not those the stack sets: host, port, requiredAal, allowedReturnUrls, corsOrigins). A
 *   setting the worker mirrors needs its [var] too, e.g. KRATOS_PRIVILEGED_SESSION_MAX_AGE.
 * @param {string} [options.workerDir] the worker's folder (wrangler.toml + its main; default
 *   examples/worker)
 * @returns {Promise<{ appUrl: string, kratosUrl: string, originUrl: string, playgroundUrl: string,
 *   kratos: object, origin: { url: string, requests: object[] }, close(): Promise<void> }>}
 *   `playgroundUrl`: the playground with the demo's case in its hash (this Kratos, Lax, the
 *   /billing/ requirement)
 */
export async function startDemoStack({
  host = '127.0.0.1',
  workerPort = 0,
  kratosPort = 0,
  originPort = 0,
  quiet = false,
  log = console.log,
  vars = {},
  kratos: kratosOptions = {},
  workerDir = WORKER_DIR,
} = {}) {
  for (const name of STACK_KRATOS_OPTIONS) {
    if (Object.hasOwn(kratosOptions, name)) throw new TypeError(`startDemoStack: kratos.${name} is set by the stack`);
  }
  const cleanups = [];
  const close = async () => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop();
      await cleanup().catch(() => {});
    }
  };
  try {
    const tmp = await mkdtemp(join(tmpdir(), 'aalgate-demo-'));
    cleanups.push(() => rm(tmp, { recursive: true, force: true }));
    const bundle = await bundleWorker({ outDir: join(tmp, 'worker'), dir: workerDir });
    const playground = await buildPlayground({ outDir: join(tmp, 'playground') });
    if (!Object.hasOwn(bundle.vars, 'KRATOS_WHOAMI_REQUIRED_AAL')) {
      throw new Error(
        `${join(workerDir, 'wrangler.toml')} has no KRATOS_WHOAMI_REQUIRED_AAL in [vars]: the demo's Kratos is Lax ` +
          '(session.whoami.required_aal: aal1) and the worker must be told so',
      );
    }

    // The emulator must know the app's URL (allowed return_to, CORS), and the worker the
    // emulator's: the app's port is chosen first, then the emulator starts, then the worker.
    let kratosUrl = '';
    let appUrl = '';
    const origin = await startOrigin({
      host,
      port: originPort,
      kratosUrl: () => kratosUrl,
      appUrl: () => appUrl,
      log: quiet ? () => {} : log,
      playground,
    });
    cleanups.push(() => origin.close());
    const appPort = workerPort || (await freePort(host));
    appUrl = httpUrl(host, appPort);

    const kratos = await startKratosEmulator({
      ...kratosOptions,
      host,
      port: kratosPort,
      requiredAal: 'aal1',
      allowedReturnUrls: [`${appUrl}/`],
      corsOrigins: [appUrl],
    });
    cleanups.push(() => kratos.close());
    kratosUrl = kratos.url;

    const { Miniflare } = await import('miniflare');
    const mf = new Miniflare({
      host,
      port: appPort,
      cf: false, // the placeholder Request.cf, not one fetched from the Internet
      modules: true,
      scriptPath: bundle.scriptPath,
      modulesRoot: bundle.modulesRoot,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: bundle.compatibilityDate,
      bindings: {
        ...bundle.vars,
        KRATOS_URL: kratos.url,
        KRATOS_WHOAMI_URL: '',
        ORIGIN_URL: origin.url,
        KRATOS_WHOAMI_REQUIRED_AAL: 'aal1',
        ...vars,
      },
    });
    cleanups.push(() => mf.dispose());
    const ready = await mf.ready;
    if (Number(ready.port) !== appPort) throw new Error(`the worker listens on ${ready.href}, not on port ${appPort}`);

    // The playground opens on the demo's case: this Kratos (Lax), /billing/'s requirement (the
    // worker's policy: aal2 within 5 minutes); "Fetch" asks whoami with the browser's cookie.
    const { hash } = await encodeState({
      baseUrl: kratos.url,
      whoamiAal: 'aal1',
      aal: 'aal2',
      maxAge: '5m',
      returnTo: `${appUrl}/billing/`,
      kind: 'none',
    });
    return {
      appUrl,
      kratosUrl: kratos.url,
      originUrl: origin.url,
      playgroundUrl: `${appUrl}${PLAYGROUND}${hash}`,
      kratos,
      origin: { url: origin.url, requests: origin.requests },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
