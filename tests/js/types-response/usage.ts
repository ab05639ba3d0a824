// Type-level checks for issue 11 (compiled by tests/js/types-response.test.js with tsc):
// decide refuses a fetch Response or a ResponseError; decideResponse, createGate's { wasm } and
// the worker's forward / proxy and the browser's loadOptions are typed.
import { FetchError, FrontendApi, ResponseError } from '@ory/client-fetch';
import { createGate, type Decision, type LoadOptions, type WasmSource } from 'aalgate';
import { createBrowserGate } from 'aalgate/browser';
import { createWorkerGate, type WorkerGateConfig } from 'aalgate/worker';

export async function usage(api: FrontendApi, response: Response, bytes: Uint8Array, module: WebAssembly.Module): Promise<Decision[]> {
  const gate = await createGate({ baseUrl: 'https://auth.example.com' });
  const decisions: Decision[] = [];

  // @ts-expect-error a fetch Response is not a whoami outcome: its body is read asynchronously
  gate.decide(response);
  // @ts-expect-error nor in decideRequest
  gate.decideRequest(response, { method: 'GET', url: '/' });
  // @ts-expect-error nor @ory/client-fetch's ResponseError
  gate.decide(new ResponseError(response));
  // @ts-expect-error an object with text() looks like a Response
  gate.decide({ status: 200, body: '{}', text: async () => '{}' });
  decisions.push(gate.decide({ status: response.status, body: await response.text() }));

  decisions.push(await gate.decideResponse(response, { aal: 'aal2' }));
  decisions.push(await gate.decideResponse(await fetch('https://auth.example.com/sessions/whoami')));
  try {
    decisions.push(gate.decide(await api.toSession(), { aal: 'aal2' }));
  } catch (error) {
    if (error instanceof ResponseError || error instanceof FetchError) {
      decisions.push(await gate.decideResponse(error, { aal: 'aal2' }));
    }
  }
  // @ts-expect-error decideResponse takes a Response, not parsed text
  await gate.decideResponse('{}');
  // @ts-expect-error nor { status, body }
  await gate.decideResponse({ status: 200, body: '{}' });

  const sources: WasmSource[] = [
    new URL('./aalgate-core.wasm', 'https://cdn.example.com/'),
    '/assets/aalgate-core.wasm',
    response,
    fetch('/assets/aalgate-core.wasm'),
    bytes,
    bytes.buffer,
    new DataView(bytes.buffer),
    module,
  ];
  for (const wasm of sources) await createGate({ baseUrl: 'https://auth.example.com' }, { wasm });
  const none: LoadOptions = {};
  await createGate({ baseUrl: 'https://auth.example.com' }, none);
  await createGate({ baseUrl: 'https://auth.example.com' }, null);
  // @ts-expect-error a number is not a Wasm source
  await createGate({ baseUrl: 'https://auth.example.com' }, { wasm: 42 });
  // @ts-expect-error wasmUrl is not an option
  await createGate({ baseUrl: 'https://auth.example.com' }, { wasmUrl: '/x.wasm' });

  const spa = await createBrowserGate({ baseUrl: 'https://auth.example.com' }, { wasm: bytes });
  decisions.push(await spa.decideResponse(response));
  // @ts-expect-error the browser gate's decide refuses a Response too
  spa.decide(response);

  const config: WorkerGateConfig = {
    baseUrl: 'https://auth.example.com',
    forward: { identityId: true, sessionId: 'X-Session', aal: false },
  };
  const worker = await createWorkerGate(config, { wasm: module });
  const answer: Response = await worker.proxy(new Request('https://app.example.com/x'), 'https://origin.internal');
  void answer;
  await createWorkerGate({ baseUrl: 'https://auth.example.com', forward: true });
  // @ts-expect-error forward names identityId, sessionId and aal
  await createWorkerGate({ baseUrl: 'https://auth.example.com', forward: { email: true } });
  // @ts-expect-error proxy needs the origin
  await worker.proxy(new Request('https://app.example.com/x'));
  return decisions;
}
