// Node, ESM: aalgate/standalone from the installed tarball (the module meant for browsers and
// CDNs). It fetches its .wasm relative to itself; Node's fetch has no file: URLs, so this serves
// them from disk and prints which URLs were asked, with the module's exports and a decision.
import { readFile } from 'node:fs/promises';

const asked = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(String(input));
  if (url.protocol !== 'file:') return realFetch(input, init);
  asked.push(url.href);
  return new Response(await readFile(url), { headers: { 'content-type': 'application/wasm' } });
};

const aalgate = await import('aalgate/standalone');
const gate = await aalgate.createGate({ baseUrl: 'https://auth.example.com' });
const whoami = { status: 403, body: '{"error":{"id":"session_aal2_required","code":403}}' };
const d = gate.decide(whoami, { aal: 'aal2', returnTo: 'https://app.example.com/billing' });
console.log(JSON.stringify({
  exports: Object.keys(aalgate).sort(),
  resolved: import.meta.resolve('aalgate/standalone'),
  asked,
  decision: { verdict: d.verdict, reason: d.reason, url: d.url },
}));
