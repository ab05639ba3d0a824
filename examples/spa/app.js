// A plain single-page app using aalgate/browser: no framework, no bundler (see index.html's
// import map). Every "may I?" goes to the gate; the page only renders what the gate decided.
import { createBrowserGate } from 'aalgate/browser';

const config = window.AALGATE_CONFIG;
const $ = (id) => document.getElementById(id);

const gate = await createBrowserGate({ baseUrl: config.kratosUrl, kratos: config.kratos });

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
// (return_to = this page) and resolves anyway; the page is about to go.
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

for (const id of ['show-orders', 'pay', 'payout']) $(id).disabled = false;
await showSession();
document.body.dataset.ready = 'true';
