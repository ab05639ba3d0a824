// What the Chromium suites do on the pages they share (tests/browser/chromium.test.js on
// examples/spa's own server, tests/journey on the demo stack), through playwright-core: follow
// the main frame's navigations, fill the Kratos emulator's login page, wait for the SPA
// (examples/spa), and press its "Sign in" while signed in.
import assert from 'node:assert/strict';

const TIMEOUT = { timeout: 15_000 };

/** The URL of every main-frame navigation request `page` makes from now on, in order (a live array). */
export function navigationsOf(page) {
  const navigations = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(request.url());
  });
  return navigations;
}

/** The next main-frame navigation request of `page` to a URL that starts with `prefix`. */
export const navigationTo = (page, prefix) =>
  page.waitForRequest((r) => r.isNavigationRequest() && r.frame() === page.mainFrame() && r.url().startsWith(prefix), TIMEOUT);

/**
 * Fills the emulator's login page (/ui/login): each input by its id, e.g.
 * `{ identifier, password }` or `{ totp_code }`.
 */
export async function fillLogin(page, fields) {
  for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
}

/** Waits until the SPA's page has loaded the package and shown the session (body[data-ready]). */
export const spaReady = (page) => page.waitForSelector('body[data-ready="true"]', TIMEOUT);

/**
 * Runs `act` and checks that the page did not navigate meanwhile.
 * @param {string[]} navigations from navigationsOf(page)
 */
export async function withoutNavigation(navigations, act, message = 'no navigation') {
  const before = navigations.length;
  await act();
  assert.equal(navigations.length, before, message);
}

/**
 * The SPA's "Sign in" with a session: the page's own request for a login flow (not a navigation)
 * gets Kratos's 400 session_already_available, gate.recover allows, and the page says so where
 * it stands, without navigating.
 * @param {{ loginBrowser: string, navigations: string[] }} options Kratos's
 *   /self-service/login/browser URL; navigationsOf(page)
 */
export async function signInWhileSignedIn(page, { loginBrowser, navigations }) {
  const at = page.url();
  await withoutNavigation(navigations, async () => {
    const answer = page.waitForResponse((r) => r.url() === loginBrowser && !r.request().isNavigationRequest(), TIMEOUT);
    await page.click('#sign-in');
    const response = await answer;
    assert.equal(response.status(), 400);
    assert.equal((await response.json()).error.id, 'session_already_available');
    await page.waitForSelector('#sign-in-status.ok');
    assert.equal(await page.locator('#sign-in-status').innerText(), 'You are already signed in.');
  });
  assert.equal(page.url(), at);
}
