// Type-level checks of js/index.d.ts, compiled by tests/js/types.test.js with `tsc --noEmit`.
// Lines marked @ts-expect-error must fail to type-check; everything else must pass.
import { FrontendApi, SessionFromJSON, type Session } from '@ory/client-fetch';
import {
  AalgateError,
  createGate,
  Gate,
  type ChallengeRequirement,
  type Config,
  type Decision,
  type KratosError,
  type Policy,
  type RecoveryDecision,
  type Reason,
  type Request,
  type Requirement,
  type RouteRequirement,
  type Whoami,
} from 'aalgate';

export async function usage(api: FrontendApi, raw: unknown): Promise<string | null> {
  const nested: Config = {
    baseUrl: 'https://auth.example.com',
    flow: 'api',
    allowedReturnUrls: ['https://app.example.com/'],
    leeway: '5s',
    kratos: {
      session: { whoami: { required_aal: 'aal1' } },
      selfservice: { flows: { settings: { required_aal: 'highest_available', privileged_session_max_age: '15m' } } },
      serve: { public: { base_url: 'https://auth.example.com/' } },
    },
  };
  const dotted: Config = {
    baseUrl: 'https://auth.example.com',
    leeway: 2.5,
    kratos: {
      'session.whoami.required_aal': 'highest_available',
      'selfservice.flows.settings.required_aal': 'aal1',
      'selfservice.flows.settings.privileged_session_max_age': '1h',
    },
  };
  // @ts-expect-error baseUrl is required
  const missing: Config = { flow: 'browser' };
  // @ts-expect-error flow is 'browser' | 'api'
  const badFlow: Config = { baseUrl: 'https://a.example', flow: 'spa' };
  // @ts-expect-error required_aal is 'aal1' | 'highest_available'
  const badAal: Config = { baseUrl: 'https://a.example', kratos: { 'session.whoami.required_aal': 'aal2' } };
  void [missing, badFlow, badAal, dotted];

  const gate: Gate = await createGate(nested);
  const requirement: Requirement = { aal: 'strict', maxAge: '10m', operation: 'settings', returnTo: '/x', now: new Date() };
  // @ts-expect-error aal7 is not an assurance level
  const badRequirement: Requirement = { aal: 'aal7' };
  void badRequirement;

  const session: Session = await api.toSession();
  const fromSdk: Decision = gate.decide(session, requirement);
  const fromJson: Decision = gate.decide(SessionFromJSON(raw), { now: 1_700_000_000_000 });
  const inputs: Whoami[] = [null, undefined, '{"active":true}', { status: 401, body: '' }, { status: 403, body: { error: { id: 'session_aal2_required' } } }];
  for (const w of inputs) gate.decide(w);
  gate.decide(null);
  gate.decide(null, null);

  const d = gate.decide(session, { aal: 'aal2' });
  if (d.verdict === 'allow') {
    const none: null = d.url;
    void none;
  } else if (d.verdict === 'step_up') {
    const url: string = d.url;
    const reason: 'server_requires_aal2' | 'aal2_required' = d.reason;
    void [url, reason];
  }
  // @ts-expect-error decisions are read-only
  d.verdict = 'allow';
  const warnings: readonly ('return_to_dropped' | 'highest_available_unverifiable')[] = d.warnings;
  void [fromSdk, fromJson, warnings];
  // @ts-expect-error Gate has no public constructor
  new Gate();
  gate.dispose();

  const policy: Policy = {
    rules: [
      { path: '/public/**', aal: 'none' },
      { path: '/billing/**', methods: ['POST', 'put'], aal: 'aal2', maxAge: '10m' },
      { path: '/settings', operation: 'settings' },
    ],
    default: { aal: 'aal1', maxAge: 3600 },
  };
  // @ts-expect-error a rule needs a path
  const noPath: Policy = { rules: [{ aal: 'aal2' }] };
  // @ts-expect-error 'aal3' is not a route's assurance level
  const badRuleAal: Policy = { rules: [{ path: '/x', aal: 'aal3' }] };
  void [noPath, badRuleAal];
  const routed = await createGate({ baseUrl: 'https://auth.example.com', policy });
  const route: RouteRequirement = routed.requirementFor('POST', '/billing/invoices?id=1');
  const routeRule: number | null = route.rule;
  const routeMaxAge: number | undefined = route.maxAge;
  // @ts-expect-error route requirements are read-only
  route.aal = 'aal1';
  const fromRoute: Decision = routed.decide(session, route);
  const request: Request = { method: 'GET', url: 'https://app.example.com/billing', now: new Date() };
  const byRequest: Decision = routed.decideRequest(session, request);
  routed.decideRequest('{"active":true}', { method: 'POST', url: '/billing', returnTo: '/done', now: 5 });
  // @ts-expect-error a request needs a url
  routed.decideRequest(null, { method: 'GET' });
  void [routeRule, routeMaxAge, fromRoute, byRequest];

  const errors: KratosError[] = [
    '{"error":{"id":"session_refresh_required","code":403}}',
    { error: { id: 'session_aal2_required', code: 403 }, redirect_browser_to: 'https://auth.example.com/x' },
    { status: 403, body: '{}' },
    { status: 422, body: { error: { id: 'browser_location_change_required' } } },
    { status: 401 },
    null,
  ];
  for (const e of errors) routed.recover(e, { returnTo: '/settings' });
  const recovered: RecoveryDecision = routed.recover(errors[0]);
  // @ts-expect-error recover gives no aal2_required
  if (recovered.reason === 'aal2_required') void recovered;
  const reason: Reason = recovered.reason;
  const kratosReason: Reason = 'kratos_self_service_flow_locked';
  if (recovered.verdict === 'refresh') {
    const challenge: string = recovered.challenge;
    void challenge;
  } else if (recovered.verdict === 'error') {
    const none: null = recovered.challenge;
    void none;
  }
  // @ts-expect-error 'because' is not a reason
  const badReason: Reason = 'because';
  void [reason, kratosReason, badReason];

  const asked: ChallengeRequirement | null = routed.parseChallenge(recovered.challenge);
  if (asked !== null) {
    const aal: 'aal1' | 'aal2' = asked.aal;
    routed.decide(session, asked);
    void aal;
  }
  routed.parseChallenge(undefined);
  // @ts-expect-error a header is text
  routed.parseChallenge(42);
  routed.dispose();

  try {
    await createGate({ baseUrl: 'nope' });
  } catch (error) {
    if (error instanceof AalgateError) {
      const code: string = error.code;
      return code;
    }
  }
  return d.url;
}
