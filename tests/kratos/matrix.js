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
};

export const MODES = {
  strict: { whoamiAal: 'highest_available', settingsAal: 'highest_available', privilegedMaxAge: '3s' },
  lax: { whoamiAal: 'aal1', settingsAal: 'aal1', privilegedMaxAge: '3s' },
};

export function defineMatrix(mode) {
  describe(`Kratos v1.3.1, ${mode} (${JSON.stringify(MODES[mode])})`, () => {
    let kratos;
    const gates = {};
    const started = Date.now();
    before(async () => {
      kratos = await startKratos(MODES[mode]);
      for (const kind of ['browser', 'api']) gates[kind] = await gateFor(kratos, kind);
    });
    after(async () => {
      await kratos?.stop();
    });

    const run = async (t, kind, state, reqName, made) => {
      const [expected, deadEnd] = [EXPECTED[mode][state][reqName].replace(/!$/, ''), EXPECTED[mode][state][reqName].endsWith('!')];
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
    };

    for (const kind of ['browser', 'api']) {
      describe(`${kind} client`, () => {
        for (const state of Object.keys(STATES)) {
          for (const reqName of REQS) {
            test(`${state} × ${reqName}: ${EXPECTED[mode][state][reqName]}`, (t) => run(t, kind, state, reqName));
          }
        }

        // Sessions made once, then left to age past maxAge 2 s and privileged_session_max_age 3s.
        describe('old sessions', () => {
          const made = {};
          before(async () => {
            for (const state of ['aal1', 'aal2']) {
              for (const reqName of REQS) made[`${state} old ${reqName}`] = await STATES[state](kratos, kind);
            }
            await sleep(OLD_AFTER_MS);
          });
          for (const state of ['aal1 old', 'aal2 old']) {
            for (const reqName of REQS) {
              test(`${state} × ${reqName}: ${EXPECTED[mode][state][reqName]}`, (t) => run(t, kind, state, reqName, made[`${state} ${reqName}`]));
            }
          }
        });
      });
    }

    test('time taken', (t) => {
      t.diagnostic(`${mode}: Kratos start and ${Object.keys(EXPECTED[mode]).length * REQS.length * 2} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  });
}
