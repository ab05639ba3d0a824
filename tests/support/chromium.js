// Debian's Chromium as every browser suite launches it through playwright-core, and what a
// suite does when it is missing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.AALGATE_CHROMIUM ?? '/usr/bin/chromium';

// Flags that work on a closed-network machine (no background connections, no sandbox as root).
// playwright-core adds --headless and a fresh temporary --user-data-dir itself.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why a Chromium suite cannot run here: `{ fail }` on Debian (apt-get present: Chromium is
 * installable, so its absence is a setup failure, not a skip), `{ skip }` elsewhere; null when
 * CHROMIUM is there.
 * @returns {{ fail: string } | { skip: string } | null}
 */
export function chromiumMissing() {
  if (existsSync(CHROMIUM)) return null;
  if (existsSync('/usr/bin/apt-get')) {
    return { fail: `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); tools/setup.sh should` };
  }
  return { skip: `no Chromium at ${CHROMIUM} and no apt-get to install it (set AALGATE_CHROMIUM to a Chromium binary)` };
}

/**
 * For the start of a Chromium test: fails it or skips it when Chromium is missing (see
 * chromiumMissing).
 * @param {import('node:test').TestContext} t
 * @returns {boolean} whether the test can go on
 */
export function needChromium(t) {
  const missing = chromiumMissing();
  if (missing?.fail) assert.fail(missing.fail);
  if (missing) t.skip(missing.skip);
  return missing === null;
}

/** Launches CHROMIUM (headless) through playwright-core with CHROMIUM_ARGS. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}
