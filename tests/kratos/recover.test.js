// Every error body a real Kratos v1.3.1 answers on the way goes to gate.recover, and the URL
// recover gives is requested with the same credentials: Kratos must start the flow it means,
// which is then completed until whoami (and gate.decide) agree. Strict configuration, login flows
// that expire after 3 s (for self_service_flow_expired), privileged_session_max_age 3s.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { APP, startKratos } from './harness.js';
import { Agent, createIdentity, sleep, totpCode, uniqueEmail } from './client.js';
import { OLD_AFTER_MS, RETURN_TO, completeFlow, followDecision, gateFor, withTotp } from './scenarios.js';

const KINDS = ['browser', 'api'];

describe('gate.recover on real Kratos v1.3.1 error bodies (Strict)', () => {
  let kratos;
  const gates = {};
  const open = {}; // made before the wait: flows to expire, sessions to age
  before(async () => {
    kratos = await startKratos({ loginLifespan: '3s' });
    for (const kind of KINDS) {
      gates[kind] = await gateFor(kratos, kind);
      // Without allowedReturnUrls: aalgate lets any https return_to through, Kratos judges it.
      gates[`${kind} unmirrored`] = await gateFor(kratos, kind, { allowedReturnUrls: undefined });
      const fresh = new Agent(kratos, kind);
      const flow = await fresh.startLogin(`return_to=${encodeURIComponent(RETURN_TO)}`);
      assert.equal(flow.status, 200, flow.text);
      const user = await createIdentity(kratos, uniqueEmail('old'));
      const agent = new Agent(kratos, kind);
      assert.equal((await agent.passwordLogin(user)).status, 200);
      const settings = await agent.startSettings();
      assert.equal(settings.status, 200, settings.text);
      open[kind] = { fresh, flow: flow.json, agent, user, settings: settings.json };
    }
    await sleep(OLD_AFTER_MS);
  });
  after(async () => {
    await kratos?.stop();
  });

  const log = () => ({ kratos: [], steps: [], errors: [] });
  const show = (t, r, d) => t.diagnostic(`Kratos ${r.status} ${r.json?.error?.id ?? ''} → recover → ${d.verdict}/${d.reason} ${d.url ?? ''} [${d.warnings}]`);

  for (const kind of KINDS) {
    describe(`${kind} client`, () => {
      test('403 session_aal2_required from whoami: step_up, the aal2 flow completes', async (t) => {
        const user = await withTotp(kratos, kind, uniqueEmail('w403'));
        const agent = new Agent(kratos, kind);
        await agent.passwordLogin(user);
        const w = await agent.request('/sessions/whoami');
        assert.equal(w.status, 403);
        assert.equal(w.json.error.id, 'session_aal2_required');
        const d = gates[kind].recover({ status: w.status, body: w.text }, { aal: 'aal2', returnTo: RETURN_TO });
        show(t, w, d);
        assert.equal(d.verdict, 'step_up');
        assert.equal(d.reason, 'session_aal2_required');
        const target = await followDecision(agent, d, log());
        await completeFlow({ gate: gates[kind], agent, user, req: { aal: 'aal2' }, log: log() }, target);
        const after = await agent.whoami();
        assert.equal(after.status, 200);
        assert.equal(gates[kind].decide(after, { aal: 'aal2' }).verdict, 'allow');
      });

      test('403 session_aal2_required from a settings flow: step_up, then the settings flow opens', async (t) => {
        const user = await withTotp(kratos, kind, uniqueEmail('s403'));
        const agent = new Agent(kratos, kind);
        await agent.passwordLogin(user);
        const s = await agent.startSettings();
        assert.equal(s.status, 403, s.text);
        assert.equal(s.json.error.id, 'session_aal2_required');
        const d = gates[kind].recover({ status: s.status, body: s.text }, { operation: 'settings' });
        show(t, s, d);
        assert.equal(d.verdict, 'step_up');
        const target = await followDecision(agent, d, log());
        await completeFlow({ gate: gates[kind], agent, user, req: { operation: 'settings' }, log: log() }, target);
        assert.equal((await agent.startSettings()).status, 200);
      });

      test('400 session_already_available: aal1 goes on (allow); aal2 re-authenticates the second factor', async (t) => {
        const user = await withTotp(kratos, kind, uniqueEmail('already'));
        const agent = new Agent(kratos, kind);
        await agent.passwordLogin(user);
        const f = await agent.startLogin('aal=aal2');
        assert.equal((await agent.completeLogin(f.json, user)).status, 200);
        for (const query of ['', 'aal=aal1', 'aal=aal2']) {
          const r = await agent.startLogin(query);
          assert.equal(r.status, 400, r.text);
          assert.equal(r.json.error.id, 'session_already_available');
          const d1 = gates[kind].recover({ status: r.status, body: r.text }, { aal: 'aal1' });
          show(t, r, d1);
          assert.equal(d1.verdict, 'allow');
          const d2 = gates[kind].recover({ status: r.status, body: r.text }, { aal: 'aal2', returnTo: RETURN_TO });
          show(t, r, d2);
          assert.equal(d2.verdict, 'refresh');
          const target = await followDecision(agent, d2, log());
          assert.equal(target.flow.requested_aal, 'aal2');
          assert.equal(target.flow.refresh, true);
        }
        // The last refresh flow, completed with a new code: still aal2, now fresh.
        const d = gates[kind].recover({ status: 400, body: '{"error":{"id":"session_already_available","code":400}}' }, { aal: 'aal2' });
        const target = await followDecision(agent, d, log());
        const done = await agent.submit(target.flow, { method: 'totp', totp_code: totpCode(user.totpSecret) });
        assert.equal(done.status, 200, done.text);
        const w = await agent.whoami();
        assert.equal(gates[kind].decide(w, { aal: 'aal2', maxAge: 2 }).verdict, 'allow');
      });

      test('403 session_refresh_required on a settings submit: refresh, then the change goes through', async (t) => {
        const { agent, user, settings } = open[kind];
        const r = await agent.submit(settings, { method: 'lookup_secret', lookup_secret_regenerate: true });
        assert.equal(r.status, 403, r.text);
        assert.equal(r.json.error.id, 'session_refresh_required');
        const d = gates[kind].recover({ status: r.status, body: r.text }, { operation: 'settings' });
        show(t, r, d);
        assert.equal(d.verdict, 'refresh');
        assert.equal(d.reason, 'session_refresh_required');
        // The settings flow goes on after the refresh: its URL is kept as return_to.
        assert.match(new URL(d.url).searchParams.get('return_to') ?? '', /\/self-service\/settings\?flow=/);
        const target = await followDecision(agent, d, log());
        await completeFlow({ gate: gates[kind], agent, user, req: { operation: 'settings' }, log: log() }, target);
        const again = await agent.startSettings();
        const change = await agent.submit(again.json, { method: 'lookup_secret', lookup_secret_regenerate: true });
        assert.equal(change.status, 200, change.text);
      });

      test('410 self_service_flow_expired: a fresh login URL Kratos accepts', async (t) => {
        const { fresh, flow } = open[kind];
        const user = await createIdentity(kratos, uniqueEmail('expired'));
        const r = await fresh.submit(flow, { method: 'password', identifier: user.email, password: user.password });
        assert.equal(r.status, 410, r.text);
        assert.equal(r.json.error.id, 'self_service_flow_expired');
        const d = gates[kind].recover({ status: r.status, body: r.text }, { returnTo: RETURN_TO });
        show(t, r, d);
        assert.equal(d.verdict, 'login');
        const target = await followDecision(fresh, d, log());
        await completeFlow({ gate: gates[kind], agent: fresh, user, req: {}, log: log() }, target);
        assert.equal((await fresh.whoami()).status, 200);
      });

      test('400 self_service_flow_return_to_forbidden (return_to not mirrored): login without return_to', async (t) => {
        const gate = gates[`${kind} unmirrored`];
        const agent = new Agent(kratos, kind);
        const d0 = gate.decide({ status: 401, body: '' }, { returnTo: 'https://evil.example.net/' });
        assert.match(d0.url, /return_to=https%3A%2F%2Fevil\.example\.net/);
        const r = await agent.request(d0.url);
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.error.id, 'self_service_flow_return_to_forbidden');
        const d = gate.recover({ status: r.status, body: r.text }, { returnTo: 'https://evil.example.net/' });
        show(t, r, d);
        assert.equal(d.verdict, 'login');
        assert.deepEqual(d.warnings, ['return_to_dropped']);
        assert.equal(new URL(d.url).searchParams.has('return_to'), false);
        await followDecision(agent, d, log());
        // Mirrored (allowedReturnUrls as the server's), aalgate drops it before Kratos sees it.
        const mirrored = gates[kind].decide({ status: 401, body: '' }, { returnTo: 'https://evil.example.net/' });
        assert.deepEqual(mirrored.warnings, ['return_to_dropped']);
        await followDecision(agent, mirrored, log());
      });

      test('401 session_aal1_required (aal2 asked without a session): login', async (t) => {
        const agent = new Agent(kratos, kind);
        const r = await agent.startLogin('aal=aal2');
        assert.equal(r.status, 401, r.text);
        assert.equal(r.json.error.id, 'session_aal1_required');
        const d = gates[kind].recover({ status: r.status, body: r.text }, { aal: 'aal2', returnTo: RETURN_TO });
        show(t, r, d);
        assert.equal(d.verdict, 'login');
        await followDecision(agent, d, log());
      });

      test('401 session_inactive from a settings flow without a session: login', async (t) => {
        const agent = new Agent(kratos, kind);
        const r = await agent.startSettings();
        assert.equal(r.status, 401, r.text);
        t.diagnostic(`settings without a session: ${r.status} ${r.json?.error?.id}`);
        const d = gates[kind].recover({ status: r.status, body: r.text }, { operation: 'settings', returnTo: RETURN_TO });
        show(t, r, d);
        assert.equal(d.verdict, 'login');
        await followDecision(agent, d, log());
      });
    });
  }

  test('403 security_csrf_violation (a browser submit without the CSRF cookie): the cookie jar is what Kratos checks; recover gives up', async (t) => {
    const user = await createIdentity(kratos, uniqueEmail('csrf'));
    const agent = new Agent(kratos, 'browser');
    const f = await agent.startLogin();
    assert.ok(agent.jar.has('csrf_token'), 'Kratos set its CSRF cookie');
    const stranger = new Agent(kratos, 'browser'); // the token from the flow, but not the cookie
    const r = await stranger.submit(f.json, { method: 'password', identifier: user.email, password: user.password });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.id, 'security_csrf_violation');
    const d = gates.browser.recover({ status: r.status, body: r.text }, { returnTo: RETURN_TO });
    show(t, r, d);
    assert.equal(d.verdict, 'error');
    assert.equal(d.reason, 'kratos_security_csrf_violation');
    assert.equal((await agent.submit(f.json, { method: 'password', identifier: user.email, password: user.password })).status, 200);
  });

  test('422 browser_location_change_required (SPA login of a TOTP identity under Strict): the aal2 flow it names', async (t) => {
    const user = await withTotp(kratos, 'browser', uniqueEmail('422'));
    const agent = new Agent(kratos, 'browser');
    const r = await agent.passwordLogin(user, `return_to=${encodeURIComponent(`${APP}/after-login`)}`);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.id, 'browser_location_change_required');
    const d = gates.browser.recover({ status: r.status, body: r.text }, { aal: 'aal2' });
    show(t, r, d);
    assert.equal(d.verdict, 'step_up');
    assert.equal(new URL(d.url).searchParams.get('return_to'), `${APP}/after-login`, 'the return_to of the login goes on');
    const target = await followDecision(agent, d, log());
    await completeFlow({ gate: gates.browser, agent, user, req: { aal: 'aal2' }, log: log() }, target);
    const w = await agent.whoami();
    assert.equal(w.status, 200);
    assert.equal(gates.browser.decide(w, { aal: 'aal2' }).verdict, 'allow');
  });
});
