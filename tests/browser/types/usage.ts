// Type-level checks of js/browser.d.ts, compiled by tests/browser/types.test.js with tsc.
// Lines marked @ts-expect-error must fail to type-check; everything else must pass.
import {
  AalgateError,
  createBrowserGate,
  type BrowserDecision,
  type BrowserGate,
  type BrowserGateOptions,
  type BrowserTokensOptions,
  type SessionToken,
  type Decision,
  type LocationLike,
  type Requirement,
} from 'aalgate/browser';

export async function usage(): Promise<string | null> {
  const options: BrowserGateOptions = {
    baseUrl: 'https://auth.example.com',
    whoamiUrl: 'https://auth.example.com/sessions/whoami',
    kratos: { session: { whoami: { required_aal: 'aal1' } } },
    allowedReturnUrls: ['https://app.example.com/'],
    fetch: (input, init) => fetch(input, init),
    location: window.location,
  };
  const gate: BrowserGate = await createBrowserGate(options);
  const minimal = await createBrowserGate({ baseUrl: 'https://auth.example.com' });
  minimal.dispose();

  const requirement: Requirement = { aal: 'aal2', maxAge: '5m' };
  const d: BrowserDecision = await gate.require(requirement, { redirect: false });
  await gate.require();
  await gate.require(null);
  await gate.require({ aal: 'aal1' }, {});
  if (d.verdict === 'error') {
    const reason: 'kratos_unreachable' | 'kratos_timeout' | 'unexpected_response' | 'invalid_session' | 'core_failure' | 'body_too_large' | `claim_${string}` = d.reason;
    const url: null = d.url;
    void reason;
    void url;
  } else if (d.verdict !== 'allow') {
    const url: string = d.url;
    void url;
  }

  const res: Response = await gate.fetch('/api/billing/pay', { method: 'POST' });
  await gate.fetch(new URL('https://api.example.com/x'));
  await gate.fetch(new Request('https://api.example.com/x'));
  const plain: Decision = gate.decide({ status: 401, body: '' }, { aal: 'aal1' });

  // Tokenized sessions: the token for the app's API, held in memory.
  const tokens: BrowserTokensOptions = {
    jwks: 'https://auth.example.com/.well-known/jwks.json',
    issuer: 'https://auth.example.com',
    origins: ['https://api.example.com'],
    renewBeforeMs: 10_000,
  };
  const tokenized = await createBrowserGate({ baseUrl: 'https://auth.example.com', tokenizeAs: 'aalgate', tokens });
  const token: SessionToken | null = await tokenized.token();
  if (token !== null) {
    const jwt: string = token.jwt;
    const expiresAt: number = token.expiresAt;
    const local: Decision = tokenized.decide(token.verified, { aal: 'aal2', maxAge: '5m' });
    void [jwt, expiresAt, local];
    // @ts-expect-error the token is read-only
    token.jwt = 'x';
  }
  // @ts-expect-error origins is a list
  const oneOrigin: BrowserTokensOptions = { ...tokens, origins: 'https://api.example.com' };
  // @ts-expect-error tokenizeAs is a template name
  await createBrowserGate({ baseUrl: 'https://auth.example.com', tokenizeAs: true, tokens });
  void oneOrigin;

  const fake: LocationLike = { href: 'https://app.example.com/', assign: (url: string) => void url };
  await createBrowserGate({ baseUrl: 'https://auth.example.com', location: fake });

  try {
    await createBrowserGate({ baseUrl: 'https://auth.example.com', whoamiUrl: 'nope' });
  } catch (error) {
    if (error instanceof AalgateError) return error.code;
  }

  // @ts-expect-error baseUrl is required
  await createBrowserGate({});
  // @ts-expect-error redirect is a boolean
  await gate.require({}, { redirect: 'no' });
  // @ts-expect-error not an aal
  await gate.require({ aal: 'aal9' });
  // @ts-expect-error fetch must be a function
  await createBrowserGate({ baseUrl: 'https://auth.example.com', fetch: 'fetch' });
  // @ts-expect-error location needs assign
  await createBrowserGate({ baseUrl: 'https://auth.example.com', location: { href: 'x' } });
  // @ts-expect-error require resolves to a decision, not a Response
  const wrong: Response = await gate.require();
  void wrong;

  return res.ok ? plain.verdict : null;
}
