// Seed corpora of the libFuzzer targets, from the conformance vectors (tests/conformance/*.json)
// and the Kratos fixtures (tests/fixtures/kratos/): each target gets the inputs of its own kind.
//   fuzz_whoami         whoami bodies (text, sessions, {status, body}, fixtures), Kratos error
//                       bodies (it runs recover on the same bytes) and token claims
//   fuzz_whoami_reader  the same bodies (the reader reads 200 sessions and 403 error bodies)
//   fuzz_config         every configuration (JSON text)
//   fuzz_requirement    every requirement (`now` as milliseconds, as the runners convert it)
//   fuzz_challenge      every header parseChallenge reads and every challenge a vector expects
//   fuzz_route          "METHOD\nURL" of every decideRequest and requirementFor request
// Files are named seed-<sha1 of the content, 16 hex>; other files in fuzz/corpus/<target>/ are
// hand-written seeds and are left alone.
//   node fuzz/seeds.mjs            write fuzz/corpus/<target>/seed-* (and remove stale ones)
//   node fuzz/seeds.mjs --check    exit 1 when fuzz/corpus/ differs from what it would write
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);
const CORPUS = new URL('fuzz/corpus/', ROOT);
const TARGETS = ['fuzz_whoami', 'fuzz_whoami_reader', 'fuzz_config', 'fuzz_requirement', 'fuzz_challenge', 'fuzz_route'];
const check = process.argv.includes('--check');

const seeds = Object.fromEntries(TARGETS.map((target) => [target, new Set()]));
const add = (targets, value) => {
  if (value === undefined || value === null) return;
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  if (bytes.length === 0 || bytes.length > 64 * 1024) return;
  for (const target of targets) seeds[target].add(bytes.toString('latin1'));
};
const BODIES = ['fuzz_whoami', 'fuzz_whoami_reader'];

const fixture = (name) => readFileSync(new URL(`tests/fixtures/kratos/${name}`, ROOT));
for (const name of readdirSync(new URL('tests/fixtures/kratos/', ROOT))) {
  if (name.endsWith('.json') || name.endsWith('.json5')) add(BODIES, fixture(name));
}

// A whoami or recover error in one of the vector forms (tests/conformance/README.md).
function bodyOf(form) {
  if (form === null || typeof form !== 'object') return null;
  if ('fixture' in form) return fixture(form.fixture);
  if ('text' in form) return form.text;
  if ('session' in form) return form.session;
  if ('object' in form) return form.object;
  if ('body' in form) return typeof form.body === 'string' ? form.body : form.body === undefined ? null : form.body;
  if ('failure' in form) return null;
  if ('claims' in form) return form.claims; // a token's claims: fuzz_whoami also decides bytes as claims
  return null;
}

const nowMs = (value) => {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : ms;
};
const withNowMs = (object) =>
  object !== null && typeof object === 'object' && !Array.isArray(object) && 'now' in object ? { ...object, now: nowMs(object.now) } : object;

for (const file of readdirSync(new URL('tests/conformance/', ROOT)).filter((name) => name.endsWith('.json')).sort()) {
  const doc = JSON.parse(readFileSync(new URL(`tests/conformance/${file}`, ROOT), 'utf8'));
  const defaults = doc.defaults ?? {};
  for (const c of doc.cases ?? []) {
    const config = 'config' in c ? c.config : defaults.config;
    const requirement = 'requirement' in c ? c.requirement : defaults.requirement;
    add(['fuzz_config'], config);
    if (requirement !== undefined) add(['fuzz_requirement'], withNowMs(requirement));
    add(BODIES, bodyOf(c.whoami));
    add(BODIES, bodyOf(c.error));
    if (typeof c.header === 'string') add(['fuzz_challenge'], c.header);
    if (typeof c.expect?.challenge === 'string') add(['fuzz_challenge'], c.expect.challenge);
    const request = c.request;
    if (request !== null && typeof request === 'object') {
      if (typeof request.url === 'string') add(['fuzz_route'], `${typeof request.method === 'string' ? request.method : 'GET'}\n${request.url}`);
      if (c.call === 'decideRequest') add(['fuzz_requirement'], withNowMs({ returnTo: request.returnTo, now: request.now }));
    }
  }
}

let stale = 0;
for (const target of TARGETS) {
  const dir = new URL(`${target}/`, CORPUS);
  mkdirSync(dir, { recursive: true });
  const wanted = new Map();
  for (const text of seeds[target]) {
    const bytes = Buffer.from(text, 'latin1');
    wanted.set(`seed-${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}`, bytes);
  }
  const present = new Set(readdirSync(dir).filter((name) => name.startsWith('seed-')));
  for (const name of present) {
    if (wanted.has(name)) continue;
    stale += 1;
    if (!check) rmSync(new URL(name, dir));
  }
  for (const [name, bytes] of wanted) {
    if (present.has(name)) continue;
    stale += 1;
    if (!check) writeFileSync(new URL(name, dir), bytes);
  }
  console.log(`${target}: ${wanted.size} seeds from the vectors and fixtures`);
}
if (check && stale > 0) {
  console.error(`fuzz/seeds.mjs: ${stale} seed files of ${fileURLToPath(CORPUS)} are missing or stale: run node fuzz/seeds.mjs`);
  process.exit(1);
}
