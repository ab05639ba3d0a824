// The SPA example (examples/spa) in Debian's Chromium, driven by playwright-core: the page loads
// the package as published (npm pack's files) through its import map, talks to the Kratos
// emulator on another port (CORS with credentials; same host, so the session cookie reaches both
// ports), and a user signs in, is sent back, and steps up when the payment API answers 401 with
// an RFC 9470 challenge. Nothing is mocked: the emulator and the SPA server are real HTTP servers.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { startSpaServer } from '../../examples/spa/server.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { stagePackage } from '../support/cases.js';
import { launchChromium, needChromium } from '../support/chromium.js';
import { fillLogin, navigationsOf, signInWhileSignedIn, spaReady, withoutNavigation } from '../support/pages.js';

import { ADA, ADA_PASSWORD, ADA_TOTP } from './helpers.js';

test('examples/spa in Chromium: sign in, come back, step up on a 401 challenge', { timeout: 120_000 }, async (t) => {
  if (!needChromium(t)) return;
  const tmp = await mkdtemp(join(tmpdir(), 'aalgate-browser-spa-'));
  let spa;
  let kratos;
  let browser;
  try {
    const { packageDir } = await stagePackage(tmp);
    let kratosUrl = '';
    spa = await startSpaServer({ packageDir, kratosUrl: () => kratosUrl, now: () => kratos.clock.now() });
    const spaOrigin = new URL(spa.url).origin;
    kratos = await startKratosEmulator({
      host: '127.0.0.1',
      port: 0,
      requiredAal: 'aal1',
      corsOrigins: [spaOrigin],
      allowedReturnUrls: [`${spaOrigin}/`],
    });
    kratosUrl = kratos.url.replace(/\/+$/, '');
    assert.notEqual(new URL(kratosUrl).port, new URL(spa.url).port);
    const loginBrowser = `${kratosUrl}/self-service/login/browser`;

    browser = await launchChromium();
    t.diagnostic(`Chromium ${browser.version()}, SPA ${spa.url}, Kratos emulator ${kratosUrl}`);
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const { url } = message.location();
      // Chromium logs every 4xx as a failed resource. Expected here: whoami's 401 when signed
      // out, the payment API's 401 challenge, Kratos's 400 session_already_available to "Sign in"
      // while signed in, and the emulator's pages having no favicon.
      const expected =
        (/status of 401/.test(message.text()) && /\/(sessions\/whoami|api\/billing\/pay)$/.test(url)) ||
        (/status of 400/.test(message.text()) && url === loginBrowser) ||
        (/status of 404/.test(message.text()) && url === `${kratosUrl}/favicon.ico`);
      if (!expected) problems.push(`console.error: ${message.text()} (${url})`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
    const failedResponses = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    const navigations = navigationsOf(page);
    const text = (selector) => page.locator(selector).innerText();
    // Submits the emulator's login page filled with `fields`; waits until the SPA is back.
    const logIn = async (fields) => {
      await fillLogin(page, fields);
      await page.click('#submit');
      await page.waitForURL(spa.url);
      await spaReady(page);
    };
    // Waits for the browser to be sent to Kratos's login endpoint; returns that URL.
    const sentToLogin = () =>
      page
        .waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(loginBrowser), { timeout: 15_000 })
        .then((r) => new URL(r.url()));

    try {
      await page.goto(spa.url);
      await page.waitForURL(spa.url);
      await spaReady(page);
      assert.match(await text('#session'), /Signed out/);
      assert.match(await text('#public'), /Anyone can read this/);

      await t.test('"Show orders" signed out: sent to login with return_to = the page', async () => {
        const login = sentToLogin();
        await page.click('#show-orders');
        const url = await login;
        assert.equal(url.searchParams.get('return_to'), spa.url);
        assert.equal(url.searchParams.get('aal'), null);
        assert.equal(url.searchParams.get('refresh'), null);
      });

      await t.test('signing in on the emulator brings the user back; orders show', async () => {
        await logIn({ identifier: ADA, password: ADA_PASSWORD });
        assert.match(await text('#session'), /Signed in \(aal1\)/);
        await withoutNavigation(navigations, async () => {
          await page.click('#show-orders');
          await page.waitForSelector('#orders-list li');
          assert.match(await text('#orders-list'), /#1001/);
        }, 'allowed: no navigation');
      });

      await t.test('"Sign in" while signed in: Kratos answers 400 session_already_available, gate.recover allows', () =>
        signInWhileSignedIn(page, { loginBrowser, navigations }));

      await t.test('require(aal2, 5m, { redirect: false }): the app shows its own message', async () => {
        await withoutNavigation(navigations, async () => {
          await page.click('#payout');
          await page.waitForSelector('#payout-message a');
        }, 'no redirect');
        assert.match(await text('#payout-message'), /authenticator app/);
        const href = new URL(await page.getAttribute('#payout-message a', 'href'));
        assert.equal(`${href.origin}${href.pathname}`, loginBrowser);
        assert.equal(href.searchParams.get('aal'), 'aal2');
        assert.equal(href.searchParams.get('return_to'), spa.url);
        assert.equal(page.url(), spa.url);
      });

      await t.test('"Pay": the API answers 401 with a challenge, gate.fetch leads to ?aal=aal2', async () => {
        const login = sentToLogin();
        await page.click('#pay');
        const url = await login;
        assert.equal(url.searchParams.get('aal'), 'aal2');
        assert.equal(url.searchParams.get('return_to'), spa.url);
        const pay = spa.requests.filter((r) => r.path === '/api/billing/pay');
        assert.deepEqual(pay.map((r) => [r.method, r.status]), [['POST', 401]]);
      });

      await t.test('after the second factor, the user is back and the payment goes through', async () => {
        await logIn({ totp_code: ADA_TOTP });
        assert.match(await text('#session'), /Signed in \(aal2\)/);
        await withoutNavigation(navigations, async () => {
          await page.click('#pay');
          await page.waitForSelector('#pay-status.ok');
          assert.match(await text('#pay-status'), /Paid\. Receipt R-\d+/);
          await page.click('#payout');
          await page.waitForSelector('#payout-message.ok');
          assert.match(await text('#payout-message'), /change the payout account now/);
        }, 'allowed: no navigation');
      });

      assert.deepEqual(problems, [], `no console errors or page errors; failed responses:\n${failedResponses.join('\n')}`);
      const failed = spa.requests.filter((r) => r.status >= 400 && !(r.path === '/api/billing/pay' && r.status === 401));
      assert.deepEqual(failed, [], 'every request the page made to the SPA server was served');
      const wasm = spa.requests.filter((r) => r.path.endsWith('.wasm'));
      assert.ok(wasm.length >= 1 && wasm.every((r) => r.status === 200), 'the core was loaded from the staged package');
    } finally {
      await context.close();
    }
  } finally {
    await browser?.close().catch(() => {});
    await spa?.close();
    await kratos?.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
