// A requirement is compiled once per distinct requirement (js/call.js, DESIGN.md "The Wasm
// boundary"): the cache must never hand one requirement's compiled form to another.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createGate } from 'aalgate';

import { aal1Session } from './helpers.js';

const NOW = Date.parse('2026-08-01T10:30:00Z');
const CONFIG = { baseUrl: 'https://auth.example.com', allowedReturnUrls: ['https://app.example.com/'] };

test('a requirement object changed between calls decides as its new values', async () => {
  const gate = await createGate(CONFIG);
  const requirement = { aal: 'aal1', now: NOW };
  assert.equal(gate.decide(aal1Session(), requirement).verdict, 'allow');
  requirement.aal = 'aal2';
  assert.equal(gate.decide(aal1Session(), requirement).verdict, 'enroll');
  requirement.aal = 'aal1';
  requirement.maxAge = 60;
  assert.equal(gate.decide(aal1Session(), requirement).verdict, 'refresh');
  requirement.maxAge = '60s';
  assert.equal(gate.decide(aal1Session(), requirement).verdict, 'refresh');
  requirement.maxAge = '1h';
  assert.equal(gate.decide(aal1Session(), requirement).verdict, 'allow');
  requirement.returnTo = 'https://app.example.com/a';
  requirement.aal = 'aal2';
  assert.match(gate.decide(aal1Session(), requirement).url, /return_to=https%3A%2F%2Fapp.example.com%2Fa$/);
  requirement.returnTo = 'https://app.example.com/b';
  assert.match(gate.decide(aal1Session(), requirement).url, /return_to=https%3A%2F%2Fapp.example.com%2Fb$/);
  requirement.aal = 'aal7';
  assert.throws(() => gate.decide(aal1Session(), requirement), { code: 'requirement.aal' });
  requirement.aal = 'aal1';
  requirement.now = 'yesterday';
  assert.throws(() => gate.decide(aal1Session(), requirement), { code: 'requirement.now' });
  requirement.now = 1e20;
  assert.throws(() => gate.decide(aal1Session(), requirement), { code: 'requirement.now' });
});

test('strings that look alike and values of other types are different requirements', async () => {
  const gate = await createGate(CONFIG);
  const session = aal1Session();
  // maxAge 60 (seconds) and '60' (not a Go duration) must not share a compiled requirement.
  assert.equal(gate.decide(session, { maxAge: 60, now: NOW }).verdict, 'refresh');
  assert.throws(() => gate.decide(session, { maxAge: '60', now: NOW }), { code: 'requirement.maxAge' });
  assert.equal(gate.decide(session, { maxAge: 60, now: NOW }).verdict, 'refresh');
  // organization 'a' + via 'b' against organization 'ab'
  const one = gate.decide(null, { organization: 'a', via: 'b', now: NOW }).url;
  const two = gate.decide(null, { organization: 'ab', now: NOW }).url;
  assert.notEqual(one, two);
  assert.match(one, /organization=a&via=b$/);
  assert.match(two, /organization=ab$/);
});

test('past the cache of compiled requirements, each still decides as on a fresh gate', async () => {
  const gate = await createGate(CONFIG);
  const session = aal1Session();
  const requirementOf = (i) => ({ aal: i % 2 ? 'aal2' : 'aal1', maxAge: 60 + i * 7, organization: `org-${i}`, now: NOW });
  for (let round = 0; round < 2; round += 1) {
    for (let i = 0; i < 600; i += 1) {
      const d = gate.decide(i % 3 ? session : null, requirementOf(i));
      const fresh = i % 97 === 0 ? await createGate(CONFIG) : null;
      if (fresh) assert.deepEqual(d, fresh.decide(i % 3 ? session : null, requirementOf(i)));
      assert.equal(d.requiredAal, i % 2 ? 'aal2' : 'aal1', `requirement ${i}`);
      if (d.url?.includes('/login/')) assert.match(d.url, new RegExp(`organization=org-${i}$`), `requirement ${i}`);
    }
  }
});
