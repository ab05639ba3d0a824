// maxBodyBytes in JS (issue 13): js/call.js measures a text body (and js/record.js a session
// record) against the core's limit and leaves an over-limit body out of the module's memory,
// telling the core so; js/kratos.js readBody stops reading a Response at the limit and cancels
// the rest. The decision (error, body_too_large) is the core's: tests/conformance/body_too_large.json.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createGate } from 'aalgate';

import { readBody } from '../../js/kratos.js';
import { INTERNAL } from '../../js/marshal.js';
import { BODY_OVER_LIMIT } from '../../js/normalize.js';
import { BASE, NOW, aal1Session, withGate } from './helpers.js';

const MIB = 1048576;

// A valid aal1 session as text, padded with `unit` (one character of `bytes` UTF-8 bytes) in a
// field nobody reads, to exactly `total` bytes.
function sessionOfBytes(total, unit = 'x', bytes = 1) {
  const head = JSON.stringify({ ...aal1Session(), pad: '' }).slice(0, -2);
  const room = total - new TextEncoder().encode(head).length - 2;
  assert.ok(room >= 0 && room % bytes === 0, `cannot pad to ${total} with ${bytes}-byte units`);
  const text = `${head}${unit.repeat(room / bytes)}"}`;
  assert.equal(new TextEncoder().encode(text).length, total);
  return text;
}

test('the default limit is 1 MiB of UTF-8, measured exactly for every kind of character', async () => {
  await withGate({ baseUrl: BASE }, (gate) => {
    assert.equal(gate[INTERNAL].maxBodyBytes, MIB);
    // ASCII (length = bytes), two-byte (3 × length > limit, the measured zone), three-byte, and
    // four-byte characters (two UTF-16 units each).
    for (const [unit, bytes] of [['x', 1], ['é', 2], ['漢', 3], ['\u{1F600}', 4]]) {
      const head = new TextEncoder().encode(JSON.stringify({ ...aal1Session(), pad: '' })).length - 2;
      const total = MIB - ((MIB - head - 2) % bytes); // the largest paddable size within the limit
      const within = sessionOfBytes(total, unit, bytes);
      assert.equal(gate.decide(within, { now: NOW }).reason, 'satisfied', `${unit}: ${total} bytes`);
      const over = sessionOfBytes(total + bytes, unit, bytes);
      const d = gate.decide(over, { now: NOW });
      assert.deepEqual([d.verdict, d.reason, d.url, d.aal], ['error', 'body_too_large', null, null], `${unit}: ${total + bytes} bytes`);
      assert.equal(gate.decide({ status: 200, body: over }, { now: NOW }).reason, 'body_too_large');
    }
  });
});

test('a configured limit is the core\'s: JS reads it back and measures against it', async () => {
  await withGate({ baseUrl: BASE, maxBodyBytes: 600 }, (gate) => {
    assert.equal(gate[INTERNAL].maxBodyBytes, 600);
    assert.equal(gate.decide(sessionOfBytes(600), { now: NOW }).reason, 'satisfied');
    assert.equal(gate.decide(sessionOfBytes(601), { now: NOW }).reason, 'body_too_large');
    assert.equal(gate.decide(sessionOfBytes(600, 'é', 2), { now: NOW }).reason, 'satisfied');
    assert.equal(gate.decide(sessionOfBytes(602, 'é', 2), { now: NOW }).reason, 'body_too_large');
  });
});

test('an over-limit body never reaches the module\'s memory', async () => {
  await withGate({ baseUrl: BASE }, (gate) => {
    gate.decide(aal1Session(), { now: NOW });
    const before = gate[INTERNAL].memoryBytes();
    // 64 MiB of text, 16 MiB of three-byte characters (48 MiB of UTF-8), a 4 MiB string in a
    // session record's field, and a 1 MiB + 1 body: none is copied in.
    const bodies = [
      'x'.repeat(64 * MIB),
      '漢'.repeat(16 * MIB),
      aal1Session({ authenticator_assurance_level: 'a'.repeat(4 * MIB) }),
      { status: 403, body: `{"error":{"id":"session_aal2_required","x":"${'y'.repeat(MIB)}"}}` },
    ];
    for (const body of bodies) {
      assert.equal(gate.decide(body, { now: NOW }).reason, 'body_too_large');
      assert.equal(gate.recover(body).reason, 'body_too_large');
    }
    assert.equal(gate[INTERNAL].memoryBytes(), before, 'the module\'s memory grew');
    // Within the limit the body does cross (the test above is not vacuous).
    assert.equal(gate.decide(sessionOfBytes(MIB), { now: NOW }).reason, 'satisfied');
    assert.ok(gate[INTERNAL].memoryBytes() > before, 'a 1 MiB body crossed without the memory growing');
  });
});

test('a Session object is measured by its session record: small for any identity, over for a huge deciding field', async () => {
  await withGate({ baseUrl: BASE, maxBodyBytes: 4096 }, (gate) => {
    // The traits are not in the record: a 2 MiB identity decides as usual.
    assert.equal(gate.decide(aal1Session({ identity: { traits: { bio: 'b'.repeat(2 * MIB) } } }), { now: NOW }).reason, 'satisfied');
    // Deciding fields beyond the limit: a method name, a level, 200 method entries (slots alone).
    const methods = Array.from({ length: 200 }, () => ({ method: 'password', aal: 'aal1', completed_at: '2026-08-01T10:00:00Z' }));
    for (const session of [
      aal1Session({ authentication_methods: [{ method: 'p'.repeat(5000), aal: 'aal1' }] }),
      aal1Session({ authentication_methods: [{ method: '漢'.repeat(1400), aal: 'aal1' }] }),
      aal1Session({ authenticator_assurance_level: 'é'.repeat(3000) }),
      aal1Session({ authentication_methods: methods }),
    ]) {
      const d = gate.decide(session, { now: NOW });
      assert.deepEqual([d.verdict, d.reason], ['error', 'body_too_large']);
    }
    // The same near the limit but within it: decided on its content (an unknown level is invalid).
    assert.equal(gate.decide(aal1Session({ authenticator_assurance_level: 'é'.repeat(1500) }), { now: NOW }).reason, 'invalid_session');
  });
});

test('maxBodyBytes must be a whole number from 1 to 1 GiB', async () => {
  for (const bad of [0, -1, 0.5, 1.5, 1073741825, Infinity, NaN, '1048576', true, [1], {}]) {
    await assert.rejects(createGate({ baseUrl: BASE, maxBodyBytes: bad }), (error) => error.code === 'config.maxBodyBytes', String(bad));
  }
  for (const good of [1, 1073741824, undefined, null]) {
    await withGate({ baseUrl: BASE, maxBodyBytes: good }, (gate) => {
      assert.equal(gate[INTERNAL].maxBodyBytes, good ?? MIB);
    });
  }
});

// A body stream that makes `total` bytes in `chunk`-byte pieces as they are pulled, counting them.
function countingStream(total, chunk = 65536, byte = 0x78) {
  const counts = { pulled: 0, cancelled: false };
  const stream = new ReadableStream({
    pull(controller) {
      const size = Math.min(chunk, total - counts.pulled);
      if (size <= 0) return controller.close();
      counts.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(byte));
    },
    cancel() {
      counts.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, counts };
}

test('readBody stops at the limit and cancels the rest: a 1 GiB answer costs about the limit', async () => {
  const { stream, counts } = countingStream(1024 * MIB);
  const body = await readBody(new Response(stream), MIB);
  assert.equal(body, BODY_OVER_LIMIT);
  assert.ok(counts.cancelled, 'the stream was not cancelled');
  assert.ok(counts.pulled <= MIB + 65536, `${counts.pulled} bytes were pulled`);
});

test('readBody reads a body of exactly the limit, in pieces split inside characters, as text() does', async () => {
  const text = `\uFEFF${'a漢\u{1F600}é'.repeat(1000)}`;
  const bytes = new TextEncoder().encode(text);
  for (const chunk of [1, 3, 7, 4096]) {
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk));
        controller.close();
      },
    });
    assert.equal(await readBody(new Response(stream), bytes.length), await new Response(bytes).text(), `chunk ${chunk}`);
  }
  assert.equal(await readBody(new Response(bytes), bytes.length - 1), BODY_OVER_LIMIT);
  assert.equal(await readBody(new Response(null, { status: 204 }), 1), '');
  // A Response-like without a stream: its text, measured later by js/call.js.
  assert.equal(await readBody({ text: async () => 'plain' }, 1), 'plain');
});

test('decideResponse reads no more than the limit of a Response', async () => {
  await withGate({ baseUrl: BASE, maxBodyBytes: 4096 }, async (gate) => {
    const { stream, counts } = countingStream(64 * MIB, 1024);
    const d = await gate.decideResponse(new Response(stream, { status: 200 }), { now: NOW });
    assert.deepEqual([d.verdict, d.reason], ['error', 'body_too_large']);
    assert.ok(counts.cancelled && counts.pulled <= 4096 + 1024, `${counts.pulled} bytes were pulled`);
    const ok = await gate.decideResponse(new Response(sessionOfBytes(4096), { status: 200 }), { now: NOW });
    assert.equal(ok.reason, 'satisfied');
  });
});
