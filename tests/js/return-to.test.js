// returnTo in login URLs: lone surrogates dropped, everything else percent-encoded so that
// URLSearchParams gives it back exactly (seeded property tests).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createGate } from 'aalgate';

import { BASE, LOGIN, prng } from './helpers.js';

describe('return_to', () => {
  let gate;
  before(async () => {
    gate = await createGate({ baseUrl: BASE });
  });
  after(() => gate.dispose());

  const returnToOf = (d) => new URL(d.url).searchParams.get('return_to');

  test('a returnTo with a lone surrogate is dropped, not mangled', () => {
    for (const returnTo of ['/x\uD800', '/x\uDC00y', '\uD83D', '/a?q=\uDE00\uD83D', `${BASE}/p\uDBFF\uDBFF`]) {
      const d = gate.decide(null, { returnTo });
      assert.equal(d.url, LOGIN, `returnTo ${JSON.stringify(returnTo)}`);
      assert.deepEqual(d.warnings, ['return_to_dropped']);
    }
  });

  test('a returnTo with a well-formed astral character is kept', () => {
    const d = gate.decide(null, { returnTo: '/x?q=\u{1F600}' });
    assert.deepEqual(d.warnings, []);
    assert.equal(returnToOf(d), '/x?q=\u{1F600}');
    assert.equal(d.url, `${LOGIN}?return_to=%2Fx%3Fq%3D%F0%9F%98%80`);
  });

  test('a returnTo of up to 8192 bytes makes a URL that gives it back; a longer one is dropped', () => {
    // 'a&b %+' and the emoji: 10 bytes of UTF-8 a repeat.
    const returnTo = `/x?q=${'a&b %+\u{1F600}'.repeat(818)}${'z'.repeat(7)}`;
    assert.equal(new TextEncoder().encode(returnTo).length, 8192);
    assert.equal(returnToOf(gate.decide(null, { returnTo })), returnTo);
    for (const longer of [`${returnTo}z`, `${returnTo.slice(0, -1)}\u00e9`, `/x?q=${'a'.repeat(1_000_000)}`]) {
      const d = gate.decide(null, { returnTo: longer });
      assert.equal(d.url, LOGIN);
      assert.deepEqual(d.warnings, ['return_to_dropped']);
    }
  });

  // Code points that are not dropped: no C0/C1 controls, DEL or backslash, no lone surrogates.
  const SPECIAL = [' ', '+', '&', '%', '=', '?', '#', '/', ':', '@', ';', ',', "'", '"', '<', '>', '[', ']', '{', '}', '|', '^', '`', '~', '!', '$', '*', '(', ')', '%20', '%2B', '%%', '\u00A0', '\u00E9', '\u0301', '\u200D', '\u2028', '\u2029', '\uFEFF', '\uFFFD', '\uFFFF', '\u4E2D', '\u{1F600}', '\u{1F468}\u200D\u{1F469}', '\u{1D11E}', '\u{10FFFF}', '\u{E0001}'];
  function randomCodePoint(random) {
    const pick = random();
    if (pick < 0.5) return SPECIAL[Math.floor(random() * SPECIAL.length)];
    if (pick < 0.7) return String.fromCodePoint(0x21 + Math.floor(random() * 0x5e)).replace('\\', '/');
    for (;;) {
      const cp = pick < 0.85 ? 0xa0 + Math.floor(random() * (0xffff - 0xa0)) : 0x10000 + Math.floor(random() * 0xfffff);
      if (cp < 0xd800 || cp > 0xdfff) return String.fromCodePoint(cp);
    }
  }

  function randomString(random) {
    const length = Math.floor(random() * 24);
    let s = '';
    for (let j = 0; j < length; j += 1) s += randomCodePoint(random);
    return s;
  }

  function assertRoundTrip(returnTo) {
    const d = gate.decide(null, { returnTo });
    assert.deepEqual(d.warnings, [], `dropped ${JSON.stringify(returnTo)}`);
    const url = new URL(d.url);
    assert.equal(url.origin + url.pathname, LOGIN);
    assert.equal(url.searchParams.get('return_to'), returnTo, `for ${JSON.stringify(returnTo)}: ${d.url}`);
    // Only unreserved characters and %XX escapes in the query value (Go's QueryEscape minus "+").
    assert.match(url.search, /^\?return_to=(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*$/);
  }

  test('percent-encoding: URLSearchParams gives back every random Unicode returnTo path exactly', () => {
    const random = prng(20260801);
    for (let i = 0; i < 3000; i += 1) assertRoundTrip(`/x?q=${randomString(random)}`);
  });

  test('percent-encoding: the same holds for absolute returnTo URLs', () => {
    const random = prng(8012026);
    for (let i = 0; i < 3000; i += 1) assertRoundTrip(`https://app.example.com/x?q=${randomString(random)}`);
  });
});
