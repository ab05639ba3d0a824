// Node, CommonJS: require() of the ESM-only package (Node >= 20.19 loads ES modules by require).
const { createGate } = require('aalgate');
const { createWorkerGate } = require('aalgate/worker');

if (typeof createWorkerGate !== 'function') throw new Error("require('aalgate/worker') has no createWorkerGate");
createGate({ baseUrl: 'https://auth.example.com' }).then((gate) => {
  const whoami = { status: 403, body: '{"error":{"id":"session_aal2_required","code":403}}' };
  const d = gate.decide(whoami, { aal: 'aal2', returnTo: 'https://app.example.com/billing' });
  console.log(JSON.stringify({ verdict: d.verdict, reason: d.reason, url: d.url }));
});
