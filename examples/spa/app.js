// A plain single-page app using aalgate/browser: no framework, no bundler (see index.html's
// import map). Every "may I?" goes to the gate; the page only renders what the gate decided.
import { createGate } from 'aalgate';
import { createBrowserGate } from 'aalgate/browser';

const config = window.AALGATE_CONFIG;
const $ = (id) => document.getElementById(id);

const gate = await createBrowserGate({ baseUrl: config.kratosUrl, kratos: config.kratos });
// For Kratos's own error answers: `recover` is on the plain gate (aalgate/browser's has none).
const kratosErrors = await createGate({ baseUrl: config.kratosUrl, kratos: config.kratos });

// Who is here? `redirect: false`: only look, never leave the page on load.
async function showSession() {
  const d = await gate.require({}, { redirect: false });
  const line = $('session');
  line.replaceChildren();
  if (d.verdict === 'allow') {
    line.textContent = `Signed in (${d.aal}). `;
  } else if (d.verdict === 'error') {
    line.textContent = `Cannot check your session right now (${d.reason}).`;
    return;
  } else {
    line.textContent = 'Signed out. ';
    line.append(link(d.url, 'Sign in'));
  }
}

// "Show orders": needs a session. Unless allowed, require() sends the browser to Kratos's login
// (return_to = this page) and never settles: nothing below runs while the page leaves.
$('show-orders').addEventListener('click', async () => {
  const d = await gate.require({ aal: 'aal1' });
  if (d.verdict === 'error') return setStatus($('orders-status'), `Cannot check your session (${d.reason}).`, 'error');
  if (d.verdict !== 'allow') return;
  setStatus($('orders-status'), '');
  const list = $('orders-list');
  list.replaceChildren(...['#1001 Espresso machine', '#1002 Coffee beans (2 kg)'].map((text) => item(text)));
  list.hidden = false;
});

// "Pay": the API decides (a 401 with an RFC 9470 challenge when a second factor is needed);
// gate.fetch follows it to the step-up, or does nothing when the session already satisfies it.
$('pay').addEventListener('click', async () => {
  const status = $('pay-status');
  setStatus(status, 'Paying…');
  let res;
  try {
    res = await gate.fetch(`${config.apiBase}/api/billing/pay`, { method: 'POST' });
  } catch (error) {
    return setStatus(status, `The payment API is unreachable: ${error.message}`, 'error');
  }
  if (res.ok) {
    const { receipt } = await res.json();
    return setStatus(status, `Paid. Receipt ${receipt}.`, 'ok');
  }
  setStatus(status, `Payment needs you to confirm it's you (HTTP ${res.status}).`, 'error');
});

// "Change payout account": the app's own UI instead of an immediate redirect.
$('payout').addEventListener('click', async () => {
  const box = $('payout-message');
  const d = await gate.require({ aal: 'aal2', maxAge: '5m' }, { redirect: false });
  box.replaceChildren();
  box.className = '';
  if (d.verdict === 'allow') return setStatus(box, 'You can change the payout account now.', 'ok');
  if (d.verdict === 'error') return setStatus(box, `Cannot check your session (${d.reason}).`, 'error');
  const why = {
    login: 'Please sign in first.',
    step_up: 'Changing the payout account needs your authenticator app.',
    refresh: 'Please confirm it is you again: your last check is more than 5 minutes old.',
    enroll: 'Set up a second factor first.',
  }[d.verdict];
  box.className = 'notice';
  box.append(paragraph(why), link(d.url, 'Continue'));
});

// "Sign in" and "Confirm with your second factor": start a Kratos login flow as an SPA does
// (JSON, with the cookies). Kratos answers 400 session_already_available when the session already
// has the level asked for; gate.recover says what that means for this page: for aal1, nothing to
// do (allow: the user is signed in); for aal2, a fresh second factor (?refresh=true&aal=aal2).
// A 200 is a new flow (the level is not reached yet): Kratos's own pages take it from there.
async function startLogin(aal, status) {
  setStatus(status, 'Asking Kratos…');
  const query = aal === 'aal2' ? '?aal=aal2' : '';
  let res;
  try {
    res = await fetch(`${config.kratosUrl}/self-service/login/browser${query}`, {
      credentials: 'include',
      headers: { Accept: 'application/json' },
    });
  } catch (error) {
    return setStatus(status, `Kratos is unreachable: ${error.message}`, 'error');
  }
  let d;
  if (res.ok) {
    d = await gate.require({ aal }); // not allowed: the browser goes to Kratos's login
  } else {
    d = kratosErrors.recover({ status: res.status, body: await res.text() }, { aal, returnTo: location.href });
    if (d.url !== null) return location.assign(d.url); // login, step_up, refresh
  }
  if (d.verdict === 'allow') return setStatus(status, 'You are already signed in.', 'ok');
  if (d.verdict === 'error') return setStatus(status, `Cannot start the sign-in (${d.reason}).`, 'error');
}
$('sign-in').addEventListener('click', () => startLogin('aal1', $('sign-in-status')));
$('confirm').addEventListener('click', () => startLogin('aal2', $('sign-in-status')));

function setStatus(element, text, kind = '') {
  element.className = kind;
  element.textContent = text;
}
function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}
function item(text) {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}
function paragraph(text) {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}

for (const id of ['sign-in', 'confirm', 'show-orders', 'pay', 'payout']) $(id).disabled = false;
await showSession();
document.body.dataset.ready = 'true';
