// A local Ory Kratos emulator for aalgate's tests and demo (not published, not Kratos). It answers
// with the bodies of tests/fixtures/kratos/ and follows Kratos's source (github.com/ory/kratos):
// every rule names the Kratos file and function it mirrors; README.md lists them, the modules
// they live in and the differences that remain. This file starts the server and routes requests
// to the flows. CLI: node tools/kratos-emulator/emulator.mjs --port 4433 [--help]
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { createControls } from './controls.mjs';
import { createFaults } from './faults.mjs';
import { html, send, sendError } from './http.mjs';
import * as K from './kratos.mjs';
import { createLogin } from './login.mjs';
import { PSL_FILE, loadPublicSuffixList } from './publicsuffix.mjs';
import { createSettings } from './settings.mjs';
import { COOKIE, createState } from './state.mjs';
import { createTokenizer } from './tokenize.mjs';
import * as ui from './ui.mjs';
import { createWhoami } from './whoami.mjs';

export { DEMO_USERS } from './state.mjs';

const AALS = ['aal1', 'highest_available'];
const OPTIONS = [
  'host', 'port', 'requiredAal', 'settingsRequiredAal', 'privilegedSessionMaxAge', 'allowedReturnUrls',
  'defaultReturnUrl', 'corsOrigins', 'sessionLifespan', 'publicUrl', 'publicSuffixList',
  'tokenizeTemplates', 'tokenKeys', 'jsonnet',
];

/**
 * Starts the emulator. See README.md for the options and the returned object.
 * @returns {Promise<{url: string, issuer: string, clock: {now(): number, advance(ms: number): number, freeze(): number,
 *   resume(): number, frozen: boolean}, fault(f?: object): object,
 *   users: {email: string, password: string|null, totpCode: string|null, oidc: boolean}[],
 *   jwks: {keys: object[]}, counters: {whoami: number, tokenized: number},
 *   createSession(o: object): Promise<string>, revokeSession(ref: string): string|null,
 *   whoamiCalls(): {total: number, bySession: Record<string, number>}, reset(): void, close(): Promise<void>}>}
 */
export async function startKratosEmulator(options = {}) {
  const o = {
    host: '127.0.0.1',
    port: 0,
    requiredAal: 'highest_available',
    settingsRequiredAal: 'highest_available',
    privilegedSessionMaxAge: '1h',
    allowedReturnUrls: [],
    defaultReturnUrl: undefined,
    corsOrigins: [],
    sessionLifespan: '24h',
    publicUrl: undefined,
    publicSuffixList: PSL_FILE,
    tokenizeTemplates: undefined, // session.whoami.tokenizer.templates (tokenize.mjs defaultTemplates)
    tokenKeys: undefined, // algorithms of the signing keys made at start (tokenize.mjs DEFAULT_KEY_ALGS)
    jsonnet: 'jsonnet', // the Jsonnet command that runs claims mappers
  };
  for (const [k, v] of Object.entries(options ?? {})) {
    if (!OPTIONS.includes(k)) throw new TypeError(`unknown option: ${k}`);
    if (v !== undefined) o[k] = v;
  }
  for (const k of ['requiredAal', 'settingsRequiredAal']) {
    if (!AALS.includes(o[k])) throw new TypeError(`${k} must be one of ${AALS.join(', ')}`);
  }
  const privilegedMs = K.parseDuration(o.privilegedSessionMaxAge);
  const lifespanMs = K.parseDuration(o.sessionLifespan);
  const psl = loadPublicSuffixList(o.publicSuffixList);
  const { allowList, dropped: ignoredReturnUrls } = K.compileAllowList(o.allowedReturnUrls, psl);

  // ---- server ----
  const server = createServer((req, res) => {
    // Every answer is dated by the emulator's clock, as Kratos's by its own: a client that
    // measures ages on the server's clock (aalgate/worker does) sees the clock move.
    res.sendDate = false;
    res.setHeader('Date', new Date(em.clock.now()).toUTCString());
    handle(req, res).catch((error) => {
      console.error('[kratos-emulator]', error);
      if (!res.headersSent) sendError(req, res, K.errors.internal());
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  const host = ['0.0.0.0', '::', ''].includes(addr.address) ? '127.0.0.1' : addr.address;
  const publicUrl = (o.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`).replace(/\/+$/, '');
  const defaultReturnUrl = o.defaultReturnUrl ?? `${publicUrl}/`;
  // Kratos's `iss`: serve.public.base_url as it prints it (session/tokenizer.go SelfPublicURL);
  // unset, oryx/configx/serve.go makes it scheme://host:port with the path "/".
  const issuer = o.publicUrl ?? `${publicUrl}/`;

  // ---- state and flows ----
  const em = createState(o, { publicUrl, defaultReturnUrl, lifespanMs, allowList });
  const faults = createFaults();
  let tokenizer;
  try {
    tokenizer = createTokenizer({ templates: o.tokenizeTemplates, keyAlgs: o.tokenKeys, issuer, now: em.now, jsonnet: o.jsonnet });
    await tokenizer.ready;
  } catch (error) {
    server.close();
    throw error;
  }
  const reset = () => {
    em.reset();
    faults.reset();
  };
  const whoami = createWhoami(em, faults, tokenizer);
  const { loginInit, loginSubmit, getLoginFlow, loginUi } = createLogin(em);
  const { settingsInit, settingsSubmit, getSettingsFlow, settingsUi } = createSettings(em, { privilegedMs });
  const control = createControls(em, { faults, reset, ignoredReturnUrls, psl, tokenizer, issuer });

  // ---- routing ----
  function cors(req, res) {
    const origin = req.headers.origin;
    if (!origin || !o.corsOrigins.includes(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Type, Set-Cookie');
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      if (req.headers['access-control-request-headers']) {
        res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers']);
      }
      res.setHeader('Access-Control-Max-Age', '0');
    }
  }

  async function handle(req, res) {
    const url = new URL(req.url, publicUrl);
    const path = url.pathname;
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      return res.end();
    }
    if (path.startsWith('/__emulator/')) return control(req, res, path);
    switch (`${req.method} ${path}`) {
      case 'GET /sessions/whoami':
        return whoami(req, res, url);
      case 'GET /self-service/login/browser':
        return loginInit(req, res, url, 'browser');
      case 'GET /self-service/login/api':
        return loginInit(req, res, url, 'api');
      case 'POST /self-service/login':
        return loginSubmit(req, res, url);
      case 'GET /self-service/login/flows':
        return getLoginFlow(req, res, url);
      case 'GET /self-service/settings/browser':
        return settingsInit(req, res, url, 'browser');
      case 'GET /self-service/settings/api':
        return settingsInit(req, res, url, 'api');
      case 'GET /self-service/settings':
      case 'POST /self-service/settings':
        return settingsSubmit(req, res, url);
      case 'GET /self-service/settings/flows':
        return getSettingsFlow(req, res, url);
      case 'GET /self-service/errors': {
        const id = url.searchParams.get('id') ?? '';
        const e = em.storedErrors.get(id);
        if (!e) return sendError(req, res, K.errors.notFound('The requested error could not be found.'));
        return send(res, 200, { id, error: e.error, created_at: K.goTime(e.at), updated_at: K.goTime(e.at) });
      }
      case 'GET /ui/login':
        return loginUi(req, res, url);
      case 'GET /ui/settings':
        return settingsUi(req, res, url);
      case 'GET /ui/error': {
        const id = url.searchParams.get('id') ?? '';
        return html(res, ui.errorPage(id, em.storedErrors.get(id)?.error ?? null));
      }
      case 'GET /': {
        const s = em.currentSession(req);
        const view = s && { email: s.identity.email, aal: K.sessionAal(s.methods), methods: s.methods.map((m) => m.method) };
        return html(res, ui.homePage({ url: publicUrl, session: view }));
      }
      case 'GET /health':
      case 'GET /health/alive':
      case 'GET /health/ready':
        return send(res, 200, { status: 'ok' });
      default:
        return sendError(req, res, K.errors.notFound(undefined));
    }
  }

  let closing = false;
  return {
    url: publicUrl,
    issuer,
    clock: em.clock,
    fault: faults.set,
    /** What the faults did: `sentBytes`, the bytes of the last `huge` answer written out. */
    faultStats: faults.stats,
    get users() {
      return em.users();
    },
    /** The public JWKS of the keys tokenized sessions are signed with (a fresh copy). */
    get jwks() {
      return structuredClone(tokenizer.jwks());
    },
    /** Requests to GET /sessions/whoami and, among them, those with tokenize_as (since start or reset). */
    get counters() {
      return { ...em.counters };
    },
    async createSession(opts) {
      return `${COOKIE}=${em.createSession(opts).token}`;
    },
    revokeSession: (ref) => em.revokeSession(ref),
    whoamiCalls: () => em.whoamiCallCounts(),
    reset,
    async close() {
      if (closing) return;
      closing = true;
      faults.close();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ---- CLI ----
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4433' },
      'required-aal': { type: 'string', default: 'highest_available' },
      'settings-required-aal': { type: 'string', default: 'highest_available' },
      'privileged-session-max-age': { type: 'string', default: '1h' },
      'session-lifespan': { type: 'string', default: '24h' },
      'allowed-return-url': { type: 'string', multiple: true, default: [] },
      'default-return-url': { type: 'string' },
      'cors-origin': { type: 'string', multiple: true, default: [] },
      'public-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`node tools/kratos-emulator/emulator.mjs [--host 127.0.0.1] [--port 4433]
  [--required-aal aal1|highest_available] [--settings-required-aal aal1|highest_available]
  [--privileged-session-max-age 1h] [--session-lifespan 24h] [--allowed-return-url URL]...
  [--default-return-url URL] [--cors-origin ORIGIN]... [--public-url URL]`);
    process.exit(0);
  }
  const kratos = await startKratosEmulator({
    host: values.host,
    port: Number(values.port),
    requiredAal: values['required-aal'],
    settingsRequiredAal: values['settings-required-aal'],
    privilegedSessionMaxAge: values['privileged-session-max-age'],
    sessionLifespan: values['session-lifespan'],
    allowedReturnUrls: values['allowed-return-url'],
    defaultReturnUrl: values['default-return-url'],
    corsOrigins: values['cors-origin'],
    publicUrl: values['public-url'],
  });
  console.log(`Kratos emulator: ${kratos.url}`);
  console.log(`  session.whoami.required_aal=${values['required-aal']}  settings.required_aal=${values['settings-required-aal']}`);
  const { config } = await (await fetch(`${kratos.url}/__emulator/state`)).json();
  for (const u of config.ignoredReturnUrls) console.log(`  ignoring allowed_return_urls entry ${JSON.stringify(u)} (unparsable or an unsafe wildcard)`);
  if (config.publicSuffixList === null) console.log(`  no public suffix list at ${PSL_FILE}: every wildcard return URL is ignored`);
  for (const u of kratos.users) {
    if (u.password === null) {
      console.log(`  user ${u.email} (OIDC only, no password: POST /__emulator/session, then ?refresh=true through the stand-in provider)`);
    } else {
      console.log(`  user ${u.email} / ${u.password}${u.totpCode ? ` (TOTP code ${u.totpCode})` : ' (no second factor)'}`);
    }
  }
  const stop = async () => {
    await kratos.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
