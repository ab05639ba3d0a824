// The settings flow: init (browser and API), submit (password, TOTP enable/unlink) with the
// privileged-session checks and the paused payload a refresh resumes, expired flows, fetching a
// flow, and its UI page. Each rule names the Kratos file it mirrors.
import * as K from './kratos.mjs';
import { messages as MSG, inputNode as input } from './kratos.mjs';
import { acceptsJson, forward, html, readBody, redirect, send, sendError } from './http.mjs';
import { TOTP_CODE } from './state.mjs';
import * as ui from './ui.mjs';

const CONTINUITY_LIFESPAN_MS = 15 * 60_000; // selfservice/flow/settings/strategy_helper.go ContinuityOptions

/**
 * The settings routes of the emulator whose state is `em` (state.mjs createState);
 * `privilegedMs` is selfservice.flows.settings.privileged_session_max_age in ms.
 */
export function createSettings(em, { privilegedMs }) {
  const { o, publicUrl, flows, now, expired, flowId, currentSession, unsatisfied } = em;

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

  function settingsFlowJson(f) {
    const i = em.identityById(f.identityId);
    const nodes = [];
    // selfservice/strategy/password/settings.go PopulateSettingsMethod
    nodes.push(input('password', 'password', 'password', undefined, [1070001, 'Password']), input('password', 'method', 'submit', 'password', [1070003, 'Save']));
    // selfservice/strategy/totp/settings.go PopulateSettingsMethod
    if (i.totp) nodes.push(input('totp', 'totp_unlink', 'submit', 'true'));
    else nodes.push(input('totp', 'totp_code', 'text', undefined, [1050010, 'Verify code']), input('totp', 'method', 'submit', 'totp'));
    return {
      ...em.flowJsonHead(f, nodes),
      identity: em.identityJson(i),
      state: f.state,
      ...(f.continueWith ? { continue_with: f.continueWith } : {}),
    };
  }

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
      return redirect(res, em.loginUrl(returnTo ? { return_to: returnTo } : null));
    }
    // DoesSessionSatisfy(settings.required_aal), the browser route WithRequestURL when return_to is set
    const owed = unsatisfied(s, o.settingsRequiredAal, !api && returnTo ? `${publicUrl}${req.url}` : null);
    if (owed) return json ? sendError(req, res, owed) : redirect(res, owed.redirect);
    // settings/flow.go NewFlow: return_to
    const rt = em.checkReturnTo(returnTo);
    if (rt.error) return api ? sendError(req, res, rt.error) : forward(em, req, res, rt.error);
    const f = em.newFlow('settings', type, `${publicUrl}${req.url}`, { returnTo, returnUrl: rt.url, identityId: s.identity.id, pending: null });
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
    if (!id) return forward(em, req, res, K.errors.flowIdMissing());
    const f = flows.get(id);
    if (!f || f.kind !== 'settings') return forward(em, req, res, K.errors.notFound('The settings request could not be found. Please restart the flow.'));
    const json = f.type === 'api' || isJson;
    // DoesSessionSatisfy(settings.required_aal, WithRequestURL(this request))
    const owed = unsatisfied(s, o.settingsRequiredAal, `${publicUrl}${req.url}`);
    if (owed) return json ? sendError(req, res, owed) : redirect(res, owed.redirect);
    // settings/flow.go Valid: expiry first, then the identity
    if (expired(f)) return settingsExpired(req, res, f, s, json);
    if (f.identityId !== s.identity.id) {
      const e = K.errors.identityMismatch();
      return json ? sendError(req, res, e) : forward(em, req, res, e);
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
      const e = K.errors.refreshRequired(em.loginUrl({ refresh: 'true', return_to: reencoded(url) }));
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
    const headers = { 'Set-Cookie': em.cookieFor(s) }; // IssueCookie
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
    const nf = em.newFlow('settings', f.type, f.requestUrl, {
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
    if (expired(f)) return sendError(req, res, em.expiredFlowError(f, undefined));
    return send(res, 200, settingsFlowJson(f));
  }

  function settingsUi(req, res, url) {
    const f = flows.get(url.searchParams.get('flow') ?? '');
    if (!f || f.kind !== 'settings') return redirect(res, `${publicUrl}/self-service/settings/browser`);
    const i = em.identityById(f.identityId);
    return html(res, ui.settingsPage({ flow: f, action: `${publicUrl}/self-service/settings?flow=${f.id}`, email: i.email, totp: i.totp }));
  }

  return { settingsInit, settingsSubmit, getSettingsFlow, settingsUi };
}
