// `npm start`: decides every sample session against the common requirements and prints a table
// of verdicts and URLs. Run with --lax to mirror a Kratos whose whoami is Lax (required_aal aal1).
import { createGate } from 'aalgate';

import { requirements, sampleOutcomes } from './sessions.mjs';

const baseUrl = 'https://auth.example.com';
const returnTo = 'https://app.example.com/billing';
const lax = process.argv.includes('--lax');
const gate = await createGate({
  baseUrl,
  kratos: lax ? { session: { whoami: { required_aal: 'aal1' } } } : {},
});
const now = new Date();

const rows = [];
for (const { name, whoami } of sampleOutcomes(now)) {
  for (const { name: needs, requirement } of requirements) {
    const d = gate.decide(whoami, { ...requirement, returnTo, now });
    rows.push([name, needs, d.verdict, d.reason, d.url ? d.url.slice(baseUrl.length) : '-']);
  }
}

const header = ['session', 'requirement', 'verdict', 'reason', 'url (after ' + baseUrl + ')'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
console.log(`aalgate demo: Kratos whoami is ${lax ? 'Lax (aal1)' : 'Strict (highest_available)'}, return_to ${returnTo}\n`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
let previous = '';
for (const row of rows) {
  console.log(line([row[0] === previous ? '' : row[0], ...row.slice(1)]));
  previous = row[0];
}
console.log(`\n${rows.length} decisions. Try: npm start -- --lax`);
gate.dispose();
