// Sample whoami outcomes for the demo, with times relative to `now` so every run is current.
// Shapes follow what Kratos sends (see tests/fixtures/kratos/).

const minutes = (now, n) => new Date(now.getTime() - n * 60_000).toISOString();

function session(now, { aal, methods, authenticatedMinutesAgo, expiresInMinutes = 24 * 60, active = true }) {
  return {
    id: '0cd29640-3b64-419d-93b0-8c9e84c2090d',
    active,
    expires_at: minutes(now, -expiresInMinutes),
    authenticated_at: minutes(now, authenticatedMinutesAgo),
    authenticator_assurance_level: aal,
    authentication_methods: methods.map(([method, level, ago]) => ({
      method,
      aal: level,
      completed_at: minutes(now, ago),
    })),
    issued_at: minutes(now, authenticatedMinutesAgo),
    identity: { id: 'c4d24c01-feba-4213-858b-262c8d427f8c', schema_id: 'default', traits: { email: 'ada@example.com' } },
  };
}

/** @param {Date} now */
export function sampleOutcomes(now) {
  return [
    { name: 'no session (null)', whoami: null },
    {
      name: 'whoami 401',
      whoami: {
        status: 401,
        body: '{"error":{"code":401,"status":"Unauthorized","reason":"No valid session credentials found in the request.","message":"The request could not be authorized"}}',
      },
    },
    {
      name: 'whoami 403 aal2 required',
      whoami: {
        status: 403,
        body: '{"error":{"id":"session_aal2_required","code":403,"status":"Forbidden"},"redirect_browser_to":"https://auth.example.com/self-service/login/browser?aal=aal2"}',
      },
    },
    {
      name: 'aal1 password, 5 min ago',
      whoami: session(now, { aal: 'aal1', methods: [['password', 'aal1', 5]], authenticatedMinutesAgo: 5 }),
    },
    {
      name: 'aal1 password, 2 h ago',
      whoami: session(now, { aal: 'aal1', methods: [['password', 'aal1', 120]], authenticatedMinutesAgo: 120 }),
    },
    {
      name: 'aal2 totp 3 min ago',
      whoami: session(now, {
        aal: 'aal2',
        methods: [['password', 'aal1', 4], ['totp', 'aal2', 3]],
        authenticatedMinutesAgo: 3,
      }),
    },
    {
      name: 'aal2 totp 45 min ago',
      whoami: session(now, {
        aal: 'aal2',
        methods: [['password', 'aal1', 46], ['totp', 'aal2', 45]],
        authenticatedMinutesAgo: 45,
      }),
    },
    {
      name: 'expired aal2',
      whoami: session(now, {
        aal: 'aal2',
        methods: [['password', 'aal1', 1500], ['webauthn', 'aal2', 1499]],
        authenticatedMinutesAgo: 1499,
        expiresInMinutes: -59,
      }),
    },
    { name: 'garbage 200 body', whoami: '{"active":"yes"' },
  ];
}

export const requirements = [
  { name: 'aal1', requirement: { aal: 'aal1' } },
  { name: 'aal2', requirement: { aal: 'aal2' } },
  { name: 'aal2 maxAge 10m', requirement: { aal: 'aal2', maxAge: '10m' } },
  { name: 'settings', requirement: { operation: 'settings' } },
];
