// Gate.dispose and the Gate lifecycle: gate.disposed after dispose, no public constructor, and the
// core object deleted exactly once (by dispose, or when an undisposed Gate is collected).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { createGate, Gate } from 'aalgate';
import { loadCore } from '#load-core';

import { BASE, POLICY, STEP_UP_CHALLENGE, aal1Session, throwsWithCode } from './helpers.js';

describe('dispose and the Gate lifecycle', () => {
  test('decide after dispose throws gate.disposed; dispose again does nothing', async () => {
    const gate = await createGate({ baseUrl: BASE });
    gate.dispose();
    throwsWithCode(() => gate.decide(null), 'gate.disposed');
    assert.doesNotThrow(() => gate.dispose());
    throwsWithCode(() => gate.decide(aal1Session(), { aal: 'aal2' }), 'gate.disposed');
  });

  test('every method throws gate.disposed after dispose', async () => {
    const gate = await createGate({ baseUrl: BASE, policy: POLICY });
    gate.dispose();
    throwsWithCode(() => gate.recover('{}'), 'gate.disposed');
    throwsWithCode(() => gate.decideRequest(null, { method: 'GET', url: '/' }), 'gate.disposed');
    throwsWithCode(() => gate.requirementFor('GET', '/'), 'gate.disposed');
    throwsWithCode(() => gate.parseChallenge(STEP_UP_CHALLENGE), 'gate.disposed');
    throwsWithCode(() => gate.parseChallenge(undefined), 'gate.disposed');
  });

  test('disposing one gate leaves others working', async () => {
    const [a, b] = await Promise.all([createGate({ baseUrl: BASE }), createGate({ baseUrl: 'https://other.example.com' })]);
    a.dispose();
    assert.equal(b.decide(null).url, 'https://other.example.com/self-service/login/browser');
    b.dispose();
  });

  test('new Gate() is refused: gates come from createGate', () => {
    throwsWithCode(() => new Gate(), 'gate.constructor');
    throwsWithCode(() => new Gate(Symbol('aalgate.Gate'), {}), 'gate.constructor');
  });

  test('the core object is deleted once: by dispose, or when an undisposed Gate is collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    const core = await loadCore();
    const { configure, delete: originalDelete } = core.Gate.prototype;
    // Count deletes per core object; configure() tells which object each createGate made.
    const deletes = new Map();
    let lastConfigured = null;
    core.Gate.prototype.configure = function recordingConfigure(...args) {
      lastConfigured = this;
      return configure.apply(this, args);
    };
    core.Gate.prototype.delete = function countingDelete() {
      deletes.set(this, (deletes.get(this) ?? 0) + 1);
      return originalDelete.call(this);
    };
    const collectUntil = async (done) => {
      for (let i = 0; i < 100 && !done(); i += 1) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    try {
      // Each gate lives in its own scope so that it can be collected.
      const disposedHandle = await (async () => {
        const disposed = await createGate({ baseUrl: BASE });
        disposed.dispose();
        return lastConfigured;
      })();
      assert.equal(deletes.get(disposedHandle), 1);
      assert.ok(disposedHandle.isDeleted());

      await (async () => {
        const dropped = await createGate({ baseUrl: BASE });
        assert.equal(dropped.decide(null).verdict, 'login');
      })();
      const droppedHandle = lastConfigured;
      assert.equal(deletes.get(droppedHandle), undefined);
      await collectUntil(() => deletes.has(droppedHandle));
      assert.equal(deletes.get(droppedHandle), 1, 'the undisposed gate was not deleted after collection');
      assert.ok(droppedHandle.isDeleted());

      await collectUntil(() => false);
      assert.equal(deletes.get(disposedHandle), 1, 'a disposed gate was deleted again when collected');
      assert.equal(deletes.get(droppedHandle), 1);
    } finally {
      core.Gate.prototype.configure = configure;
      core.Gate.prototype.delete = originalDelete;
    }
  });
});
