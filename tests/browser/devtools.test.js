// aalgate/devtools in Debian's Chromium, driven by playwright-core: a page on the SPA example's
// origin (its server serves the package as published, npm pack's files) imports aalgate/devtools
// through an import map and calls inspect() against the Kratos emulator on another port with the
// browser's session cookie (CORS with credentials). The decisions are the core's; the output goes
// through console.table. Nothing is mocked: both servers are real HTTP servers.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { startSpaServer } from '../../examples/spa/server.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { stagePackage } from '../support/cases.js';
import { launchChromium, needChromium } from '../support/chromium.js';

import { ADA } from './helpers.js';

// The emulator's configuration mirrored: whoami aal1 (Lax), settings highest_available.
const MIRROR = {
  session: { whoami: { required_aal: 'aal1' } },
  selfservice: { flows: { settings: { required_aal: 'highest_available' } } },
};

// A page of the SPA's origin with the package's import map, aalgate/devtools included.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>devtools</title>
<script type="importmap">${JSON.stringify({
  imports: {
    aalgate: '/node_modules/aalgate/js/index.js',
    'aalgate/devtools': '/node_modules/aalgate/js/devtools.js',
  },
  scopes: { '/node_modules/aalgate/': { '#load-core': '/node_modules/aalgate/js/loader/browser.js' } },
})}</script></head><body><p>devtools</p></body></html>`;

test('aalgate/devtools in Chromium: inspect() with the browser cookie prints tables and returns the core decisions', { timeout: 90_000 }, async (t) => {
  if (!needChromium(t)) return;
  const tmp = await mkdtemp(join(tmpdir(), 'aalgate-browser-devtools-'));
  let spa;
  let kratos;
  let browser;
  try {
    const { packageDir, files } = await stagePackage(tmp);
    assert.ok(files.includes('js/devtools.js') && files.includes('js/devtools.d.ts'), 'published with the package');
    // The page sits in the staged copy's js/ (this temporary directory only), which the SPA
    // server serves from loopback: a page Playwright fulfilled itself would have no address
    // space, and Chromium's local network access check would refuse its fetch to Kratos.
    await writeFile(join(packageDir, 'js', 'devtools-page.html'), PAGE);
    let kratosUrl = '';
    spa = await startSpaServer({ packageDir, kratosUrl: () => kratosUrl });
    const spaOrigin = new URL(spa.url).origin;
    kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'aal1', corsOrigins: [spaOrigin] });
    kratosUrl = kratos.url.replace(/\/+$/, '');
    const cookie = await kratos.createSession({ email: ADA, methods: ['password'] });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];

    browser = await launchChromium();
    const context = await browser.newContext();
    // Same host as the SPA, another port: the cookie reaches Kratos from the page's fetch.
    await context.addCookies([{ name, value, url: kratosUrl }]);
    const page = await context.newPage();
    const messages = [];
    const problems = [];
    page.on('console', (message) => messages.push({ type: message.type(), text: message.text() }));
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));

    try {
      await page.goto(`${spaOrigin}/node_modules/aalgate/js/devtools-page.html`);
      const result = await page.evaluate(
        async ({ baseUrl, kratos: mirror }) => {
          const { inspect } = await import('aalgate/devtools');
          return inspect(baseUrl, { config: { kratos: mirror } });
        },
        { baseUrl: kratosUrl, kratos: MIRROR },
      );
      assert.equal(result.session.status, 200, JSON.stringify({ session: result.session, messages }));
      assert.equal(result.session.level, 'aal1');
      assert.deepEqual(result.session.methods.map((m) => [m.method, m.aal]), [['password', 'aal1']]);
      assert.deepEqual(
        result.decisions.map((d) => [d.requirement, d.verdict, d.reason]),
        [
          ['aal: aal1', 'allow', 'satisfied'],
          ['aal: aal2', 'step_up', 'aal2_required'],
          ['aal: aal2, maxAge: 5m', 'step_up', 'aal2_required'],
          ['operation: settings', 'allow', 'satisfied'],
        ],
      );
      for (const d of result.decisions.slice(1, 3)) assert.ok(d.url.startsWith(`${kratosUrl}/self-service/login/browser?aal=aal2`), d.url);
      // Two console.table calls: the session and the decisions.
      assert.equal(messages.filter((m) => m.type === 'table').length, 2, JSON.stringify(messages));
      assert.deepEqual(problems, []);
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
