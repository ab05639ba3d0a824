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
 * A login flow's page: one form per method the flow offers (`methods`, as the emulator's
 * loginFlowJson). Ids: `#identifier`, `#password`, `#submit` (password), `#oidc-submit` (the
 * stand-in provider), `#totp_code`, `#submit` (totp); `#no-method` when the flow offers nothing.
 * @param {{ flow: object, action: string, methods: string[], email: string,
 *   identity: { totp: boolean, oidc: boolean, password: boolean } | null, provider: { id: string, label: string } }} o
 */
export function loginPage({ flow, action, methods, email, identity, provider }) {
  const secondFactor = flow.requestedAal === 'aal2';
  const title = secondFactor ? 'Second factor' : flow.refresh ? 'Confirm it is you' : 'Sign in';
  const data = `data-flow-id="${esc(flow.id)}" data-requested-aal="${flow.requestedAal}" data-refresh="${flow.refresh}"`;
  const forms = [];
  if (methods.includes('password')) {
    forms.push(`<form id="login" method="POST" action="${esc(action)}" ${data}>
<input type="hidden" name="method" value="password">
<label for="identifier">Email</label><input id="identifier" name="identifier" type="email" autocomplete="username" value="${esc(email)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="submit" type="submit">${flow.refresh ? 'Confirm' : 'Sign in'}</button></form>`);
  }
  if (methods.includes('oidc')) {
    // the stand-in for Kratos's OIDC provider buttons (strategy/oidc PopulateLoginMethodFirstFactorRefresh)
    const id = forms.length ? 'login-oidc' : 'login';
    forms.push(`<form id="${id}" method="POST" action="${esc(action)}" ${data}>
<input type="hidden" name="method" value="oidc">
<p>Signed in as <strong id="email">${esc(email)}</strong> through ${esc(provider.label)}. The provider checks it is you
(with its own second factor: upstream MFA).</p>
<button id="oidc-submit" type="submit" name="provider" value="${esc(provider.id)}">Continue with the provider</button></form>`);
  }
  if (methods.includes('totp')) {
    forms.push(`<form id="login" method="POST" action="${esc(action)}" ${data}>
<input type="hidden" name="method" value="totp">
<p>Signed in as <strong id="email">${esc(email)}</strong>. Enter the code from your authenticator app.</p>
<label for="totp_code">Authentication code</label><input id="totp_code" name="totp_code" inputmode="numeric" autocomplete="one-time-code" required>
<button id="submit" type="submit">Verify</button></form>`);
  }
  if (forms.length === 0) {
    let why;
    if (secondFactor && identity?.oidc && !identity.totp) {
      why = `This account has no second factor of its own: its aal2 comes from its identity provider
(upstream MFA), and Kratos has no second-factor form for OIDC, so this flow shows no method and
cannot go on. Re-authenticate with <code>?refresh=true</code> (without <code>aal</code>) instead.`;
    } else if (secondFactor) {
      why = 'No second factor is set up for this account, so this flow cannot go on (Kratos shows no method here either).';
    } else {
      why = 'This account has no sign-in method this flow can offer (Kratos shows no method here either).';
    }
    forms.push(`<div id="login" ${data}><p id="no-method" class="error">${why}</p></div>`);
  }
  return page(title, `<h1 id="title">${esc(title)}</h1>
<p class="info">Flow <code>${esc(flow.id)}</code>: requested ${flow.requestedAal}${flow.refresh ? ', refresh' : ''}${flow.returnTo ? `, then back to <code id="return-to">${esc(flow.returnTo)}</code>` : ''}</p>
${messages(flow.messages)}${forms.join('\n')}`);
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
  const password = `<form id="settings-password" method="POST" action="${esc(action)}"><input type="hidden" name="method" value="password">
<label for="new-password">New password</label><input id="new-password" name="password" type="password" autocomplete="new-password" required>
<button id="password-submit" type="submit">Save</button></form>`;
  return page('Account settings', `<h1 id="title">Account settings</h1>
<p>Signed in as <strong id="email">${esc(email)}</strong></p>
${messages(flow.messages)}${form}
${password}`);
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
