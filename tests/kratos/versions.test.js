// Where Kratos v1.3.1 (the release these tests run) and current Kratos (master, which aalgate
// follows: DESIGN.md "Kratos, read from its source", commit b86338d) differ. Each test says which
// version's behaviour it checks: it asserts what the real v1.3.1 server does, and that aalgate
// keeps the choice that is safe against either. These tests document the differences; they fail
// only if v1.3.1 or aalgate behave otherwise than written here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createGate } from 'aalgate';

import { APP, startKratos } from './harness.js';
import { Agent, createIdentity, uniqueEmail } from './client.js';
import { RETURN_TO, followDecision, gateFor, offersTotpEnrolment, withTotp } from './scenarios.js';

const log = () => ({ kratos: [], steps: [], errors: [] });

describe('allowed_return_urls wildcards: v1.3.1 vs current Kratos', () => {
  // Checks v1.3.1: driver/config/config.go SelfServiceBrowserAllowedReturnToDomains (v1.3.1)
  // drops only a bare `*` host and `*.<suffix>` where the suffix is an ICANN public suffix
  // (publicsuffix.PublicSuffix(host) with icann true). Current Kratos drops every wildcard that
  // oryx/corsx/check_origin.go ClassifyOrigin calls unsafe: private-section suffixes
  // (*.vercel.app, *.github.io), hosts without a registrable domain (*.localhost), trailing
  // wildcards. aalgate implements current Kratos and refuses such an entry at createGate.
  const CASES = [
    // entry, a return_to under it, v1.3.1 keeps it?, current Kratos keeps it?, aalgate accepts it?
    { entry: 'https://*.vercel.app/', probe: 'https://attacker-app.vercel.app/', v131: true, current: false, aalgate: false },
    { entry: 'https://*.github.io/', probe: 'https://attacker.github.io/', v131: true, current: false, aalgate: false },
    { entry: 'https://*.localhost/', probe: 'https://anything.localhost/', v131: true, current: false, aalgate: false },
    { entry: 'https://*.co.uk/', probe: 'https://attacker.co.uk/', v131: false, current: false, aalgate: false },
    { entry: 'https://*.com/', probe: 'https://attacker.com/', v131: false, current: false, aalgate: false },
    { entry: 'https://*foo.example.net/', probe: 'https://evilfoo.example.net/', v131: true, current: true, aalgate: true },
    { entry: 'https://*.example.org/app', probe: 'https://shop.example.org/app/cart', v131: true, current: true, aalgate: true },
  ];
  let kratos;
  before(async () => {
    kratos = await startKratos({ allowedReturnUrls: [`${APP}/`, ...CASES.map((c) => c.entry)] });
  });
  after(async () => {
    await kratos?.stop();
  });

  for (const c of CASES) {
    test(`${c.entry}: v1.3.1 ${c.v131 ? 'keeps' : 'drops'} it, current Kratos ${c.current ? 'keeps' : 'drops'} it, aalgate ${c.aalgate ? 'accepts' : 'refuses'} it`, async (t) => {
      const agent = new Agent(kratos, 'browser');
      const r = await agent.startLogin(`return_to=${encodeURIComponent(c.probe)}`);
      t.diagnostic(`v1.3.1: login/browser?return_to=${c.probe} → ${r.status} ${r.json?.error?.id ?? 'flow'}`);
      if (c.v131) assert.equal(r.status, 200, r.text);
      else {
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.id, 'self_service_flow_return_to_forbidden');
      }
      let refused = null;
      try {
        await createGate({ baseUrl: kratos.url, allowedReturnUrls: [c.entry] });
      } catch (err) {
        refused = err;
      }
      if (c.aalgate) {
        assert.equal(refused, null);
      } else {
        assert.equal(refused?.code, 'config.allowedReturnUrls[0]', String(refused));
        t.diagnostic(`aalgate: ${refused.message}`);
      }
      // The safe side: aalgate never lets through an entry some Kratos version drops.
      if (!(c.v131 && c.current)) assert.equal(c.aalgate, false);
      if (c.v131 !== c.current) {
        t.diagnostic(`difference: v1.3.1 accepts return_to=${c.probe}; current Kratos refuses it (400); aalgate refuses the entry, so no version can be sent a return_to it would refuse, nor one v1.3.1 would let an attacker's host have`);
      }
    });
  }
});

describe('AAL of sessions recorded without levels (before Kratos 0.9): v1.3.1 vs current Kratos', () => {
  // Checks v1.3.1: session/session.go SetAuthenticatorAssuranceLevel (v1.3.1) still falls back on
  // the method name when an entry's `aal` is "" (password → aal1, totp → aal2), so a legacy
  // password+totp session is aal2. Current Kratos counts entries by their recorded aal only: that
  // session is aal1 there. aalgate follows current Kratos when it derives the level (a body without
  // authenticator_assurance_level), and takes the server's stated level when the body has one.
  // No flow of v1.3.1 writes such a session: it is written into the database (our aalgate-sql).
  let kratos;
  let gate;
  before(async () => {
    kratos = await startKratos({ database: 'file', whoamiAal: 'highest_available' });
    gate = await gateFor(kratos, 'api');
  });
  after(async () => {
    await kratos?.stop();
  });

  test('password+totp with aal "": v1.3.1 says aal2 (name fallback); aalgate takes the stated level, and derives aal1 without it', async (t) => {
    const user = await withTotp(kratos, 'api', uniqueEmail('legacy'));
    const agent = new Agent(kratos, 'api');
    await agent.passwordLogin(user);
    const w0 = await agent.whoami();
    assert.equal(w0.status, 403, 'Strict: aal1 session of a TOTP identity');
    const sessionId = (await kratos.sql('SELECT id FROM sessions WHERE token = ?', agent.token))[0].id;
    const at = new Date().toISOString();
    const legacy = JSON.stringify([
      { method: 'password', aal: '', completed_at: at },
      { method: 'totp', aal: '', completed_at: at },
    ]);
    await kratos.sql("UPDATE sessions SET authentication_methods = ?, aal = 'aal1' WHERE id = ?", legacy, sessionId);

    const w = await agent.whoami();
    t.diagnostic(`v1.3.1 whoami: ${w.status} ${w.json?.authenticator_assurance_level ?? w.json?.error?.id}`);
    assert.equal(w.status, 200, w.body);
    assert.equal(w.json.authenticator_assurance_level, 'aal2', 'v1.3.1 derives aal2 from the method names');
    assert.deepEqual(w.json.authentication_methods.map((m) => m.aal), ['', '']);
    // v1.3.1 is not even consistent with itself here: whoami re-derives the level (DoesSessionSatisfy
    // calls SetAuthenticatorAssuranceLevel) but the login handler compares with the stored `aal`
    // column (aal1, the migration's default for sessions of that age), so it starts a step-up.
    const probe = await agent.startLogin('aal=aal2');
    t.diagnostic(`v1.3.1 login?aal=aal2 on that session: ${probe.status} ${probe.json?.error?.id ?? `flow requested_aal ${probe.json?.requested_aal}`}`);
    assert.equal(probe.status, 200, probe.text);
    assert.equal(probe.json.requested_aal, 'aal2');

    // The server's stated level is taken as is: allow, as v1.3.1 itself judges.
    const stated = gate.decide(w, { aal: 'aal2' });
    assert.equal(stated.verdict, 'allow');
    assert.equal(stated.aal, 'aal2');

    // Without the stated level aalgate derives it as current Kratos does: aal1 (never aal2 from a
    // name). On this Strict server's 200 that reads as "no second factor": enroll (rule 6),
    // which is what current Kratos would never lead to (its whoami would have answered 403 and
    // aalgate would step up). On v1.3.1 the settings flow opens but offers no enrolment (the
    // identity has TOTP already, only its unlink): a dead end, reachable only with a body that
    // lost authenticator_assurance_level.
    const session = JSON.parse(w.body);
    delete session.authenticator_assurance_level;
    const derived = gate.decide(session, { aal: 'aal2', returnTo: RETURN_TO });
    t.diagnostic(`aalgate without the stated level: ${derived.verdict}/${derived.reason}, aal ${derived.aal}`);
    assert.equal(derived.aal, 'aal1');
    assert.equal(derived.verdict, 'enroll');
    const r = await agent.request(derived.url);
    t.diagnostic(`v1.3.1 on ${derived.url}: ${r.status}, TOTP enrolment offered: ${r.status === 200 && offersTotpEnrolment(r.json)}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(offersTotpEnrolment(r.json), false);
    // Under a Lax mirror the same derived aal1 steps up, and v1.3.1 accepts that step-up.
    const laxGate = await createGate({ baseUrl: kratos.url, flow: 'api', kratos: { session: { whoami: { required_aal: 'aal1' } } } });
    const stepUp = laxGate.decide(session, { aal: 'aal2' });
    assert.equal(stepUp.verdict, 'step_up');
    const target = await followDecision(agent, stepUp, log());
    assert.equal(target.flow.requested_aal, 'aal2');
    t.diagnostic('difference: v1.3.1 whoami reports aal2 for a legacy password+totp session (its login handler uses the stored aal1), current Kratos aal1; aalgate takes a stated level and derives aal1 (never aal2 from names): with a body stripped of the level, on a Strict v1.3.1 that is an enrol dead end, under Lax a step-up v1.3.1 accepts');
  });

  test('totp alone with aal "": aal1 in both versions, and in aalgate', async () => {
    const user = await withTotp(kratos, 'api', uniqueEmail('legacy-totp'));
    const agent = new Agent(kratos, 'api');
    await agent.passwordLogin(user);
    const sessionId = (await kratos.sql('SELECT id FROM sessions WHERE token = ?', agent.token))[0].id;
    const legacy = JSON.stringify([{ method: 'totp', aal: '', completed_at: new Date().toISOString() }]);
    await kratos.sql('UPDATE sessions SET authentication_methods = ? WHERE id = ?', legacy, sessionId);
    const w = await agent.whoami();
    assert.equal(w.status, 403, 'v1.3.1: a lone second factor is aal1, so Strict asks for aal2');
    assert.equal(w.json.error.id, 'session_aal2_required');
    const session = { active: true, expires_at: new Date(Date.now() + 3600e3).toISOString(), authentication_methods: [{ method: 'totp', aal: '' }] };
    assert.equal(gate.decide(session, { aal: 'aal1' }).aal, 'aal1');
  });
});

describe('privileged_session_max_age 0s: v1.3.1 vs current Kratos', () => {
  // Checks v1.3.1: its settings strategies (selfservice/strategy/{totp,lookup,password}/settings.go)
  // ask for re-authentication when authenticated_at + max_age is before now, so with `0s` every
  // privileged change is refused, right after a refresh too. Current Kratos uses
  // session/manager_http.go IsPrivileged, where a max age <= 0 means always privileged. aalgate
  // follows current Kratos: `operation: 'settings'` is allowed. Its allow grants nothing by
  // itself (Kratos checks the change), but on v1.3.1 that configuration cannot work at all.
  let kratos;
  let gate;
  before(async () => {
    kratos = await startKratos({ whoamiAal: 'aal1', settingsAal: 'aal1', privilegedMaxAge: '0s' });
    gate = await gateFor(kratos, 'browser');
  });
  after(async () => {
    await kratos?.stop();
  });

  test('aalgate allows settings; v1.3.1 refuses the change even right after a refresh', async (t) => {
    const user = await createIdentity(kratos, uniqueEmail('zero'));
    const agent = new Agent(kratos, 'browser');
    assert.equal((await agent.passwordLogin(user)).status, 200);
    const w = await agent.whoami();
    const d = gate.decide(w, { operation: 'settings' });
    assert.equal(d.verdict, 'allow', 'current Kratos: 0s is always privileged');

    const s = await agent.startSettings();
    const r = await agent.submit(s.json, { method: 'lookup_secret', lookup_secret_regenerate: true });
    t.diagnostic(`v1.3.1 settings change: ${r.status} ${r.json?.error?.id}`);
    assert.equal(r.status, 403);
    assert.equal(r.json.error.id, 'session_refresh_required');
    const rd = gate.recover({ status: r.status, body: r.text }, { operation: 'settings' });
    assert.equal(rd.verdict, 'refresh');
    const target = await followDecision(agent, rd, log());
    const done = await agent.submit(target.flow, { method: 'password', identifier: user.email, password: user.password });
    assert.equal(done.status, 200, done.text);
    const s2 = await agent.startSettings();
    const r2 = await agent.submit(s2.json, { method: 'lookup_secret', lookup_secret_regenerate: true });
    t.diagnostic(`v1.3.1 settings change right after the refresh: ${r2.status} ${r2.json?.error?.id}`);
    assert.equal(r2.status, 403, 'v1.3.1: with 0s no session is ever privileged');
    t.diagnostic('difference: v1.3.1 refuses every privileged settings change under 0s (a loop of refreshes, whatever the client does); current Kratos and aalgate treat 0s as always privileged');
  });
});
