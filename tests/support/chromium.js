// Debian's Chromium as every browser suite launches it through playwright-core.
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
