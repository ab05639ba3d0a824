// The playground (examples/playground) as `npm run playground` builds it: the static files built
// into a temporary folder, served by a plain static server, opened in Debian's Chromium through
// playwright-core (one browser, one page reused). Every Kratos fixture pasted into the page gives
// the verdict, URL, reason, warnings and challenge that gate.decide / gate.recover give in this
// process for the same input, and their explanation (steps, problem, inputs, session); the URL hash carries
// the inputs (a link reproduces the case); an invalid configuration or requirement shows its
// AalgateError code; hostile bodies stay text; the live fetch asks the Kratos emulator with the
// browser's cookie or a session token, and a fetch that gets no answer is shown. Nothing but the
// static server (and the emulator, for the live fetch) is ever asked: every other request is
// refused and counted. A screenshot is kept in test-artifacts/playground.png.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { serve, unusedUrl } from '../../examples/demo/http.mjs';
import { buildPlayground } from '../../examples/playground/build.mjs';
import { DEFAULTS, decodeState, encodeState } from '../../examples/playground/state.js';
import { createGate } from '../../js/index.js';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { chromiumMissing, launchChromium, needChromium } from '../support/chromium.js';

import { ADA } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'tests/fixtures/kratos');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const BASE = 'https://auth.example.com';
const NOW = '2026-08-01T10:30:00Z';
const RETURN_TO = 'https://app.example.com/billing';
const LAX = { session: { whoami: { required_aal: 'aal1' } } };
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

// The inputs every fixture is decided with: the page's fields, and the same as the API's arguments.
const FORM = { baseUrl: BASE, aal: 'aal2', maxAge: '10m', returnTo: RETURN_TO, now: NOW };
const REQUIREMENT = { aal: 'aal2', maxAge: '10m', returnTo: RETURN_TO, now: new Date(NOW) };

const statusOfName = (name) => name.match(/-(\d{3})-/)?.[1];
const fixtures = readdirSync(FIXTURES).filter((f) => /\.json5?$/.test(f)).sort();

/** A plain static server for `dir` (GET only, no listing, nothing outside it); records each path. */
function staticServer(dir) {
  const paths = [];
  return {
    paths,
    start: () =>
      serve(async (req, res) => {
        const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
        paths.push(path);
        const relative = normalize(path.endsWith('/') ? `${path}index.html` : path).replace(/^[/\\]+/, '');
        if (req.method !== 'GET' || relative.split(sep).includes('..')) return res.writeHead(404).end();
        try {
          const body = await readFile(join(dir, relative));
          res.writeHead(200, { 'content-type': TYPES[extname(relative)] ?? 'application/octet-stream' });
          res.end(body);
        } catch {
          res.writeHead(404).end();
        }
      }),
  };
}

describe('the playground, built as static files, in Chromium', { timeout: 120_000 }, () => {
  const env = {};
  const offsite = []; // requests to neither the static server nor the emulator (all refused)
  const toKratos = []; // requests the live fetch made (the emulator, or a URL where nothing listens)
  const problems = []; // page errors, console errors
  const dialogs = [];

  before(async () => {
    if (chromiumMissing()) return;
    env.tmp = await mkdtemp(join(tmpdir(), 'aalgate-playground-'));
    env.build = await buildPlayground({ outDir: join(env.tmp, 'playground') });
    env.files = staticServer(env.build.outDir);
    env.site = await env.files.start();
    env.kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'aal1', corsOrigins: [env.site.url] });
    // The Public Suffix List loaded first (a wildcard configuration): loading it grows the core's
    // memory, and a Gate made before that growth decides its next call on stale views of it (a
    // bug of js/call.js, reported; tests/js/memory-growth.test.js). The gates here come after.
    (await createGate({ baseUrl: BASE, allowedReturnUrls: ['https://*.example.org/'] })).dispose();
    env.gate = await createGate({ baseUrl: BASE });
    env.browser = await launchChromium();
    env.context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const allowed = new Set([env.site.url, env.kratos.url.replace(/\/+$/, '')]);
    env.allowed = allowed;
    await env.context.route('**/*', (route) => {
      const url = route.request().url();
      let origin = '';
      try {
        origin = new URL(url).origin;
      } catch {
        // data: and the like have no origin: not a network request
      }
      if (url.startsWith('data:')) return route.continue();
      if (!allowed.has(origin)) {
        offsite.push(url);
        return route.abort('blockedbyclient');
      }
      if (origin !== env.site.url) toKratos.push(url);
      return route.continue();
    });
    // Set by a script that should never run; and CSP violations, which the page should have none of.
    await env.context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    env.context.setDefaultTimeout(10_000);
    env.page = await env.context.newPage();
    env.page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
    // Console errors, but Chromium's own line for each live fetch that got an error status or
    // no answer (those are asserted where they happen).
    env.page.on('console', (m) => {
      if (m.type() === 'error' && !(m.text().startsWith('Failed to load resource') && toKratos.includes(m.location().url))) {
        problems.push(`console: ${m.text()} (${m.location().url})`);
      }
    });
    env.page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    await env.page.goto(`${env.site.url}/`);
    await env.page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  });

  after(async () => {
    await env.browser?.close().catch(() => {});
    await env.site?.close();
    await env.kratos?.close();
    env.gate?.dispose();
    if (env.tmp) await rm(env.tmp, { recursive: true, force: true });
  });

  /** Waits until the page has decided for what it was given last (body[data-pending=false]). */
  const settled = (page = env.page) =>
    page.waitForFunction(() => document.body.dataset.pending === 'false' && document.body.dataset.fetching !== 'true', null, { timeout: 10_000 });

  /** Sets fields as a user does (typing / pasting into inputs, choosing in selects), then waits. */
  async function setForm(values, page = env.page) {
    for (const [id, value] of Object.entries(values)) {
      const tag = await page.locator(`#${id}`).evaluate((e) => e.tagName);
      if (tag === 'SELECT') await page.selectOption(`#${id}`, value);
      else await page.fill(`#${id}`, value);
    }
    await settled(page);
  }

  /** Every field back to its default, then `values` (set at once, one input event), then waits. */
  async function resetForm(values = {}, page = env.page) {
    await page.evaluate((all) => {
      for (const [id, value] of Object.entries(all)) document.getElementById(id).value = value;
      document.getElementById('inputs').dispatchEvent(new Event('input', { bubbles: true }));
    }, { ...DEFAULTS, ...values });
    await settled(page);
  }

  /** What the page shows. */
  const rendered = (page = env.page) =>
    page.evaluate(() => {
      const text = (id) => document.getElementById(id).textContent;
      const facts = (id) => [...document.querySelectorAll(`#${id} dt`)].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]);
      const link = document.getElementById('url');
      return {
        verdict: text('verdict'),
        url: link.hidden ? null : text('url'),
        href: link.getAttribute('href'),
        noUrl: text('noUrl'),
        reason: text('reason'),
        aal: text('sessionAal'),
        requiredAal: text('requiredAal'),
        warnings: text('warnings'),
        challenge: text('challenge'),
        failed: !document.getElementById('failure').hidden,
        errorCode: text('errorCode'),
        errorMessage: text('errorMessage'),
        explained: document.getElementById('explanation').dataset.present === 'true',
        steps: [...document.querySelectorAll('#steps li')].map((li) => ({
          rule: li.querySelector('.rule').textContent,
          check: li.querySelector('.check').textContent,
          applies: li.classList.contains('applies'),
        })),
        problem: document.getElementById('problem').hidden ? null : text('problem'),
        inputs: facts('explainInputs'),
        session: document.getElementById('sessionFacts').hidden ? null : facts('explainSession'),
      };
    });

  /** An explanation's `inputs` or `session` as the page lists them: [name, text] pairs. */
  const factsOf = (object) =>
    object === null ? null : Object.entries(object).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]);

  /** The page shows exactly `d`, the Decision this process computed, and its explanation. */
  function assertShows(shown, d, label) {
    assert.equal(shown.failed, false, `${label}: no error (${shown.errorCode} ${shown.errorMessage})`);
    assert.equal(shown.verdict, d.verdict, `${label}: verdict`);
    assert.equal(shown.url, d.url, `${label}: url`);
    assert.equal(shown.href, d.url, `${label}: the url is a link to itself`);
    assert.equal(shown.noUrl, d.url === null ? 'null' : '', `${label}: null url shown`);
    assert.equal(shown.reason, d.reason, `${label}: reason`);
    assert.equal(shown.aal, String(d.aal), `${label}: aal`);
    assert.equal(shown.requiredAal, String(d.requiredAal), `${label}: requiredAal`);
    assert.equal(shown.warnings, d.warnings.length === 0 ? '(none)' : d.warnings.join(', '), `${label}: warnings`);
    assert.equal(shown.challenge, d.challenge ?? 'null', `${label}: challenge`);
    // The explanation, as the core gave it: every step (rule id, check, outcome) and the problem.
    assert.ok(d.explanation, `${label}: the core explains`);
    assert.equal(shown.explained, true, `${label}: the explanation is shown`);
    assert.deepEqual(
      shown.steps,
      d.explanation.steps.map(({ rule, check, applies }) => ({ rule, check, applies })),
      `${label}: explanation steps`,
    );
    assert.ok(shown.steps.length > 0 && shown.steps.at(-1).applies, `${label}: the last step applies`);
    const problem = d.explanation.problem;
    assert.equal(shown.problem, problem === null ? null : `${problem.field}: ${problem.problem}`, `${label}: problem`);
    assert.deepEqual(shown.inputs, factsOf(d.explanation.inputs), `${label}: explanation inputs`);
    assert.deepEqual(shown.session, factsOf(d.explanation.session), `${label}: explanation session`);
  }

  test('every fixture pasted: the page shows what gate.decide (and gate.recover for error bodies) decide', async (t) => {
    if (!needChromium(t)) return;
    assert.ok(fixtures.length >= 15, fixtures.join(', '));
    await resetForm(FORM);
    const verdicts = new Set();
    for (const name of fixtures) {
      const body = readFileSync(join(FIXTURES, name), 'utf8');
      const status = statusOfName(name);
      // decide: a stored Session as a 200 body, the others as { status, body }
      await setForm(status ? { kind: 'response', status, body } : { kind: 'whoami', body });
      assert.equal(await env.page.inputValue('#body'), body, `${name}: pasted as it is`);
      const d = env.gate.decide(status ? { status: Number(status), body } : body, REQUIREMENT, { explain: true });
      assertShows(await rendered(), d, `decide ${name}`);
      verdicts.add(d.verdict);
      if (status !== undefined && Number(status) >= 400 && !name.includes('-whoami-')) {
        await setForm({ kind: 'recover' });
        const r = env.gate.recover({ status: Number(status), body }, REQUIREMENT, { explain: true });
        assertShows(await rendered(), r, `recover ${name}`);
        verdicts.add(r.verdict);
      }
    }
    // The fixtures reach most verdicts (each shown as the core gave it).
    for (const verdict of ['login', 'step_up', 'refresh', 'error']) assert.ok(verdicts.has(verdict), `${verdict} seen: ${[...verdicts]}`);

    // A case with more inputs: Lax server, aal2 within 10 minutes, allowedReturnUrls that drop
    // the return_to, leeway; a screenshot of it is kept.
    const body = readFileSync(join(FIXTURES, 'derived-whoami-200-aal2-password-totp.json'), 'utf8');
    await setForm({
      whoamiAal: 'aal1',
      allowedReturnUrls: 'https://shop.example.com/\nhttps://app.example.com/account',
      leeway: '30s',
      kind: 'whoami',
      body,
    });
    const gate = await createGate({ baseUrl: BASE, kratos: LAX, allowedReturnUrls: ['https://shop.example.com/', 'https://app.example.com/account'], leeway: '30s' });
    const d = gate.decide(body, REQUIREMENT, { explain: true });
    gate.dispose();
    assert.deepEqual(d.warnings, ['return_to_dropped']);
    assertShows(await rendered(), d, 'Lax, allowedReturnUrls, leeway');
    await mkdir(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'playground.png');
    // Tall enough for the whole decision column (it scrolls within the viewport otherwise).
    await env.page.setViewportSize({ width: 1400, height: 2200 });
    await env.page.screenshot({ path: shot, fullPage: true });
    await env.page.setViewportSize({ width: 1400, height: 1000 });
    t.diagnostic(`screenshot: ${shot}`);
    console.log(`playground screenshot: ${shot}`);
  });

  test('the URL hash holds every input: a link reproduces the case; a foreign hash is refused, not guessed', async (t) => {
    if (!needChromium(t)) return;
    const body = readFileSync(join(FIXTURES, 'real-whoami-200-aal1-cookie.json'), 'utf8');
    const inputs = {
      baseUrl: 'https://example.org/.ory',
      flow: 'api',
      whoamiAal: 'aal1',
      privilegedMaxAge: '15m',
      aal: '',
      operation: 'settings',
      returnTo: '/settings?tab=security',
      now: '2023-02-04T11:00:00Z',
      via: 'email',
      kind: 'whoami',
      body,
    };
    await resetForm(inputs);
    const link = env.page.url();
    const hash = new URL(link).hash;
    assert.match(hash, /^#s=[zj][A-Za-z0-9_-]+$/, 'base64url state in the hash');
    assert.ok(hash.length < body.length, `compact: ${hash.length} characters for a ${body.length}-character body and the rest`);
    // The hash is the page's state: decoded here, it is the form.
    const decoded = await decodeState(hash);
    assert.equal(decoded.error, null);
    assert.deepEqual(decoded.state, { ...DEFAULTS, ...inputs });
    const shownHere = await rendered();

    // The link, opened in another tab: the same inputs, the same decision.
    const other = await env.context.newPage();
    try {
      await other.goto(link);
      await other.waitForSelector('body[data-ready="true"]');
      await settled(other);
      for (const [id, value] of Object.entries({ ...DEFAULTS, ...inputs })) {
        assert.equal(await other.inputValue(`#${id}`), value, `#${id} restored`);
      }
      assert.deepEqual(await rendered(other), shownHere);
      const gate = await createGate({ baseUrl: 'https://example.org/.ory', flow: 'api', kratos: { ...LAX, selfservice: { flows: { settings: { privileged_session_max_age: '15m' } } } } });
      const d = gate.decide(body, { operation: 'settings', returnTo: '/settings?tab=security', now: new Date('2023-02-04T11:00:00Z'), via: 'email' }, { explain: true });
      gate.dispose();
      assertShows(shownHere, d, 'restored from the link');
      assert.equal(d.verdict, 'refresh', 'a settings refresh (signed in long before now)');

      // A hash made in Node (as the demo prints its link) is read the same way.
      const made = await encodeState({ kind: 'none', aal: 'aal1', baseUrl: 'https://auth.example.com/', now: NOW });
      await other.goto(`${env.site.url}/${made.hash}`);
      await other.waitForSelector('body[data-ready="true"]');
      await settled(other);
      assert.equal(await other.inputValue('#kind'), 'none');
      assertShows(await rendered(other), env.gate.decide(null, { aal: 'aal1', now: new Date(NOW) }, { explain: true }), 'hash made in Node');

      // A hash the page did not write: the defaults and a notice, not a guess.
      await other.goto(`${env.site.url}/#s=zNOT*BASE64`);
      await other.waitForSelector('body[data-ready="true"]');
      await settled(other);
      assert.match(await other.locator('#hash-notice').innerText(), /could not be used/);
      assert.equal(await other.inputValue('#body'), DEFAULTS.body);
      // A pasted link in the same tab (hashchange) replaces the inputs.
      await other.evaluate((h) => {
        location.hash = h;
      }, hash);
      await other.waitForFunction((b) => document.getElementById('body').value === b, body);
      await settled(other);
      assert.deepEqual(await rendered(other), shownHere);
    } finally {
      await other.close();
    }
  });

  test('an invalid configuration or requirement shows the AalgateError and its code, and no verdict', async (t) => {
    if (!needChromium(t)) return;
    await resetForm({ ...FORM, kind: 'none' });
    const cases = [
      [{ baseUrl: 'ftp://auth.example.com' }, 'createGate', 'config.baseUrl'],
      [{ leeway: '-5' }, 'createGate', 'config.leeway'],
      [{ allowedReturnUrls: 'https://*.vercel.app/' }, 'createGate', 'config.allowedReturnUrls[0]'],
      [{ maxAge: 'soon' }, 'gate.decide', 'requirement.maxAge'],
      [{ now: 'yesterday' }, 'gate.decide', 'requirement.now'],
    ];
    for (const [fields, stage, code] of cases) {
      await resetForm({ ...FORM, kind: 'none', ...fields });
      const shown = await rendered();
      assert.equal(shown.failed, true, `${code} shown as a failure`);
      assert.equal(shown.errorCode, code);
      assert.match(await env.page.locator('#failureKind').innerText(), new RegExp(`^${stage.replace('.', '\\.')} threw AalgateError`));
      assert.equal(shown.verdict, '', `${code}: no verdict`);
      assert.equal(shown.url, null);
      assert.equal(shown.href, null);
    }
    // The same configuration is an AalgateError with that code in Node too.
    await assert.rejects(createGate({ baseUrl: BASE, allowedReturnUrls: ['https://*.vercel.app/'] }), { code: 'config.allowedReturnUrls[0]' });
    // A valid wildcard loads the Public Suffix List chunk (a file of the build) and decides.
    await resetForm({ ...FORM, kind: 'none', allowedReturnUrls: 'https://*.example.org/app', returnTo: 'https://shop.example.org/app/cart' });
    const gate = await createGate({ baseUrl: BASE, allowedReturnUrls: ['https://*.example.org/app'] });
    assertShows(await rendered(), gate.decide(null, { ...REQUIREMENT, returnTo: 'https://shop.example.org/app/cart' }, { explain: true }), 'wildcard');
    gate.dispose();
    assert.ok(env.files.paths.some((p) => /^\/aalgate-public-suffix-[A-Za-z0-9]+\.js$/.test(p)), `the chunk was loaded: ${env.files.paths}`);
  });

  test('hostile input is rendered as text, never as HTML: no script runs', async (t) => {
    if (!needChromium(t)) return;
    const tag = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    await resetForm(FORM);
    // A field of a whoami body, a returnTo and a configuration value carrying markup.
    const session = JSON.parse(readFileSync(join(FIXTURES, 'derived-whoami-200-aal2-password-totp.json'), 'utf8'));
    session.authenticator_assurance_level = tag;
    session.identity = { traits: { email: tag } };
    const body = JSON.stringify(session);
    await setForm({ kind: 'whoami', body, returnTo: `https://app.example.com/${tag}` });
    assertShows(await rendered(), env.gate.decide(body, { ...REQUIREMENT, returnTo: `https://app.example.com/${tag}` }, { explain: true }), 'markup in the body');
    await setForm({ allowedReturnUrls: tag });
    const shown = await rendered();
    assert.equal(shown.errorCode, 'config.allowedReturnUrls[0]');
    assert.ok(shown.errorMessage.includes(tag), `the message shows the markup as text: ${shown.errorMessage}`);

    // Binary: every byte value as a character (NUL included), and a lone surrogate.
    let binary = '';
    for (let i = 0; i < 256; i += 1) binary += String.fromCharCode(i);
    binary += '\ud800{"active":true}\u0000';
    await setForm({ allowedReturnUrls: '', kind: 'response', status: '200', body: binary });
    const stored = await env.page.inputValue('#body'); // as the textarea keeps it (line breaks normalised)
    assertShows(await rendered(), env.gate.decide({ status: 200, body: stored }, { ...REQUIREMENT, returnTo: `https://app.example.com/${tag}` }, { explain: true }), 'binary');

    // Huge: 2 MB in one field. The link leaves the body out and says so.
    // Incompressible filler (a fixed pseudo-random sequence), so that the link cannot carry it.
    let seed = 0x2545f491;
    const filler = Array.from({ length: 2_000_000 }, () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[(seed >>> 0) % 62];
    }).join('');
    const huge = JSON.stringify({ ...session, authenticator_assurance_level: 'aal2', identity: { traits: { bio: `${tag}${filler}` } } });
    await setForm({ kind: 'whoami', body: huge, returnTo: RETURN_TO });
    assertShows(await rendered(), env.gate.decide(huge, REQUIREMENT, { explain: true }), 'huge');
    assert.match(await env.page.locator('#hash-notice').innerText(), /too large for the link/);
    const { state, bodyOmitted } = await decodeState(new URL(env.page.url()).hash);
    assert.equal(bodyOmitted, huge.length);
    assert.equal(state.body, '');

    const markup = await env.page.evaluate(() => ({
      pwned: window.__pwned,
      elements: document.querySelectorAll('#output script, #output img, #hash-notice *, #fetchStatus *').length,
      scripts: document.scripts.length,
    }));
    assert.deepEqual(markup, { pwned: undefined, elements: 0, scripts: 1 });
    assert.deepEqual(dialogs, []);
  });

  test('live fetch from the Kratos emulator: cookie, session token, no session, and no answer (shown)', async (t) => {
    if (!needChromium(t)) return;
    const { kratos, page, context } = env;
    const kratosUrl = kratos.url.replace(/\/+$/, '');
    const cookie = await kratos.createSession({ email: ADA, methods: ['password'] });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: kratosUrl }]);
    const laxGate = await createGate({ baseUrl: kratosUrl, kratos: LAX });
    t.after(() => laxGate.dispose());
    await resetForm({ baseUrl: kratosUrl, whoamiAal: 'aal1', aal: 'aal2', maxAge: '5m', kind: 'none' });
    assert.equal(await page.getAttribute('#liveUrl', 'placeholder'), `${kratosUrl}/sessions/whoami`);

    const fetchLive = async () => {
      const before = toKratos.length;
      await page.click('#fetchLive');
      await page.waitForFunction(() => document.body.dataset.fetching === 'false');
      await settled();
      assert.ok(toKratos.length > before, 'the page asked for whoami');
      return {
        kind: await page.inputValue('#kind'),
        status: await page.inputValue('#status'),
        body: await page.inputValue('#body'),
        now: await page.inputValue('#now'),
        fetchStatus: await page.locator('#fetchStatus').innerText(),
      };
    };
    const decided = (got) =>
      laxGate.decide(got.kind === 'response' ? { status: Number(got.status), body: got.body } : { failure: got.kind }, { aal: 'aal2', maxAge: '5m', now: new Date(got.now) }, { explain: true });

    // The browser's cookie (credentials: include): Ada's aal1 session → step up.
    let got = await fetchLive();
    assert.equal(got.kind, 'response');
    assert.equal(got.status, '200', got.fetchStatus);
    assert.equal(JSON.parse(got.body).identity.traits.email, ADA);
    assert.match(got.fetchStatus, /→ 200/);
    let d = decided(got);
    assert.equal(d.verdict, 'step_up');
    assertShows(await rendered(), d, 'live, cookie');
    assert.ok(d.url.startsWith(`${kratosUrl}/self-service/login/browser?aal=aal2`), d.url);

    // A session token (X-Session-Token), without cookies; the token never goes into the link.
    await context.clearCookies();
    await setForm({ liveAuth: 'token', liveToken: value, kind: 'none' });
    got = await fetchLive();
    assert.equal(got.status, '200', got.fetchStatus);
    assertShows(await rendered(), decided(got), 'live, token');
    assert.ok(!page.url().includes(value) && !JSON.stringify((await decodeState(new URL(page.url()).hash)).state).includes(value), 'no token in the link');

    // The cookie way without a cookie: 401 → login.
    await setForm({ liveAuth: 'cookie' });
    got = await fetchLive();
    assert.equal(got.status, '401');
    d = decided(got);
    assert.equal(d.verdict, 'login');
    assertShows(await rendered(), d, 'live, no session');

    // No answer: the failure is shown, and the core decides it as such (kratos_unreachable).
    const nowhere = `${await unusedUrl()}/sessions/whoami`;
    env.allowed.add(new URL(nowhere).origin); // let it through: nothing listens there
    await setForm({ liveUrl: nowhere });
    got = await fetchLive();
    assert.equal(got.kind, 'unreachable');
    assert.match(got.fetchStatus, /failed: TypeError/);
    assert.ok(got.fetchStatus.includes(nowhere));
    assert.equal(await page.getAttribute('#fetchStatus', 'class'), 'error');
    d = decided(got);
    assert.deepEqual([d.verdict, d.reason], ['error', 'kratos_unreachable']);
    assertShows(await rendered(), d, 'live, no answer');
  });

  test('offline: the page asked nothing but its own static server (and the emulator when told to)', async (t) => {
    if (!needChromium(t)) return;
    assert.deepEqual(offsite, [], 'no request to another origin');
    assert.ok(toKratos.every((url) => url.endsWith('/sessions/whoami')), `only whoami at the emulator: ${toKratos}`);
    const served = new Set(env.files.paths);
    for (const file of ['/', '/playground.js', '/playground.css', '/aalgate-core.wasm']) assert.ok(served.has(file), `${file} served: ${[...served]}`);
    assert.deepEqual(await env.page.evaluate(() => window.__violations), [], 'no CSP violation');
    assert.deepEqual(problems, []);
  });
});
