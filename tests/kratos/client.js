// HTTP clients for Kratos's own flows (not a test file): a browser that speaks JSON to Kratos
// with a cookie jar (the CSRF cookie and the session cookie, as an SPA's fetch with
// credentials: 'include'), and a native app that holds a session token (API flows). Both work
// against the real Kratos and against the emulator (tests/kratos/emulator-parity.test.js).
import { Secret, TOTP } from 'otpauth';

/** name → value of the cookies Kratos set; expired ones removed. Host-only, path-less: one Kratos. */
export class CookieJar {
  #cookies = new Map();

  store(headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
      const expires = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('expires='));
      const gone = (maxAge && Number(maxAge.slice(8)) <= 0) || (expires && Date.parse(expires.slice(8)) <= Date.now()) || value === '';
      if (gone) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  has(prefix) {
    return [...this.#cookies.keys()].some((k) => k.startsWith(prefix));
  }

  clone() {
    const jar = new CookieJar();
    for (const [k, v] of this.#cookies) jar.#cookies.set(k, v);
    return jar;
  }
}

/** One HTTP answer: status, headers, text, json (or null), location. */
async function answer(res) {
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json, location: res.headers.get('location') };
}

/**
 * A user agent of one kind: 'browser' (cookies, JSON like an SPA) or 'api' (X-Session-Token).
 * `request` sends its credentials with every request, redirects are never followed.
 */
export class Agent {
  constructor(kratos, kind) {
    this.kratos = kratos;
    this.kind = kind;
    this.jar = new CookieJar();
    this.token = null;
  }

  /** The gate's `flow` for this agent: which login endpoint its URLs use. */
  get flow() {
    return this.kind;
  }

  async request(url, { method = 'GET', json, headers = {} } = {}) {
    const h = { accept: 'application/json', ...headers };
    if (this.kind === 'browser') {
      const cookie = this.jar.header();
      if (cookie) h.cookie = cookie;
    } else if (this.token) {
      h['x-session-token'] = this.token;
    }
    let body;
    if (json !== undefined) {
      h['content-type'] = 'application/json';
      body = JSON.stringify(json);
    }
    const full = url.startsWith('http') ? url : this.kratos.url + url;
    const res = await fetch(full, { method, headers: h, body, redirect: 'manual' });
    if (this.kind === 'browser') this.jar.store(res.headers);
    return answer(res);
  }

  /** whoami as the gate takes it: { status, body } (the body as text, as Kratos sent it). */
  async whoami() {
    const r = await this.request('/sessions/whoami');
    return { status: r.status, body: r.text, json: r.json, headers: r.headers };
  }

  /** A fresh agent of the same kind with the same credentials (a second tab / a copied token). */
  clone() {
    const a = new Agent(this.kratos, this.kind);
    a.jar = this.jar.clone();
    a.token = this.token;
    return a;
  }

  /** POSTs a flow's form as JSON with the flow's CSRF token; keeps a new session token. */
  async submit(flow, fields) {
    const csrf = flow.ui.nodes.find((n) => n.attributes?.name === 'csrf_token')?.attributes.value ?? '';
    const r = await this.request(flow.ui.action, { method: 'POST', json: { csrf_token: csrf, ...fields } });
    if (this.kind === 'api' && r.json?.session_token) this.token = r.json.session_token;
    return r;
  }

  /** Starts a login flow: GET /self-service/login/{kind}?query. */
  startLogin(query = '') {
    return this.request(`/self-service/login/${this.kind}${query ? `?${query}` : ''}`);
  }

  /** A password login from scratch; returns the submit's answer. */
  async passwordLogin(user, query = '') {
    const f = await this.startLogin(query);
    if (f.status !== 200) throw new Error(`login flow: ${f.status} ${f.text}`);
    return this.submit(f.json, { method: 'password', identifier: user.email, password: user.password });
  }

  /** Completes an open login flow with the method it asks for (password or TOTP). */
  async completeLogin(flow, user) {
    if (flow.requested_aal === 'aal2') {
      return this.submit(flow, { method: 'totp', totp_code: codeFor(this.kratos, user) });
    }
    return this.submit(flow, { method: 'password', identifier: user.email, password: user.password });
  }

  /** Starts a settings flow: GET /self-service/settings/{kind}. */
  startSettings(query = '') {
    return this.request(`/self-service/settings/${this.kind}${query ? `?${query}` : ''}`);
  }

  /**
   * Enrols TOTP through a settings flow (which must already be open); returns the answer and the
   * secret (the emulator shows none: its code is fixed).
   */
  async enrollTotp(flow) {
    if (this.kratos.fixedTotpCode) {
      return { answer: await this.submit(flow, { method: 'totp', totp_code: this.kratos.fixedTotpCode }), secret: 'fixed' };
    }
    const node = flow.ui.nodes.find((n) => n.attributes?.id === 'totp_secret_key' || n.attributes?.name === 'totp_secret_key');
    if (!node) throw new Error(`settings flow offers no TOTP enrolment: ${JSON.stringify(flow.ui.nodes.map((n) => n.attributes?.name ?? n.attributes?.id))}`);
    const secret = node.attributes.text?.text ?? node.attributes.value;
    const r = await this.submit(flow, { method: 'totp', totp_code: totpCode(secret) });
    return { answer: r, secret };
  }
}

/** The code a user's authenticator shows now: the emulator's fixed one, or the TOTP of the secret. */
export const codeFor = (kratos, user) => kratos.fixedTotpCode ?? totpCode(user.totpSecret);

/** The current TOTP code (SHA-1, 6 digits, 30 s: what Kratos's pquerna/otp generates keys for). */
export function totpCode(secret) {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
}

/** Creates an identity with a password through the admin API; returns { id, email, password }. */
export async function createIdentity(kratos, email, password = 'aalgate-test-password-1') {
  const res = await fetch(`${kratos.adminUrl}/admin/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ schema_id: 'default', traits: { email }, credentials: { password: { config: { password } } } }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`create identity ${email}: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.id, email, password, totpSecret: null };
}

/** A unique email per call, so the tests of one Kratos never share an identity. */
let serial = 0;
export const uniqueEmail = (label) => `${label}-${process.pid}-${++serial}@example.com`;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
