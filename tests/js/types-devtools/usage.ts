// Type-level checks of js/devtools.d.ts, compiled by tests/js/devtools.test.js with `tsc --noEmit`.
import { formatDuration, inspect, type InspectedDecision, type InspectedSession } from 'aalgate/devtools';
import type { Verdict } from 'aalgate';

async function usage(): Promise<void> {
  const { session, decisions } = await inspect('https://auth.example.com', {
    print: false,
    headers: { cookie: 'ory_kratos_session=x' },
    config: { kratos: { session: { whoami: { required_aal: 'aal1' } } } },
  });
  const s: InspectedSession = session;
  const level: string | null | undefined = s.level;
  const first: InspectedDecision | undefined = decisions[0];
  const verdict: Verdict | undefined = first?.verdict;
  const age: string = formatDuration(252_000);
  void [level, verdict, age];
  // @ts-expect-error baseUrl is inspect's first argument, not a config key
  await inspect('https://auth.example.com', { config: { baseUrl: 'https://x.example' } });
  // @ts-expect-error print is a boolean
  await inspect('https://auth.example.com', { print: 'no' });
}
void usage;
