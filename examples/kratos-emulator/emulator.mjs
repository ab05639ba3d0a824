// A local Ory Kratos emulator for aalgate's tests and demo (not published, not Kratos). It answers
// with the bodies of tests/fixtures/kratos/ and follows Kratos's source (github.com/ory/kratos):
// every rule below names the Kratos file and function it mirrors; README.md lists them and the
// differences that remain. CLI: node examples/kratos-emulator/emulator.mjs --port 4433 [--help]
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import * as K from './kratos.mjs';
import { PSL_FILE, loadPublicSuffixList } from './publicsuffix.mjs';
import * as ui from './ui.mjs';

/**
 * The demo users. `password: null` means no password credential; `oidc: true` an OIDC credential
 * linked to the emulator's stand-in provider (it signs in only through createSession or a
 * `?refresh=true` flow, see README.md).
 */
export const DEMO_USERS = Object.freeze([
  Object.freeze({ email: 'ada@example.com', password: 'correct horse battery staple', totpCode: '123456', oidc: false }),
  Object.freeze({ email: 'bob@example.com', password: 'hunter2hunter2', totpCode: null, oidc: false }),
  Object.freeze({ email: 'oidc@example.com', password: null, totpCode: null, oidc: true }),
]);
const TOTP_CODE = '123456';
const COOKIE = 'ory_kratos_session';
const FLOW_LIFESPAN_MS = 3600_000; // selfservice.flows.{login,settings}.lifespan default
const CONTINUITY_LIFESPAN_MS = 15 * 60_000; // selfservice/flow/settings/strategy_helper.go ContinuityOptions
const SLOW_DEFAULT_MS = 5000;
const PROVIDER = { id: 'emulator', label: 'Emulator' }; // the stand-in OIDC provider
// text/*.go messages
const MSG = {
  invalidCredentials: {
    id: 4000006,
    text: 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
    type: 'error',
  },
  invalidTotp: { id: 4000008, text: 'The provided authentication code is invalid, please try again.', type: 'error' },
  noStrategy: { id: 4010002, text: 'Could not find a strategy to log you in with. Did you fill out the form correctly?', type: 'error' },
  noSettingsStrategy: { id: 4010004, text: 'Could not find a strategy to update your settings. Did you fill out the form correctly?', type: 'error' },
  saved: { id: 1050001, text: 'Your changes have been saved!', type: 'success' },
  reAuth: { id: 1010003, text: 'Please confirm this action by verifying that it is you.', type: 'info' },
  mfa: { id: 1010004, text: 'Please complete the second authentication challenge.', type: 'info' },
  generic: (reason) => ({ id: 4000001, text: reason, type: 'error', context: { reason } }),
  required: (property) => ({ id: 4000002, text: `Property ${property} is missing.`, type: 'error', context: { property } }),
  expired: (kind, id, expiredAt, now) => ({
    id,
    text: `The ${kind} flow expired ${((now - expiredAt) / 60_000).toFixed(2)} minutes ago, please try again.`,
    type: 'error',
    context: { expired_at: K.goTime(expiredAt), expired_at_unix: Math.floor(expiredAt / 1000) },
  }),
};
const AALS = ['aal1', 'highest_available'];
const OPTIONS = [
  'host', 'port', 'requiredAal', 'settingsRequiredAal', 'privilegedSessionMaxAge', 'allowedReturnUrls',
  'defaultReturnUrl', 'corsOrigins', 'sessionLifespan', 'publicUrl', 'publicSuffixList',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Starts the emulator. See README.md for the options and the returned object.
 * @returns {Promise<{url: string, clock: {now(): number, advance(ms: number): number, freeze(): number, resume(): number,
 *   frozen: boolean}, fault(f?: object): object,
 *   users: {email: string, password: string|null, totpCode: string|null, oidc: boolean}[],
 *   createSession(o: object): Promise<string>, reset(): void, close(): Promise<void>}>}
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

  // ---- state ----
  let offset = 0;
  let frozenAt = null; // a stopped clock, for tests that need an exact instant (at exactly max_age)
  const clock = {
    now: () => frozenAt ?? Date.now() + offset,
    advance(ms) {
      if (!Number.isFinite(Number(ms))) throw new TypeError('advance(ms) needs a number');
      if (frozenAt !== null) frozenAt += Number(ms);
      else offset += Number(ms);
      return clock.now();
    },
    freeze() {
      frozenAt = clock.now();
      return frozenAt;
    },
    resume() {
      if (frozenAt !== null) {
        offset = frozenAt - Date.now();
        frozenAt = null;
      }
      return clock.now();
    },
    get frozen() {
      return frozenAt !== null;
    },
  };
  let fault = { mode: 'none', delayMs: 0 };
  let identities = [];
  const sessions = new Map(); // token → session
  const flows = new Map(); // id → flow
  const storedErrors = new Map(); // id → { error, at }
  const sleepers = new Set();
  const startedAt = clock.now();

  function reset() {
    offset = 0;
    frozenAt = null;
    fault = { mode: 'none', delayMs: 0 };
    identities = DEMO_USERS.map((u) => ({
      id: randomUUID(),
      addressIds: [randomUUID(), randomUUID()],
      email: u.email,
      password: u.password,
      totp: u.totpCode !== null,
      oidc: u.oidc,
      createdAt: startedAt,
      updatedAt: startedAt,
    }));
    sessions.clear();
    flows.clear();
    storedErrors.clear();
  }
  reset();

  // ---- server ----
  const server = createServer((req, res) => {
    // Every answer is dated by the emulator's clock, as Kratos's by its own: a client that
    // measures ages on the server's clock (aalgate/worker does) sees the clock move.
    res.sendDate = false;
    res.setHeader('Date', new Date(clock.now()).toUTCString());
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

  // ---- helpers ----
  const now = () => clock.now();
  const identityByEmail = (email) =>
    identities.find((i) => i.email.toLowerCase() === String(email ?? '').trim().toLowerCase()) ?? null;
  const identityById = (id) => identities.find((i) => i.id === id) ?? null;
  const checkReturnTo = (raw) => K.checkReturnTo(raw, { defaultReturnUrl, allowList, publicUrl });
  const loginUrl = (query) => `${publicUrl}/self-service/login/browser${query ? `?${K.goQuery(query)}` : ''}`;
  /** selfservice/flow/login/flow.go Valid, settings/flow.go Valid: ExpiresAt.Before(now). */
  const expired = (f) => f.expiresAt < now();
  /**
   * session/manager_http.go IsPrivileged: max age ≤ 0 → always; else
   * authenticated_at + max_age > now (at exactly max_age: no longer privileged).
   */
  const privileged = (s) => privilegedMs <= 0 || s.authenticatedAt + privilegedMs > now();
  /**
   * selfservice/strategy/password/settings.go continueSettingsFlow: the password strategy's own
   * check, re-authentication when authenticated_at + max_age < now (so 0 asks on every submit,
   * and at exactly max_age it still passes).
   */
  const passwordNeedsReAuth = (s) => s.authenticatedAt + privilegedMs < now();
  /**
   * The request URL with its query re-encoded as Go's url.Values does
   * (selfservice/flow/settings/error.go reauthenticate: CopyWithQuery(public + r.URL.Path, r.URL.Query())).
   */
  const reencoded = (url) =>
    `${publicUrl}${url.pathname}${url.search ? `?${K.goQuery(Object.fromEntries(url.searchParams))}` : ''}`;
  /** x.ParseUUID: a malformed id is uuid.Nil. */
  const flowId = (raw) => (UUID.test(raw ?? '') ? raw.toLowerCase() : null);

  function send(res, status, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(K.goJson(body));
  }
  const sendError = (req, res, e, headers) => send(res, e.code, K.errorBody(e, req.headers['x-request-id']), headers);
  function redirect(res, location, headers = {}, status = 303) {
    res.writeHead(status, { Location: location, ...headers });
    res.end();
  }
  function html(res, text) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  }
  const acceptsJson = (req) => K.negotiate(req.headers.accept) === 'application/json';
  /** selfservice/errorx/manager.go Forward: JSON for JSON requests, else a 303 to the error UI. */
  function forward(req, res, e) {
    if (K.isJsonRequest(req.headers)) return sendError(req, res, e);
    const id = randomUUID();
    storedErrors.set(id, { error: K.errorBody(e).error, at: now() });
    return redirect(res, `${publicUrl}/ui/error?id=${id}`);
  }

  /** session/manager_http.go extractToken: X-Session-Token, else the cookie, else Authorization: Bearer. */
  function credential(req) {
    const h = req.headers;
    if (h['x-session-token']) return h['x-session-token'];
    for (const part of String(h.cookie ?? '').split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === COOKIE && rest.join('=') !== '') return rest.join('=');
    }
    const [scheme, token] = String(h.authorization ?? '').split(/ (.*)/s);
    return scheme.toLowerCase() === 'bearer' && token ? token : null;
  }
  /**
   * session/manager_http.go FetchFromRequest + session/session.go IsActive (expires_at after now):
   * any active session, whatever its level (aal0 included).
   */
  function currentSession(req) {
    const token = credential(req);
    const s = token ? sessions.get(token) : undefined;
    return s && s.expiresAt > now() ? s : null;
  }
  function newSession(identity, req) {
    const token = `ory_st_${randomBytes(24).toString('base64url')}`;
    const t = now();
    const s = {
      id: randomUUID(),
      token,
      identity,
      issuedAt: t,
      authenticatedAt: t,
      expiresAt: t + lifespanMs,
      methods: [],
      device: { id: randomUUID(), ip: req?.socket.remoteAddress ?? '', ua: req?.headers['user-agent'] ?? '' },
    };
    sessions.set(token, s);
    return s;
  }
  /**
   * session/session.go CompletedLoginForMethod + session/manager_http.go ActivateSession: every
   * login, step-up and refresh appends the method and sets authenticated_at, issued_at, expires_at.
   */
  function completeLogin(s, method, aal) {
    const t = now();
    s.methods.push({ method, aal, completedAt: t });
    s.authenticatedAt = t;
    s.issuedAt = t;
    s.expiresAt = t + lifespanMs;
  }
  const cookieFor = (s) =>
    `${COOKIE}=${s.token}; Path=/; Max-Age=${Math.max(0, Math.round((s.expiresAt - now()) / 1000))}; HttpOnly; SameSite=Lax`;

  /**
   * session/manager_http.go DoesSessionSatisfy: null, or the session_aal2_required error.
   * aal2 sessions always pass; `aal1` needs a session at aal1 or more (an aal0 session gets the
   * 403); `highest_available` fails only when the identity's available AAL
   * (identity/identity.go SetAvailableAAL) is aal2.
   */
  function unsatisfied(s, required, requestUrl) {
    const aal = K.sessionAal(s.methods);
    if (aal === 'aal2') return null;
    if (required === 'aal1' && aal >= 'aal1') return null;
    if (required === 'highest_available' && K.availableAal(s.identity) !== 'aal2') return null;
    return K.errors.aal2Required(loginUrl(requestUrl ? { aal: 'aal2', return_to: requestUrl } : { aal: 'aal2' }));
  }

  const identityJson = (i) => {
    const [created, updated] = [K.goTime(i.createdAt), K.goTime(i.updatedAt)];
    return {
      id: i.id,
      schema_id: 'default',
      schema_url: `${publicUrl}/schemas/ZGVmYXVsdA`,
      state: 'active',
      state_changed_at: created,
      traits: { email: i.email },
      verifiable_addresses: [
        { id: i.addressIds[0], value: i.email, verified: true, via: 'email', status: 'completed', verified_at: created, created_at: created, updated_at: created },
      ],
      recovery_addresses: [{ id: i.addressIds[1], value: i.email, via: 'email', created_at: created, updated_at: created }],
      metadata_public: null,
      created_at: created,
      updated_at: updated,
      organization_id: null,
    };
  };
  const sessionJson = (s) => ({
    id: s.id,
    active: s.expiresAt > now(),
    expires_at: K.goTime(s.expiresAt),
    authenticated_at: K.goTime(s.authenticatedAt),
    authenticator_assurance_level: K.sessionAal(s.methods),
    authentication_methods: s.methods.map((m) => ({ method: m.method, aal: m.aal, completed_at: K.goTime(m.completedAt) })),
    issued_at: K.goTime(s.issuedAt),
    identity: identityJson(s.identity),
    devices: [{ id: s.device.id, ip_address: s.device.ip, user_agent: s.device.ua, location: '' }],
  });

  const input = (group, name, type, value, label) => ({
    type: 'input',
    group,
    attributes: { name, type, ...(value !== undefined ? { value } : {}), ...(label && type !== 'submit' ? { required: true } : {}), disabled: false, node_type: 'input' },
    messages: [],
    meta: label ? { label: { id: label[0], text: label[1], type: 'info', ...(label[2] ? { context: label[2] } : {}) } } : {},
  });
  /**
   * The methods a login flow offers: selfservice/flow/login/handler.go NewLoginFlow (preLoginHook)
   * asks each strategy's form hydrator. aal2: PopulateLoginMethodSecondFactor(Refresh), only totp
   * here and only when the identity has it (else nothing: a dead end). aal1 refresh:
   * PopulateLoginMethodFirstFactorRefresh, password (selfservice/strategy/password/login.go, when
   * the identity has a password) and oidc (selfservice/strategy/oidc/strategy_login.go, the
   * identity's linked providers). aal1 otherwise: the password form.
   */
  function loginMethods(f) {
    const i = identityById(f.identityId);
    if (f.requestedAal === 'aal2') return i?.totp ? ['totp'] : [];
    if (f.refresh && i) return [...(i.password ? ['password'] : []), ...(i.oidc ? ['oidc'] : [])];
    return ['password'];
  }
  function loginFlowJson(f) {
    const methods = loginMethods(f);
    const nodes = f.type === 'browser' ? [input('default', 'csrf_token', 'hidden', f.csrf)] : [];
    if (methods.includes('password')) {
      const email = identityById(f.identityId)?.email ?? '';
      nodes.push(
        input('default', 'identifier', f.refresh ? 'hidden' : 'text', email, f.refresh ? undefined : [1070004, 'ID']),
        input('password', 'password', 'password', undefined, [1070001, 'Password']),
        input('password', 'method', 'submit', 'password', undefined),
      );
    }
    if (methods.includes('oidc')) {
      // oidc AddProviders + text.NewInfoLoginWith
      nodes.push(
        input('oidc', 'provider', 'submit', PROVIDER.id, [1010002, `Sign in with ${PROVIDER.label}`, { provider: PROVIDER.label, provider_id: PROVIDER.id }]),
      );
    }
    if (methods.includes('totp')) {
      nodes.push(
        input('totp', 'totp_code', 'text', undefined, [1010006, 'Authentication code']),
        input('totp', 'method', 'submit', 'totp', undefined),
      );
    }
    return {
      id: f.id,
      type: f.type,
      expires_at: K.goTime(f.expiresAt),
      issued_at: K.goTime(f.issuedAt),
      request_url: f.requestUrl,
      ...(f.returnTo ? { return_to: f.returnTo } : {}),
      ui: { action: `${publicUrl}/self-service/login?flow=${f.id}`, method: 'POST', nodes, ...(f.messages.length ? { messages: f.messages } : {}) },
      created_at: K.goTime(f.issuedAt),
      updated_at: K.goTime(f.issuedAt),
      refresh: f.refresh,
      requested_aal: f.requestedAal,
      state: f.state,
    };
  }
  function settingsFlowJson(f) {
    const i = identityById(f.identityId);
    const nodes = f.type === 'browser' ? [input('default', 'csrf_token', 'hidden', f.csrf)] : [];
    // selfservice/strategy/password/settings.go PopulateSettingsMethod
    nodes.push(input('password', 'password', 'password', undefined, [1070001, 'Password']), input('password', 'method', 'submit', 'password', [1070003, 'Save']));
    // selfservice/strategy/totp/settings.go PopulateSettingsMethod
    if (i.totp) nodes.push(input('totp', 'totp_unlink', 'submit', 'true'));
    else nodes.push(input('totp', 'totp_code', 'text', undefined, [1050010, 'Verify code']), input('totp', 'method', 'submit', 'totp'));
    return {
      id: f.id,
      type: f.type,
      expires_at: K.goTime(f.expiresAt),
      issued_at: K.goTime(f.issuedAt),
      request_url: f.requestUrl,
      ...(f.returnTo ? { return_to: f.returnTo } : {}),
      ui: { action: `${publicUrl}/self-service/settings?flow=${f.id}`, method: 'POST', nodes, ...(f.messages.length ? { messages: f.messages } : {}) },
      identity: identityJson(i),
      state: f.state,
      ...(f.continueWith ? { continue_with: f.continueWith } : {}),
    };
  }
  function newFlow(kind, type, requestUrl, { returnTo, returnUrl, identityId, ...rest }) {
    const t = now();
    const f = {
      id: randomUUID(),
      kind,
      type,
      requestUrl,
      returnTo: returnTo || null,
      returnUrl: returnUrl ?? null,
      identityId: identityId ?? null,
      issuedAt: t,
      expiresAt: t + FLOW_LIFESPAN_MS,
      csrf: randomBytes(32).toString('base64'),
      messages: [],
      state: kind === 'login' ? 'choose_method' : 'show_form',
      ...rest,
    };
    flows.set(f.id, f);
    return f;
  }

  async function readBody(req) {
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
  function sleep(ms) {
    return new Promise((resolve) => {
      const s = { resolve, timer: setTimeout(() => (sleepers.delete(s), resolve()), ms) };
      sleepers.add(s);
    });
  }

  // ---- login ----
  /**
   * GET /self-service/login/{browser,api}: selfservice/flow/login/handler.go
   * createBrowserLoginFlow / createNativeLoginFlow → NewLoginFlow.
   */
  function loginInit(req, res, url, type) {
    const q = url.searchParams;
    const api = type === 'api';
    const fail = (e) => (api ? sendError(req, res, e) : forward(req, res, e));
    // selfservice/flow/login/flow.go NewFlow: return_to first (x/redir SecureRedirectTo)
    const rt = checkReturnTo(q.get('return_to'));
    if (rt.error) return fail(rt.error);
    // flow.go NewFlow: `refresh, _ := strconv.ParseBool(...)`: a parse error is false
    let refresh = K.parseBool(q.get('refresh') ?? '') === true;
    // flow.go NewFlow lower-cases `cmp.Or(aal, "aal1")`; handler.go NewLoginFlow then matches it
    // with stringsx.SwitchExact (case-sensitive, but on the lower-cased value)
    const aal = (q.get('aal') || 'aal1').toLowerCase();
    if (aal !== 'aal1' && aal !== 'aal2') return fail(K.errors.invalidAal(aal));
    // handler.go NewLoginFlow: the session lookup (any active session, aal0 included)
    const s = currentSession(req);
    if (!s) {
      // no session: aal2 → 401 session_aal1_required; else a flow with refresh forced off
      if (aal === 'aal2') return fail(K.errors.aal1Required());
      refresh = false;
    } else if (!refresh && (aal === 'aal1' || aal <= K.sessionAal(s.methods))) {
      // a session, no refresh: aal1 requested, or a level the session already has →
      // ErrAlreadyLoggedIn; createBrowserLoginFlow sends an HTML request to return_to instead
      if (api || acceptsJson(req)) return sendError(req, res, K.errors.alreadyAvailable());
      return redirect(res, rt.url ?? defaultReturnUrl);
    }
    const messages = [];
    if (refresh) messages.push(MSG.reAuth); // NewLoginFlow: text.NewInfoLoginReAuth
    if (s && aal > K.sessionAal(s.methods) && aal > 'aal1') messages.push(MSG.mfa); // text.NewInfoLoginMFA
    const f = newFlow('login', type, `${publicUrl}${req.url}`, {
      returnTo: q.get('return_to'),
      returnUrl: rt.url,
      identityId: s?.identity.id,
      refresh,
      requestedAal: aal,
      messages,
    });
    if (api || acceptsJson(req)) return send(res, 200, loginFlowJson(f));
    return redirect(res, `${publicUrl}/ui/login?flow=${f.id}`);
  }

  /** POST /self-service/login: selfservice/flow/login/handler.go updateLoginFlow. */
  async function loginSubmit(req, res, url) {
    const body = await readBody(req);
    const isJson = K.isJsonRequest(req.headers);
    // GetFlowID, then the flow (login/error.go WriteFlowError with no flow: forward)
    const id = flowId(url.searchParams.get('flow'));
    if (!id) return forward(req, res, K.errors.flowIdMissing());
    const f = flows.get(id);
    if (!f || f.kind !== 'login') return forward(req, res, K.errors.notFound('The requested login flow could not be found.'));
    const json = f.type === 'api' || isJson;
    /** login/error.go WriteFlowError for an error ParseError does not turn into a message: forward. */
    const fail = (e) => (f.type === 'api' ? sendError(req, res, e) : forward(req, res, e));
    /** login/error.go WriteFlowError for a message on the flow: 303 to the UI, or 400 with the flow. */
    const invalid = (message) => {
      f.messages = [message];
      if (f.type === 'browser' && !isJson) return redirect(res, `${publicUrl}/ui/login?flow=${f.id}`);
      return send(res, 400, loginFlowJson(f));
    };
    let s = currentSession(req);
    if (s) {
      // a session: go on only to refresh or to raise the level (f.RequestedAAL > session AAL)
      if (!f.refresh && !(f.requestedAal > K.sessionAal(s.methods))) {
        // ErrAlreadyLoggedIn through WriteFlowError: a 400 error becomes a message on the flow
        if (json) return invalid(MSG.generic(K.errors.alreadyAvailable().reason));
        return redirect(res, defaultReturnUrl);
      }
    } else if (f.requestedAal > 'aal1') {
      return fail(K.errors.aal1Required());
    }
    // Flow.Valid
    if (expired(f)) return loginExpired(req, res, f, json, invalid);

    // The strategies (AllLoginStrategies), each responsible for its method and level
    let identity;
    let method;
    if (body.method === 'password' && f.requestedAal === 'aal1') {
      // selfservice/strategy/password/login.go Login: the identity with that identifier and a password
      identity = identityByEmail(body.identifier ?? body.password_identifier);
      if (!identity || !identity.password || identity.password !== body.password) return invalid(MSG.invalidCredentials);
      method = ['password', 'aal1'];
    } else if ((body.method === 'oidc' || (body.method === undefined && body.provider)) && f.requestedAal === 'aal1') {
      // selfservice/strategy/oidc/strategy_login.go Login: the emulator has no provider round trip.
      // Its stand-in signs in the session's identity again, with upstream MFA (aal2), and only on
      // a refresh flow of an identity linked to the provider (the form it showed).
      const i = s && f.refresh ? s.identity : null;
      if (!i || !i.oidc || (body.provider ?? PROVIDER.id) !== PROVIDER.id) return invalid(MSG.noStrategy);
      identity = i;
      method = ['oidc', 'aal2'];
    } else if (body.method === 'totp' && f.requestedAal === 'aal2') {
      // selfservice/strategy/totp/login.go Login: the session's identity and its TOTP
      identity = s.identity;
      if (!identity.totp) return invalid(MSG.noStrategy);
      if (String(body.totp_code ?? '').trim() !== TOTP_CODE) return invalid(MSG.invalidTotp);
      method = ['totp', 'aal2'];
    } else {
      return invalid(MSG.noStrategy); // schema.NewNoLoginStrategyResponsible
    }
    // updateLoginFlow: "we re-authenticate as another user. In this case, we need to use a
    // completely fresh session!"
    if (s && s.identity !== identity) s = null;
    const session = s ?? newSession(identity, req);
    completeLogin(session, ...method);
    f.messages = [];
    f.state = 'passed_challenge';
    const headers = f.type === 'browser' ? { 'Set-Cookie': cookieFor(session) } : {};
    // selfservice/flow/login/hook.go PostLoginHook: does the session satisfy session.whoami.required_aal?
    const owed = unsatisfied(session, o.requiredAal);
    if (f.type === 'api') {
      const sj = sessionJson(session);
      if (owed) sj.identity = null;
      return send(res, 200, { session_token: session.token, session: sj });
    }
    if (owed) {
      // ErrAALNotSatisfied.PassReturnToAndLoginChallengeParameters(flow request_url)
      const from = new URL(f.requestUrl).searchParams;
      const to = loginUrl({ aal: 'aal2', return_to: from.get('return_to') || undefined, login_challenge: from.get('login_challenge') || undefined });
      if (isJson) return sendError(req, res, K.errors.browserLocationChange(to), headers);
      return redirect(res, to, headers);
    }
    const to = f.returnUrl ?? defaultReturnUrl;
    if (isJson) {
      return send(res, 200, { session: sessionJson(session), continue_with: [{ action: 'redirect_browser_to', redirect_browser_to: to }] }, headers);
    }
    return redirect(res, to, headers);
  }

  /**
   * selfservice/flow/login/error.go PrepareReplacementForExpiredFlow: a new flow from this very
   * request (FromOldFlow → NewLoginFlow; the submit URL carries only `flow`, so aal1 and no
   * refresh) keeping the old request_url, with an "expired" message; JSON: 410 naming it in
   * `use_flow_id`, browsers: 303 to its UI. With a session, NewLoginFlow fails with
   * ErrAlreadyLoggedIn, which ends up as a message on the old flow.
   */
  function loginExpired(req, res, f, json, invalid) {
    if (currentSession(req)) return invalid(MSG.generic(K.errors.alreadyAvailable().reason));
    const nf = newFlow('login', f.type, f.requestUrl, {
      returnTo: f.returnTo,
      returnUrl: f.returnUrl,
      identityId: null,
      refresh: false,
      requestedAal: 'aal1',
      messages: [MSG.expired('login', 4010001, f.expiresAt, now())],
    });
    if (json) return sendError(req, res, K.errors.flowExpired(f.expiresAt, now(), nf.id));
    return redirect(res, `${publicUrl}/ui/login?flow=${nf.id}`);
  }

  /** GET /self-service/login/flows: selfservice/flow/login/handler.go getLoginFlow (no CSRF check here). */
  function getLoginFlow(req, res, url) {
    const f = flows.get(flowId(url.searchParams.get('id')) ?? '');
    if (!f || f.kind !== 'login') return sendError(req, res, K.errors.notFound('The requested login flow could not be found.'));
    if (expired(f)) {
      if (f.type === 'browser') {
        return sendError(req, res, K.errors.flowGone({
          id: 'self_service_flow_expired',
          reason: 'The login flow has expired. Redirect the user to the login flow init endpoint to initialize a new login flow.',
          details: { redirect_to: expiredRedirect('/self-service/login/browser', f.returnTo), return_to: f.returnTo ?? '' },
        }));
      }
      return sendError(req, res, K.errors.flowGone({
        id: 'self_service_flow_expired',
        reason: 'The login flow has expired. Call the login flow init API endpoint to initialize a new login flow.',
        details: { api: `${publicUrl}/self-service/login/api` },
      }));
    }
    return send(res, 200, loginFlowJson(f));
  }
  /** selfservice/flow/error.go GetFlowExpiredRedirectURL. */
  const expiredRedirect = (route, returnTo) => `${publicUrl}${route}${returnTo ? `?${K.goQuery({ return_to: returnTo })}` : ''}`;

  function loginUi(req, res, url) {
    const f = flows.get(url.searchParams.get('flow') ?? '');
    if (!f || f.kind !== 'login') return redirect(res, `${publicUrl}/self-service/login/browser`);
    // the UI restarts an expired flow with its original query
    if (expired(f)) return redirect(res, `${publicUrl}/self-service/login/browser${new URL(f.requestUrl).search}`);
    const i = identityById(f.identityId);
    return html(res, ui.loginPage({
      flow: f,
      action: `${publicUrl}/self-service/login?flow=${f.id}`,
      methods: loginMethods(f),
      email: i?.email ?? '',
      identity: i && { totp: i.totp, oidc: i.oidc, password: Boolean(i.password) },
      provider: PROVIDER,
    }));
  }

  // ---- settings ----
  /**
   * GET /self-service/settings/{browser,api}: selfservice/flow/settings/handler.go
   * createBrowserSettingsFlow / createNativeSettingsFlow: session, AAL, then NewFlow (return_to).
   * No privileged-session check here: Kratos makes it only when a change is submitted.
   */
  function settingsInit(req, res, url, type) {
    const api = type === 'api';
    const json = api || K.isJsonRequest(req.headers);
    const s = currentSession(req);
    const returnTo = url.searchParams.get('return_to');
    if (!s) {
      // session/handler.go IsAuthenticated: the API route has no handler (401 session_inactive);
      // the browser route writes NewErrNoActiveSessionFound to JSON, else takes return_to over to login
      if (api) return sendError(req, res, K.errors.sessionInactive());
      if (json) return sendError(req, res, K.errors.sessionInactiveUnwrapped());
      return redirect(res, loginUrl(returnTo ? { return_to: returnTo } : null));
    }
    // DoesSessionSatisfy(settings.required_aal), the browser route WithRequestURL when return_to is set
    const owed = unsatisfied(s, o.settingsRequiredAal, !api && returnTo ? `${publicUrl}${req.url}` : null);
    if (owed) return json ? sendError(req, res, owed) : redirect(res, owed.redirect);
    // settings/flow.go NewFlow: return_to
    const rt = checkReturnTo(returnTo);
    if (rt.error) return api ? sendError(req, res, rt.error) : forward(req, res, rt.error);
    const f = newFlow('settings', type, `${publicUrl}${req.url}`, { returnTo, returnUrl: rt.url, identityId: s.identity.id, pending: null });
    if (json || acceptsJson(req)) return send(res, 200, settingsFlowJson(f));
    return redirect(res, `${publicUrl}/ui/settings?flow=${f.id}`);
  }

  /**
   * POST (and GET) /self-service/settings: selfservice/flow/settings/handler.go updateSettingsFlow,
   * behind session/handler.go IsAuthenticated. In order: session (OnUnauthenticated), flow id,
   * flow, AAL, Flow.Valid (expiry, then identity), then the strategy (continuity, method, CSRF,
   * privileged session, the change), then hook.go PostSettingsHook.
   */
  async function settingsSubmit(req, res, url) {
    const body = req.method === 'POST' ? await readBody(req) : {};
    const isJson = K.isJsonRequest(req.headers);
    const s = currentSession(req);
    // selfservice/flow/settings/strategy_helper.go OnUnauthenticated: JSON → a plain 401 (no id),
    // else 302 to the login UI
    if (!s) return isJson ? sendError(req, res, K.errors.settingsUnauthenticated()) : redirect(res, `${publicUrl}/ui/login`, {}, 302);
    const id = flowId(url.searchParams.get('flow'));
    if (!id) return forward(req, res, K.errors.flowIdMissing());
    const f = flows.get(id);
    if (!f || f.kind !== 'settings') return forward(req, res, K.errors.notFound('The settings request could not be found. Please restart the flow.'));
    const json = f.type === 'api' || isJson;
    // DoesSessionSatisfy(settings.required_aal, WithRequestURL(this request))
    const owed = unsatisfied(s, o.settingsRequiredAal, `${publicUrl}${req.url}`);
    if (owed) return json ? sendError(req, res, owed) : redirect(res, owed.redirect);
    // settings/flow.go Valid: expiry first, then the identity
    if (expired(f)) return settingsExpired(req, res, f, s, json);
    if (f.identityId !== s.identity.id) {
      const e = K.errors.identityMismatch();
      return json ? sendError(req, res, e) : forward(req, res, e);
    }
    /** settings/error.go WriteFlowError for a message on the flow: 303 to the UI, or 400 with the flow. */
    const invalid = (message) => {
      f.messages = [message];
      if (f.type === 'browser' && !isJson) return redirect(res, `${publicUrl}/ui/settings?flow=${f.id}`);
      return send(res, 400, settingsFlowJson(f));
    };
    /**
     * settings/error.go reauthenticate: 303 (browsers) or 403 session_refresh_required to
     * <public>/self-service/login/browser?refresh=true&return_to=<this request URL>; the strategies'
     * handleSettingsError first pauses a browser flow's payload (continuity) for after the refresh.
     */
    const reauth = (payload) => {
      if (f.type === 'browser') f.pending = { body: payload, until: now() + CONTINUITY_LIFESPAN_MS };
      const e = K.errors.refreshRequired(loginUrl({ refresh: 'true', return_to: reencoded(url) }));
      return json ? sendError(req, res, e) : redirect(res, e.redirect);
    };
    // settings/strategy_helper.go PrepareUpdate: a browser (non-JSON) request resumes the paused payload
    let p = body;
    if (f.type === 'browser' && !isJson && f.pending) {
      if (f.pending.until > now()) p = f.pending.body;
      f.pending = null;
    }
    const i = s.identity;
    const unlink = p.totp_unlink === true || p.totp_unlink === 'true';
    if (p.method === 'password') {
      // selfservice/strategy/password/settings.go continueSettingsFlow: (CSRF,) its own age check,
      // the password
      if (passwordNeedsReAuth(s)) return reauth(p);
      if (!p.password) return invalid(MSG.required('password'));
      i.password = String(p.password);
    } else if (p.method === 'totp' || unlink) {
      // selfservice/strategy/totp/settings.go continueSettingsFlow: (CSRF,) IsPrivileged, the change
      if (!privileged(s)) return reauth(p);
      if (i.totp) {
        if (unlink) i.totp = false;
      } else {
        const code = String(p.totp_code ?? '').trim();
        if (code === '') return invalid(MSG.required('totp_code'));
        if (code !== TOTP_CODE) return invalid(MSG.invalidTotp);
        i.totp = true;
        // session/manager_http.go SessionAddAuthenticationMethods: the method is appended and
        // authenticated_at moves ("completing an authentication method is an authentication event")
        const t = now();
        s.methods.push({ method: 'totp', aal: 'aal2', completedAt: t });
        s.authenticatedAt = t;
      }
    } else {
      return invalid(MSG.noSettingsStrategy); // schema.NewNoSettingsStrategyResponsible
    }
    // settings/hook.go PostSettingsHook: return_to (else the settings UI with this flow)
    i.updatedAt = now();
    f.state = 'success';
    f.messages = [MSG.saved];
    const to = f.returnUrl ?? `${publicUrl}/ui/settings?flow=${f.id}`;
    if (f.type === 'api') return send(res, 200, settingsFlowJson(f));
    const headers = { 'Set-Cookie': cookieFor(s) }; // IssueCookie
    if (isJson) {
      f.continueWith = [{ action: 'redirect_browser_to', redirect_browser_to: to }];
      const out = settingsFlowJson(f);
      f.continueWith = undefined;
      return send(res, 200, out, headers);
    }
    return redirect(res, to, headers);
  }

  /**
   * selfservice/flow/settings/error.go PrepareReplacementForExpiredFlow: a new flow (FromOldFlow)
   * with the old request_url and an "expired" message; JSON: 410 with `use_flow_id`, browsers:
   * 303 to its UI.
   */
  function settingsExpired(req, res, f, s, json) {
    const nf = newFlow('settings', f.type, f.requestUrl, {
      returnTo: f.returnTo,
      returnUrl: f.returnUrl,
      identityId: s.identity.id,
      pending: null,
      messages: [MSG.expired('settings', 4050001, f.expiresAt, now())],
    });
    if (json) return sendError(req, res, K.errors.flowExpired(f.expiresAt, now(), nf.id));
    return redirect(res, `${publicUrl}/ui/settings?flow=${nf.id}`);
  }

  /**
   * GET /self-service/settings/flows: selfservice/flow/settings/handler.go getSettingsFlow, behind
   * IsAuthenticated(OnUnauthenticated): flow, session, identity, AAL, expiry.
   */
  function getSettingsFlow(req, res, url) {
    const s = currentSession(req);
    if (!s) {
      if (K.isJsonRequest(req.headers)) return sendError(req, res, K.errors.settingsUnauthenticated());
      return redirect(res, `${publicUrl}/ui/login`, {}, 302);
    }
    const f = flows.get(flowId(url.searchParams.get('id')) ?? '');
    if (!f || f.kind !== 'settings') return sendError(req, res, K.errors.notFound('The requested settings flow could not be found.'));
    if (f.identityId !== s.identity.id) {
      return sendError(req, res, K.errors.identityMismatch('The request was made for another identity and has been blocked for security reasons.'));
    }
    const owed = unsatisfied(s, o.settingsRequiredAal, `${publicUrl}/ui/settings?flow=${f.id}`);
    if (owed) return sendError(req, res, owed);
    if (expired(f)) {
      if (f.type === 'browser') {
        return sendError(req, res, K.errors.flowGone({
          reason: 'The settings flow has expired. Redirect the user to the settings flow init endpoint to initialize a new settings flow.',
          details: { redirect_to: expiredRedirect('/self-service/settings/browser', f.returnTo), return_to: f.returnTo ?? '' },
        }));
      }
      return sendError(req, res, K.errors.flowGone({
        reason: 'The settings flow has expired. Call the settings flow init API endpoint to initialize a new settings flow.',
        details: { api: `${publicUrl}/self-service/settings/api` },
      }));
    }
    return send(res, 200, settingsFlowJson(f));
  }

  function settingsUi(req, res, url) {
    const f = flows.get(url.searchParams.get('flow') ?? '');
    if (!f || f.kind !== 'settings') return redirect(res, `${publicUrl}/self-service/settings/browser`);
    const i = identityById(f.identityId);
    return html(res, ui.settingsPage({ flow: f, action: `${publicUrl}/self-service/settings?flow=${f.id}`, email: i.email, totp: i.totp }));
  }

  // ---- whoami ----
  /** GET /sessions/whoami: session/handler.go whoami (FetchFromRequest, DoesSessionSatisfy). */
  async function whoami(req, res) {
    const { mode, delayMs } = fault;
    const delay = delayMs ?? (mode === 'slow' ? SLOW_DEFAULT_MS : 0);
    if (delay > 0) await sleep(delay);
    if (res.destroyed || closing) return;
    if (mode === 'status500') return sendError(req, res, K.errors.internal());
    if (mode === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      return res.end('<html>this is not a session {"id":');
    }
    const s = currentSession(req);
    if (!s) return sendError(req, res, K.errors.noSession());
    const owed = unsatisfied(s, o.requiredAal);
    if (owed) return sendError(req, res, owed);
    return send(res, 200, sessionJson(s), { 'X-Kratos-Authenticated-Identity-Id': s.identity.id });
  }

  // ---- controls ----
  function setFault(f = {}) {
    const mode = f?.mode ?? 'none';
    if (!['none', 'slow', 'status500', 'garbage'].includes(mode)) throw new TypeError(`unknown fault mode: ${mode}`);
    const delayMs = f?.delayMs === undefined || f?.delayMs === null ? undefined : Number(f.delayMs);
    if (delayMs !== undefined && !(delayMs >= 0)) throw new TypeError('delayMs must be a number ≥ 0');
    fault = { mode, delayMs };
    return { mode, delayMs: delayMs ?? (mode === 'slow' ? SLOW_DEFAULT_MS : 0) };
  }
  const users = () =>
    identities.map((i) => ({ email: i.email, password: i.password, totpCode: i.totp ? TOTP_CODE : null, oidc: i.oidc }));
  /**
   * A session completed now with `methods` in order. A string takes the level the method is
   * recorded with at login (kratos.mjs loginAal); `{ method, aal }` is stored as given (`aal: ''`
   * for a legacy entry, `{ method: 'oidc', aal: 'aal2' }` for upstream MFA); `[]` is an aal0
   * session. Default: the identity's first factor.
   */
  function createSessionSync({ email, methods } = {}) {
    const identity = identityByEmail(email);
    if (!identity) throw new Error(`no such user: ${email}`);
    const list = methods ?? [identity.password ? 'password' : 'oidc'];
    if (!Array.isArray(list)) throw new TypeError('methods must be an array');
    const s = newSession(identity, null);
    for (const m of list) {
      const method = typeof m === 'string' ? m : m?.method;
      if (typeof method !== 'string' || method === '') throw new TypeError(`not a method: ${JSON.stringify(m)}`);
      const aal = typeof m === 'string' || m.aal === undefined ? K.loginAal(method) : String(m.aal);
      completeLogin(s, method, aal);
    }
    return s;
  }
  function state() {
    return {
      url: publicUrl,
      now: now(),
      now_iso: K.goTime(now()),
      frozen: clock.frozen,
      fault: setFaultView(),
      config: {
        requiredAal: o.requiredAal,
        settingsRequiredAal: o.settingsRequiredAal,
        privilegedSessionMaxAge: o.privilegedSessionMaxAge,
        sessionLifespan: o.sessionLifespan,
        allowedReturnUrls: o.allowedReturnUrls,
        ignoredReturnUrls,
        publicSuffixList: psl ? o.publicSuffixList : null,
        defaultReturnUrl,
        corsOrigins: o.corsOrigins,
      },
      users: users(),
      sessions: [...sessions.values()].map((s) => ({
        id: s.id,
        email: s.identity.email,
        active: s.expiresAt > now(),
        aal: K.sessionAal(s.methods),
        methods: s.methods.map((m) => m.method),
        authenticated_at: K.goTime(s.authenticatedAt),
        expires_at: K.goTime(s.expiresAt),
      })),
    };
  }
  const setFaultView = () => ({ mode: fault.mode, delayMs: fault.delayMs ?? (fault.mode === 'slow' ? SLOW_DEFAULT_MS : 0) });

  async function control(req, res, path) {
    const body = req.method === 'POST' ? await readBody(req) : {};
    try {
      if (path === '/__emulator/state' && req.method === 'GET') return send(res, 200, state());
      if (path === '/__emulator/clock' && req.method === 'POST') {
        if (body.freeze === true) clock.freeze();
        if (body.freeze === false) clock.resume();
        clock.advance(Number(body.advanceMs ?? 0));
        return send(res, 200, { now: now(), now_iso: K.goTime(now()), frozen: clock.frozen });
      }
      if (path === '/__emulator/fault' && req.method === 'POST') return send(res, 200, setFault(body));
      if (path === '/__emulator/session' && req.method === 'POST') {
        const s = createSessionSync(body);
        return send(res, 200, { cookie: `${COOKIE}=${s.token}`, token: s.token, session: sessionJson(s) });
      }
      if (path === '/__emulator/reset' && req.method === 'POST') {
        reset();
        return send(res, 200, state());
      }
    } catch (error) {
      return sendError(req, res, K.errors.badRequest(String(error.message)));
    }
    return sendError(req, res, K.errors.notFound('Unknown emulator control.'));
  }

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
        return whoami(req, res);
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
        const e = storedErrors.get(id);
        if (!e) return sendError(req, res, K.errors.notFound('The requested error could not be found.'));
        return send(res, 200, { id, error: e.error, created_at: K.goTime(e.at), updated_at: K.goTime(e.at) });
      }
      case 'GET /ui/login':
        return loginUi(req, res, url);
      case 'GET /ui/settings':
        return settingsUi(req, res, url);
      case 'GET /ui/error': {
        const id = url.searchParams.get('id') ?? '';
        return html(res, ui.errorPage(id, storedErrors.get(id)?.error ?? null));
      }
      case 'GET /': {
        const s = currentSession(req);
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
    clock,
    fault: setFault,
    get users() {
      return users();
    },
    async createSession(opts) {
      return `${COOKIE}=${createSessionSync(opts).token}`;
    },
    reset,
    async close() {
      if (closing) return;
      closing = true;
      for (const s of sleepers) {
        clearTimeout(s.timer);
        s.resolve();
      }
      sleepers.clear();
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
    console.log(`node examples/kratos-emulator/emulator.mjs [--host 127.0.0.1] [--port 4433]
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
