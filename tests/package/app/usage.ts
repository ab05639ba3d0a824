// Strict TypeScript in a user's project: the published .d.ts files with @ory/client-fetch's
// Session. The @ts-expect-error lines must stay errors (types that were `any` would pass).
import type { Session } from '@ory/client-fetch';
import { AalgateError, createGate, type Decision } from 'aalgate';
import { createWorkerGate, type WorkerGate } from 'aalgate/worker';
import * as standalone from 'aalgate/standalone';

declare const session: Session;

const gate = await createGate({ baseUrl: 'https://auth.example.com' });
const decision: Decision = gate.decide(session, { aal: 'aal2', maxAge: '10m', returnTo: 'https://app.example.com/' });
if (decision.verdict === 'step_up') {
  const url: string = decision.url;
  console.log(url);
}
console.log(gate.decide({ status: 401, body: '' }, { aal: 'aal1' }).verdict === 'login');
console.log(new AalgateError('x', 'y') instanceof Error);

const workerGate: WorkerGate = await createWorkerGate({ baseUrl: 'https://auth.example.com' });
const denied: Response | null = await workerGate.handle(new Request('https://app.example.com/'));
console.log(denied?.status);

// aalgate/standalone: the same declarations as aalgate, aalgate/browser and aalgate/devtools.
const sameGate: typeof createGate = standalone.createGate;
const browserGate = await standalone.createBrowserGate({ baseUrl: 'https://auth.example.com' });
const inspected = await standalone.inspect('https://auth.example.com', { print: false });
console.log(sameGate === createGate, browserGate.decide(session).verdict, inspected.decisions.length);
console.log(new standalone.AalgateError('x', 'y') instanceof AalgateError);
// @ts-expect-error aalgate/standalone has no worker gate
standalone.createWorkerGate;

// @ts-expect-error a number is not a whoami answer
gate.decide(42, { aal: 'aal2' });
// @ts-expect-error 'aal4' is not a level
gate.decide(session, { aal: 'aal4' });
// @ts-expect-error not a verdict
const wrong: Decision['verdict'] = 'maybe';
console.log(wrong);
