// Issue 13 (item 5): aalgate/browser in Debian's Chromium under the Kratos emulator's faults
// (tools/kratos-emulator/README.md "Faults"): a page of the SPA's origin imports the package as
// published and asks gate.require({ redirect: false }) with the browser's session cookie, which
// would pass without a fault. Each fault must give the core's error (never allow, never a URL),
// and a huge answer must not be downloaded past maxBodyBytes: Chromium's own fetch streams it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { startSpaServer } from '../../examples/spa/server.mjs';
import { startKratosEmulator } from '../../tools/kratos-emulator/emulator.mjs';
import { stagePackage } from '../support/cases.js';
import { launchChromium, needChromium } from '../support/chromium.js';

import { ADA, kratosFaults } from './helpers.js';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>faults</title>
<script type="importmap">${JSON.stringify({
  imports: { aalgate: '/node_modules/aalgate/js/index.js', 'aalgate/browser': '/node_modules/aalgate/js/browser.js' },
  scopes: { '/node_modules/aalgate/': { '#load-core': '/node_modules/aalgate/js/loader/browser.js' } },
})}</script></head><body><p>faults</p></body></html>`;

// A 'slow' Kratos waits past the page's timeoutMs (1000); a 64 MiB answer.
const FAULTS = kratosFaults({ delayMs: 3000, sizeBytes: 64 * 1024 * 1024 });

test('aalgate/browser in Chromium under Kratos faults: the core\'s error, never a pass, never a redirect', { timeout: 120_000 }, async (t) => {
  if (!needChromium(t)) return;
  const tmp = await mkdtemp(join(tmpdir(), 'aalgate-browser-faults-'));
  let spa;
  let kratos;
  let browser;
  try {
    const { packageDir } = await stagePackage(tmp);
    // Served from loopback by the SPA server (Chromium's local network access check).
    await writeFile(join(packageDir, 'js', 'faults-page.html'), PAGE);
    let kratosUrl = '';
    spa = await startSpaServer({ packageDir, kratosUrl: () => kratosUrl });
    const spaOrigin = new URL(spa.url).origin;
    kratos = await startKratosEmulator({ host: '127.0.0.1', port: 0, requiredAal: 'aal1', corsOrigins: [spaOrigin] });
    kratosUrl = kratos.url.replace(/\/+$/, '');
    const cookie = await kratos.createSession({ email: ADA, methods: ['password', 'totp'] });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];

    browser = await launchChromium();
    const context = await browser.newContext();
    await context.addCookies([{ name, value, url: kratosUrl }]);
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
    await page.goto(`${spaOrigin}/node_modules/aalgate/js/faults-page.html`);

    // One require() in the page; the location is a recorder, so a redirect would show.
    const requireOnce = () =>
      page.evaluate(
        async ({ baseUrl }) => {
          const { createBrowserGate } = await import('aalgate/browser');
          const assigned = [];
          const gate = await createBrowserGate({
            baseUrl,
            kratos: { session: { whoami: { required_aal: 'aal1' } } },
            timeoutMs: 1000,
            location: { href: location.href, assign: (url) => assigned.push(url) },
          });
          try {
            const d = await gate.require({ aal: 'aal2', maxAge: '5m' }, { redirect: false });
            return { verdict: d.verdict, reason: d.reason, url: d.url, assigned };
          } finally {
            gate.dispose();
          }
        },
        { baseUrl: kratosUrl },
      );

    assert.deepEqual(await requireOnce(), { verdict: 'allow', reason: 'satisfied', url: null, assigned: [] }, 'passes without a fault');
    for (const [fault, reason] of FAULTS) {
      await t.test(`${fault.mode} → error ${reason}`, async () => {
        kratos.fault(fault);
        try {
          assert.deepEqual(await requireOnce(), { verdict: 'error', reason, url: null, assigned: [] });
          if (fault.mode === 'huge') {
            await page.waitForTimeout(200);
            const { sentBytes } = kratos.faultStats();
            assert.ok(sentBytes < 16 * 1024 * 1024, `the emulator sent ${(sentBytes / 1048576).toFixed(1)} MiB of 64`);
          }
        } finally {
          kratos.fault({ mode: 'none' });
        }
      });
    }
    assert.deepEqual(problems, []);
  } finally {
    await browser?.close();
    await kratos?.close();
    await spa?.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
