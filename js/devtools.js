// aalgate/devtools: a console inspector for a page (or Node) with a Kratos session. It asks
// whoami once, through js/kratos.js as aalgate/browser does, and shows the session and what four
// requirements would give, each decided by the core on that same answer. Ages here are
// presentation only (formatting); no decision is made in this module.
import { AalgateError, createGate } from './index.js';
import { askWhoami, credentialsOf, whoamiEndpoint } from './kratos.js';
import { INTERNAL } from './marshal.js';

/** The requirements shown, in order. */
export const REQUIREMENTS = Object.freeze([
  Object.freeze({ aal: 'aal1' }),
  Object.freeze({ aal: 'aal2' }),
  Object.freeze({ aal: 'aal2', maxAge: '5m' }),
  Object.freeze({ operation: 'settings' }),
]);

/**
 * Prints (console.table) the session behind `baseUrl`'s whoami and the core's decisions for four
 * requirements; resolves to the same data.
 *
 * @param {string} baseUrl Kratos's public URL
 * @param {{ config?: object, whoamiUrl?: string, fetch?: Function, headers?: HeadersInit,
 *   print?: boolean, now?: number }} [options] `config`: more of createGate's configuration;
 *   `fetch`: default globalThis.fetch; `headers`: credentials to send (cookie, authorization,
 *   x-session-token; others are dropped), for Node; `print: false`: no console output; `now`:
 *   this machine's clock in ms (default Date.now()); ages and decisions are measured on it plus
 *   Kratos's clock skew (its Date header), as aalgate/worker does.
 * @returns {Promise<{ session: object, decisions: object[] }>}
 */
export async function inspect(baseUrl, options = {}) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AalgateError('options', 'inspect options must be an object');
  }
  const { config = {}, whoamiUrl, fetch: fetchOption, headers, print = true, now } = options;
  if (fetchOption !== undefined && typeof fetchOption !== 'function') {
    throw new AalgateError('config.fetch', 'options.fetch must be a function (default: globalThis.fetch)');
  }
  const fetchFn = fetchOption ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new AalgateError('config.fetch', 'there is no fetch here: pass { fetch }');
  const gate = await createGate({ ...config, baseUrl });
  try {
    const endpoint = whoamiEndpoint(baseUrl, whoamiUrl);
    const answer = await askWhoami(endpoint, {
      fetch: fetchFn,
      maxBodyBytes: gate[INTERNAL].maxBodyBytes,
      headers: headers === undefined ? [] : credentialsOf(new Headers(headers)),
      credentials: 'include',
    });
    // Kratos's clock when its Date header gave it (as aalgate/worker measures): the ages shown
    // and the decisions are on the same clock.
    const at = (typeof now === 'number' ? now : Date.now()) + ('skewMs' in answer ? answer.skewMs : 0);
    const session = describeSession(answer, at);
    const decisions = REQUIREMENTS.map((requirement) => {
      const d = gate.decide(answer, { ...requirement, now: at }, { explain: true });
      // The rule that decided, as the core explains it (DESIGN.md "Explanations").
      const decided = d.explanation.steps.at(-1);
      return {
        requirement: label(requirement),
        verdict: d.verdict,
        reason: d.reason,
        why: `${decided.rule}: ${decided.check}`,
        url: d.url,
        warnings: [...d.warnings],
        explanation: d.explanation,
      };
    });
    if (print) printTables(session, decisions);
    return { session, decisions };
  } finally {
    gate.dispose();
  }
}

function label(requirement) {
  return Object.entries(requirement)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

// What whoami said, for display: never used to decide.
function describeSession(answer, at) {
  if ('failure' in answer) return { active: false, status: null, note: `no answer from Kratos (${answer.failure})` };
  if (typeof answer.body !== 'string') return { active: false, status: answer.status, note: 'the body is over maxBodyBytes: not read' };
  let body = null;
  try {
    body = JSON.parse(answer.body);
  } catch {
    body = null;
  }
  const isSession = answer.status === 200 && body !== null && typeof body === 'object' && typeof body.id === 'string';
  if (!isSession) {
    const note = answer.status === 401 ? 'no session (401)' : `no session (HTTP ${answer.status})`;
    return { active: false, status: answer.status, note };
  }
  const age = (iso) => {
    const t = Date.parse(iso ?? '');
    return Number.isFinite(t) ? formatDuration(at - t) : null;
  };
  const expires = Date.parse(body.expires_at ?? '');
  const methods = Array.isArray(body.authentication_methods) ? body.authentication_methods : [];
  return {
    active: body.active === true,
    status: answer.status,
    level: body.authenticator_assurance_level ?? null,
    authenticatedAt: body.authenticated_at ?? null,
    authenticatedAge: age(body.authenticated_at),
    expiresAt: body.expires_at ?? null,
    timeLeft: Number.isFinite(expires) ? (expires - at >= 0 ? formatDuration(expires - at) : `expired ${formatDuration(at - expires)} ago`) : null,
    methods: methods.map((m) => ({
      method: m?.method ?? null,
      aal: m?.aal ?? null,
      completedAt: m?.completed_at ?? null,
      age: age(m?.completed_at),
    })),
  };
}

/**
 * A duration for people: "4m 12s", "2h 5m", "3d 4h", "12s" (the two largest units).
 * @param {number} ms
 * @returns {string}
 */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '';
  const sign = ms < 0 ? '-' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0 || (unit === 's' && parts.length === 0)) parts.push(`${n}${unit}`);
  }
  return sign + parts.slice(0, 2).join(' ');
}

function printTables(session, decisions) {
  const out = globalThis.console;
  if (session.methods === undefined) {
    out.table([{ session: session.note }]);
  } else {
    out.table([
      { item: 'level', value: session.level, age: '', at: '' },
      ...session.methods.map((m) => ({ item: `method ${m.method} (${m.aal})`, value: m.aal, age: m.age, at: m.completedAt })),
      { item: 'authenticated_at', value: '', age: session.authenticatedAge, at: session.authenticatedAt },
      { item: 'expires_at', value: `${session.timeLeft} left`, age: '', at: session.expiresAt },
    ]);
  }
  out.table(decisions.map(({ explanation, ...row }) => row));
}
