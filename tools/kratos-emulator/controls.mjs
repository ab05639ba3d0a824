// The emulator's own HTTP controls under /__emulator/ (not Kratos), for other processes: its
// state, the clock, the whoami fault, a session made directly, a reset. README.md, "HTTP controls".
import * as K from './kratos.mjs';
import { readBody, send, sendError } from './http.mjs';
import { COOKIE } from './state.mjs';

/**
 * The control route of the emulator whose state is `em` (state.mjs), faults `faults`
 * (faults.mjs) and whole reset `reset`; `ignoredReturnUrls` and `psl` are what loading the
 * allowed_return_urls and the public suffix list gave, for the state's `config`; `tokenizer`
 * (tokenize.mjs) and `issuer` for the JWKS and the tokenizer's part of the state.
 */
export function createControls(em, { faults, reset, ignoredReturnUrls, psl, tokenizer, issuer }) {
  const { o, clock, now } = em;

  function state() {
    return {
      url: em.publicUrl,
      now: now(),
      now_iso: K.goTime(now()),
      frozen: clock.frozen,
      fault: faults.view(),
      counters: { ...em.counters },
      whoamiCalls: em.whoamiCallCounts(),
      tokenizer: { issuer, templates: tokenizer.view(), kids: tokenizer.jwks().keys.map((k) => k.kid ?? null), lastError: tokenizer.lastError },
      config: {
        requiredAal: o.requiredAal,
        settingsRequiredAal: o.settingsRequiredAal,
        privilegedSessionMaxAge: o.privilegedSessionMaxAge,
        sessionLifespan: o.sessionLifespan,
        allowedReturnUrls: o.allowedReturnUrls,
        ignoredReturnUrls,
        publicSuffixList: psl ? o.publicSuffixList : null,
        defaultReturnUrl: em.defaultReturnUrl,
        corsOrigins: o.corsOrigins,
      },
      users: em.users(),
      sessions: [...em.sessions.values()].map((s) => ({
        id: s.id,
        email: s.identity.email,
        active: s.active && s.expiresAt > now(),
        revoked: !s.active,
        aal: K.sessionAal(s.methods),
        methods: s.methods.map((m) => m.method),
        authenticated_at: K.goTime(s.authenticatedAt),
        expires_at: K.goTime(s.expiresAt),
      })),
    };
  }

  /** A request to /__emulator/…: `path` is its path. */
  return async function control(req, res, path) {
    const body = req.method === 'POST' ? await readBody(req) : {};
    try {
      if (path === '/__emulator/state' && req.method === 'GET') return send(res, 200, state());
      if (path === '/__emulator/jwks' && req.method === 'GET') return send(res, 200, tokenizer.jwks());
      if (path === '/__emulator/clock' && req.method === 'POST') {
        if (body.freeze === true) clock.freeze();
        if (body.freeze === false) clock.resume();
        clock.advance(Number(body.advanceMs ?? 0));
        return send(res, 200, { now: now(), now_iso: K.goTime(now()), frozen: clock.frozen });
      }
      if (path === '/__emulator/fault' && req.method === 'POST') return send(res, 200, faults.set(body));
      if (path === '/__emulator/session' && req.method === 'POST') {
        const s = em.createSession(body);
        return send(res, 200, { cookie: `${COOKIE}=${s.token}`, token: s.token, session: em.sessionJson(s) });
      }
      if (path === '/__emulator/revoke' && req.method === 'POST') {
        const id = em.revokeSession(body.session);
        if (id === null) return sendError(req, res, K.errors.notFound('Unable to locate the resource'));
        return send(res, 200, { revoked: id });
      }
      if (path === '/__emulator/reset' && req.method === 'POST') {
        reset();
        return send(res, 200, state());
      }
    } catch (error) {
      return sendError(req, res, K.errors.badRequest(String(error.message)));
    }
    return sendError(req, res, K.errors.notFound('Unknown emulator control.'));
  };
}
