#!/usr/bin/env node
// aalgate: the command line over the package's own API (createGate, gate.decide, gate.recover,
// gate.decideRequest). It reads files, flags and a live whoami, and prints what the core decided;
// it adds no rule of its own. Exit codes: 0 allow, 10 login, 11 step_up, 12 refresh, 13 enroll,
// 1 an error verdict, 2 a usage or input error (one line on stderr, never a stack trace).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { AalgateError, createGate } from '../js/index.js';
import { askWhoami, whoamiEndpoint } from '../js/kratos.js';
import { INTERNAL } from '../js/marshal.js';

const EXIT = Object.freeze({ allow: 0, login: 10, step_up: 11, refresh: 12, enroll: 13, error: 1 });
const USAGE_EXIT = 2;
const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const WHOAMI_TIMEOUT_MS = 10_000;

// A usage or input problem: printed as one line, exit 2.
class UsageError extends Error {}

const REQUIREMENT_OPTIONS = {
  aal: { type: 'string' },
  'max-age': { type: 'string' },
  operation: { type: 'string' },
  'return-to': { type: 'string' },
  now: { type: 'string' },
};
const COMMON_OPTIONS = {
  base: { type: 'string' },
  status: { type: 'string' },
  'kratos-config': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMANDS = {
  decide: {
    options: {
      ...COMMON_OPTIONS,
      ...REQUIREMENT_OPTIONS,
      whoami: { type: 'string' },
      'whoami-url': { type: 'string' },
      cookie: { type: 'string' },
      'session-token': { type: 'string' },
      policy: { type: 'string' },
      method: { type: 'string' },
      url: { type: 'string' },
      explain: { type: 'boolean' },
    },
    run: decide,
    help: `Usage: aalgate decide --base URL [whoami source] [requirement] [--json]

Decides from what GET /sessions/whoami answered (gate.decide) and prints the decision.

Whoami source (at most one; none means no session):
  --whoami FILE|-        a whoami body from a file, or stdin with -
  --status N             the HTTP status of that body (wraps it as { status, body });
                         without it the body is a 200 Session
  --whoami-url URL       ask a live Kratos instead (GET, redirects not followed), with
  --cookie VALUE         the Cookie header to send, or
  --session-token VALUE  the X-Session-Token header to send (neither is ever printed)

Requirement:
  --aal A                aal1 (default), aal2, highest_available, lax, strict, none
  --max-age D            seconds or a Go duration (90s, 10m, 1h30m)
  --operation OP         signin or settings
  --return-to URL        where Kratos sends the user back
  --now RFC3339          the time to decide at (default: now; Kratos's clock for --whoami-url)
  --policy FILE --method M --url U
                         the requirement of a per-route policy (JSON) for one request
                         (gate.decideRequest); --method and --url work without --policy too

Configuration:
  --base URL             Kratos public URL or Ory project URL (required)
  --kratos-config FILE   Kratos's configuration as JSON: its required_aal keys,
                         privileged_session_max_age, default_browser_return_url and
                         allowed_return_urls (see aalgate --help)
  --max-body-bytes N     the largest whoami body read (maxBodyBytes; default 1048576):
                         a larger one is decided error, body_too_large

Output:
  --json                 the Decision as JSON
  --explain              also print why: each rule the core considered, with the values it
                         read (with --json: the Decision's explanation)

Exit: 0 allow, 10 login, 11 step_up, 12 refresh, 13 enroll, 1 error, 2 usage or input error.
`,
  },
  recover: {
    options: { ...COMMON_OPTIONS, ...REQUIREMENT_OPTIONS, error: { type: 'string' }, explain: { type: 'boolean' } },
    run: recover,
    help: `Usage: aalgate recover --base URL --error FILE|- [--status N] [requirement] [--json]

Says where to go after a Kratos endpoint answered with an error (gate.recover): a login,
settings or whoami error body. The reason is Kratos's error id.

  --error FILE|-         the error body (JSON), from a file or stdin with -
  --status N             its HTTP status (without it, the body's error.code is used)
  --aal A, --max-age D, --operation OP, --return-to URL, --now RFC3339
                         the requirement, as for aalgate decide (--return-to wins over the
                         return_to of Kratos's own redirect)
  --base URL             Kratos public URL or Ory project URL (required)
  --kratos-config FILE   Kratos's configuration as JSON (see aalgate --help)
  --max-body-bytes N     the largest error body read (default 1048576)
  --json                 the Decision as JSON
  --explain              also print why: each rule the core considered, with the values it
                         read (with --json: the Decision's explanation)

Exit: 0 allow, 10 login, 11 step_up, 12 refresh, 13 enroll, 1 error, 2 usage or input error.
`,
  },
  policy: {
    options: { help: { type: 'boolean', short: 'h' } },
    run: policy,
    help: `Usage: aalgate policy check FILE

Validates a per-route policy ({ "rules": [...], "default": {...} } as JSON) as createGate
does, and prints its route table: each rule (methods, path, aal, maxAge, operation) in the
order they match, then the default. An invalid policy: one line with the error code and
message on stderr, exit 2.
`,
  },
};

const MAIN_HELP = `Usage: aalgate <command> [options]

Step-up authentication decisions for Ory Kratos sessions, from the terminal.

Commands:
  decide         decide from a whoami answer (a file, stdin or a live Kratos)
  recover        where to go after a Kratos error body
  policy check   validate a per-route policy and print its route table
  help [command] this text, or a command's

Run aalgate <command> --help for its options.

--kratos-config FILE takes Kratos's configuration as JSON: kratos.yml converted to JSON, or
what \`ory get identity-config --format json\` prints (the same shape), or what
\`ory get project --format json\` prints (services.identity.config). From it:
session.whoami.required_aal, selfservice.flows.settings.required_aal,
selfservice.flows.settings.privileged_session_max_age,
selfservice.default_browser_return_url and selfservice.allowed_return_urls.

Exit: 0 allow, 10 login, 11 step_up, 12 refresh, 13 enroll, 1 error, 2 usage or input error.
`;

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') return print(MAIN_HELP);
  if (command === 'help') {
    if (rest.length === 0) return print(MAIN_HELP);
    const spec = COMMANDS[rest[0]];
    if (spec === undefined || rest.length > 1) throw new UsageError(`unknown command: ${oneLine(rest.join(' '))} (aalgate --help)`);
    return print(spec.help);
  }
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (spec === undefined) throw new UsageError(`unknown command: ${oneLine(command)} (aalgate --help)`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${oneLine(error.message).replace(/\. To specify a positional.*$/, '')} (aalgate ${command} --help)`);
  }
  if (parsed.values.help) return print(spec.help);
  return spec.run(parsed.values, parsed.positionals);
}

// --- decide ---------------------------------------------------------------------------------

async function decide(values, positionals) {
  noPositionals('decide', positionals);
  const sources = ['whoami', 'whoami-url'].filter((k) => values[k] !== undefined);
  if (sources.length > 1) throw new UsageError('decide: give --whoami or --whoami-url, not both');
  const credentials = [];
  if (values.cookie !== undefined) credentials.push(['cookie', headerValue('--cookie', values.cookie)]);
  if (values['session-token'] !== undefined) credentials.push(['x-session-token', headerValue('--session-token', values['session-token'])]);
  if (credentials.length > 0 && values['whoami-url'] === undefined) {
    throw new UsageError('decide: --cookie and --session-token go with --whoami-url');
  }
  if (values['whoami-url'] !== undefined && values.status !== undefined) {
    throw new UsageError('decide: --status goes with --whoami (a live whoami has its own status)');
  }
  const byRequest = values.method !== undefined || values.url !== undefined;
  if (values.policy !== undefined && !byRequest) throw new UsageError('decide: --policy needs --method and --url');
  if (byRequest && (values.method === undefined || values.url === undefined)) {
    throw new UsageError('decide: --method and --url go together');
  }
  if (byRequest) {
    for (const key of ['aal', 'max-age', 'operation']) {
      if (values[key] !== undefined) throw new UsageError(`decide: --${key} cannot be used with --method/--url (the policy gives the requirement)`);
    }
  }

  if (['whoami', 'policy', 'kratos-config'].filter((k) => values[k] === '-').length > 1) {
    throw new UsageError('decide: only one of --whoami, --policy and --kratos-config can read stdin (-)');
  }
  const givenNow = values.now !== undefined ? nowOf(values.now) : undefined;
  const config = await configOf(values);
  if (values.policy !== undefined) config.policy = await readJson(values.policy, '--policy');
  const status = statusOf(values.status);
  let whoami = null;
  let skewMs = 0;
  if (values.whoami !== undefined) {
    const body = await readText(values.whoami, '--whoami');
    whoami = status === undefined ? body : { status, body };
  } else if (status !== undefined) {
    throw new UsageError('decide: --status goes with --whoami');
  }
  const gate = await createGate(config);
  if (values['whoami-url'] !== undefined) {
    // The package's own transport: GET with the credentials, a time limit, no redirects.
    const endpoint = whoamiEndpoint(config.baseUrl, values['whoami-url']);
    const answer = await askWhoami(endpoint, {
      fetch: globalThis.fetch,
      maxBodyBytes: gate[INTERNAL].maxBodyBytes,
      headers: credentials,
      timeoutMs: WHOAMI_TIMEOUT_MS,
    });
    if (typeof answer.failure === 'string') {
      whoami = { failure: answer.failure };
    } else {
      whoami = { status: answer.status, body: answer.body };
      skewMs = answer.skewMs;
    }
  }
  const now = givenNow !== undefined ? givenNow : skewMs !== 0 ? new Date(Date.now() + skewMs) : undefined;
  let decision;
  if (byRequest) {
    const request = { method: values.method, url: values.url };
    if (values['return-to'] !== undefined) request.returnTo = values['return-to'];
    if (now !== undefined) request.now = now;
    decision = gate.decideRequest(whoami, request, { explain: values.explain === true });
  } else {
    decision = gate.decide(whoami, requirementOf(values, now), { explain: values.explain === true });
  }
  return report(decision, values.json);
}

// --- recover --------------------------------------------------------------------------------

async function recover(values, positionals) {
  noPositionals('recover', positionals);
  if (values.error === undefined) throw new UsageError('recover: --error FILE|- is required (aalgate recover --help)');
  const status = statusOf(values.status);
  const requirement = requirementOf(values, values.now !== undefined ? nowOf(values.now) : undefined);
  const config = await configOf(values);
  const body = await readText(values.error, '--error');
  const gate = await createGate(config);
  const options = { explain: values.explain === true };
  return report(gate.recover(status === undefined ? body : { status, body }, requirement, options), values.json);
}

// --- policy check ---------------------------------------------------------------------------

async function policy(values, positionals) {
  if (positionals[0] !== 'check') {
    throw new UsageError(`policy: unknown subcommand${positionals[0] === undefined ? '' : ` ${oneLine(positionals[0])}`} (aalgate policy check FILE)`);
  }
  if (positionals.length !== 2) throw new UsageError('policy check: one FILE expected (aalgate policy check FILE)');
  const policyValue = await readJson(positionals[1], 'policy');
  // createGate validates the policy exactly as a gate using it would.
  const gate = await createGate({ baseUrl: 'https://kratos.invalid', policy: policyValue });
  gate.dispose();
  const cell = (value) => (value === undefined || value === null ? '-' : String(value));
  const rows = [['#', 'methods', 'path', 'aal', 'maxAge', 'operation']];
  for (const [i, rule] of (policyValue.rules ?? []).entries()) {
    rows.push([String(i), rule.methods ? rule.methods.map((m) => String(m).toUpperCase()).join(',') : '*', rule.path, cell(rule.aal ?? 'aal1'), cell(rule.maxAge), cell(rule.operation)]);
  }
  const fallback = policyValue.default ?? {};
  rows.push(['default', '*', '(no match)', cell(fallback.aal ?? 'aal1'), cell(fallback.maxAge), cell(fallback.operation)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) => row.map((text, c) => (c === row.length - 1 ? text : text.padEnd(widths[c]))).join('  '));
  const count = rows.length - 2;
  return print(`policy ok: ${count} rule${count === 1 ? '' : 's'}, first match wins\n${lines.join('\n')}\n`);
}

// --- inputs ---------------------------------------------------------------------------------

// The gate configuration from --base and --kratos-config.
async function configOf(values) {
  if (values.base === undefined) throw new UsageError('--base URL is required (Kratos public URL or Ory project URL)');
  const config = { baseUrl: values.base };
  if (values['kratos-config'] !== undefined) {
    Object.assign(config, kratosConfigOf(await readJson(values['kratos-config'], '--kratos-config')));
  }
  const maxBodyBytes = values['max-body-bytes'];
  if (maxBodyBytes !== undefined) {
    // Digits only; the range (1 to 1 GiB) is the core's: config.maxBodyBytes.
    if (!/^\d{1,12}$/.test(maxBodyBytes)) throw new UsageError(`--max-body-bytes: ${oneLine(maxBodyBytes)} is not a number of bytes`);
    config.maxBodyBytes = Number(maxBodyBytes);
  }
  return config;
}

/**
 * What the gate mirrors from Kratos's configuration: the nested kratos.yml shape (also what `ory
 * get identity-config --format json` prints) or `ory get project --format json`'s, whose Kratos
 * configuration is `services.identity.config`.
 */
function kratosConfigOf(document) {
  if (!isObject(document)) throw new UsageError('--kratos-config: the file must hold a JSON object');
  const server = isObject(document.services?.identity?.config) ? document.services.identity.config : document;
  const at = (path) => path.split('.').reduce((node, key) => (isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined), server);
  const kratos = {};
  const set = (path, value) => {
    if (value === undefined || value === null) return;
    const keys = path.split('.');
    let node = kratos;
    for (const key of keys.slice(0, -1)) node = node[key] ??= {};
    node[keys.at(-1)] = value;
  };
  for (const path of [
    'session.whoami.required_aal',
    'selfservice.flows.settings.required_aal',
    'selfservice.flows.settings.privileged_session_max_age',
    'selfservice.default_browser_return_url',
  ]) {
    set(path, at(path));
  }
  const config = { kratos };
  const allowed = at('selfservice.allowed_return_urls');
  if (allowed !== undefined && allowed !== null) config.allowedReturnUrls = allowed;
  return config;
}

function requirementOf(values, now) {
  const requirement = {};
  if (values.aal !== undefined) requirement.aal = values.aal;
  if (values['max-age'] !== undefined) {
    requirement.maxAge = /^\d+(\.\d+)?$/.test(values['max-age']) ? Number(values['max-age']) : values['max-age'];
  }
  if (values.operation !== undefined) requirement.operation = values.operation;
  if (values['return-to'] !== undefined) requirement.returnTo = values['return-to'];
  if (now !== undefined) requirement.now = now;
  return requirement;
}

function statusOf(text) {
  if (text === undefined) return undefined;
  if (!/^[1-5]\d\d$/.test(text)) throw new UsageError(`--status: ${oneLine(text)} is not an HTTP status (100-599)`);
  return Number(text);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
function nowOf(text) {
  const ms = RFC3339.test(text) ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`--now: ${oneLine(text)} is not an RFC 3339 time (2026-08-01T10:30:00Z)`);
  return new Date(ms);
}

// A credential as a header value; refused without echoing it.
function headerValue(flag, value) {
  if (value === '' || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value) || /[^\u0000-\u00ff]/.test(value)) {
    throw new UsageError(`${flag}: not a valid header value (the value is not shown)`);
  }
  return value;
}

async function readText(file, flag) {
  const bytes = file === '-' ? await readStdin(flag) : await readFileLimited(file, flag);
  return new TextDecoder('utf-8').decode(bytes);
}

async function readJson(file, flag) {
  const text = await readText(file, flag);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${file === '-' ? 'stdin' : oneLine(file)} is not JSON (${oneLine(error.message)})`);
  }
}

async function readFileLimited(file, flag) {
  let bytes;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${oneLine(file)} (${error.code ?? oneLine(error.message)})`);
  }
  if (bytes.length > MAX_INPUT_BYTES) throw new UsageError(`${flag}: ${oneLine(file)} is larger than 64 MiB`);
  return bytes;
}

async function readStdin(flag) {
  const chunks = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`${flag}: stdin is larger than 64 MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function noPositionals(command, positionals) {
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument ${oneLine(positionals[0])} (aalgate ${command} --help)`);
}

// --- output ---------------------------------------------------------------------------------

function report(decision, json) {
  if (json) {
    print(`${JSON.stringify(decision, null, 2)}\n`);
  } else {
    const show = (value) => (value === null || value === undefined ? '-' : value);
    const lines = [
      ['verdict', decision.verdict],
      ['reason', decision.reason],
      ['url', show(decision.url)],
      ['aal', show(decision.aal)],
      ['required', show(decision.requiredAal)],
      ['warnings', decision.warnings.length > 0 ? decision.warnings.join(', ') : '-'],
      ['challenge', show(decision.challenge)],
    ];
    print(`${lines.map(([label, value]) => `${`${label}:`.padEnd(11)}${value}`).join('\n')}\n`);
    if (decision.explanation !== undefined) print(explanationText(decision.explanation));
  }
  return Object.hasOwn(EXIT, decision.verdict) ? EXIT[decision.verdict] : 1;
}

// The core's explanation as text: what it read, then each rule it considered ("->" marks the one
// that decided). Every value is the core's; this only lays it out.
function explanationText(why) {
  const seconds = (value) => (value === null ? '-' : `${value}s`);
  const { inputs, session, problem, steps } = why;
  const lines = ['why:'];
  lines.push(`  answer     ${inputs.answer}${inputs.status === null ? '' : ` (status ${inputs.status})`}`);
  lines.push(`  server     whoami ${inputs.serverAal === 'highest_available' ? 'Strict (highest_available)' : 'Lax (aal1)'}`);
  lines.push(`  required   ${inputs.requiredAal}${inputs.operation === null ? '' : `, operation ${inputs.operation}`}, maxAge ${seconds(inputs.maxAge)}, leeway ${seconds(inputs.leeway)}`);
  lines.push(`  now        ${inputs.now}`);
  if (session !== null) {
    lines.push(`  session    ${session.aal}, ${session.active ? 'active' : 'inactive'}, expires ${session.expiresAt}`);
    lines.push(`  authenticated ${session.authenticatedAt ?? '-'} (age ${seconds(session.aal1Age)})`);
    if (session.aal2Age !== null) {
      lines.push(`  second factor ${session.secondFactorAt ?? '(authenticated_at)'} (age ${seconds(session.aal2Age)})${session.upstreamMfaOnly ? ', upstream MFA only' : ''}`);
    }
  }
  if (problem !== null) lines.push(`  problem    ${oneLine(problem.field)}: ${oneLine(problem.problem)}`);
  lines.push(`  rules (${why.table}):`);
  for (const step of steps) {
    lines.push(`  ${step.applies ? '->' : '  '} ${step.rule.padEnd(9)} ${oneLine(step.check)}`);
  }
  return `${lines.join('\n')}\n`;
}

function print(text) {
  process.stdout.write(text);
  return 0;
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

function oneLine(text) {
  const line = String(text).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function fail(error) {
  let line;
  if (error instanceof AalgateError) line = `aalgate: ${oneLine(error.code)}: ${oneLine(error.message)}`;
  else if (error instanceof UsageError) line = `aalgate: ${oneLine(error.message)}`;
  else line = `aalgate: internal error: ${oneLine(error?.message ?? error)}`;
  process.stderr.write(`${line}\n`);
  process.exitCode = USAGE_EXIT;
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  fail(error);
}
