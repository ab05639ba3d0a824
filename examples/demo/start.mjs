// `npm start`: the Kratos emulator, the example worker (examples/worker, in workerd through
// miniflare) and an origin with the SPA, all on 127.0.0.1 (see stack.mjs). Prints the URL to
// open, the demo users and what to try; Ctrl-C (SIGINT) or SIGTERM stops everything.
//
// Ports: app (the worker) 8787, Kratos 4433, origin 8788 when free, else any free port.
// PORT, KRATOS_PORT and ORIGIN_PORT choose others (0 = any free port).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './bundle.mjs';
import { portIsFree } from './http.mjs';
import { startDemoStack } from './stack.mjs';

const HOST = '127.0.0.1';

for (const file of ['js/core/aalgate-core.mjs', 'js/core/aalgate-core.wasm']) {
  if (!existsSync(join(ROOT, file))) {
    console.error(`aalgate demo: ${file} is missing; run \`npm run build\` first (npm start builds it when missing).`);
    process.exit(1);
  }
}

async function pickPort(name, fallback) {
  const asked = process.env[name];
  if (asked !== undefined && asked !== '') {
    const port = Number(asked);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`aalgate demo: ${name}=${asked} is not a port number`);
      process.exit(1);
    }
    return port;
  }
  if (await portIsFree(fallback, HOST)) return fallback;
  console.log(`(port ${fallback} is taken: using a free one)`);
  return 0;
}

const workerPort = await pickPort('PORT', 8787);
const kratosPort = await pickPort('KRATOS_PORT', 4433);
const originPort = await pickPort('ORIGIN_PORT', 8788);

// miniflare installs SIGINT/SIGTERM listeners that end the process at once (exit 130/143); this
// script closes everything itself and exits 0, so it takes those two signals over. miniflare's
// `exit` hook stays: workerd never outlives this process, however it ends.
const SIGNALS = ['SIGINT', 'SIGTERM'];
const ours = Object.fromEntries(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
let stack;
try {
  stack = await startDemoStack({ host: HOST, workerPort, kratosPort, originPort });
} catch (error) {
  console.error(`aalgate demo: could not start: ${error?.message ?? error}`);
  process.exit(1);
}
for (const signal of SIGNALS) {
  for (const listener of process.listeners(signal)) {
    if (!ours[signal].has(listener)) process.removeListener(signal, listener);
  }
}

// One demo user: how to sign in as them, and their second factor. The OIDC-only user has no
// password (its session comes from the emulator's session endpoint, see "What to try").
function userLine(u) {
  const signIn = u.password === null ? (u.oidc ? 'OIDC only, no password' : 'no password') : `password ${JSON.stringify(u.password)}`;
  const second = u.totpCode
    ? `second factor: TOTP code ${u.totpCode}`
    : u.oidc
      ? 'second factor at its provider (upstream MFA)'
      : 'no second factor';
  return `  ${u.email.padEnd(17)} ${signIn.padEnd(41)} ${second}`;
}

const { appUrl, kratosUrl, originUrl, playgroundUrl } = stack;
const users = stack.kratos.users;
const line = '─'.repeat(78);
console.log(`
${line}
aalgate demo: step-up authentication in front of an app, on Ory Kratos (emulated)

  Open  ${appUrl}/public/

  app (the example worker in workerd)   ${appUrl}
  Kratos emulator                        ${kratosUrl}
  origin (behind the worker)             ${originUrl}
  playground (paste or fetch a whoami, see the core's decision, explained)
    ${playgroundUrl}

Demo users (Kratos emulator):
${users.map(userLine).join('\n')}

What to try:
  ${appUrl}/public/     public: no session needed, the worker does not call Kratos
  ${appUrl}/dashboard   needs a sign-in: the worker sends you to Kratos's login and back
  ${appUrl}/billing/    needs a second factor within 5 minutes: ?aal=aal2 step-up (as ada)
  ${appUrl}/account/    Kratos's settings needs: signed in within the last hour (privileged_session_max_age),
                        else ?refresh=true; its page links to Kratos's settings (enable the second factor)
  ${appUrl}/spa/        the SPA (aalgate/browser): Pay gets a 401 challenge and steps up
  ${appUrl}/public/playground/   the playground: "Fetch" asks the emulator's whoami with your
                        cookie and shows the decision for /billing/; paste any whoami or error
                        body; the link (its #hash) keeps the case

  The payment API, signed out: 401 JSON {verdict: "login", url, reason}
    curl -i -X POST -H 'Accept: application/json' ${appUrl}/billing/api/billing/pay
  and with a password-only (aal1) session, made by the emulator: 401 + RFC 9470 WWW-Authenticate
    COOKIE=$(curl -s -X POST ${kratosUrl}/__emulator/session -H 'Content-Type: application/json' \\
      -d '{"email":"ada@example.com","methods":["password"]}' | sed -E 's/.*"cookie":"([^"]*)".*/\\1/')
    curl -i -X POST -H 'Accept: application/json' -H "Cookie: $COOKIE" ${appUrl}/billing/api/billing/pay

  oidc@example.com has no password: the emulator makes its session (upstream MFA, aal2); put the
  answer's cookie in the browser (devtools, for 127.0.0.1) or send it with curl -H "Cookie: …"
    curl -s -X POST ${kratosUrl}/__emulator/session -H 'Content-Type: application/json' \\
      -d '{"email":"oidc@example.com","methods":[{"method":"oidc","aal":"aal2"}]}'
    then, past /billing's 5 minutes, it refreshes with ?refresh=true through "Continue with the provider"

  Move Kratos's clock 6 minutes on (past /billing's 5 minutes: ?refresh=true&aal=aal2):
    curl -X POST ${kratosUrl}/__emulator/clock -H 'Content-Type: application/json' -d '{"advanceMs":360000}'

  Kratos down or slow: the worker answers 503, never a pass
    curl -X POST ${kratosUrl}/__emulator/fault -H 'Content-Type: application/json' -d '{"mode":"status500"}'
    (modes: none, slow, status500, garbage; "none" puts it right)

Stop with Ctrl-C.
${line}
`);

let stopping = false;
async function stop(signal) {
  if (stopping) return; // a second signal (npm forwards the terminal's) while closing
  stopping = true;
  console.log(`\n${signal}: stopping the worker, the emulator and the origin…`);
  const force = setTimeout(() => {
    console.error('aalgate demo: did not stop within 10 s; exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  try {
    await stack.close();
  } catch (error) {
    console.error(`aalgate demo: while stopping: ${error?.message ?? error}`);
  }
  console.log('Stopped.');
  process.exit(0);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
