// A local Ory Kratos emulator for aalgate's tests and demo (not published, not Kratos). It answers
// with the bodies of tests/fixtures/kratos/ and Kratos's decision order (/work/shared/kratos/FACTS.md).
// API: see README.md. CLI: node examples/kratos-emulator/emulator.mjs --port 4433 [--help]
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import * as K from './kratos.mjs';
import * as ui from './ui.mjs';

export const DEMO_USERS = Object.freeze([
  Object.freeze({ email: 'ada@example.com', password: 'correct horse battery staple', totpCode: '123456' }),
  Object.freeze({ email: 'bob@example.com', password: 'hunter2hunter2', totpCode: null }),
]);
const TOTP_CODE = '123456';
const COOKIE = 'ory_kratos_session';
const FLOW_LIFESPAN_MS = 3600_000; // selfservice.flows.{login,settings}.lifespan default
const SLOW_DEFAULT_MS = 5000;
const MSG = {
  invalidCredentials: {
    id: 4000006,
    text: 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
    type: 'error',
  },
  invalidTotp: { id: 4000008, text: 'The provided authentication code is invalid, please try again.', type: 'error' },
  noStrategy: { id: 4010002, text: 'Could not find a strategy to log you in with. Did you fill out the form correctly?', type: 'error' },
  identityMismatch: { id: 4000000, text: 'You must sign in as the identity of the current session.', type: 'error' },
  noSettingsStrategy: { id: 4000000, text: 'Could not find a strategy to update your settings.', type: 'error' },
  saved: { id: 1050001, text: 'Your changes have been saved!', type: 'success' },
};
const AALS = ['aal1', 'highest_available'];

/**
 * Starts the emulator. See README.md for the options and the returned object.
 * @returns {Promise<{url: string, clock: {now(): number, advance(ms: number): number}, fault(f?: object): object,
 *   users: {email: string, password: string, totpCode: string|null}[], createSession(o: object): Promise<string>,
 *   reset(): void, close(): Promise<void>}>}
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
    settingsRefreshOnInit: true,
    publicUrl: undefined,
  };
  for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) o[k] = v;
  for (const k of ['requiredAal', 'settingsRequiredAal']) {
    if (!AALS.includes(o[k])) throw new TypeError(`${k} must be one of ${AALS.join(', ')}`);
  }
  const privilegedMs = K.parseDuration(o.privilegedSessionMaxAge);
  const lifespanMs = K.parseDuration(o.sessionLifespan);
  const allowList = K.compileAllowList(o.allowedReturnUrls);

  // ---- state ----
  let offset = 0;
  const clock = {
    now: () => Date.now() + offset,
    advance(ms) {
      if (!Number.isFinite(Number(ms))) throw new TypeError('advance(ms) needs a number');
      offset += Number(ms);
      return clock.now();
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
    fault = { mode: 'none', delayMs: 0 };
    identities = DEMO_USERS.map((u) => ({
      id: randomUUID(),
      addressIds: [randomUUID(), randomUUID()],
      email: u.email,
      password: u.password,
      totp: u.totpCode !== null,
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
  const privileged = (s) => s.authenticatedAt + privilegedMs > now();
  /** The request URL with its query re-encoded as Go's url.Values does (settings reauthenticate()). */
  const reencoded = (url) =>
    `${publicUrl}${url.pathname}${url.search ? `?${K.goQuery(Object.fromEntries(url.searchParams))}` : ''}`;

  function send(res, status, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(K.goJson(body));
  }
  const sendError = (req, res, e, headers) => send(res, e.code, K.errorBody(e, req.headers['x-request-id']), headers);
  function redirect(res, location, headers = {}) {
    res.writeHead(303, { Location: location, ...headers });
    res.end();
  }
  function html(res, text) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  }
  const acceptsJson = (req) => K.negotiate(req.headers.accept) === 'application/json';
  /** errorx Manager.Forward: JSON for JSON requests, else a 303 to the error UI. */
  function forward(req, res, e) {
    if (K.isJsonRequest(req.headers)) return sendError(req, res, e);
    const id = randomUUID();
    storedErrors.set(id, { error: K.errorBody(e).error, at: now() });
    return redirect(res, `${publicUrl}/ui/error?id=${id}`);
  }

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
  /** Session.CompletedLoginFor + the timestamps every login, step-up and refresh moves. */
  function completeLogin(s, method, aal) {
    const t = now();
    s.methods.push({ method, aal, completedAt: t });
    s.authenticatedAt = t;
    s.issuedAt = t;
    s.expiresAt = t + lifespanMs;
  }
  const cookieFor = (s) =>
    `${COOKIE}=${s.token}; Path=/; Max-Age=${Math.max(0, Math.round((s.expiresAt - now()) / 1000))}; HttpOnly; SameSite=Lax`;

  /** session.Manager DoesSessionSatisfy: null, or the session_aal2_required error. */
  function unsatisfied(s, required, requestUrl) {
    const aal = K.sessionAal(s.methods);
    if (aal === 'aal2') return null;
    if (required === 'aal1' && aal === 'aal1') return null;
    if (required === 'highest_available' && aal === 'aal1' && !s.identity.totp) return null;
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
    attributes: { name, type, ...(value !== undefined ? { value } : {}), ...(label ? { required: true } : {}), disabled: false, node_type: 'input' },
    messages: [],
    meta: label ? { label: { id: label[0], text: label[1], type: 'info' } } : {},
  });
  function loginMode(f) {
    if (f.requestedAal !== 'aal2') return 'password';
    return identityById(f.identityId)?.totp ? 'totp' : 'none';
  }
  function loginFlowJson(f) {
    const mode = loginMode(f);
    const nodes = f.type === 'browser' ? [input('default', 'csrf_token', 'hidden', f.csrf)] : [];
    if (mode === 'password') {
      const email = identityById(f.identityId)?.email ?? '';
      nodes.push(
        input('default', 'identifier', f.refresh ? 'hidden' : 'text', email, f.refresh ? undefined : [1070004, 'ID']),
        input('password', 'password', 'password', undefined, [1070001, 'Password']),
        input('password', 'method', 'submit', 'password', undefined),
      );
    } else if (mode === 'totp') {
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
    };
  }
  function newFlow(kind, type, req, { returnTo, returnUrl, identityId, ...rest }) {
    const t = now();
    const f = {
      id: randomUUID(),
      kind,
      type,
      requestUrl: `${publicUrl}${req.url}`,
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
  function loginInit(req, res, url, type) {
    const q = url.searchParams;
    const api = type === 'api';
    const fail = (e) => (api ? sendError(req, res, e) : forward(req, res, e));
    // 1. return_to
    const rt = checkReturnTo(q.get('return_to'));
    if (rt.error) return fail(rt.error);
    // 2. aal
    const aal = (q.get('aal') || 'aal1').toLowerCase();
    if (aal !== 'aal1' && aal !== 'aal2') return fail(K.errors.invalidAal(aal));
    let refresh = q.get('refresh') === 'true';
    const s = currentSession(req);
    if (!s) {
      // 3. no session and aal2; 4. no session: a first-factor flow, refresh forced off
      if (aal === 'aal2') return fail(K.errors.aal1Required());
      refresh = false;
    } else if (!refresh && unsatisfied(s, aal) === null) {
      // 6. the session already satisfies the requested aal (5. refresh goes on; 7. aal1 + aal2 goes on)
      if (api || acceptsJson(req)) return sendError(req, res, K.errors.alreadyAvailable());
      return redirect(res, rt.url ?? defaultReturnUrl);
    }
    const f = newFlow('login', type, req, {
      returnTo: q.get('return_to'),
      returnUrl: rt.url,
      identityId: s?.identity.id,
      refresh,
      requestedAal: aal,
    });
    if (api || acceptsJson(req)) return send(res, 200, loginFlowJson(f));
    return redirect(res, `${publicUrl}/ui/login?flow=${f.id}`);
  }

  async function loginSubmit(req, res, url) {
    const body = await readBody(req);
    const f = flows.get(url.searchParams.get('flow') ?? '');
    const json = f?.type === 'api' || K.isJsonRequest(req.headers);
    if (!f || f.kind !== 'login') {
      const e = K.errors.notFound('The requested login flow could not be found.');
      return json ? sendError(req, res, e) : forward(req, res, e);
    }
    if (f.expiresAt <= now()) {
      if (json) return sendError(req, res, K.errors.flowExpired((now() - f.expiresAt) / 60_000));
      return redirect(res, `${publicUrl}/self-service/login/browser${new URL(f.requestUrl).search}`);
    }
    const s = currentSession(req);
    if (s && !f.refresh && unsatisfied(s, f.requestedAal) === null) {
      if (json) return sendError(req, res, K.errors.alreadyAvailable());
      return redirect(res, f.returnUrl ?? defaultReturnUrl);
    }
    const invalid = (message) => {
      f.messages = [message];
      if (json) return send(res, 400, loginFlowJson(f));
      return redirect(res, `${publicUrl}/ui/login?flow=${f.id}`);
    };
    let identity;
    let method;
    if (body.method === 'password' && f.requestedAal === 'aal1') {
      identity = identityByEmail(body.identifier ?? body.password_identifier);
      if (!identity || identity.password !== body.password) return invalid(MSG.invalidCredentials);
      method = ['password', 'aal1'];
    } else if (body.method === 'totp' && f.requestedAal === 'aal2') {
      if (!s) return json ? sendError(req, res, K.errors.aal1Required()) : forward(req, res, K.errors.aal1Required());
      identity = s.identity;
      if (!identity.totp) return invalid(MSG.noStrategy);
      if (String(body.totp_code ?? '').trim() !== TOTP_CODE) return invalid(MSG.invalidTotp);
      method = ['totp', 'aal2'];
    } else {
      return invalid(MSG.noStrategy);
    }
    if (s && s.identity !== identity) {
      return json ? sendError(req, res, K.errors.identityMismatch()) : invalid(MSG.identityMismatch);
    }
    const session = s ?? newSession(identity, req);
    completeLogin(session, ...method);
    f.messages = [];
    f.state = 'passed_challenge';
    const headers = f.type === 'browser' ? { 'Set-Cookie': cookieFor(session) } : {};
    // PostLoginHook: does the session satisfy session.whoami.required_aal?
    const owed = unsatisfied(session, o.requiredAal);
    if (f.type === 'api') {
      const sj = sessionJson(session);
      if (owed) sj.identity = null;
      return send(res, 200, { session_token: session.token, session: sj });
    }
    if (owed) {
      const from = new URL(f.requestUrl).searchParams;
      const to = loginUrl({ aal: 'aal2', return_to: from.get('return_to') || undefined, login_challenge: from.get('login_challenge') || undefined });
      if (json) return sendError(req, res, K.errors.browserLocationChange(to), headers);
      return redirect(res, to, headers);
    }
    const to = f.returnUrl ?? defaultReturnUrl;
    if (json) {
      return send(res, 200, { session: sessionJson(session), continue_with: [{ action: 'redirect_browser_to', redirect_browser_to: to }] }, headers);
    }
    return redirect(res, to, headers);
  }

  function loginUi(req, res, url) {
    const f = flows.get(url.searchParams.get('flow') ?? '');
    if (!f || f.kind !== 'login') return redirect(res, `${publicUrl}/self-service/login/browser`);
    if (f.expiresAt <= now()) return redirect(res, `${publicUrl}/self-service/login/browser${new URL(f.requestUrl).search}`);
    const email = identityById(f.identityId)?.email ?? '';
    return html(res, ui.loginPage({ flow: f, action: `${publicUrl}/self-service/login?flow=${f.id}`, mode: loginMode(f), email }));
  }

  // ---- settings ----
  function settingsInit(req, res, url, type) {
    const api = type === 'api';
    const json = api || K.isJsonRequest(req.headers);
    const s = currentSession(req);
    const returnTo = url.searchParams.get('return_to');
    if (!s) {
      if (api) return sendError(req, res, K.errors.sessionInactive());
      if (json) return sendError(req, res, K.errors.sessionInactiveUnwrapped());
      return redirect(res, loginUrl(returnTo ? { return_to: returnTo } : null));
    }
    const owed = unsatisfied(s, o.settingsRequiredAal, !api && returnTo ? `${publicUrl}${req.url}` : null);
    if (owed) return json ? sendError(req, res, owed) : redirect(res, owed.redirect);
    if (o.settingsRefreshOnInit && !privileged(s)) {
      const e = K.errors.refreshRequired(loginUrl({ refresh: 'true', return_to: reencoded(url) }));
      return json ? sendError(req, res, e) : redirect(res, e.redirect);
    }
    const rt = checkReturnTo(returnTo);
    if (rt.error) return json ? sendError(req, res, rt.error) : forward(req, res, rt.error);
    const f = newFlow('settings', type, req, { returnTo, returnUrl: rt.url, identityId: s.identity.id, pending: null });
    if (json || acceptsJson(req)) return send(res, 200, settingsFlowJson(f));
    return redirect(res, `${publicUrl}/ui/settings?flow=${f.id}`);
  }

  async function settingsSubmit(req, res, url) {
    let body = req.method === 'POST' ? await readBody(req) : null;
    const f = flows.get(url.searchParams.get('flow') ?? '');
    const json = f?.type === 'api' || K.isJsonRequest(req.headers);
    const s = currentSession(req);
    if (!s) return json ? sendError(req, res, K.errors.sessionInactive()) : redirect(res, loginUrl(null));
    if (!f || f.kind !== 'settings') {
      const e = K.errors.notFound('The requested settings flow could not be found.');
      return json ? sendError(req, res, e) : forward(req, res, e);
    }
    if (f.expiresAt <= now()) {
      if (json) return sendError(req, res, K.errors.flowExpired((now() - f.expiresAt) / 60_000));
      return redirect(res, `${publicUrl}/self-service/settings/browser${new URL(f.requestUrl).search}`);
    }
    if (f.identityId !== s.identity.id) {
      return json ? sendError(req, res, K.errors.identityMismatch()) : forward(req, res, K.errors.identityMismatch());
    }
    const owed = unsatisfied(s, o.settingsRequiredAal, `${publicUrl}${req.url}`);
    if (owed) return json ? sendError(req, res, owed) : redirect(res, owed.redirect);
    if (body === null) {
      // GET: Kratos resumes a submission interrupted by session_refresh_required (continuity).
      if (!f.pending || !privileged(s)) {
        return json ? send(res, 200, settingsFlowJson(f)) : redirect(res, `${publicUrl}/ui/settings?flow=${f.id}`);
      }
      body = f.pending;
    }
    f.pending = null;
    const invalid = (message) => {
      f.messages = [message];
      if (json) return send(res, 400, settingsFlowJson(f));
      return redirect(res, `${publicUrl}/ui/settings?flow=${f.id}`);
    };
    if (body.method !== 'totp') return invalid(MSG.noSettingsStrategy);
    if (!privileged(s)) {
      f.pending = body;
      const e = K.errors.refreshRequired(loginUrl({ refresh: 'true', return_to: reencoded(url) }));
      return json ? sendError(req, res, e) : redirect(res, e.redirect);
    }
    const i = s.identity;
    if (body.totp_unlink === true || body.totp_unlink === 'true') {
      i.totp = false;
    } else if (!i.totp) {
      if (String(body.totp_code ?? '').trim() !== TOTP_CODE) return invalid(MSG.invalidTotp);
      i.totp = true;
      // "Since we added the method, it also means that we have authenticated it" (SessionAddAuthenticationMethods)
      s.methods.push({ method: 'totp', aal: 'aal2', completedAt: now() });
    }
    i.updatedAt = now();
    f.state = 'success';
    f.messages = [MSG.saved];
    if (json) return send(res, 200, settingsFlowJson(f));
    return redirect(res, f.returnUrl ?? defaultReturnUrl);
  }

  function settingsUi(req, res, url) {
    const f = flows.get(url.searchParams.get('flow') ?? '');
    if (!f || f.kind !== 'settings') return redirect(res, `${publicUrl}/self-service/settings/browser`);
    const i = identityById(f.identityId);
    return html(res, ui.settingsPage({ flow: f, action: `${publicUrl}/self-service/settings?flow=${f.id}`, email: i.email, totp: i.totp }));
  }

  // ---- whoami ----
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
  const users = () => identities.map((i) => ({ email: i.email, password: i.password, totpCode: i.totp ? TOTP_CODE : null }));
  function createSessionSync({ email, methods = ['password'] } = {}) {
    const identity = identityByEmail(email);
    if (!identity) throw new Error(`no such user: ${email}`);
    const s = newSession(identity, null);
    for (const m of methods) {
      const [method, aal] = typeof m === 'string' ? [m, K.methodAal(m)] : [m.method, m.aal ?? K.methodAal(m.method)];
      completeLogin(s, method, aal);
    }
    return s;
  }
  function state() {
    return {
      url: publicUrl,
      now: now(),
      now_iso: K.goTime(now()),
      fault: setFaultView(),
      config: {
        requiredAal: o.requiredAal,
        settingsRequiredAal: o.settingsRequiredAal,
        privilegedSessionMaxAge: o.privilegedSessionMaxAge,
        sessionLifespan: o.sessionLifespan,
        allowedReturnUrls: o.allowedReturnUrls,
        defaultReturnUrl,
        corsOrigins: o.corsOrigins,
        settingsRefreshOnInit: o.settingsRefreshOnInit,
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
        clock.advance(Number(body.advanceMs ?? 0));
        return send(res, 200, { now: now(), now_iso: K.goTime(now()) });
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
      case 'GET /self-service/login/flows': {
        const f = flows.get(url.searchParams.get('id') ?? '');
        if (!f || f.kind !== 'login') return sendError(req, res, K.errors.notFound('The requested login flow could not be found.'));
        return send(res, 200, loginFlowJson(f));
      }
      case 'GET /self-service/settings/browser':
        return settingsInit(req, res, url, 'browser');
      case 'GET /self-service/settings/api':
        return settingsInit(req, res, url, 'api');
      case 'GET /self-service/settings':
      case 'POST /self-service/settings':
        return settingsSubmit(req, res, url);
      case 'GET /self-service/settings/flows': {
        const s = currentSession(req);
        if (!s) return sendError(req, res, K.errors.sessionInactive());
        const f = flows.get(url.searchParams.get('id') ?? '');
        if (!f || f.kind !== 'settings') return sendError(req, res, K.errors.notFound('The requested settings flow could not be found.'));
        if (f.identityId !== s.identity.id) return sendError(req, res, K.errors.identityMismatch());
        const owed = unsatisfied(s, o.settingsRequiredAal, `${publicUrl}/ui/settings?flow=${f.id}`);
        return owed ? sendError(req, res, owed) : send(res, 200, settingsFlowJson(f));
      }
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
  for (const u of kratos.users) {
    console.log(`  user ${u.email} / ${u.password}${u.totpCode ? ` (TOTP code ${u.totpCode})` : ' (no second factor)'}`);
  }
  const stop = async () => {
    await kratos.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
