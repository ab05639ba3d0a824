// allowedReturnUrls against the real Kratos v1.3.1: for each return_to, aalgate's verdict (kept in
// the URL or dropped with return_to_dropped) and Kratos's answer to a login flow carrying it
// (200, or 400) must agree, except where aalgate is knowingly stricter (the safe side: it drops
// what Kratos would still take). A return_to aalgate keeps and Kratos refuses is a failure.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startKratos } from './harness.js';
import { Agent } from './client.js';
import { gateFor } from './scenarios.js';

const ALLOWED = ['https://app.example.com/', 'https://*.example.org/app', 'myapp://callback'];

// return_to → why aalgate may be stricter than Kratos here (null: the two must agree).
const CANDIDATES = {
  'https://app.example.com/billing?x=1#top': null,
  'https://APP.Example.com/billing': null,
  'https://app.example.com:443/': null, // host with a port is another host, for both
  'http://app.example.com/': null,
  '/relative/path': null, // resolved on default_browser_return_url
  'relative-without-slash': null,
  'https://app.example.com.evil.net/': null,
  'https://evil.net/': null,
  '//evil.net/': null,
  'https://shop.example.org/app/cart': null,
  'https://shop.example.org/application': null, // a string prefix, as Kratos's HasPrefix
  'https://shop.example.org/App': null,
  'https://example.org/app': null, // *.example.org does not match the bare domain
  'https://deep.shop.example.org/app': null,
  'https://shop.example.org/%61pp/x': null, // compared on the decoded path
  'https://shop.example.org/ap%70': null,
  'https://app.example.com/%zz': null, // Go's url.Parse fails: 400
  'myapp://callback/done': null,
  'myapp://other': null,
  'MYAPP://callback/x': null,
  'https://user@app.example.com/': 'userinfo: aalgate drops it (a phishing shape), Kratos compares the host only',
  'https://app.example.com\\@evil.net/': null, // a backslash: Go's url.Parse fails, aalgate drops it
};

describe('return_to: aalgate (allowedReturnUrls) vs Kratos v1.3.1 (selfservice.allowed_return_urls)', () => {
  let kratos;
  let gate;
  before(async () => {
    kratos = await startKratos({ allowedReturnUrls: ALLOWED });
    gate = await gateFor(kratos, 'browser');
  });
  after(async () => {
    await kratos?.stop();
  });

  for (const [returnTo, stricter] of Object.entries(CANDIDATES)) {
    test(returnTo, async (t) => {
      const d = gate.decide(null, { returnTo });
      const kept = !d.warnings.includes('return_to_dropped');
      if (kept) assert.equal(new URL(d.url).searchParams.get('return_to'), returnTo);
      const r = await new Agent(kratos, 'browser').startLogin(`return_to=${encodeURIComponent(returnTo)}`);
      const accepted = r.status === 200;
      if (!accepted) assert.equal(r.status, 400, r.text);
      t.diagnostic(`aalgate ${kept ? 'keeps' : 'drops'} it; Kratos ${accepted ? 'accepts' : `refuses (${r.status} ${r.json?.error?.id ?? 'no id'})`}`);
      if (stricter) {
        assert.equal(kept, false, 'aalgate must drop it');
        t.diagnostic(`aalgate is stricter on purpose: ${stricter}`);
      } else {
        assert.equal(kept, accepted, `aalgate ${kept ? 'keeps' : 'drops'} ${returnTo}, Kratos ${accepted ? 'accepts' : 'refuses'} it`);
      }
      // Whatever was judged, the URL aalgate emits is one Kratos starts a flow for.
      const flow = await new Agent(kratos, 'browser').request(d.url);
      assert.equal(flow.status, 200, flow.text);
    });
  }
});
