// The claims aalgate.jsonnet must give for a session (.scratch/claims.md's contract, issue 14),
// computed independently of the mapper: a regular expression and JS Date arithmetic for RFC 3339
// (not the mapper's civil-day formula). Used by tests/tokens/mapper.test.js (the mapper under
// Debian's jsonnet) and tests/kratos/tokenize.test.js (the mapper inside a real Kratos).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** { seconds (floored), zero: the fraction is all zeros } of an RFC 3339 text, or null. */
export function instant(text) {
  const m = typeof text === 'string' ? RFC3339.exec(text) : null;
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // no 0..99 → 19xx mapping, unlike Date.UTC
  if (mo < 1 || mo > 12 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  if (h > 23 || mi > 59 || s > 60) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  date.setUTCHours(h, mi, Math.min(s, 59), 0); // a leap second is read as :59
  const ms = date.getTime() - offsetMinutes * 60_000;
  return { seconds: ms / 1000, zero: !m[7] || /^0+$/.test(m[7]) };
}
export const GO_ZERO_SECONDS = Date.UTC(2001, 0, 1) / 1000 - 730485 * 86400; // 0001-01-01T00:00:00Z: 2000 Gregorian years before

const present = (o, k) => o !== null && typeof o === 'object' && !Array.isArray(o) && o[k] !== undefined && o[k] !== null;
const dateClaim = (v) => (v === undefined || v === null ? undefined : (instant(v)?.seconds ?? (typeof v === 'string' ? v : JSON.stringify(v))));

/** The claims .scratch/claims.md asks for, computed from a parsed session. */
export function expectedClaims(session) {
  const claims = {};
  if (present(session, 'authenticator_assurance_level')) claims.acr = session.authenticator_assurance_level;
  const raw = present(session, 'authentication_methods') ? session.authentication_methods : null;
  const methods = Array.isArray(raw) ? raw : [];
  const nameOf = (m) => (present(m, 'method') ? m.method : '');
  claims.amr = methods.map((m) => (m && typeof m === 'object' && !Array.isArray(m) ? nameOf(m) : typeof m === 'string' ? m : JSON.stringify(m)));
  const at = dateClaim(session?.authenticated_at);
  if (at !== undefined) claims.auth_time = at;
  const valid =
    (raw === null || Array.isArray(raw)) &&
    methods.every(
      (m) =>
        m && typeof m === 'object' && !Array.isArray(m) &&
        (!present(m, 'method') || typeof m.method === 'string') &&
        (!present(m, 'aal') || typeof m.aal === 'string') &&
        (!present(m, 'completed_at') || instant(m.completed_at) !== null),
    );
  const second = methods.filter((m) => present(m, 'aal') && (m.aal === 'aal2' || m.aal === 'aal3'));
  if (valid) {
    const times = second
      .map((m) => instant(m.completed_at))
      .filter((t) => t && !(t.seconds === GO_ZERO_SECONDS && t.zero))
      .map((t) => t.seconds);
    if (times.length) claims.aal2_time = Math.max(...times);
    claims.aal2_amr = second.map(nameOf);
  } else {
    claims.aal2_amr = 'authentication_methods is not a list of {method, aal, completed_at}';
  }
  const exp = dateClaim(session?.expires_at);
  if (exp !== undefined) claims.session_exp = exp;
  if (present(session, 'identity') && present(session.identity, 'id')) claims.identity_id = session.identity.id;
  return { claims };
}
