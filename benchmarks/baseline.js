// The pure-JS baseline of `npm run bench` (issue 10): what a user writes by hand to decide step-up
// from a whoami Session, without aalgate. It is honest code, written as one would for an app
// (field checks, the URL), neither slowed down nor tuned for the benchmark, and it does not
// attempt aalgate's full rule set: it trusts the Session's shape (as `@ory/client-fetch` types it),
// reads `authenticator_assurance_level` as sent, assumes a Lax server (whoami answers aal1
// sessions of users who have a second factor) and does not check `return_to`.
// tests/js/baseline.test.js checks it against the core on the conformance cases it can express.

/**
 * A hand-written decision for one Kratos deployment.
 * @param {string} baseUrl the Kratos public URL, e.g. `https://auth.example.com`
 * @returns {{ decide(session: object | null | undefined, requirement?: {
 *   aal?: 'aal1' | 'aal2', maxAge?: number, returnTo?: string, now?: number | Date })
 *   : { verdict: 'allow' | 'login' | 'step_up' | 'refresh', url: string | null } }}
 */
export function handWrittenGate(baseUrl) {
  const login = `${baseUrl.replace(/\/$/, '')}/self-service/login/browser`;

  function loginUrl(query, returnTo) {
    if (returnTo) {
      const param = `return_to=${encodeURIComponent(returnTo)}`;
      query = query ? `${query}&${param}` : param;
    }
    return query ? `${login}?${query}` : login;
  }

  return {
    /**
     * @param {object | null | undefined} session what `FrontendApi.toSession()` gave (timestamps
     *   as `Date`s), or the parsed JSON (timestamps as ISO strings); null for no session.
     * @param {{ aal?: 'aal1' | 'aal2', maxAge?: number, returnTo?: string, now?: number | Date }}
     *   [requirement] `maxAge` in seconds; `now` defaults to the clock.
     */
    decide(session, { aal = 'aal1', maxAge, returnTo, now = Date.now() } = {}) {
      if (!session) return { verdict: 'login', url: loginUrl('', returnTo) };
      if (!session.active) return { verdict: 'login', url: loginUrl('', returnTo) };
      const nowMs = +now;
      // Kratos still holds an expired session on its own clock: ask it to log in again.
      if (!(time(session.expires_at) > nowMs)) {
        return { verdict: 'login', url: loginUrl('refresh=true', returnTo) };
      }
      const hasAal2 = session.authenticator_assurance_level === 'aal2';
      if (aal === 'aal2' && !hasAal2) {
        return { verdict: 'step_up', url: loginUrl('aal=aal2', returnTo) };
      }
      if (maxAge !== undefined) {
        // How long ago the user proved the level asked for: the newest second factor for aal2.
        let since = NaN;
        if (aal === 'aal2') {
          for (const method of session.authentication_methods ?? []) {
            if (method.aal !== 'aal2') continue;
            const completed = time(method.completed_at);
            if (Number.isNaN(since) || completed > since) since = completed;
          }
        }
        if (Number.isNaN(since)) since = time(session.authenticated_at);
        if (!(nowMs - since <= maxAge * 1000)) {
          const query = aal === 'aal2' ? 'refresh=true&aal=aal2' : 'refresh=true';
          return { verdict: 'refresh', url: loginUrl(query, returnTo) };
        }
      }
      return { verdict: 'allow', url: null };
    },
  };
}

// A timestamp as milliseconds: a Date (the SDK's), an ISO string (parsed JSON), else NaN.
function time(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return NaN;
}
