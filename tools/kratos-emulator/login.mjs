// The login flow: init (browser and API), submit (password, the stand-in OIDC provider, TOTP),
// expired flows, fetching a flow, and its UI page. Each rule names the Kratos file it mirrors.
import * as K from './kratos.mjs';
import { messages as MSG, inputNode as input } from './kratos.mjs';
import { acceptsJson, forward, html, readBody, redirect, send, sendError } from './http.mjs';
import { TOTP_CODE } from './state.mjs';
import * as ui from './ui.mjs';

export const PROVIDER = { id: 'emulator', label: 'Emulator' }; // the stand-in OIDC provider

/** The login routes of the emulator whose state is `em` (state.mjs createState). */
export function createLogin(em) {
  const { o, publicUrl, defaultReturnUrl, flows, now, expired, flowId, currentSession, unsatisfied } = em;

  /**
   * The methods a login flow offers: selfservice/flow/login/handler.go NewLoginFlow (preLoginHook)
   * asks each strategy's form hydrator. aal2: PopulateLoginMethodSecondFactor(Refresh), only totp
   * here and only when the identity has it (else nothing: a dead end). aal1 refresh:
   * PopulateLoginMethodFirstFactorRefresh, password (selfservice/strategy/password/login.go, when
   * the identity has a password) and oidc (selfservice/strategy/oidc/strategy_login.go, the
   * identity's linked providers). aal1 otherwise: the password form.
   */
  function loginMethods(f) {
    const i = em.identityById(f.identityId);
    if (f.requestedAal === 'aal2') return i?.totp ? ['totp'] : [];
    if (f.refresh && i) return [...(i.password ? ['password'] : []), ...(i.oidc ? ['oidc'] : [])];
    return ['password'];
  }
  function loginFlowJson(f) {
    const methods = loginMethods(f);
    const nodes = [];
    if (methods.includes('password')) {
      const email = em.identityById(f.identityId)?.email ?? '';
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
      ...em.flowJsonHead(f, nodes),
      created_at: K.goTime(f.issuedAt),
      updated_at: K.goTime(f.issuedAt),
      refresh: f.refresh,
      requested_aal: f.requestedAal,
      state: f.state,
    };
  }

  /**
   * GET /self-service/login/{browser,api}: selfservice/flow/login/handler.go
   * createBrowserLoginFlow / createNativeLoginFlow → NewLoginFlow.
   */
  function loginInit(req, res, url, type) {
    const q = url.searchParams;
    const api = type === 'api';
    const fail = (e) => (api ? sendError(req, res, e) : forward(em, req, res, e));
    // selfservice/flow/login/flow.go NewFlow: return_to first (x/redir SecureRedirectTo)
    const rt = em.checkReturnTo(q.get('return_to'));
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
    const f = em.newFlow('login', type, `${publicUrl}${req.url}`, {
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
    if (!id) return forward(em, req, res, K.errors.flowIdMissing());
    const f = flows.get(id);
    if (!f || f.kind !== 'login') return forward(em, req, res, K.errors.notFound('The requested login flow could not be found.'));
    const json = f.type === 'api' || isJson;
    /** login/error.go WriteFlowError for an error ParseError does not turn into a message: forward. */
    const fail = (e) => (f.type === 'api' ? sendError(req, res, e) : forward(em, req, res, e));
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
      identity = em.identityByEmail(body.identifier ?? body.password_identifier);
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
    const session = s ?? em.newSession(identity, req);
    em.completeLogin(session, ...method);
    f.messages = [];
    f.state = 'passed_challenge';
    const headers = f.type === 'browser' ? { 'Set-Cookie': em.cookieFor(session) } : {};
    // selfservice/flow/login/hook.go PostLoginHook: does the session satisfy session.whoami.required_aal?
    const owed = unsatisfied(session, o.requiredAal);
    if (f.type === 'api') {
      const sj = em.sessionJson(session);
      if (owed) sj.identity = null;
      return send(res, 200, { session_token: session.token, session: sj });
    }
    if (owed) {
      // ErrAALNotSatisfied.PassReturnToAndLoginChallengeParameters(flow request_url)
      const from = new URL(f.requestUrl).searchParams;
      const to = em.loginUrl({ aal: 'aal2', return_to: from.get('return_to') || undefined, login_challenge: from.get('login_challenge') || undefined });
      if (isJson) return sendError(req, res, K.errors.browserLocationChange(to), headers);
      return redirect(res, to, headers);
    }
    const to = f.returnUrl ?? defaultReturnUrl;
    if (isJson) {
      return send(res, 200, { session: em.sessionJson(session), continue_with: [{ action: 'redirect_browser_to', redirect_browser_to: to }] }, headers);
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
    const nf = em.newFlow('login', f.type, f.requestUrl, {
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
    if (expired(f)) return sendError(req, res, em.expiredFlowError(f, 'self_service_flow_expired'));
    return send(res, 200, loginFlowJson(f));
  }

  function loginUi(req, res, url) {
    const f = flows.get(url.searchParams.get('flow') ?? '');
    if (!f || f.kind !== 'login') return redirect(res, `${publicUrl}/self-service/login/browser`);
    // the UI restarts an expired flow with its original query
    if (expired(f)) return redirect(res, `${publicUrl}/self-service/login/browser${new URL(f.requestUrl).search}`);
    const i = em.identityById(f.identityId);
    return html(res, ui.loginPage({
      flow: f,
      action: `${publicUrl}/self-service/login?flow=${f.id}`,
      methods: loginMethods(f),
      email: i?.email ?? '',
      identity: i && { totp: i.totp, oidc: i.oidc, password: Boolean(i.password) },
      provider: PROVIDER,
    }));
  }

  return { loginInit, loginSubmit, getLoginFlow, loginUi };
}
