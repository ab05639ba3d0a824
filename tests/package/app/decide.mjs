// Node, ESM: the README's server example as a user's project runs it.
import { createGate } from 'aalgate';

const gate = await createGate({ baseUrl: 'https://auth.example.com' });
const whoami = { status: 403, body: '{"error":{"id":"session_aal2_required","code":403}}' };
const d = gate.decide(whoami, { aal: 'aal2', returnTo: 'https://app.example.com/billing' });
console.log(JSON.stringify({ verdict: d.verdict, reason: d.reason, url: d.url }));
