// The emulator's self-service UI pages (what a Kratos UI such as kratos-selfservice-ui-node would
// render), minimal and with stable ids for Playwright: #identifier, #password, #totp_code, #submit.

const esc = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Kratos emulator</title>
<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}
button{font:inherit;margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00020}.info{color:#555}
code,pre{background:#f3f3f3;padding:.1rem .3rem;white-space:pre-wrap;word-break:break-all}</style></head>
<body><p class="info">Ory Kratos emulator (for aalgate tests and demos; not Kratos)</p>
${body}
</body></html>
`;
}

const messages = (list) =>
  list.length === 0
    ? ''
    : `<div id="messages">${list.map((m) => `<p class="${esc(m.type)}" data-id="${m.id}">${esc(m.text)}</p>`).join('')}</div>`;

/**
 * @param {{ flow: object, action: string, mode: 'password'|'totp'|'none', email: string }} o
 */
export function loginPage({ flow, action, mode, email }) {
  const title =
    mode === 'totp' ? 'Second factor' : flow.refresh ? 'Confirm it is you' : 'Sign in';
  const data = `data-flow-id="${esc(flow.id)}" data-requested-aal="${flow.requestedAal}" data-refresh="${flow.refresh}"`;
  let form;
  if (mode === 'password') {
    form = `<form id="login" method="POST" action="${esc(action)}" ${data}>
<input type="hidden" name="method" value="password">
<label for="identifier">Email</label><input id="identifier" name="identifier" type="email" autocomplete="username" value="${esc(email)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="submit" type="submit">${flow.refresh ? 'Confirm' : 'Sign in'}</button></form>`;
  } else if (mode === 'totp') {
    form = `<form id="login" method="POST" action="${esc(action)}" ${data}>
<input type="hidden" name="method" value="totp">
<p>Signed in as <strong id="email">${esc(email)}</strong>. Enter the code from your authenticator app.</p>
<label for="totp_code">Authentication code</label><input id="totp_code" name="totp_code" inputmode="numeric" autocomplete="one-time-code" required>
<button id="submit" type="submit">Verify</button></form>`;
  } else {
    form = `<div id="login" ${data}><p id="no-method" class="error">No second factor is set up for this account, so this
flow cannot go on (Kratos shows no method here either).</p></div>`;
  }
  return page(title, `<h1 id="title">${esc(title)}</h1>
<p class="info">Flow <code>${esc(flow.id)}</code>: requested ${flow.requestedAal}${flow.refresh ? ', refresh' : ''}${flow.returnTo ? `, then back to <code id="return-to">${esc(flow.returnTo)}</code>` : ''}</p>
${messages(flow.messages)}${form}`);
}

export function settingsPage({ flow, action, email, totp }) {
  const form = totp
    ? `<p id="totp-status">Authenticator app: <strong>enabled</strong></p>
<form id="settings" method="POST" action="${esc(action)}"><input type="hidden" name="method" value="totp">
<input type="hidden" name="totp_unlink" value="true"><button id="unlink" type="submit">Disable the authenticator app</button></form>`
    : `<p id="totp-status">Authenticator app: <strong>not set up</strong></p>
<form id="settings" method="POST" action="${esc(action)}"><input type="hidden" name="method" value="totp">
<p>Add the emulator's authenticator (its code is always <code>123456</code>) and enter a code to confirm.</p>
<label for="totp_code">Verify code</label><input id="totp_code" name="totp_code" inputmode="numeric" autocomplete="one-time-code" required>
<button id="submit" type="submit">Enable</button></form>`;
  return page('Account settings', `<h1 id="title">Account settings</h1>
<p>Signed in as <strong id="email">${esc(email)}</strong></p>
${messages(flow.messages)}${form}`);
}

export function errorPage(id, body) {
  return page('Error', `<h1 id="title">Error</h1>
<p>Kratos forwarded this error to its error UI (<code>${esc(id)}</code>):</p>
<pre id="error">${esc(JSON.stringify(body, null, 2))}</pre>`);
}

export function homePage({ url, session }) {
  const state = session
    ? `<p id="session">Signed in as <strong id="email">${esc(session.email)}</strong>, session
<strong id="aal">${session.aal}</strong>, methods: ${esc(session.methods.join(', '))}</p>`
    : `<p id="session">Not signed in.</p>`;
  const links = [
    ['Sign in', '/self-service/login/browser'],
    ['Step up (aal2)', '/self-service/login/browser?aal=aal2'],
    ['Re-authenticate', '/self-service/login/browser?refresh=true'],
    ['Re-authenticate with the second factor', '/self-service/login/browser?refresh=true&aal=aal2'],
    ['Settings (enable the authenticator app)', '/self-service/settings/browser'],
    ['whoami', '/sessions/whoami'],
  ];
  return page('Home', `<h1 id="title">Kratos emulator</h1>${state}
<ul>${links.map(([t, h]) => `<li><a href="${esc(url + h)}">${esc(t)}</a></li>`).join('')}</ul>`);
}
