// The whole journey, end to end, on the `npm start` stack (examples/demo/stack.mjs): the example
// worker (examples/worker) in real workerd through miniflare, in front of the Kratos emulator
// (Lax: whoami accepts aal1) and a tiny origin that also serves the SPA. Debian's Chromium,
// driven by playwright-core, walks it as a user would: nothing is mocked, every hop is HTTP.
//
//   /public/ → /dashboard (303 to login) → password → back → /billing/ (303 to ?aal=aal2) → TOTP
//   → back → Kratos's clock +6 min → /billing/ (303 to ?refresh=true&aal=aal2) → TOTP → back;
//   the SPA's Pay: the worker's 401 + RFC 9470 challenge → aalgate/browser → ?aal=aal2 → back → paid.
//
// Settings (/account/**, Kratos's privileged_session_max_age): with the default 1h, a session
// signed in hours ago gets ?refresh=true (no aal) → password → back; on a stack whose Kratos and
// worker both have 0s (always privileged), the same stale session reaches /account/ at once and
// Kratos's settings flow enrols a TOTP without asking to re-authenticate (no loop).
//
// Upstream MFA: an OIDC session whose provider did the second factor (oidc at aal2) passes
// /billing/; 6 min later it refreshes with ?refresh=true (no aal: there is no local second factor)
// through the emulator's stand-in provider → back.
//
// The SPA's "Sign in" / "Confirm with your second factor" start a login flow with fetch; Kratos's
// 400 session_already_available goes to gate.recover: aal1 → allow (no navigation), aal2 →
// ?refresh=true&aal=aal2.
//
// Fault tests: through the worker in workerd, Kratos down, slower than the worker's timeout, 500
// or garbage → 503 JSON, never a redirect, never the origin.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { startDemoStack } from '../../examples/demo/stack.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js';


const ADA = 'ada@example.com';
const ADA_PASSWORD = 'correct horse battery staple';
const ADA_TOTP = '123456';
const BOB = 'bob@example.com'; // no second factor: Kratos's settings ask for no more than aal1
const BOB_PASSWORD = 'hunter2hunter2';
const BOB_TOTP = '123456'; // the emulator's code for a factor enrolled in its settings
const OIDC = 'oidc@example.com'; // no password; its provider does the second factor (upstream MFA)
const HOUR = 60 * 60_000;
const MINUTE = 60_000;
const NAVIGATION_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const STEP_UP_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A second authentication factor is required", acr_values="aal2"';

/** `url` split into where it goes and its query as ordered [name, value] pairs (decoded). */
function parts(url) {
  const u = new URL(url);
  return { at: `${u.origin}${u.pathname}`, query: [...new URLSearchParams(u.search)] };
}

function chromiumMissing() {
  if (existsSync(CHROMIUM)) return null;
  if (existsSync('/usr/bin/apt-get')) {
    return { fail: `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); tools/setup.sh should` };
  }
  return { skip: `no Chromium at ${CHROMIUM} and no apt-get to install it (set AALGATE_CHROMIUM to a Chromium binary)` };
}

const launchChromium = async () => {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
};

/**
 * A page in a fresh browser context (its own cookies), with helpers:
 * `visit(url)` navigates and returns the redirect chain [{ url, status }] ending at the page;
 * `navigations` lists the URL of every main-frame navigation request, in order.
 */
async function openPage(browser, t) {
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
  const navigations = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(r.url());
  });
  const chainOf = async (request) => {
    const chain = [];
    for (let r = request; r !== null; r = r.redirectedFrom()) {
      chain.unshift({ url: r.url(), status: (await r.response())?.status() ?? null });
    }
    return chain;
  };
  return {
    context,
    page,
    errors,
    navigations,
    chainOf,
    async visit(url) {
      const response = await page.goto(url);
      return chainOf(response.request());
    },
    // Submits the form (its button `selector`) and waits for the browser to land on `url`;
    // returns the chain from the POST.
    async submit(url, selector = '#submit') {
      const landed = page.waitForRequest((r) => r.isNavigationRequest() && r.url() === url, { timeout: 15_000 });
      await page.click(selector);
      const request = await landed;
      await page.waitForURL(url);
      await page.waitForLoadState('load');
      return chainOf(request);
    },
    text: (selector) => page.locator(selector).innerText(),
  };
}

/** The browser context's cookies for `url`, as a Cookie header. */
const cookieOf = async (context, url) => (await context.cookies(url)).map((c) => `${c.name}=${c.value}`).join('; ');

/** GET /sessions/whoami with the context's session cookie (from Node, not the page): the Session. */
async function whoamiOf(context, kratosUrl) {
  const cookie = await cookieOf(context, kratosUrl);
  const answer = await fetch(`${kratosUrl}/sessions/whoami`, { headers: { accept: 'application/json', cookie } });
  assert.equal(answer.status, 200, 'whoami');
  return answer.json();
}

describe('the demo stack in Chromium: sign in, step up, re-authenticate', { timeout: 120_000 }, () => {
  let stack;
  let browser;
  const missing = chromiumMissing();

  before(async () => {
    if (missing) return;
    stack = await startDemoStack({ quiet: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await stack?.close();
  });

  const freshPage = (t) => openPage(browser, t);

  test('public page, login, back at return_to, step-up, re-authentication after maxAge', async (t) => {
    if (missing?.fail) assert.fail(missing.fail);
    if (missing) return t.skip(missing.skip);
    const { appUrl, kratosUrl, kratos, origin } = stack;
    const loginBrowser = `${kratosUrl}/self-service/login/browser`;
    const loginUi = `${kratosUrl}/ui/login`;
    const { page, errors, visit, submit, text } = await freshPage(t);
    t.diagnostic(`Chromium ${browser.version()}, app ${appUrl}, Kratos emulator ${kratosUrl}`);
    const originSaw = (path) => origin.requests.filter((r) => r.path === path).length;

    // 1. The public page: straight through, no redirect, no session.
    let chain = await visit(`${appUrl}/public/`);
    assert.deepEqual(chain, [{ url: `${appUrl}/public/`, status: 200 }]);
    assert.equal(await text('#title'), 'Public page');

    // 2. The dashboard needs a sign-in: 303 to Kratos's login with return_to = the dashboard.
    chain = await visit(`${appUrl}/dashboard`);
    assert.deepEqual(chain.slice(0, 1), [{ url: `${appUrl}/dashboard`, status: 303 }]);
    assert.deepEqual(parts(chain[1].url), { at: loginBrowser, query: [['return_to', `${appUrl}/dashboard`]] });
    assert.equal(parts(page.url()).at, loginUi);
    assert.equal(originSaw('/dashboard'), 0, 'the origin is not asked before the sign-in');

    // 3. Password only (the emulator is Lax: an aal1 session); back at the dashboard.
    await page.fill('#identifier', ADA);
    await page.fill('#password', ADA_PASSWORD);
    chain = await submit(`${appUrl}/dashboard`);
    assert.equal(chain.at(-1).url, `${appUrl}/dashboard`);
    assert.equal(chain.at(-1).status, 200);
    assert.equal(await text('#title'), 'Dashboard');
    assert.equal(originSaw('/dashboard'), 1);

    // 4. Billing needs aal2: 303 to ?aal=aal2&return_to=<billing>.
    chain = await visit(`${appUrl}/billing/`);
    assert.deepEqual(chain[0], { url: `${appUrl}/billing/`, status: 303 });
    assert.deepEqual(parts(chain[1].url), {
      at: loginBrowser,
      query: [
        ['aal', 'aal2'],
        ['return_to', `${appUrl}/billing/`],
      ],
    });
    assert.equal(parts(page.url()).at, loginUi);
    assert.equal(await page.getAttribute('#login', 'data-requested-aal'), 'aal2');
    assert.equal(originSaw('/billing/'), 0);

    // 5. The second factor; back at billing.
    await page.fill('#totp_code', ADA_TOTP);
    chain = await submit(`${appUrl}/billing/`);
    assert.equal(chain.at(-1).status, 200);
    assert.equal(await text('#title'), 'Billing');
    assert.equal(originSaw('/billing/'), 1);

    // 6. Kratos's clock moves past billing's maxAge (5m): the worker, which measures ages on
    //    Kratos's clock (its Date header), asks for a fresh second factor.
    kratos.clock.advance(6 * MINUTE);
    chain = await visit(`${appUrl}/billing/`);
    assert.deepEqual(chain[0], { url: `${appUrl}/billing/`, status: 303 });
    assert.deepEqual(parts(chain[1].url), {
      at: loginBrowser,
      query: [
        ['refresh', 'true'],
        ['aal', 'aal2'],
        ['return_to', `${appUrl}/billing/`],
      ],
    });
    assert.equal(await page.getAttribute('#login', 'data-refresh'), 'true');
    assert.equal(originSaw('/billing/'), 1);

    // 7. The second factor again; back at billing.
    await page.fill('#totp_code', ADA_TOTP);
    chain = await submit(`${appUrl}/billing/`);
    assert.equal(chain.at(-1).status, 200);
    assert.equal(await text('#title'), 'Billing');
    assert.equal(originSaw('/billing/'), 2);

    assert.deepEqual(errors, []);
  });

  test('the SPA: Pay answered with the RFC 9470 challenge leads to the step-up, then pays', async (t) => {
    if (missing?.fail) assert.fail(missing.fail);
    if (missing) return t.skip(missing.skip);
    const { appUrl, kratosUrl, origin } = stack;
    const loginBrowser = `${kratosUrl}/self-service/login/browser`;
    const spaUrl = `${appUrl}/spa/`;
    const { page, errors, visit, submit, text } = await freshPage(t);
    const payUrl = `${appUrl}/billing/api/billing/pay`;
    const paid = () => origin.requests.filter((r) => r.path === '/billing/api/billing/pay').length;
    const ready = () => page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });

    // A fresh context: the SPA's page needs a sign-in (default rule), so the worker sends the
    // browser to the login first; the password makes an aal1 session.
    let chain = await visit(spaUrl);
    assert.deepEqual(chain[0], { url: spaUrl, status: 303 });
    assert.deepEqual(parts(chain[1].url), { at: loginBrowser, query: [['return_to', spaUrl]] });
    await page.fill('#identifier', ADA);
    await page.fill('#password', ADA_PASSWORD);
    await submit(spaUrl);
    await ready();
    assert.match(await text('#session'), /^Signed in \(aal1\)/);

    // Pay: the worker answers the fetch with 401 + the challenge; aalgate/browser follows it.
    const apiAnswer = page.waitForResponse((r) => r.url() === payUrl, { timeout: 15_000 });
    const toLogin = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(loginBrowser), {
      timeout: 15_000,
    });
    await page.click('#pay');
    const answer = await apiAnswer;
    assert.equal(answer.status(), 401);
    assert.equal(answer.headers()['www-authenticate'], STEP_UP_CHALLENGE);
    assert.match(answer.headers()['content-type'] ?? '', /^application\/json/);
    // (Its body, {verdict: 'step_up', url, reason}, is gone with the navigation that follows.)
    assert.deepEqual(parts((await toLogin).url()), {
      at: loginBrowser,
      query: [
        ['aal', 'aal2'],
        ['return_to', spaUrl],
      ],
    });
    assert.equal(paid(), 0, 'the origin never saw the refused payment');

    // The second factor; back at the SPA; Pay goes through the worker to the origin.
    await page.waitForSelector('#totp_code');
    await page.fill('#totp_code', ADA_TOTP);
    await submit(spaUrl);
    await ready();
    assert.match(await text('#session'), /^Signed in \(aal2\)/);
    const secondAnswer = page.waitForResponse((r) => r.url() === payUrl, { timeout: 15_000 });
    await page.click('#pay');
    assert.equal((await secondAnswer).status(), 200);
    await page.waitForSelector('#pay-status.ok');
    assert.match(await text('#pay-status'), /^Paid\. Receipt R-\d+\.$/);
    assert.equal(page.url(), spaUrl);
    assert.equal(paid(), 1);

    assert.deepEqual(errors, []);
  });

  test('settings with the default privileged_session_max_age (1h): stale → ?refresh=true (no aal) → password → back', async (t) => {
    if (missing?.fail) assert.fail(missing.fail);
    if (missing) return t.skip(missing.skip);
    const { appUrl, kratosUrl, kratos, origin } = stack;
    const loginBrowser = `${kratosUrl}/self-service/login/browser`;
    const account = `${appUrl}/account/`;
    const { page, errors, visit, submit, text } = await freshPage(t);
    const originSaw = () => origin.requests.filter((r) => r.path === '/account/').length;
    const seen = originSaw();

    // Signed out: /account/ (operation settings) sends the browser to the login first.
    let chain = await visit(account);
    assert.deepEqual(chain[0], { url: account, status: 303 });
    assert.deepEqual(parts(chain[1].url), { at: loginBrowser, query: [['return_to', account]] });
    await page.fill('#identifier', BOB);
    await page.fill('#password', BOB_PASSWORD);
    chain = await submit(account);
    assert.equal(chain.at(-1).status, 200);
    assert.equal(await text('#title'), 'Account');
    assert.equal(originSaw(), seen + 1);

    // Three hours on Kratos's clock (the session lives 24h): older than the 1h privileged age,
    // so the worker asks for what Kratos's settings would: a refresh, without `aal`.
    kratos.clock.advance(3 * HOUR);
    chain = await visit(account);
    assert.deepEqual(chain[0], { url: account, status: 303 });
    assert.deepEqual(parts(chain[1].url), {
      at: loginBrowser,
      query: [
        ['refresh', 'true'],
        ['return_to', account],
      ],
    });
    assert.equal(await page.getAttribute('#login', 'data-refresh'), 'true');
    assert.equal(await page.getAttribute('#login', 'data-requested-aal'), 'aal1');
    assert.equal(await page.inputValue('#identifier'), BOB, 'Kratos asks the same user again');
    assert.equal(originSaw(), seen + 1, 'the origin is not asked with a stale session');

    // The password again; back at /account/.
    await page.fill('#password', BOB_PASSWORD);
    chain = await submit(account);
    assert.deepEqual(chain.at(-1), { url: account, status: 200 });
    assert.equal(await text('#title'), 'Account');
    assert.equal(originSaw(), seen + 2);

    assert.deepEqual(errors, []);
  });

  test('an OIDC session with upstream MFA passes /billing/, then refreshes with ?refresh=true (no aal) via the provider', async (t) => {
    if (missing?.fail) assert.fail(missing.fail);
    if (missing) return t.skip(missing.skip);
    const { appUrl, kratosUrl, kratos, origin } = stack;
    const loginBrowser = `${kratosUrl}/self-service/login/browser`;
    const billing = `${appUrl}/billing/`;
    const { context, page, errors, visit, submit, text } = await freshPage(t);
    const originSaw = () => origin.requests.filter((r) => r.path === '/billing/').length;
    const seen = originSaw();

    // A login through a provider that did the second factor itself: { oidc, aal2 }.
    const cookie = await kratos.createSession({ email: OIDC, methods: [{ method: 'oidc', aal: 'aal2' }] });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    assert.equal(name, 'ory_kratos_session');
    await context.addCookies([
      { name, value, domain: new URL(appUrl).hostname, path: '/', httpOnly: true, sameSite: 'Lax' },
    ]);

    // aal2 from the upstream MFA, just now: billing (aal2, 5m) goes through.
    let chain = await visit(billing);
    assert.deepEqual(chain, [{ url: billing, status: 200 }]);
    assert.equal(await text('#title'), 'Billing');
    assert.equal(originSaw(), seen + 1);

    // Past billing's 5 minutes: a refresh, without `aal` (no local second factor to ask for).
    kratos.clock.advance(6 * MINUTE);
    chain = await visit(billing);
    assert.deepEqual(chain[0], { url: billing, status: 303 });
    assert.deepEqual(parts(chain[1].url), {
      at: loginBrowser,
      query: [
        ['refresh', 'true'],
        ['return_to', billing],
      ],
    });
    assert.equal(await page.getAttribute('#login', 'data-refresh'), 'true');
    assert.equal(await page.getAttribute('#login', 'data-requested-aal'), 'aal1');
    assert.equal(await text('#email'), OIDC);
    assert.equal(await page.locator('#password').count(), 0, 'no password form: OIDC only');
    assert.equal(originSaw(), seen + 1);

    // The stand-in provider (upstream MFA again); back at billing.
    chain = await submit(billing, '#oidc-submit');
    assert.deepEqual(chain.at(-1), { url: billing, status: 200 });
    assert.equal(await text('#title'), 'Billing');
    assert.equal(originSaw(), seen + 2);
    const session = await whoamiOf(context, kratosUrl);
    assert.deepEqual(
      session.authentication_methods.map((m) => [m.method, m.aal]),
      [
        ['oidc', 'aal2'],
        ['oidc', 'aal2'],
      ],
    );

    assert.deepEqual(errors, []);
  });

  test('the SPA starts a login flow: session_already_available → gate.recover (aal1: allow; aal2: ?refresh=true&aal=aal2)', async (t) => {
    if (missing?.fail) assert.fail(missing.fail);
    if (missing) return t.skip(missing.skip);
    const { appUrl, kratosUrl } = stack;
    const loginBrowser = `${kratosUrl}/self-service/login/browser`;
    const spaUrl = `${appUrl}/spa/`;
    const { context, page, errors, navigations, visit, submit, text } = await freshPage(t);
    const ready = () => page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    // The SPA's own fetch of the login flow (JSON), not a navigation.
    const flowAnswer = (url) =>
      page.waitForResponse((r) => r.url() === url && !r.request().isNavigationRequest(), { timeout: 15_000 });
    const toLogin = () =>
      page
        .waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(loginBrowser), { timeout: 15_000 })
        .then((r) => r.url());

    // Signed in with a password (aal1), through the worker's redirect.
    await visit(spaUrl);
    await page.fill('#identifier', ADA);
    await page.fill('#password', ADA_PASSWORD);
    await submit(spaUrl);
    await ready();
    assert.match(await text('#session'), /^Signed in \(aal1\)/);

    // "Sign in": Kratos answers the flow request 400 session_already_available; recover → allow.
    let before = navigations.length;
    let answer = flowAnswer(loginBrowser);
    await page.click('#sign-in');
    let response = await answer;
    assert.equal(response.status(), 400);
    assert.equal((await response.json()).error.id, 'session_already_available');
    await page.waitForSelector('#sign-in-status.ok');
    assert.equal(await text('#sign-in-status'), 'You are already signed in.');
    assert.equal(page.url(), spaUrl);
    assert.equal(navigations.length, before, 'no navigation');

    // "Confirm with your second factor" at aal1: Kratos makes a flow (200), the level is not
    // reached, the browser gate steps up.
    let sent = toLogin();
    answer = flowAnswer(`${loginBrowser}?aal=aal2`);
    await page.click('#confirm');
    assert.equal((await answer).status(), 200);
    assert.deepEqual(parts(await sent), {
      at: loginBrowser,
      query: [
        ['aal', 'aal2'],
        ['return_to', spaUrl],
      ],
    });
    await page.waitForSelector('#totp_code');
    await page.fill('#totp_code', ADA_TOTP);
    await submit(spaUrl);
    await ready();
    assert.match(await text('#session'), /^Signed in \(aal2\)/);

    // The same button at aal2: 400 session_already_available; recover → a fresh second factor.
    // (The 400's body is gone with the navigation that follows; Kratos, asked the same from Node
    // with this session, shows it.)
    const asked = await fetch(`${loginBrowser}?aal=aal2`, {
      headers: { accept: 'application/json', cookie: await cookieOf(context, kratosUrl) },
    });
    assert.equal(asked.status, 400);
    assert.equal((await asked.json()).error.id, 'session_already_available');
    sent = toLogin();
    answer = flowAnswer(`${loginBrowser}?aal=aal2`);
    await page.click('#confirm');
    response = await answer;
    assert.equal(response.status(), 400);
    assert.match(response.headers()['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(parts(await sent), {
      at: loginBrowser,
      query: [
        ['refresh', 'true'],
        ['aal', 'aal2'],
        ['return_to', spaUrl],
      ],
    });
    await page.waitForSelector('#totp_code');
    assert.equal(await page.getAttribute('#login', 'data-refresh'), 'true');
    assert.equal(await page.getAttribute('#login', 'data-requested-aal'), 'aal2');
    await page.fill('#totp_code', ADA_TOTP);
    await submit(spaUrl);
    await ready();
    assert.match(await text('#session'), /^Signed in \(aal2\)/);

    // "Sign in" at aal2: still nothing to do.
    before = navigations.length;
    answer = flowAnswer(loginBrowser);
    await page.click('#sign-in');
    assert.equal((await answer).status(), 400);
    await page.waitForSelector('#sign-in-status.ok');
    assert.equal(await text('#sign-in-status'), 'You are already signed in.');
    assert.equal(navigations.length, before, 'no navigation');

    assert.deepEqual(errors, []);
  });
});

describe('privileged_session_max_age 0s (Kratos and the worker): settings never loop', { timeout: 90_000 }, () => {
  let stack;
  let browser;
  const missing = chromiumMissing();

  before(async () => {
    if (missing) return;
    stack = await startDemoStack({
      quiet: true,
      kratos: { privilegedSessionMaxAge: '0s' },
      vars: { KRATOS_PRIVILEGED_SESSION_MAX_AGE: '0s' },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await stack?.close();
  });

  const freshPage = (t) => openPage(browser, t);

  test('hours after the sign-in: /account/ straight to the origin, Kratos enrols a TOTP without re-authentication', async (t) => {
    if (missing?.fail) assert.fail(missing.fail);
    if (missing) return t.skip(missing.skip);
    const { appUrl, kratosUrl, kratos, origin } = stack;
    const loginBrowser = `${kratosUrl}/self-service/login/browser`;
    const account = `${appUrl}/account/`;
    const settingsBrowser = `${kratosUrl}/self-service/settings/browser`;
    const { context, page, errors, navigations, chainOf, visit, submit, text } = await freshPage(t);
    const originSaw = () => origin.requests.filter((r) => r.path === '/account/').length;

    // Signed out: the login first; a password sign-in (bob has no second factor yet).
    let chain = await visit(account);
    assert.deepEqual(parts(chain[1].url), { at: loginBrowser, query: [['return_to', account]] });
    await page.fill('#identifier', BOB);
    await page.fill('#password', BOB_PASSWORD);
    chain = await submit(account);
    assert.deepEqual(chain.at(-1), { url: account, status: 200 });
    assert.equal(originSaw(), 1);

    // Three hours on Kratos's clock: with 0s every session is privileged, so no refresh at all.
    kratos.clock.advance(3 * HOUR);
    const signedIn = navigations.length;
    chain = await visit(account);
    assert.deepEqual(chain, [{ url: account, status: 200 }]);
    assert.equal(await text('#title'), 'Account');
    assert.equal(originSaw(), 2);

    // The account page's link to Kratos's settings flow (return_to = /account/).
    const href = await page.getAttribute('#settings', 'href');
    assert.deepEqual(parts(href), { at: settingsBrowser, query: [['return_to', account]] });
    const settingsUi = `${kratosUrl}/ui/settings?flow=`;
    const landed = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(settingsUi), { timeout: 15_000 });
    await page.click('#settings');
    chain = await chainOf(await landed);
    await page.waitForLoadState('load');
    assert.equal(chain.length, 2, `straight to the settings page: ${JSON.stringify(chain)}`);
    assert.deepEqual(chain[0], { url: href, status: 303 });
    assert.ok(chain[1].url.startsWith(settingsUi), chain[1].url);
    assert.equal(chain[1].status, 200);
    assert.equal(await text('#email'), BOB);
    assert.match(await text('#totp-status'), /not set up/);

    // Enrol the TOTP: Kratos accepts it (no re-authentication) and sends the browser back.
    await page.fill('#totp_code', BOB_TOTP);
    chain = await submit(account);
    assert.equal(chain.length, 2, JSON.stringify(chain));
    assert.ok(chain[0].url.startsWith(`${kratosUrl}/self-service/settings?flow=`), chain[0].url);
    assert.equal(chain[0].status, 303);
    assert.deepEqual(chain[1], { url: account, status: 200 });
    assert.equal(await text('#title'), 'Account');
    assert.equal(originSaw(), 3);
    assert.deepEqual(
      navigations.slice(signedIn).filter((url) => url.startsWith(loginBrowser)),
      [],
      'never sent to the login after the clock moved',
    );
    assert.equal(kratos.users.find((u) => u.email === BOB).totpCode, BOB_TOTP, 'the factor is enrolled');
    const session = await whoamiOf(context, kratosUrl);
    assert.equal(session.authenticator_assurance_level, 'aal2');
    assert.deepEqual(
      session.authentication_methods.map((m) => [m.method, m.aal]),
      [
        ['password', 'aal1'],
        ['totp', 'aal2'],
      ],
    );

    assert.deepEqual(errors, []);
  });
});

/** A request with exactly these headers (node:http adds only Host and Connection). */
function rawRequest(url, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from ${url} in 15 s`)));
    req.end();
  });
}

describe('Kratos faults through the worker in workerd: 503, never a pass, never a redirect', { timeout: 60_000 }, () => {
  const TIMEOUT_MS = 400; // the example's WHOAMI_TIMEOUT_MS [var], shorter than its default 3000
  let stack;
  let cookie;

  before(async () => {
    stack = await startDemoStack({ quiet: true, vars: { WHOAMI_TIMEOUT_MS: String(TIMEOUT_MS) } });
    // A session that satisfies every rule: without a fault, each request below goes through.
    cookie = await stack.kratos.createSession({ email: ADA, methods: ['password', 'totp'] });
  });
  after(async () => {
    await stack?.close();
  });

  const REQUESTS = [
    { name: 'API call to /billing/**', method: 'POST', path: '/billing/api/billing/pay', accept: 'application/json' },
    { name: 'navigation to /billing/', method: 'GET', path: '/billing/', accept: NAVIGATION_ACCEPT, navigate: true },
    { name: 'navigation to /dashboard', method: 'GET', path: '/dashboard', accept: NAVIGATION_ACCEPT, navigate: true },
  ];
  const send = ({ method, path, accept, navigate }) =>
    rawRequest(`${stack.appUrl}${path}`, {
      method,
      headers: { accept, cookie, ...(navigate ? { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } : {}) },
    });

  async function assertRefused(reason) {
    for (const r of REQUESTS) {
      const before = stack.origin.requests.length;
      const answer = await send(r);
      const what = `${r.name}: ${answer.status} ${answer.body.slice(0, 200)}`;
      assert.equal(answer.status, 503, what);
      assert.equal(answer.headers.location, undefined, what);
      assert.match(answer.headers['content-type'] ?? '', /^application\/json/, what);
      assert.equal(answer.headers['cache-control'], 'no-store', what);
      assert.deepEqual(JSON.parse(answer.body), { verdict: 'error', url: null, reason }, what);
      assert.equal(stack.origin.requests.length, before, `${r.name}: the origin was not called`);
    }
  }

  test('no fault: the same requests reach the origin (the baseline)', async () => {
    for (const r of REQUESTS) {
      const before = stack.origin.requests.length;
      const answer = await send(r);
      assert.equal(answer.status, 200, `${r.name}: ${answer.status} ${answer.body.slice(0, 200)}`);
      assert.equal(stack.origin.requests.length, before + 1);
    }
  });

  test(`whoami slower than the worker's timeout (${TIMEOUT_MS} ms) → 503 kratos_timeout`, async () => {
    stack.kratos.fault({ mode: 'slow', delayMs: TIMEOUT_MS + 1500 });
    const started = Date.now();
    await assertRefused('kratos_timeout');
    // Each request waited for the timeout, not for the emulator's answer.
    assert.ok(Date.now() - started < REQUESTS.length * (TIMEOUT_MS + 1500), 'the worker did not wait for the slow answer');
  });

  test('whoami 500 → 503 unexpected_response', async () => {
    stack.kratos.fault({ mode: 'status500' });
    await assertRefused('unexpected_response');
  });

  test('whoami 200 with a body that is not JSON → 503 invalid_session', async () => {
    stack.kratos.fault({ mode: 'garbage' });
    await assertRefused('invalid_session');
  });

  test('Kratos down (the emulator closed) → 503 kratos_unreachable', async () => {
    stack.kratos.fault({ mode: 'none' });
    await stack.kratos.close();
    await assertRefused('kratos_unreachable');
  });

  test('public routes do not depend on Kratos: /public/ still reaches the origin', async () => {
    const before = stack.origin.requests.length;
    const answer = await rawRequest(`${stack.appUrl}/public/`, { headers: { accept: NAVIGATION_ACCEPT } });
    assert.equal(answer.status, 200);
    assert.equal(stack.origin.requests.length, before + 1);
  });
});
