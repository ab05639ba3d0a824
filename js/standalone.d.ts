// Types of aalgate/standalone (js/standalone/aalgate.mjs, built by tools/standalone.mjs): one ES
// module with what aalgate, aalgate/browser and aalgate/devtools export, for `await import(url)`
// from a CDN or a static server.
export * from './index.js';
export * from './browser.js';
export * from './devtools.js';
