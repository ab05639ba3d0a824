// Use with the real @ory/client-fetch: its FrontendApi against a local HTTP server that answers
// with the bytes of tests/fixtures/kratos/ (captured and derived bodies, exact timestamps), and what
// an application hands the gate (the SDK's Session, or {status, body} from its ResponseError).
import assert from 'node:assert/strict';
import { once as onceEvent } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { Configuration, FrontendApi, ResponseError } from '@ory/client-fetch';

import {
  AAL2_SATISFIED,
  BASE,
  LAX,
  LOGIN,
  SETTINGS_RETURN_TO,
  STEP_UP_CHALLENGE,
  at,
  fixtureText,
  refreshChallenge,
  withGate,
} from './helpers.js';

describe('with @ory/client-fetch against a local Kratos stand-in', () => {
  // GET /<fixture>/<status>/sessions/whoami and POST /<fixture>/<status>/self-service/settings
  // answer with that fixture's bytes and status.
  let server;
  let origin;
  const requests = [];
  const settingsSubmissions = [];
  before(async () => {
    server = createServer(async (req, res) => {
      requests.push(req.url);
      const whoami = /^\/([\w.-]+\.json)\/(\d{3})\/sessions\/whoami$/.exec(req.url);
      const settings = /^\/([\w.-]+\.json)\/(\d{3})\/self-service\/settings\?flow=([\w-]+)$/.exec(req.url);
      const match = req.method === 'GET' ? whoami : req.method === 'POST' ? settings : null;
      if (match === null) {
        res.writeHead(404).end();
        return;
      }
      if (settings !== null) {
        let body = '';
        for await (const chunk of req) body += chunk;
        settingsSubmissions.push({ flow: settings[3], contentType: req.headers['content-type'], body: JSON.parse(body) });
      }
      res.writeHead(Number(match[2]), { 'content-type': 'application/json' });
      res.end(fixtureText(match[1]));
    });
    server.listen(0, '127.0.0.1');
    await onceEvent(server, 'listening');
    origin = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const frontend = (fixture, status) =>
    new FrontendApi(new Configuration({ basePath: `${origin}/${fixture}/${status}` }));

  // What an application does: a Session on 200, {status, body} from the ResponseError otherwise.
  async function whoamiOutcome(fixture, status, parseBody) {
    try {
      return await frontend(fixture, status).toSession();
    } catch (error) {
      if (!(error instanceof ResponseError)) throw error;
      const body = parseBody ? await error.response.json() : await error.response.text();
      return { status: error.response.status, body };
    }
  }

  test('a 200 aal2 session: the SDK object (Date timestamps) decides like the raw body', async () => {
    const fixture = 'derived-whoami-200-aal2-password-totp.json';
    const session = await whoamiOutcome(fixture, 200);
    assert.ok(session.expires_at instanceof Date, 'the SDK gives Dates');
    await withGate({ baseUrl: BASE }, (gate) => {
      const fresh = { aal: 'aal2', maxAge: '10m', now: at('2026-08-01T10:05:00Z'), returnTo: 'https://auth.example.com/app' };
      const stale = { ...fresh, maxAge: '1m' };
      assert.deepEqual(gate.decide(session, fresh), AAL2_SATISFIED);
      const d = gate.decide(session, stale);
      assert.deepEqual([d.verdict, d.reason], ['refresh', 'second_factor_stale']);
      assert.equal(d.url, `${LOGIN}?refresh=true&aal=aal2&return_to=https%3A%2F%2Fauth.example.com%2Fapp`);
      for (const requirement of [fresh, stale, { now: at('2026-08-02T10:00:06Z') }]) {
        assert.deepEqual(gate.decide(session, requirement), gate.decide(fixtureText(fixture), requirement));
      }
    });
  });

  test('a 200 aal1 session from Ory Network steps up under a Lax server', async () => {
    const session = await whoamiOutcome('real-whoami-200-aal1-cookie.json', 200);
    await withGate(LAX, (gate) => {
      const d = gate.decide(session, { aal: 'aal2', now: at('2023-02-04T00:00:00Z') });
      assert.deepEqual(d, {
        verdict: 'step_up',
        url: `${LOGIN}?aal=aal2`,
        reason: 'aal2_required',
        aal: 'aal1',
        requiredAal: 'aal2',
        warnings: [],
        challenge: STEP_UP_CHALLENGE,
      });
      const expired = gate.decide(session, { now: at('2023-02-06T15:41:22.898169Z') });
      assert.deepEqual([expired.verdict, expired.reason], ['login', 'session_expired']);
    });
  });

  for (const parseBody of [false, true]) {
    const form = parseBody ? 'parsed' : 'text';
    test(`a 403 session_aal2_required (body as ${form}) steps up`, async () => {
      const outcome = await whoamiOutcome('derived-whoami-403-session_aal2_required.json', 403, parseBody);
      assert.equal(outcome.status, 403);
      assert.equal(typeof outcome.body, parseBody ? 'object' : 'string');
      await withGate({ baseUrl: BASE }, (gate) => {
        const d = gate.decide(outcome, { returnTo: '/settings' });
        assert.deepEqual([d.verdict, d.reason, d.url], ['step_up', 'server_requires_aal2', `${LOGIN}?aal=aal2&return_to=%2Fsettings`]);
      });
    });

    test(`a 401 (body as ${form}) sends to login`, async () => {
      const outcome = await whoamiOutcome('derived-whoami-401-no-or-inactive-session.json', 401, parseBody);
      assert.equal(outcome.status, 401);
      await withGate({ baseUrl: BASE, flow: 'api' }, (gate) => {
        const d = gate.decide(outcome);
        assert.deepEqual([d.verdict, d.reason, d.url], ['login', 'no_session', `${BASE}/self-service/login/api`]);
      });
    });
  }

  test('a 403 with another error id is an unexpected response', async () => {
    const outcome = await whoamiOutcome('derived-settings-submit-403-session_refresh_required.json', 403, false);
    await withGate({ baseUrl: BASE }, (gate) => {
      const d = gate.decide(outcome);
      assert.deepEqual([d.verdict, d.reason, d.url], ['error', 'unexpected_response', null]);
    });
  });

  // What an application does when a settings update fails: {status, body} from the ResponseError.
  async function settingsOutcome(fixture, status, flow) {
    try {
      await frontend(fixture, status).updateSettingsFlow({
        flow,
        updateSettingsFlowBody: { method: 'password', password: 'correct horse battery staple' },
      });
    } catch (error) {
      if (!(error instanceof ResponseError)) throw error;
      return { status: error.response.status, body: await error.response.json() };
    }
    assert.fail('the settings update did not fail');
  }

  test('a settings update answered 403 session_aal2_required recovers to a step-up back to the settings flow', async () => {
    const flow = '2b0c2b4e-6f0a-4d3e-9b1a-6c2f5e7d8a90';
    const outcome = await settingsOutcome('derived-settings-submit-403-session_aal2_required-with-return_to.json', 403, flow);
    assert.equal(outcome.status, 403);
    assert.equal(outcome.body.error.id, 'session_aal2_required');
    assert.deepEqual(settingsSubmissions.at(-1), {
      flow,
      contentType: 'application/json',
      body: { method: 'password', password: 'correct horse battery staple' },
    });
    await withGate({ baseUrl: BASE }, (gate) => {
      const d = gate.recover(outcome);
      assert.deepEqual(d, {
        verdict: 'step_up',
        url: `${LOGIN}?aal=aal2&return_to=${encodeURIComponent(SETTINGS_RETURN_TO)}`,
        reason: 'session_aal2_required',
        aal: null,
        requiredAal: 'aal1',
        warnings: [],
        challenge: STEP_UP_CHALLENGE,
      });
      assert.equal(new URL(d.url).searchParams.get('return_to'), SETTINGS_RETURN_TO);
      // The same answer as text, or as the parsed body alone, recovers the same way.
      const text = fixtureText('derived-settings-submit-403-session_aal2_required-with-return_to.json');
      assert.deepEqual(gate.recover({ status: 403, body: text }), d);
      assert.deepEqual(gate.recover(outcome.body), d);
    });
  });

  test('a settings update answered 403 session_refresh_required recovers to a refresh', async () => {
    const outcome = await settingsOutcome('derived-settings-submit-403-session_refresh_required.json', 403, 'f1');
    await withGate({ baseUrl: BASE }, (gate) => {
      const d = gate.recover(outcome, { returnTo: 'https://app.example.com/account' });
      assert.deepEqual([d.verdict, d.reason, d.challenge], ['refresh', 'session_refresh_required', refreshChallenge(0, false)]);
      assert.equal(d.url, `${LOGIN}?refresh=true&return_to=${encodeURIComponent('https://app.example.com/account')}`);
    });
  });

  test('the SDK really called the server', () => {
    assert.ok(requests.some((url) => /\/403\/self-service\/settings\?flow=/.test(url)));
    assert.ok(requests.some((url) => url.endsWith('/403/sessions/whoami')));
    assert.ok(requests.some((url) => url.endsWith('/200/sessions/whoami')));
  });
});
