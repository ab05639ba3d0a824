// What the tests against the real Kratos share (not a test file): the gate configured like the
// server, the session states made through Kratos's own flows, and `converge`, which holds aalgate
// to Kratos: whoami's real answer goes to gate.decide, the URL it emits is requested with the same
// credentials and must start the flow the verdict meant, the flow is completed as a user would,
// every error body Kratos answers on the way goes to gate.recover and its URL is followed in turn,
// until the decision is `allow`, which Kratos must then confirm.
import assert from 'node:assert/strict';

import { createGate } from 'aalgate';

import { APP } from './harness.js';
import { Agent, codeFor, createIdentity, uniqueEmail } from './client.js';

export const RETURN_TO = `${APP}/billing`;

/** The requirements every state is decided against. */
export const REQUIREMENTS = {
  aal1: { aal: 'aal1' },
  'aal1/2s': { aal: 'aal1', maxAge: 2 },
  aal2: { aal: 'aal2' },
  'aal2/2s': { aal: 'aal2', maxAge: 2 },
  highest: { aal: 'highest_available' },
  settings: { operation: 'settings' },
};

/** How long the "old" states wait: past `maxAge: 2` and past privileged_session_max_age 3s. */
export const OLD_AFTER_MS = 3300;

/** A gate configured exactly like the Kratos it talks to. */
export function gateFor(kratos, flow, extra = {}) {
  const o = kratos.options;
  return createGate({
    baseUrl: kratos.url,
    flow,
    allowedReturnUrls: o.allowedReturnUrls,
    kratos: {
      session: { whoami: { required_aal: o.whoamiAal } },
      selfservice: {
        flows: { settings: { required_aal: o.settingsAal, privileged_session_max_age: o.privilegedMaxAge } },
        default_browser_return_url: o.defaultReturnUrl,
      },
    },
    ...extra,
  });
}

/**
 * A user for one scenario: a new identity (with TOTP enrolled through its settings flow when
 * `totp`), or on the emulator its demo user (ada has TOTP, bob has none; reset between scenarios).
 */
export async function newUser(kratos, kind, label, { totp = false } = {}) {
  if (kratos.demoUsers) return { ...kratos.demoUsers[totp ? 'ada' : 'bob'] };
  return totp ? withTotp(kratos, kind, uniqueEmail(label)) : createIdentity(kratos, uniqueEmail(label));
}

/**
 * The session states, each made through Kratos's flows for an agent of `kind` with a new
 * identity: { agent, user }. `old` states are the same, made OLD_AFTER_MS earlier by the caller.
 */
export const STATES = {
  /** No credentials at all. */
  none: async (kratos, kind) => ({ agent: new Agent(kratos, kind), user: await newUser(kratos, kind, 'none') }),
  /** A password login of an identity without a second factor. */
  aal1: async (kratos, kind) => {
    const user = await newUser(kratos, kind, 'aal1');
    const agent = new Agent(kratos, kind);
    const r = await agent.passwordLogin(user);
    assert.equal(r.status, 200, `password login: ${r.text}`);
    return { agent, user };
  },
  /** A password login (only) of an identity with TOTP. */
  'aal1+totp': async (kratos, kind) => {
    const user = await newUser(kratos, kind, 'aal1totp', { totp: true });
    const agent = new Agent(kratos, kind);
    const r = await agent.passwordLogin(user);
    // Strict: the browser's JSON login answers 422 browser_location_change_required (towards
    // ?aal=aal2) with the aal1 session cookie set; the API login a token and `identity: null`.
    assert.ok(r.status === 200 || r.status === 422, `password login: ${r.status} ${r.text}`);
    return { agent, user, loginAnswer: r };
  },
  /** Password then TOTP. */
  aal2: async (kratos, kind) => {
    const user = await newUser(kratos, kind, 'aal2', { totp: true });
    const agent = new Agent(kratos, kind);
    await agent.passwordLogin(user);
    const f = await agent.startLogin('aal=aal2');
    assert.equal(f.status, 200, `aal2 flow: ${f.text}`);
    const r = await agent.completeLogin(f.json, user);
    assert.equal(r.status, 200, `TOTP login: ${r.text}`);
    return { agent, user };
  },
};

/** An identity with a password and TOTP enrolled through its own settings flow. */
export async function withTotp(kratos, kind, email) {
  const user = await createIdentity(kratos, email);
  const agent = new Agent(kratos, kind);
  const r = await agent.passwordLogin(user);
  assert.equal(r.status, 200, `password login: ${r.text}`);
  const s = await agent.startSettings();
  assert.equal(s.status, 200, `settings flow: ${s.text}`);
  const { answer, secret } = await agent.enrollTotp(s.json);
  assert.equal(answer.status, 200, `TOTP enrolment: ${answer.text}`);
  user.totpSecret = secret;
  return user;
}

/** Raised when Kratos started the meant flow but it offers no way to complete it. */
export class DeadEnd extends Error {}

const short = (d) => `${d.verdict}/${d.reason}${d.url ? ` ${new URL(d.url).pathname.split('/').slice(-2).join('/')}${new URL(d.url).search}` : ''}`;

/**
 * Requests a decision's URL with the agent's credentials; asserts Kratos starts the flow the
 * verdict meant (never an error, never session_already_available); returns { type, flow }.
 */
export async function followDecision(agent, d, log) {
  assert.ok(d.url, `decision without url: ${JSON.stringify(d)}`);
  const u = new URL(d.url);
  const r = await agent.request(d.url);
  const offers = r.status === 200 && r.json?.ui ? ` [${[...groupsOf(r.json)].sort().join(',')}]` : '';
  log.kratos.push(`${r.status}${r.json?.error?.id ? ` ${r.json.error.id}` : ''} GET ${u.pathname}${u.search}${offers}`);
  assert.equal(r.status, 200, `Kratos refused aalgate's URL ${d.url} (${d.verdict}/${d.reason}): ${r.status} ${r.text}`);
  const flow = r.json;
  assert.ok(flow?.id && flow.ui, `not a flow: ${r.text}`);
  assert.equal(flow.type, agent.kind, `a ${flow.type} flow for a ${agent.kind} client: ${d.url}`);

  if (d.verdict === 'enroll') {
    assert.equal(u.pathname, `/self-service/settings/${agent.kind}`, d.url);
    assert.ok(offersTotpEnrolment(flow), `the settings flow aalgate sent to offers no TOTP enrolment: ${r.text}`);
    return { type: 'settings', flow };
  }

  assert.equal(u.pathname, `/self-service/login/${agent.kind}`, d.url);
  const meant = {
    // a session Kratos still holds (expired on this clock, aal0) is refreshed, else a plain login
    login: { aal: 'aal1', refresh: ['session_expired', 'no_authentication'].includes(d.reason) },
    step_up: { aal: 'aal2', refresh: false },
    refresh: { aal: u.searchParams.get('aal') === 'aal2' ? 'aal2' : 'aal1', refresh: true },
  }[d.verdict];
  assert.ok(meant, `verdict ${d.verdict} with a login URL`);
  if (d.reason === 'second_factor_stale' || d.reason === 'session_already_available') assert.equal(meant.aal, 'aal2', d.url);
  if (d.reason === 'reauthentication_required' || d.reason === 'session_refresh_required') assert.equal(meant.aal, 'aal1', d.url);
  assert.equal(flow.requested_aal, meant.aal, `requested_aal of ${d.url}`);
  assert.equal(flow.refresh, meant.refresh, `refresh of ${d.url}`);
  if (u.searchParams.has('return_to')) assert.equal(flow.return_to, u.searchParams.get('return_to'), `return_to of ${d.url}`);
  return { type: 'login', flow };
}

/** A settings flow with TOTP's enrolment form (secret and code), not only its unlink button. */
export const offersTotpEnrolment = (flow) =>
  (flow.ui.nodes ?? []).some((n) => n.group === 'totp' && n.attributes?.name === 'totp_code');

/** The flow's method nodes by group, for asserting what it offers. */
export const groupsOf = (flow) => new Set((flow.ui.nodes ?? []).map((n) => n.group).filter((g) => g !== 'default'));

/**
 * Completes a flow as the user would. Error bodies go to gate.recover and its URL is followed
 * (depth-limited). Returns nothing; the next whoami tells where the session stands.
 */
export async function completeFlow(ctx, target, depth = 0) {
  const { agent, user, log } = ctx;
  assert.ok(depth < 4, `recover chain too deep: ${log.steps.join(' → ')}`);
  let r;
  if (target.type === 'settings') {
    const { answer, secret } = await agent.enrollTotp(target.flow);
    r = answer;
    log.kratos.push(`${r.status}${r.json?.error?.id ? ` ${r.json.error.id}` : ''} POST settings (totp enrolment)`);
    if (r.status === 200) {
      user.totpSecret = secret;
      return;
    }
  } else if (target.flow.requested_aal === 'aal2') {
    if (!groupsOf(target.flow).has('totp')) throw new DeadEnd(`the aal2 flow offers no second factor (method groups: ${JSON.stringify([...groupsOf(target.flow)])}, messages: ${JSON.stringify((target.flow.ui.messages ?? []).map((m) => m.id))})`);
    r = await agent.submit(target.flow, { method: 'totp', totp_code: codeFor(agent.kratos, user) });
    log.kratos.push(`${r.status}${r.json?.error?.id ? ` ${r.json.error.id}` : ''} POST login (totp)`);
    if (r.status === 200) return;
  } else {
    assert.ok(groupsOf(target.flow).has('password'), `aal1 flow without the password method: ${JSON.stringify(target.flow.ui)}`);
    r = await agent.submit(target.flow, { method: 'password', identifier: user.email, password: user.password });
    log.kratos.push(`${r.status}${r.json?.error?.id ? ` ${r.json.error.id}` : ''} POST login (password)`);
    if (r.status === 200) return;
  }
  await recoverAndFollow(ctx, r, depth);
}

/** A Kratos error body → gate.recover → its URL requested and completed in turn. */
export async function recoverAndFollow(ctx, r, depth = 0) {
  const { gate, agent, req, log } = ctx;
  assert.ok(r.json?.error?.id, `Kratos answered ${r.status} without an error id: ${r.text}`);
  assert.notEqual(r.status, 401, `401 from Kratos: ${r.text}`);
  log.errors.push(`${r.status} ${r.json.error.id}`);
  const d = gate.recover({ status: r.status, body: r.text }, { ...req });
  log.steps.push(`recover(${r.status} ${r.json.error.id}) → ${short(d)}`);
  assert.notEqual(d.verdict, 'error', `recover gave up on a real Kratos answer: ${r.text} → ${JSON.stringify(d)}`);
  if (d.verdict === 'allow') return;
  const target = await followDecision(agent, d, log);
  await completeFlow(ctx, target, depth + 1);
}

/**
 * An `allow` confirmed by Kratos: whoami 200 at the required level, and Kratos's own judgement
 * of "this level is met" (a login flow at that level answers 400 session_already_available, which
 * recover then reads as met for aal1 and as a re-authentication Kratos accepts for aal2); a
 * settings allow by a real settings change that needs a privileged session.
 */
export async function confirmAllow(ctx, w, d) {
  const { gate, agent, req, log } = ctx;
  assert.equal(w.status, 200, 'allow without a whoami 200');
  const level = w.json.authenticator_assurance_level;
  if (d.requiredAal === 'aal2') assert.equal(level, 'aal2', 'allow for aal2, whoami says otherwise');
  else assert.ok(level === 'aal1' || level === 'aal2', `allow with whoami at ${level}`);
  if (d.requiredAal === 'highest_available' && ctx.kratos.options.whoamiAal === 'aal1') {
    assert.ok(d.warnings.includes('highest_available_unverifiable'), 'Lax: highest_available must warn');
  }
  const wanted = d.requiredAal === 'aal2' ? 'aal2' : 'aal1';
  const probe = await agent.startLogin(wanted === 'aal2' ? 'aal=aal2' : '');
  log.kratos.push(`${probe.status}${probe.json?.error?.id ? ` ${probe.json.error.id}` : ''} GET login?aal=${wanted} (is ${wanted} met?)`);
  assert.equal(probe.status, 400, `Kratos does not see ${wanted} as met: ${probe.text}`);
  assert.equal(probe.json?.error?.id, 'session_already_available', probe.text);
  const again = gate.recover({ status: probe.status, body: probe.text }, { aal: wanted });
  if (wanted === 'aal1') {
    assert.equal(again.verdict, 'allow', `recover(session_already_available, aal1): ${JSON.stringify(again)}`);
  } else {
    assert.equal(again.verdict, 'refresh', JSON.stringify(again));
    await followDecision(agent.clone(), again, log); // accepted: a refresh flow at aal2 (not completed)
  }
  if (req.operation === 'settings') {
    let s = await agent.startSettings();
    log.kratos.push(`${s.status}${s.json?.error?.id ? ` ${s.json.error.id}` : ''} GET settings`);
    if (s.status !== 200 && d.warnings.includes('highest_available_unverifiable')) {
      // aalgate said it could not verify highest_available (a Lax whoami): Kratos's settings
      // required_aal refuses, and recover leads on from Kratos's own answer.
      log.unverifiedRefused = `${s.status} ${s.json?.error?.id}`;
      await recoverAndFollow(ctx, s);
      s = await agent.startSettings();
      log.kratos.push(`${s.status} GET settings`);
    }
    assert.equal(s.status, 200, `settings flow after an allow: ${s.text}`);
    // A password change (to the same password) needs a privileged session in every version.
    const change = await agent.submit(s.json, { method: 'password', password: ctx.user.password });
    log.kratos.push(`${change.status}${change.json?.error?.id ? ` ${change.json.error.id}` : ''} POST settings (password)`);
    assert.equal(change.status, 200, `a privileged settings change after aalgate's allow: ${change.text}`);
  }
}

/**
 * Drives one (state, requirement) to `allow` through Kratos. Returns the log: the first decision,
 * the steps, Kratos's answers and error ids. A DeadEnd is returned in `deadEnd` (for the cases the
 * expectations mark as such), anything else fails.
 */
export async function converge({ kratos, gate, agent, user, req, maxSteps = 5 }) {
  const now = () => kratos.now?.() ?? Date.now(); // the emulator runs on its own clock
  const log = { first: null, steps: [], kratos: [], errors: [], deadEnd: null, unverifiedRefused: null };
  const ctx = { kratos, gate, agent, user, req, log };
  for (let step = 0; step < maxSteps; step++) {
    const w = await agent.whoami();
    log.kratos.push(`${w.status}${w.json?.error?.id ? ` ${w.json.error.id}` : ''} whoami`);
    if (w.status !== 200 && w.json?.error?.id) log.errors.push(`${w.status} ${w.json.error.id}`);
    const d = gate.decide({ status: w.status, body: w.body }, { ...req, returnTo: RETURN_TO, now: now() });
    log.first ??= d;
    log.steps.push(`decide(${w.status}${w.status === 200 ? ` ${w.json.authenticator_assurance_level}` : ''}) → ${short(d)}`);
    if (d.verdict === 'allow') {
      await confirmAllow(ctx, w, d);
      return log;
    }
    assert.notEqual(d.verdict, 'error', `decide: ${JSON.stringify(d)} for ${w.status} ${w.body}`);
    // The whoami 403 is a real error body too: recover must agree with decide.
    if (w.status === 403) {
      const r = gate.recover({ status: w.status, body: w.body }, { ...req, returnTo: RETURN_TO, now: now() });
      assert.equal(r.verdict, d.verdict, `recover(whoami 403) ${JSON.stringify(r)} vs decide ${JSON.stringify(d)}`);
      assert.equal(r.url, d.url);
    }
    const target = await followDecision(agent, d, log);
    try {
      await completeFlow(ctx, target);
    } catch (err) {
      if (err instanceof DeadEnd) {
        log.deadEnd = err.message;
        return log;
      }
      throw err;
    }
  }
  assert.fail(`no allow after ${maxSteps} decisions: ${log.steps.join(' → ')}`);
}
