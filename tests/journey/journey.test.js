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
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { startDemoStack } from '../../examples/demo/stack.mjs';
import { createGate } from '../../js/index.js';
import { chromiumMissing, launchChromium, needChromium } from '../support/chromium.js';
import { fillLogin, navigationTo, navigationsOf, signInWhileSignedIn, spaReady } from '../support/pages.js';

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

/** The emulator's login page shows the flow Kratos made: `refresh` ('true'/'false') and the requested AAL. */
async function assertLoginFlow(page, { refresh, aal }) {
  assert.equal(await page.getAttribute('#login', 'data-refresh'), refresh);
  assert.equal(await page.getAttribute('#login', 'data-requested-aal'), aal);
}

/**
 * In the enclosing describe: a demo stack (startDemoStack with `options`, quiet) and Chromium,
 * started before its tests (unless Chromium is missing) and closed after them.
 * @returns {{ stack: object, browser: object, freshPage(t): Promise<object> }} (filled in by `before`)
 */
function stackInChromium(options = {}) {
  const env = { stack: null, browser: null, freshPage: (t) => openPage(env.browser, t, env.stack.kratosUrl) };
  before(async () => {
    if (chromiumMissing()) return;
    env.stack = await startDemoStack({ quiet: true, ...options });
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close().catch(() => {});
    await env.stack?.close();
  });
  return env;
}

/**
 * A page in a fresh browser context (its own cookies), with helpers:
 * `visit(url)` navigates and returns the redirect chain [{ url, status }] ending at the page;
 * `submit(url)` submits a form and returns the chain to `url`; `logIn(url, fields)` fills the
 * emulator's login page (fillLogin) and submits it, `logInToSpa(spaUrl, fields)` too, then waits
 * for the SPA; `landedOn(chain, url, title)` checks where a chain ended; `signInVia(url, …)` is
 * a signed-out visit sent to the login, and the sign-in that comes back;
 * `navigations` lists the URL of every main-frame navigation request, in order;
 * `loginBrowser` is Kratos's (at `kratosUrl`) /self-service/login/browser.
 */
async function openPage(browser, t, kratosUrl) {
  const loginBrowser = `${kratosUrl}/self-service/login/browser`;
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
  const navigations = navigationsOf(page);
  const text = (selector) => page.locator(selector).innerText();
  const chainOf = async (request) => {
    const chain = [];
    for (let r = request; r !== null; r = r.redirectedFrom()) {
      chain.unshift({ url: r.url(), status: (await r.response())?.status() ?? null });
    }
    return chain;
  };
  const visit = async (url) => chainOf((await page.goto(url)).request());
  // Submits the form (its button `selector`) and waits for the browser to land on `url`;
  // returns the chain from the POST.
  const submit = async (url, selector = '#submit') => {
    const landed = page.waitForRequest((r) => r.isNavigationRequest() && r.url() === url, { timeout: 15_000 });
    await page.click(selector);
    const request = await landed;
    await page.waitForURL(url);
    await page.waitForLoadState('load');
    return chainOf(request);
  };
  const logIn = async (url, fields) => {
    await fillLogin(page, fields);
    return submit(url);
  };
  // A visit to `from` that the worker sent to Kratos's login: `from` answered 303, then the login
  // with exactly `query` (ordered [name, value] pairs).
  const sentToLogin = (chain, from, query) => {
    assert.deepEqual(chain[0], { url: from, status: 303 });
    assert.deepEqual(parts(chain[1].url), { at: loginBrowser, query });
  };
  // The chain ends at `url` (200), on the origin's page titled `title`.
  const landedOn = async (chain, url, title) => {
    assert.deepEqual(chain.at(-1), { url, status: 200 });
    assert.equal(await text('#title'), title);
  };
  return {
    context,
    page,
    errors,
    navigations,
    chainOf,
    visit,
    submit,
    logIn,
    // For the SPA: logIn, back at the SPA (`spaUrl`) once it is ready; what its #session says.
    async logInToSpa(spaUrl, fields) {
      await logIn(spaUrl, fields);
      await spaReady(page);
      return text('#session');
    },
    text,
    sentToLogin,
    // A visit to `from` sent to a refresh without `aal` (what Kratos's settings flow or an
    // upstream-MFA session needs): ?refresh=true&return_to=<from>, the login page asking for it.
    async refreshAsked(chain, from) {
      sentToLogin(chain, from, [
        ['refresh', 'true'],
        ['return_to', from],
      ]);
      await assertLoginFlow(page, { refresh: 'true', aal: 'aal1' });
    },
    landedOn,
    loginBrowser,
    // Signed out: `url` sends the browser to Kratos's login (return_to = url); signing in there
    // with `fields` brings it back to the origin's page `title`.
    async signInVia(url, { fields, title }) {
      sentToLogin(await visit(url), url, [['return_to', url]]);
      await landedOn(await logIn(url, fields), url, title);
    },
  };
}

/** How many requests for `path` the demo's origin has had since this call (a function). */
function originCounter(origin, path) {
  const count = () => origin.requests.filter((r) => r.path === path).length;
  const before = count();
  return () => count() - before;
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
  const demo = stackInChromium();

  test('public page, login, back at return_to, step-up, re-authentication after maxAge', async (t) => {
    if (!needChromium(t)) return;
    const { appUrl, kratosUrl, kratos, origin } = demo.stack;
    const loginUi = `${kratosUrl}/ui/login`;
    const { page, errors, visit, logIn, landedOn, sentToLogin } = await demo.freshPage(t);
    t.diagnostic(`Chromium ${demo.browser.version()}, app ${appUrl}, Kratos emulator ${kratosUrl}`);
    const originSaw = (path) => origin.requests.filter((r) => r.path === path).length;

    // 1. The public page: straight through, no redirect, no session.
    let chain = await visit(`${appUrl}/public/`);
    await landedOn(chain, `${appUrl}/public/`, 'Public page');
    assert.equal(chain.length, 1, 'no redirect');

    // 2. The dashboard needs a sign-in: 303 to Kratos's login with return_to = the dashboard.
    chain = await visit(`${appUrl}/dashboard`);
    sentToLogin(chain, `${appUrl}/dashboard`, [['return_to', `${appUrl}/dashboard`]]);
    assert.equal(parts(page.url()).at, loginUi);
    assert.equal(originSaw('/dashboard'), 0, 'the origin is not asked before the sign-in');

    // 3. Password only (the emulator is Lax: an aal1 session); back at the dashboard.
    chain = await logIn(`${appUrl}/dashboard`, { identifier: ADA, password: ADA_PASSWORD });
    await landedOn(chain, `${appUrl}/dashboard`, 'Dashboard');
    assert.equal(originSaw('/dashboard'), 1);

    // 4. Billing needs aal2: 303 to ?aal=aal2&return_to=<billing>.
    chain = await visit(`${appUrl}/billing/`);
    sentToLogin(chain, `${appUrl}/billing/`, [
      ['aal', 'aal2'],
      ['return_to', `${appUrl}/billing/`],
    ]);
    assert.equal(parts(page.url()).at, loginUi);
    await assertLoginFlow(page, { refresh: 'false', aal: 'aal2' });
    assert.equal(originSaw('/billing/'), 0);

    // 5. The second factor; back at billing.
    chain = await logIn(`${appUrl}/billing/`, { totp_code: ADA_TOTP });
    await landedOn(chain, `${appUrl}/billing/`, 'Billing');
    assert.equal(originSaw('/billing/'), 1);

    // 6. Kratos's clock moves past billing's maxAge (5m): the worker, which measures ages on
    //    Kratos's clock (its Date header), asks for a fresh second factor.
    kratos.clock.advance(6 * MINUTE);
    chain = await visit(`${appUrl}/billing/`);
    sentToLogin(chain, `${appUrl}/billing/`, [
      ['refresh', 'true'],
      ['aal', 'aal2'],
      ['return_to', `${appUrl}/billing/`],
    ]);
    await assertLoginFlow(page, { refresh: 'true', aal: 'aal2' });
    assert.equal(originSaw('/billing/'), 1);

    // 7. The second factor again; back at billing.
    chain = await logIn(`${appUrl}/billing/`, { totp_code: ADA_TOTP });
    await landedOn(chain, `${appUrl}/billing/`, 'Billing');
    assert.equal(originSaw('/billing/'), 2);

    assert.deepEqual(errors, []);
  });

  test('the SPA: Pay answered with the RFC 9470 challenge leads to the step-up, then pays', async (t) => {
    if (!needChromium(t)) return;
    const { appUrl, origin } = demo.stack;
    const spaUrl = `${appUrl}/spa/`;
    const { page, errors, visit, logInToSpa, text, loginBrowser, sentToLogin } = await demo.freshPage(t);
    const payUrl = `${appUrl}/billing/api/billing/pay`;
    const paid = originCounter(origin, '/billing/api/billing/pay');

    // A fresh context: the SPA's page needs a sign-in (default rule), so the worker sends the
    // browser to the login first; the password makes an aal1 session.
    let chain = await visit(spaUrl);
    sentToLogin(chain, spaUrl, [['return_to', spaUrl]]);
    assert.match(await logInToSpa(spaUrl, { identifier: ADA, password: ADA_PASSWORD }), /^Signed in \(aal1\)/);

    // Pay: the worker answers the fetch with 401 + the challenge; aalgate/browser follows it.
    const apiAnswer = page.waitForResponse((r) => r.url() === payUrl, { timeout: 15_000 });
    const toLogin = navigationTo(page, loginBrowser);
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
    assert.match(await logInToSpa(spaUrl, { totp_code: ADA_TOTP }), /^Signed in \(aal2\)/);
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
    if (!needChromium(t)) return;
    const { appUrl, kratos, origin } = demo.stack;
    const account = `${appUrl}/account/`;
    const { page, errors, visit, logIn, landedOn, signInVia, refreshAsked } = await demo.freshPage(t);
    const originSaw = originCounter(origin, '/account/');

    // Signed out: /account/ (operation settings) sends the browser to the login first.
    await signInVia(account, { fields: { identifier: BOB, password: BOB_PASSWORD }, title: 'Account' });
    assert.equal(originSaw(), 1);

    // Three hours on Kratos's clock (the session lives 24h): older than the 1h privileged age,
    // so the worker asks for what Kratos's settings would: a refresh, without `aal`.
    kratos.clock.advance(3 * HOUR);
    let chain = await visit(account);
    await refreshAsked(chain, account);
    assert.equal(await page.inputValue('#identifier'), BOB, 'Kratos asks the same user again');
    assert.equal(originSaw(), 1, 'the origin is not asked with a stale session');

    // The password again; back at /account/.
    chain = await logIn(account, { password: BOB_PASSWORD });
    await landedOn(chain, account, 'Account');
    assert.equal(originSaw(), 2);

    assert.deepEqual(errors, []);
  });

  test('an OIDC session with upstream MFA passes /billing/, then refreshes with ?refresh=true (no aal) via the provider', async (t) => {
    if (!needChromium(t)) return;
    const { appUrl, kratosUrl, kratos, origin } = demo.stack;
    const billing = `${appUrl}/billing/`;
    const { context, page, errors, visit, submit, landedOn, text, refreshAsked } = await demo.freshPage(t);
    const originSaw = originCounter(origin, '/billing/');

    // A login through a provider that did the second factor itself: { oidc, aal2 }.
    const cookie = await kratos.createSession({ email: OIDC, methods: [{ method: 'oidc', aal: 'aal2' }] });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    assert.equal(name, 'ory_kratos_session');
    await context.addCookies([
      { name, value, domain: new URL(appUrl).hostname, path: '/', httpOnly: true, sameSite: 'Lax' },
    ]);

    // aal2 from the upstream MFA, just now: billing (aal2, 5m) goes through.
    let chain = await visit(billing);
    await landedOn(chain, billing, 'Billing');
    assert.equal(chain.length, 1, 'no redirect');
    assert.equal(originSaw(), 1);

    // Past billing's 5 minutes: a refresh, without `aal` (no local second factor to ask for).
    kratos.clock.advance(6 * MINUTE);
    chain = await visit(billing);
    await refreshAsked(chain, billing);
    assert.equal(await text('#email'), OIDC);
    assert.equal(await page.locator('#password').count(), 0, 'no password form: OIDC only');
    assert.equal(originSaw(), 1);

    // The stand-in provider (upstream MFA again); back at billing.
    chain = await submit(billing, '#oidc-submit');
    await landedOn(chain, billing, 'Billing');
    assert.equal(originSaw(), 2);
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
    if (!needChromium(t)) return;
    const { appUrl, kratosUrl } = demo.stack;
    const spaUrl = `${appUrl}/spa/`;
    const { context, page, errors, navigations, visit, logInToSpa, loginBrowser } = await demo.freshPage(t);
    // The SPA's own fetch of the login flow (JSON), not a navigation.
    const flowAnswer = (url) =>
      page.waitForResponse((r) => r.url() === url && !r.request().isNavigationRequest(), { timeout: 15_000 });
    const toLogin = () => navigationTo(page, loginBrowser).then((r) => r.url());

    // Signed in with a password (aal1), through the worker's redirect.
    await visit(spaUrl);
    assert.match(await logInToSpa(spaUrl, { identifier: ADA, password: ADA_PASSWORD }), /^Signed in \(aal1\)/);

    // "Sign in": Kratos answers the flow request 400 session_already_available; recover → allow.
    await signInWhileSignedIn(page, { loginBrowser, navigations });

    // "Confirm with your second factor" at aal1: Kratos makes a flow (200), the level is not
    // reached, the browser gate steps up.
    let sent = toLogin();
    let answer = flowAnswer(`${loginBrowser}?aal=aal2`);
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
    assert.match(await logInToSpa(spaUrl, { totp_code: ADA_TOTP }), /^Signed in \(aal2\)/);

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
    const response = await answer;
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
    await assertLoginFlow(page, { refresh: 'true', aal: 'aal2' });
    assert.match(await logInToSpa(spaUrl, { totp_code: ADA_TOTP }), /^Signed in \(aal2\)/);

    // "Sign in" at aal2: still nothing to do.
    await signInWhileSignedIn(page, { loginBrowser, navigations });

    assert.deepEqual(errors, []);
  });

  test('the playground (the link npm start prints): Fetch asks whoami with the browser cookie; its decision for /billing/ is the worker\'s', async (t) => {
    if (!needChromium(t)) return;
    const { appUrl, kratosUrl, playgroundUrl } = demo.stack;
    assert.ok(playgroundUrl.startsWith(`${appUrl}/public/playground/#s=`), playgroundUrl);
    const { page, errors, visit, signInVia } = await demo.freshPage(t);
    await signInVia(`${appUrl}/dashboard`, { fields: { identifier: ADA, password: ADA_PASSWORD }, title: 'Dashboard' });

    // Through the worker (/public/**: no whoami), from the origin; the link's case filled in.
    await page.goto(playgroundUrl);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.inputValue('#baseUrl'), kratosUrl);
    assert.deepEqual(
      [await page.inputValue('#whoamiAal'), await page.inputValue('#aal'), await page.inputValue('#maxAge'), await page.inputValue('#returnTo')],
      ['aal1', 'aal2', '5m', `${appUrl}/billing/`],
    );
    await page.click('#fetchLive');
    await page.waitForFunction(() => document.body.dataset.fetching === 'false' && document.body.dataset.pending === 'false');
    assert.match(await page.locator('#fetchStatus').innerText(), /→ 200/);
    const body = await page.inputValue('#body');
    assert.equal(JSON.parse(body).identity.traits.email, ADA);
    const shown = { verdict: await page.locator('#verdict').innerText(), url: await page.getAttribute('#url', 'href') };

    // What the core says in Node for what the page fetched, and where the worker sends /billing/.
    const gate = await createGate({ baseUrl: kratosUrl, kratos: { session: { whoami: { required_aal: 'aal1' } } } });
    const d = gate.decide({ status: 200, body }, { aal: 'aal2', maxAge: '5m', returnTo: `${appUrl}/billing/`, now: new Date(await page.inputValue('#now')) }, { explain: true });
    gate.dispose();
    assert.deepEqual(shown, { verdict: d.verdict, url: d.url });
    // The explanation's steps, rule by rule (the last, rule 7, applies).
    const steps = await page.$$eval('#steps li', (items) => items.map((li) => [li.dataset.rule, li.classList.contains('applies')]));
    assert.deepEqual(steps, d.explanation.steps.map((step) => [step.rule, step.applies]));
    assert.deepEqual(steps.at(-1), ['7', true]);
    assert.equal(d.verdict, 'step_up');
    const chain = await visit(`${appUrl}/billing/`);
    assert.deepEqual(chain[0], { url: `${appUrl}/billing/`, status: 303 });
    assert.equal(chain[1].url, shown.url, 'the playground shows the URL the worker sends /billing/ to');
    assert.deepEqual(errors, []);
  });
});

describe('privileged_session_max_age 0s (Kratos and the worker): settings never loop', { timeout: 90_000 }, () => {
  const demo = stackInChromium({
    kratos: { privilegedSessionMaxAge: '0s' },
    vars: { KRATOS_PRIVILEGED_SESSION_MAX_AGE: '0s' },
  });

  test('hours after the sign-in: /account/ straight to the origin, Kratos enrols a TOTP without re-authentication', async (t) => {
    if (!needChromium(t)) return;
    const { appUrl, kratosUrl, kratos, origin } = demo.stack;
    const account = `${appUrl}/account/`;
    const settingsBrowser = `${kratosUrl}/self-service/settings/browser`;
    const { context, page, errors, navigations, chainOf, visit, submit, landedOn, signInVia, text, loginBrowser } = await demo.freshPage(t);
    const originSaw = originCounter(origin, '/account/');

    // Signed out: the login first; a password sign-in (bob has no second factor yet).
    await signInVia(account, { fields: { identifier: BOB, password: BOB_PASSWORD }, title: 'Account' });
    assert.equal(originSaw(), 1);

    // Three hours on Kratos's clock: with 0s every session is privileged, so no refresh at all.
    kratos.clock.advance(3 * HOUR);
    const signedIn = navigations.length;
    let chain = await visit(account);
    await landedOn(chain, account, 'Account');
    assert.equal(chain.length, 1, 'no redirect');
    assert.equal(originSaw(), 2);

    // The account page's link to Kratos's settings flow (return_to = /account/).
    const href = await page.getAttribute('#settings', 'href');
    assert.deepEqual(parts(href), { at: settingsBrowser, query: [['return_to', account]] });
    const settingsUi = `${kratosUrl}/ui/settings?flow=`;
    const landed = navigationTo(page, settingsUi);
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
    await landedOn(chain, account, 'Account');
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
