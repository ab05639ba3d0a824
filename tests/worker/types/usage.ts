// Type-level checks of js/worker.d.ts, compiled by tests/worker/types.test.js with `tsc --noEmit`.
// Lines marked @ts-expect-error must fail to type-check; everything else must pass.
import type { Decision } from 'aalgate';
import {
  AalgateError,
  createWorkerGate,
  type WorkerDecision,
  type WorkerGate,
  type WorkerGateConfig,
  type WorkerTokensOptions,
} from 'aalgate/worker';

export async function usage(request: Request): Promise<Response> {
  const config: WorkerGateConfig = {
    baseUrl: 'https://auth.example.com',
    whoamiUrl: 'http://kratos.internal:4433',
    timeoutMs: 1500,
    cache: { maxEntries: 500, ttlMs: 10_000 },
    policy: {
      rules: [
        { path: '/billing/**', aal: 'aal2', maxAge: '5m' },
        { path: '/account/**', operation: 'settings' },
        { path: '/public/**', aal: 'none' },
      ],
      default: { aal: 'aal1' },
    },
    kratos: { session: { whoami: { required_aal: 'highest_available' } } },
  };
  const simple: WorkerGateConfig = { baseUrl: 'https://auth.example.com', cache: true };
  // @ts-expect-error timeoutMs is a number of milliseconds
  const badTimeout: WorkerGateConfig = { baseUrl: 'https://auth.example.com', timeoutMs: '3s' };
  // @ts-expect-error the cache has maxEntries and ttlMs
  const badCache: WorkerGateConfig = { baseUrl: 'https://auth.example.com', cache: { ttl: 5 } };
  // @ts-expect-error baseUrl is required
  const missing: WorkerGateConfig = { whoamiUrl: 'http://kratos.internal' };
  void [simple, badTimeout, badCache, missing];

  // Tokenized sessions: the verifier's options plus where the token is and the fallback.
  const tokens: WorkerTokensOptions = {
    jwks: 'https://auth.example.com/.well-known/jwks.json',
    issuer: 'https://auth.example.com',
    leeway: 5,
    from: { cookie: 'kratos_jwt' },
    fallback: 'challenge',
    forward: false,
  };
  const withTokens: WorkerGateConfig = { baseUrl: 'https://auth.example.com', tokens };
  const inline: WorkerGateConfig = { baseUrl: 'https://auth.example.com', tokens: { jwks: { keys: [] }, issuer: 'https://auth.example.com' } };
  // @ts-expect-error issuer is required
  const noIssuer: WorkerGateConfig = { baseUrl: 'https://auth.example.com', tokens: { jwks: { keys: [] } } };
  // @ts-expect-error fallback is 'whoami' or 'challenge'
  const badFallback: WorkerTokensOptions = { ...tokens, fallback: 'deny' };
  // @ts-expect-error from is 'authorization' or { cookie }
  const badFrom: WorkerTokensOptions = { ...tokens, from: 'x-token' };
  void [withTokens, inline, noIssuer, badFallback, badFrom];

  const gate: WorkerGate = await createWorkerGate(config);
  const denied: Response | null = await gate.handle(request);
  if (denied) return denied;

  const d: WorkerDecision = await gate.check(request);
  if (d.verdict === 'error') {
    const reason:
      | 'unexpected_response'
      | 'invalid_session'
      | 'kratos_unreachable'
      | 'kratos_timeout'
      | 'core_failure'
      | 'body_too_large'
      | `claim_${string}` = d.reason;
    const url: null = d.url;
    void [reason, url];
  } else {
    const fromCore: Decision = d;
    void fromCore;
  }
  if (d.verdict === 'step_up') {
    const challenge: string = d.challenge;
    void challenge;
  }
  // @ts-expect-error decisions are read-only
  d.verdict = 'allow';
  // @ts-expect-error handle takes a Request
  await gate.handle('https://app.example.com/');

  try {
    await createWorkerGate({ baseUrl: 'https://auth.example.com', timeoutMs: 0 });
  } catch (error) {
    if (error instanceof AalgateError) {
      const code: string = error.code;
      void code;
    }
  }
  gate.dispose();
  return fetch(request);
}
