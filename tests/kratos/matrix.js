// The state × requirement matrix against one real Kratos (not a test file; strict.test.js and
// lax.test.js run it). For every agent kind (browser with cookies, API with a session token),
// session state and requirement: the first decision must be the one in EXPECTED, and `converge`
// must reach an `allow` that Kratos confirms, through Kratos's own flows, every URL accepted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startKratos } from './harness.js';
import { sleep } from './client.js';
import { OLD_AFTER_MS, REQUIREMENTS, STATES, converge, gateFor } from './scenarios.js';

const REQS = Object.keys(REQUIREMENTS);
const row = (...cells) => Object.fromEntries(REQS.map((r, i) => [r, cells[i]]));
const all = (cell) => row(...REQS.map(() => cell));

/**
 * The first decision for each state and requirement, `verdict/reason`; `!` marks a path that ends
 * in a flow Kratos starts as meant but that cannot be completed: an aal2 flow for an identity
 * without a second factor, which a Lax server cannot reveal (whoami answers 200 aal1 with or
 * without one), so aalgate steps up where Strict would have sent the user to enrol.
 */
export const EXPECTED = {
  strict: {
    none: all('login/no_session'),
    aal1: row('allow/satisfied', 'allow/satisfied', 'enroll/second_factor_unavailable', 'enroll/second_factor_unavailable', 'allow/satisfied', 'allow/satisfied'),
    'aal1+totp': all('step_up/server_requires_aal2'),
    aal2: all('allow/satisfied'),
    'aal1 old': row('allow/satisfied', 'refresh/reauthentication_required', 'enroll/second_factor_unavailable', 'enroll/second_factor_unavailable', 'allow/satisfied', 'refresh/reauthentication_required'),
    'aal2 old': row('allow/satisfied', 'refresh/reauthentication_required', 'allow/satisfied', 'refresh/second_factor_stale', 'allow/satisfied', 'refresh/reauthentication_required'),
  },
  lax: {
    none: row('login/no_session', 'login/no_session', 'login/no_session!', 'login/no_session!', 'login/no_session', 'login/no_session'),
    aal1: row('allow/satisfied', 'allow/satisfied', 'step_up/aal2_required!', 'step_up/aal2_required!', 'allow/satisfied', 'allow/satisfied'),
    'aal1+totp': row('allow/satisfied', 'allow/satisfied', 'step_up/aal2_required', 'step_up/aal2_required', 'allow/satisfied', 'allow/satisfied'),
    aal2: all('allow/satisfied'),
    'aal1 old': row('allow/satisfied', 'refresh/reauthentication_required', 'step_up/aal2_required!', 'step_up/aal2_required!', 'allow/satisfied', 'refresh/reauthentication_required'),
    'aal2 old': row('allow/satisfied', 'refresh/reauthentication_required', 'allow/satisfied', 'refresh/second_factor_stale', 'allow/satisfied', 'refresh/reauthentication_required'),
  },
  // `?`: an allow that carries highest_available_unverifiable (settings needs highest_available,
  // a Lax whoami cannot tell) and that Kratos's settings flow then refuses (403
  // session_aal2_required): recover takes over from Kratos's answer.
  mixed: {
    none: { aal1: 'login/no_session', highest: 'login/no_session', settings: 'login/no_session' },
    aal1: { aal1: 'allow/satisfied', highest: 'allow/satisfied', settings: 'allow/satisfied' },
    'aal1+totp': { aal1: 'allow/satisfied', highest: 'allow/satisfied', settings: 'allow/satisfied?' },
    aal2: { aal1: 'allow/satisfied', highest: 'allow/satisfied', settings: 'allow/satisfied' },
    'aal1 old': { aal1: 'allow/satisfied', highest: 'allow/satisfied', settings: 'refresh/reauthentication_required' },
    'aal2 old': { aal1: 'allow/satisfied', highest: 'allow/satisfied', settings: 'refresh/reauthentication_required' },
  },
};

export const MODES = {
  strict: { whoamiAal: 'highest_available', settingsAal: 'highest_available', privilegedMaxAge: '3s' },
  lax: { whoamiAal: 'aal1', settingsAal: 'aal1', privilegedMaxAge: '3s' },
  // Lax whoami, Strict settings: only the requirements the mix changes.
  mixed: { whoamiAal: 'aal1', settingsAal: 'highest_available', privilegedMaxAge: '3s' },
};

export function defineMatrix(mode) {
  describe(`Kratos v1.3.1, ${mode} (${JSON.stringify(MODES[mode])})`, () => {
    let kratos;
    const gates = {};
    const started = Date.now();
    // Sessions made at the start, then left to age past maxAge 2 s and privileged_session_max_age
    // 3s while the fresh states run.
    const made = {};
    let agedAt = 0;
    before(async () => {
      kratos = await startKratos(MODES[mode]);
      for (const kind of ['browser', 'api']) {
        gates[kind] = await gateFor(kratos, kind);
        for (const state of ['aal1', 'aal2']) {
          for (const reqName of Object.keys(EXPECTED[mode][`${state} old`])) made[`${kind} ${state} old ${reqName}`] = await STATES[state](kratos, kind);
        }
      }
      agedAt = Date.now() + OLD_AFTER_MS;
    });
    after(async () => {
      await kratos?.stop();
    });

    const run = async (t, kind, state, reqName, made) => {
      const cell = EXPECTED[mode][state][reqName];
      const [expected, deadEnd, refused] = [cell.replace(/[!?]$/, ''), cell.endsWith('!'), cell.endsWith('?')];
      const { agent, user } = made ?? (await STATES[state](kratos, kind));
      const log = await converge({ kratos, gate: gates[kind], agent, user, req: REQUIREMENTS[reqName] });
      t.diagnostic(log.steps.join(' → '));
      t.diagnostic(`Kratos: ${log.kratos.join(', ')}`);
      assert.equal(`${log.first.verdict}/${log.first.reason}`, expected, 'first decision');
      if (deadEnd) {
        assert.ok(log.deadEnd, `expected a dead end (no second factor to complete aal2), got ${log.steps.join(' → ')}`);
        t.diagnostic(`dead end, as expected under Lax: Kratos started the aal2 flow aalgate meant, but ${log.deadEnd}`);
      } else {
        assert.equal(log.deadEnd, null, log.deadEnd);
      }
      if (refused) {
        assert.ok(log.unverifiedRefused, 'expected Kratos to refuse the unverifiable allow');
        t.diagnostic(`unverifiable allow refused by Kratos (${log.unverifiedRefused}), as the warning said; recover led on`);
      } else {
        assert.equal(log.unverifiedRefused, null, `Kratos refused aalgate's allow: ${log.unverifiedRefused}`);
      }
    };

    for (const kind of ['browser', 'api']) {
      describe(`${kind} client`, () => {
        for (const state of Object.keys(STATES)) {
          for (const reqName of Object.keys(EXPECTED[mode][state])) {
            test(`${state} × ${reqName}: ${EXPECTED[mode][state][reqName]}`, (t) => run(t, kind, state, reqName));
          }
        }

        describe('old sessions', () => {
          before(() => sleep(Math.max(0, agedAt - Date.now())));
          for (const state of ['aal1 old', 'aal2 old']) {
            for (const reqName of Object.keys(EXPECTED[mode][state])) {
              test(`${state} × ${reqName}: ${EXPECTED[mode][state][reqName]}`, (t) => run(t, kind, state, reqName, made[`${kind} ${state} ${reqName}`]));
            }
          }
        });
      });
    }

    test('time taken', (t) => {
      t.diagnostic(`${mode}: Kratos start and ${Object.values(EXPECTED[mode]).reduce((n, r) => n + Object.keys(r).length, 0) * 2} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  });
}
