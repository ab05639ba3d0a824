// What the package exports (createGate, Gate, AalgateError) and AalgateError itself: an Error with a
// string code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { AalgateError, createGate } from 'aalgate';

test('the package exports exactly createGate, Gate and AalgateError', async () => {
  const api = await import('aalgate');
  assert.deepEqual(Object.keys(api).sort(), ['AalgateError', 'Gate', 'createGate']);
});

describe('AalgateError', () => {
  test('is an Error with a string code, its name and the code in the message', async () => {
    const error = await createGate({}).catch((e) => e);
    assert.ok(error instanceof AalgateError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'AalgateError');
    assert.equal(error.code, 'config.baseUrl');
    assert.match(error.message, /^config\.baseUrl \S/);
    assert.match(String(error), /^AalgateError: config\.baseUrl/);
  });

  test('can be constructed with a code, a message and a cause', () => {
    const cause = new Error('inner');
    const error = new AalgateError('x.y', 'message', { cause });
    assert.deepEqual([error.code, error.message, error.cause, error.name], ['x.y', 'message', cause, 'AalgateError']);
  });
});
