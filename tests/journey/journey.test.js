// The whole journey, end to end, on the `npm start` stack (examples/demo/stack.mjs): the example
// worker (examples/worker) in real workerd through miniflare, in front of the Kratos emulator
// (Lax: whoami accepts aal1) and a tiny origin that also serves the SPA. Debian's Chromium,
// driven by playwright-core, walks it as a user would: nothing is mocked, every hop is HTTP.
//
//   /public/ → /dashboard (303 to login) → password → back → /billing/ (303 to ?aal=aal2) → TOTP
//   → back → Kratos's clock +6 min → /billing/ (303 to ?refresh=true&aal=aal2) → TOTP → back;
//   the SPA's Pay: the worker's 401 + RFC 9470 challenge → aalgate/browser → ?aal=aal2 → back → paid.
//
// Fault tests: through the worker in workerd, Kratos down, slower than the worker's timeout, 500
// or garbage → 503 JSON, never a redirect, never the origin.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { startDemoStack } from '../../examples/demo/stack.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/shared/chromium.js';


const ADA = 'ada@example.com';
const ADA_PASSWORD = 'correct horse battery staple';
const ADA_TOTP = '123456';
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
    return { fail: `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); tests/tools/setup.sh should` };
  }
  return { skip: `no Chromium at ${CHROMIUM} and no apt-get to install it (set AALGATE_CHROMIUM to a Chromium binary)` };
}

describe('the demo stack in Chromium: sign in, step up, re-authenticate', { timeout: 90_000 }, () => {
  let stack;
  let browser;
  const missing = chromiumMissing();

  before(async () => {
    if (missing) return;
    stack = await startDemoStack({ quiet: true });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await stack?.close();
  });

  /**
   * A page in a fresh browser context (its own cookies), with helpers:
   * `visit(url)` navigates and returns the redirect chain [{ url, status }] ending at the page.
   */
  async function freshPage(t) {
    const context = await browser.newContext();
    t.after(() => context.close().catch(() => {}));
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
    const chainOf = async (request) => {
      const chain = [];
      for (let r = request; r !== null; r = r.redirectedFrom()) {
        chain.unshift({ url: r.url(), status: (await r.response())?.status() ?? null });
      }
      return chain;
    };
    return {
      page,
      errors,
      chainOf,
      async visit(url) {
        const response = await page.goto(url);
        return chainOf(response.request());
      },
      // Submits the form and waits for the browser to land on `url`; returns the chain from the POST.
      async submit(url) {
        const landed = page.waitForRequest((r) => r.isNavigationRequest() && r.url() === url, { timeout: 15_000 });
        await page.click('#submit');
        const request = await landed;
        await page.waitForURL(url);
        await page.waitForLoadState('load');
        return chainOf(request);
      },
      text: (selector) => page.locator(selector).innerText(),
    };
  }

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
