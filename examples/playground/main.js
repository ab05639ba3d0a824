// The aalgate playground (examples/playground/index.html), bundled by build.mjs into
// playground.js. It reads the form, turns it into createGate's configuration, a requirement and a
// whoami outcome (contract §1), and shows what the core answers: every verdict, URL, reason,
// warning, challenge and explanation comes from gate.decide / gate.recover, none from this file.
// The inputs live in the URL hash (state.js). Everything is rendered as text (textContent),
// never as HTML.
import { AalgateError, createGate } from 'aalgate';

import { DEFAULTS, FIELDS, decodeState, encodeState } from './state.js';

// The core's .wasm, copied next to this bundle (build.mjs).
const WASM = new URL('./aalgate-core.wasm', import.meta.url);
const LIVE_TIMEOUT_MS = 10_000;

const $ = (id) => document.getElementById(id);
const form = $('inputs');

// --- the form <-> the state ----------------------------------------------------------------

function readForm() {
  const state = {};
  for (const field of FIELDS) state[field] = $(field).value;
  return state;
}

function fillForm(state) {
  for (const field of FIELDS) {
    const element = $(field);
    const value = state[field] ?? DEFAULTS[field];
    // A value a link carries that the list does not offer is kept (and shown as such), so the
    // core judges it rather than the page replacing it.
    if (element instanceof HTMLSelectElement && ![...element.options].some((o) => o.value === value)) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = `${JSON.stringify(value)} (from the link)`;
      element.append(option);
    }
    element.value = value;
  }
  syncEnabled();
}

// The status and the body mean nothing for some kinds: dimmed (and left as they are), not
// disabled, so that a paste still lands where it was aimed.
function syncEnabled() {
  const kind = $('kind').value;
  const unused = {
    status: !['response', 'recover'].includes(kind),
    body: !['whoami', 'response', 'recover'].includes(kind),
    liveToken: $('liveAuth').value !== 'token',
  };
  for (const [id, isUnused] of Object.entries(unused)) {
    $(id).classList.toggle('unused', isUnused);
    document.querySelector(`label[for="${id}"]`).classList.toggle('unused', isUnused);
  }
  $('liveUrl').placeholder = whoamiUrlOf($('baseUrl').value);
}

const whoamiUrlOf = (baseUrl) => `${baseUrl.trim().replace(/\/+$/, '')}/sessions/whoami`;

// --- the state -> the API's arguments (contract §1; the API checks them) -------------------

const lines = (text) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

// "300" is seconds (a number); anything else goes as written ("10m", or what the API refuses).
const secondsOrText = (text) => (/^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : text.trim());

function configOf(s) {
  const config = { baseUrl: s.baseUrl.trim(), flow: s.flow };
  const settings = {};
  if (s.settingsAal !== '') settings.required_aal = s.settingsAal;
  if (s.privilegedMaxAge.trim() !== '') settings.privileged_session_max_age = s.privilegedMaxAge.trim();
  const selfservice = {};
  if (Object.keys(settings).length > 0) selfservice.flows = { settings };
  if (s.defaultReturnUrl.trim() !== '') selfservice.default_browser_return_url = s.defaultReturnUrl.trim();
  const kratos = {};
  if (s.whoamiAal !== '') kratos.session = { whoami: { required_aal: s.whoamiAal } };
  if (Object.keys(selfservice).length > 0) kratos.selfservice = selfservice;
  if (Object.keys(kratos).length > 0) config.kratos = kratos;
  if (lines(s.allowedReturnUrls).length > 0) config.allowedReturnUrls = lines(s.allowedReturnUrls);
  if (lines(s.redirectOrigins).length > 0) config.redirectOrigins = lines(s.redirectOrigins);
  if (s.leeway.trim() !== '') config.leeway = secondsOrText(s.leeway);
  return config;
}

function requirementOf(s) {
  const requirement = {};
  if (s.aal !== '') requirement.aal = s.aal;
  if (s.maxAge.trim() !== '') requirement.maxAge = secondsOrText(s.maxAge);
  if (s.operation !== '') requirement.operation = s.operation;
  if (s.returnTo !== '') requirement.returnTo = s.returnTo;
  // An unreadable date goes as it is: the API refuses it (requirement.now).
  if (s.now.trim() !== '') requirement.now = Number.isNaN(Date.parse(s.now.trim())) ? s.now.trim() : new Date(s.now.trim());
  for (const field of ['loginChallenge', 'organization', 'via']) if (s[field] !== '') requirement[field] = s[field];
  return requirement;
}

// The status as a number when it is one; otherwise as written (the API judges it).
const statusOf = (text) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text);

/** The call the state asks for: which method, and the whoami / error argument. */
function callOf(s) {
  switch (s.kind) {
    case 'whoami':
      return { method: 'decide', answer: s.body, shown: 'body' };
    case 'response':
      return { method: 'decide', answer: { status: statusOf(s.status), body: s.body }, shown: `{ status: ${JSON.stringify(statusOf(s.status))}, body }` };
    case 'recover':
      return s.status.trim() === ''
        ? { method: 'recover', answer: s.body, shown: 'body' }
        : { method: 'recover', answer: { status: statusOf(s.status), body: s.body }, shown: `{ status: ${JSON.stringify(statusOf(s.status))}, body }` };
    case 'none':
      return { method: 'decide', answer: null, shown: 'null' };
    default: // unreachable, timeout
      return { method: 'decide', answer: { failure: s.kind }, shown: JSON.stringify({ failure: s.kind }) };
  }
}

// --- one gate per configuration ----------------------------------------------------------

let gateKey = null;
let gatePromise = null;

function gateFor(config) {
  const key = JSON.stringify(config);
  if (key !== gateKey) {
    gatePromise?.then((gate) => gate.dispose(), () => {});
    gateKey = key;
    gatePromise = createGate(config, { wasm: WASM });
  }
  return gatePromise;
}

// --- update: decide, render, keep the state in the hash -----------------------------------

let sequence = 0;
let loaded = false;

async function update({ saveHash = true } = {}) {
  const mine = ++sequence;
  document.body.dataset.pending = 'true';
  syncEnabled();
  const state = readForm();
  const call = callOf(state);
  let config = null;
  let requirement = null;
  let result;
  try {
    config = configOf(state);
    requirement = requirementOf(state);
    let gate;
    try {
      gate = await gateFor(config);
    } catch (error) {
      throw Object.assign(new Error('createGate'), { stage: 'createGate', error });
    }
    if (mine !== sequence) return;
    const decision = gate[call.method](call.answer, requirement, { explain: true });
    result = { decision };
  } catch (caught) {
    if (mine !== sequence) return;
    result = caught?.stage ? { stage: caught.stage, error: caught.error } : { stage: `gate.${call.method}`, error: caught };
  }
  if (!loaded) {
    loaded = true;
    $('loading').hidden = true;
  }
  render(result);
  renderCall(config, requirement, call);
  if (saveHash) await writeHash(state, mine);
  if (mine === sequence) {
    document.body.dataset.pending = 'false';
    document.body.dataset.ready = 'true';
  }
}

function setText(id, text) {
  $(id).textContent = text;
}

function render({ decision, stage, error }) {
  const failed = decision === undefined;
  $('failure').hidden = !failed;
  $('decision').classList.toggle('stale', failed);
  if (failed) {
    const isAalgate = error instanceof AalgateError;
    setText('failureKind', `${stage} threw ${isAalgate ? 'AalgateError' : (error?.name ?? 'a non-error')}`);
    setText('errorCode', isAalgate ? error.code : '');
    setText('errorMessage', String(error?.message ?? error));
    $('failure').dataset.code = isAalgate ? error.code : '';
    // No decision: nothing below may look like one.
    for (const id of ['verdict', 'reason', 'sessionAal', 'requiredAal', 'challenge', 'warnings', 'noUrl']) setText(id, '');
    $('verdict').dataset.verdict = '';
    showUrl(null);
    renderExplanation(undefined);
    return;
  }
  setText('verdict', decision.verdict);
  $('verdict').dataset.verdict = decision.verdict;
  showUrl(decision.url);
  setText('reason', decision.reason);
  setText('sessionAal', String(decision.aal));
  setText('requiredAal', String(decision.requiredAal));
  setText('warnings', decision.warnings.length === 0 ? '(none)' : decision.warnings.join(', '));
  setText('challenge', decision.challenge === null ? 'null' : decision.challenge);
  renderExplanation(decision.explanation);
}

function showUrl(url) {
  const link = $('url');
  if (url === null) {
    link.removeAttribute('href');
    link.textContent = '';
    link.hidden = true;
    setText('noUrl', 'null');
    return;
  }
  link.hidden = false;
  link.textContent = url;
  setText('noUrl', '');
  // A link only to http(s): the core builds those; anything else would be shown, not followed.
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // not a URL: text only
  }
  if (protocol === 'http:' || protocol === 'https:') link.href = url;
  else link.removeAttribute('href');
}

function renderFacts(dl, object) {
  dl.replaceChildren();
  if (object === null || object === undefined) return;
  for (const [key, value] of Object.entries(object)) {
    const dt = document.createElement('dt');
    dt.textContent = key;
    const dd = document.createElement('dd');
    dd.textContent = typeof value === 'string' ? value : JSON.stringify(value);
    dl.append(dt, dd);
  }
}

function renderExplanation(explanation) {
  const steps = $('steps');
  steps.replaceChildren();
  const none = explanation === undefined || explanation === null;
  $('explanation').dataset.present = String(!none);
  setText(
    'noExplanation',
    none
      ? 'No explanation: this core does not give one (gate.decide(…, { explain: true })), or there was no decision.'
      : `Rules of the ${explanation.table} table, in order; the last applies.`,
  );
  const problem = none ? null : explanation.problem;
  $('problemTitle').hidden = problem === null;
  $('problem').hidden = problem === null;
  setText('problem', problem === null ? '' : `${problem.field}: ${problem.problem}`);
  renderFacts($('explainInputs'), none ? null : explanation.inputs);
  renderFacts($('explainSession'), none ? null : explanation.session);
  $('facts').hidden = none;
  $('sessionFacts').hidden = none || explanation.session === null;
  if (none) return;
  for (const step of explanation.steps) {
    const item = document.createElement('li');
    item.className = step.applies ? 'applies' : 'passes';
    item.dataset.rule = step.rule;
    const rule = document.createElement('span');
    rule.className = 'rule';
    rule.textContent = step.rule;
    const check = document.createElement('span');
    check.className = 'check';
    check.textContent = step.check;
    const mark = document.createElement('span');
    mark.className = 'mark';
    mark.textContent = step.applies ? 'applies' : 'does not apply';
    item.append(rule, check, mark);
    steps.append(item);
  }
}

// The JS call this decision is, to paste into an app (the body itself is the textarea's).
function renderCall(config, requirement, call) {
  if (config === null) {
    setText('call', '');
    return;
  }
  const { now, ...rest } = requirement;
  let shown = JSON.stringify(rest, null, 2);
  if (now !== undefined) {
    const nowText = now instanceof Date ? `new Date(${JSON.stringify(now.toISOString())})` : JSON.stringify(now);
    shown = Object.keys(rest).length === 0 ? `{\n  "now": ${nowText}\n}` : shown.replace(/\n}$/, `,\n  "now": ${nowText}\n}`);
  }
  setText(
    'call',
    `const gate = await createGate(${JSON.stringify(config, null, 2)});\n` +
      `const d = gate.${call.method}(${call.shown}, ${shown}, { explain: true });`,
  );
}

// --- the hash ------------------------------------------------------------------------------

let hashNotice = '';

function notice(text) {
  $('hash-notice').hidden = text === '';
  setText('hash-notice', text);
}

async function writeHash(state, mine) {
  const { hash, bodyOmitted } = await encodeState(state);
  if (mine !== sequence) return; // a newer update writes its own
  if (hash !== location.hash) history.replaceState(null, '', hash);
  $('permalink').href = location.href;
  hashNotice = bodyOmitted ? `The body (${state.body.length} characters) is too large for the link: the link keeps every other input.` : '';
  notice(hashNotice);
}

async function restore() {
  const { state, error, bodyOmitted, ignored } = await decodeState(location.hash);
  fillForm(state);
  const notes = [];
  if (error) notes.push(`This link's inputs could not be used (${error}): the defaults are shown.`);
  if (bodyOmitted !== null) notes.push(`The link did not carry the body (${bodyOmitted} characters): paste it again.`);
  if (ignored.length > 0) notes.push(`Ignored in the link: ${ignored.join(', ')}.`);
  notice(notes.join(' '));
  $('permalink').href = location.href;
  await update({ saveHash: false });
}

// --- live fetch -------------------------------------------------------------------------------

async function fetchLive() {
  const url = $('liveUrl').value.trim() || whoamiUrlOf($('baseUrl').value);
  const token = $('liveAuth').value === 'token';
  const status = $('fetchStatus');
  status.className = '';
  status.textContent = `GET ${url} …`;
  document.body.dataset.fetching = 'true';
  const init = {
    method: 'GET',
    headers: { accept: 'application/json' },
    credentials: token ? 'omit' : 'include',
    cache: 'no-store',
    signal: AbortSignal.timeout(LIVE_TIMEOUT_MS),
  };
  if (token) init.headers['x-session-token'] = $('liveToken').value;
  const asked = Date.now();
  try {
    const response = await fetch(url, init);
    const body = await response.text();
    // Kratos's clock when its Date header is readable (CORS exposes it), else this browser's.
    const serverDate = Date.parse(response.headers.get('date') ?? '');
    const now = Number.isNaN(serverDate) ? new Date(asked) : new Date(serverDate);
    $('kind').value = 'response';
    $('status').value = String(response.status);
    $('body').value = body;
    $('now').value = now.toISOString();
    status.className = 'ok';
    status.textContent =
      `GET ${url} → ${response.status}${response.statusText ? ` ${response.statusText}` : ''}, ${body.length} characters; ` +
      `now = ${now.toISOString()} (${Number.isNaN(serverDate) ? "this browser's clock: Kratos's Date header is not readable here" : "Kratos's Date header"}).`;
  } catch (error) {
    // No answer: shown as such, and decided as such ({ failure }) by the core.
    const timedOut = error?.name === 'TimeoutError';
    $('kind').value = timedOut ? 'timeout' : 'unreachable';
    $('now').value = new Date(asked).toISOString();
    status.className = 'error';
    status.textContent =
      `GET ${url} failed: ${error?.name ?? 'Error'}: ${error?.message ?? error}. ` +
      (timedOut
        ? `No answer within ${LIVE_TIMEOUT_MS / 1000} s.`
        : 'No answer: Kratos is down or elsewhere, the URL is wrong, or CORS refused this page (Kratos must allow its origin with credentials).');
  }
  await update();
  document.body.dataset.fetching = 'false';
}

// --- wiring ---------------------------------------------------------------------------------

form.addEventListener('submit', (event) => event.preventDefault());
// Every keystroke and every choice (a select fires `input` too); the token is not an input of
// the decision.
form.addEventListener('input', (event) => {
  if (event.target.id === 'liveToken') return;
  update();
});
$('fetchLive').addEventListener('click', () => fetchLive());
$('nowButton').addEventListener('click', () => {
  $('now').value = new Date().toISOString();
  update();
});
// A link pasted into this tab's address bar: its inputs replace the form's.
window.addEventListener('hashchange', () => restore());

restore();
