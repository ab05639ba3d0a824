// The emulator's state and what the flows share of it: the clock, the users (identities),
// sessions, self-service flows and stored errors, with the Kratos rules that read them
// (credentials, the session AAL check, the session and identity JSON, new and expired flows).
import { randomBytes, randomUUID } from 'node:crypto';

import * as K from './kratos.mjs';

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
export const TOTP_CODE = '123456';
export const COOKIE = 'ory_kratos_session';
const FLOW_LIFESPAN_MS = 3600_000; // selfservice.flows.{login,settings}.lifespan default
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The emulator's clock (every time Kratos would take from its own): real time plus an offset that
 * tests move forward, or stopped at an instant. `reset` puts it back to real time, running.
 */
function createClock() {
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
  function reset() {
    offset = 0;
    frozenAt = null;
  }
  return { clock, reset };
}

/**
 * The state of one emulator. `o` holds its options (defaults applied); `publicUrl`,
 * `defaultReturnUrl`, `lifespanMs` (session.lifespan) and `allowList` (the compiled
 * allowed_return_urls) are what it derived from them.
 */
export function createState(o, { publicUrl, defaultReturnUrl, lifespanMs, allowList }) {
  const { clock, reset: resetClock } = createClock();
  const now = () => clock.now();
  let identities = [];
  const sessions = new Map(); // token → session
  const flows = new Map(); // id → flow
  const storedErrors = new Map(); // id → { error, at }
  // Requests to GET /sessions/whoami (any answer, faults included) and the tokenized ones among
  // them: not Kratos, for tests that must prove a token spared the round trip.
  const counters = { whoami: 0, tokenized: 0 };
  // Not Kratos either: those requests by the stored session their credential names (active,
  // revoked or expired), for tests that count calls per session.
  const whoamiBySession = new Map();
  const startedAt = clock.now();

  /** Demo users, no sessions, flows or stored errors, counters at 0, the clock back to real time and running. */
  function reset() {
    resetClock();
    counters.whoami = 0;
    counters.tokenized = 0;
    identities = DEMO_USERS.map((u) => ({
      id: randomUUID(),
      addressIds: [randomUUID(), randomUUID()],
      email: u.email,
      password: u.password,
      totp: u.totpCode !== null,
      oidc: u.oidc,
      externalId: null, // identity.external_id (createSession's externalId sets it)
      createdAt: startedAt,
      updatedAt: startedAt,
    }));
    sessions.clear();
    flows.clear();
    storedErrors.clear();
    whoamiBySession.clear();
  }
  reset();

  // ---- users ----
  const identityByEmail = (email) =>
    identities.find((i) => i.email.toLowerCase() === String(email ?? '').trim().toLowerCase()) ?? null;
  const identityById = (id) => identities.find((i) => i.id === id) ?? null;
  const users = () =>
    identities.map((i) => ({ email: i.email, password: i.password, totpCode: i.totp ? TOTP_CODE : null, oidc: i.oidc }));

  const checkReturnTo = (raw) => K.checkReturnTo(raw, { defaultReturnUrl, allowList, publicUrl });
  const loginUrl = (query) => `${publicUrl}/self-service/login/browser${query ? `?${K.goQuery(query)}` : ''}`;

  // ---- sessions ----
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
  /** The stored session the request's credential names, active or not (undefined: none). */
  function storedSession(req) {
    const token = credential(req);
    return token ? sessions.get(token) : undefined;
  }
  /**
   * session/manager_http.go FetchFromRequest + session/session.go IsActive (`Active &&
   * ExpiresAt.After(now)`): any active session, whatever its level (aal0 included). A revoked
   * session (`active` false, see revokeSession) is no session: whoami answers 401.
   */
  function currentSession(req) {
    const s = storedSession(req);
    return s && s.active && s.expiresAt > now() ? s : null;
  }
  /** Counts a whoami request: counters.whoami and whoamiBySession (above). */
  function countWhoami(req) {
    counters.whoami += 1;
    const s = storedSession(req);
    if (s) whoamiBySession.set(s.id, (whoamiBySession.get(s.id) ?? 0) + 1);
  }
  /** `{ total, bySession: { [session id]: n } }`, a copy. */
  const whoamiCallCounts = () => ({ total: counters.whoami, bySession: Object.fromEntries(whoamiBySession) });
  /**
   * Revokes a session: persistence/sql/persister_session.go RevokeSessionById (what the admin
   * API's `DELETE /admin/sessions/{id}`, session/handler.go disableSession, calls) sets
   * `active = false` and keeps the session; FetchFromRequest then finds it inactive, so whoami
   * answers 401 (session/handler.go whoami: ErrNoSessionFound). `ref` is the session's id, its
   * token, or the `ory_kratos_session=<token>` cookie createSession gave. Returns the session's
   * id, or null when there is no such session (Kratos: 404).
   */
  function revokeSession(ref) {
    const text = String(ref ?? '');
    const token = text.startsWith(`${COOKIE}=`) ? text.slice(COOKIE.length + 1) : text;
    const s = sessions.get(token) ?? [...sessions.values()].find((x) => x.id === text.toLowerCase());
    if (!s) return null;
    s.active = false;
    return s.id;
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
      active: true, // session.go Session.Active: false once revoked
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
   * A session completed now with `methods` in order. A string takes the level the method is
   * recorded with at login (kratos.mjs loginAal); `{ method, aal }` is stored as given (`aal: ''`
   * for a legacy entry, `{ method: 'oidc', aal: 'aal2' }` for upstream MFA); `[]` is an aal0
   * session. Default: the identity's first factor. `externalId` (a string, or null to clear it)
   * sets the identity's external_id first (the tokenizer's subject_source external_id reads it).
   */
  function createSession({ email, methods, externalId } = {}) {
    const identity = identityByEmail(email);
    if (!identity) throw new Error(`no such user: ${email}`);
    if (externalId !== undefined) {
      if (externalId !== null && (typeof externalId !== 'string' || externalId === '')) throw new TypeError('externalId must be a non-empty string or null');
      identity.externalId = externalId;
    }
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
      // identity/identity.go: `external_id,omitempty`
      ...(i.externalId ? { external_id: i.externalId } : {}),
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
    active: s.active && s.expiresAt > now(),
    expires_at: K.goTime(s.expiresAt),
    authenticated_at: K.goTime(s.authenticatedAt),
    authenticator_assurance_level: K.sessionAal(s.methods),
    authentication_methods: s.methods.map((m) => ({ method: m.method, aal: m.aal, completed_at: K.goTime(m.completedAt) })),
    issued_at: K.goTime(s.issuedAt),
    identity: identityJson(s.identity),
    devices: [{ id: s.device.id, ip_address: s.device.ip, user_agent: s.device.ua, location: '' }],
  });

  // ---- flows (login and settings) ----
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
  /** selfservice/flow/login/flow.go Valid, settings/flow.go Valid: ExpiresAt.Before(now). */
  const expired = (f) => f.expiresAt < now();
  /** x.ParseUUID: a malformed id is uuid.Nil. */
  const flowId = (raw) => (UUID.test(raw ?? '') ? raw.toLowerCase() : null);
  /**
   * The fields a login and a settings flow share, up to `ui` (their JSON goes on with its own):
   * `nodes` after the csrf_token node of a browser flow, `ui.action` the flow's submit URL.
   */
  const flowJsonHead = (f, nodes) => ({
    id: f.id,
    type: f.type,
    expires_at: K.goTime(f.expiresAt),
    issued_at: K.goTime(f.issuedAt),
    request_url: f.requestUrl,
    ...(f.returnTo ? { return_to: f.returnTo } : {}),
    ui: {
      action: `${publicUrl}/self-service/${f.kind}?flow=${f.id}`,
      method: 'POST',
      nodes: [...(f.type === 'browser' ? [K.inputNode('default', 'csrf_token', 'hidden', f.csrf)] : []), ...nodes],
      ...(f.messages.length ? { messages: f.messages } : {}),
    },
  });
  /** selfservice/flow/error.go GetFlowExpiredRedirectURL. */
  const expiredRedirect = (route, returnTo) => `${publicUrl}${route}${returnTo ? `?${K.goQuery({ return_to: returnTo })}` : ''}`;
  /**
   * selfservice/flow/login/handler.go getLoginFlow, selfservice/flow/settings/handler.go
   * getSettingsFlow: fetching an expired flow is a 410 (`id` self_service_flow_expired for login,
   * none for settings) pointing a browser flow to the init endpoint again, an API flow to the API one.
   */
  function expiredFlowError(f, id) {
    const kind = f.kind;
    if (f.type === 'browser') {
      return K.errors.flowGone({
        id,
        reason: `The ${kind} flow has expired. Redirect the user to the ${kind} flow init endpoint to initialize a new ${kind} flow.`,
        details: { redirect_to: expiredRedirect(`/self-service/${kind}/browser`, f.returnTo), return_to: f.returnTo ?? '' },
      });
    }
    return K.errors.flowGone({
      id,
      reason: `The ${kind} flow has expired. Call the ${kind} flow init API endpoint to initialize a new ${kind} flow.`,
      details: { api: `${publicUrl}/self-service/${kind}/api` },
    });
  }

  return {
    o,
    publicUrl,
    defaultReturnUrl,
    clock,
    now,
    sessions,
    flows,
    storedErrors,
    counters,
    reset,
    identityByEmail,
    identityById,
    users,
    checkReturnTo,
    loginUrl,
    currentSession,
    countWhoami,
    whoamiCallCounts,
    revokeSession,
    newSession,
    completeLogin,
    cookieFor,
    createSession,
    unsatisfied,
    identityJson,
    sessionJson,
    newFlow,
    expired,
    flowId,
    flowJsonHead,
    expiredFlowError,
  };
}
