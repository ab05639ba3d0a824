// The whoami bodies `npm run bench` times (benchmarks/bench.mjs) and hands to the native benchmark
// (benchmarks/decide_bench.cpp, --bodies=DIR): the captured 1.9 KB Ory Network answer
// (tests/fixtures/kratos/real-whoami-200-aal1-cookie.json) as is, and the same Session grown to
// 16 KB and 64 KB with what real identities carry (traits, addresses, devices, public metadata),
// each in ASCII and with non-ASCII text (Japanese and accented Latin names, places and notes)
// spread through the body. Deterministic: the same bytes on every run. The deciding fields (active,
// timestamps, level, methods) stay the fixture's, so every body decides alike.
import { readFileSync } from 'node:fs';

export const FIXTURE = new URL('../tests/fixtures/kratos/real-whoami-200-aal1-cookie.json', import.meta.url);

const KB = 1024;

const ASCII = {
  given: ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken'],
  family: ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson'],
  places: ['Munich, DE', 'Sao Paulo, BR', 'Tokyo, JP', 'Zurich, CH', 'Krakow, PL', 'Osaka, JP'],
  streets: ['Leopoldstrasse 12', 'Rua Augusta 1508', 'Jingumae 1-19-11', 'Bahnhofstrasse 7'],
  notes: ['signed in with a password', 'verified the recovery address', 'changed the display name',
    'enrolled a TOTP app', 'accepted the terms of service', 'updated the billing contact'],
  teams: ['Payments', 'Platform', 'Identity', 'Support'],
};

const NON_ASCII = {
  given: ['太郎', 'Zoë', '花子', 'José', 'François', '美咲', 'Łukasz', 'Søren'],
  family: ['山田', 'Ångström', '佐藤', 'Álvarez', 'Müller', '鈴木', 'Wójcik', 'Kierkegård'],
  places: ['München, DE', 'São Paulo, BR', '東京, JP', 'Zürich, CH', 'Kraków, PL', '大阪, JP'],
  streets: ['Leopoldstraße 12', 'Rua Augusta 1508, Consolação', '神宮前1-19-11', 'Bahnhofstraße 7'],
  notes: ['パスワードでログインしました', 'vérifié l’adresse de récupération', '表示名を変更しました',
    'TOTP-App eingerichtet (Authentifizierung)', '利用規約に同意しました', 'contacto de facturación actualizado'],
  teams: ['決済', 'Plattform', 'Identité', 'サポート'],
};

// mulberry32: a small deterministic PRNG, so the bodies are the same bytes on every run.
function prng(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(random) {
  const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(random() * 4)).toString(16)}${hex(3)}-${hex(12)}`;
}

function timestamp(random) {
  const ms = Date.UTC(2023, 0, 1) + Math.floor(random() * 33 * 24 * 3600 * 1000);
  return new Date(ms).toISOString().replace('Z', `${String(Math.floor(random() * 1000)).padStart(3, '0')}Z`);
}

const pick = (random, list) => list[Math.floor(random() * list.length)];
const bytes = (text) => Buffer.byteLength(text, 'utf8');
const serialize = (session) => `${JSON.stringify(session, null, 2)}\n`;

/** The fixture's Session with a few non-ASCII values in place (a name, a place): about 1.9 KB. */
function smallNonAscii(session) {
  const copy = structuredClone(session);
  copy.identity.traits = { email: copy.identity.traits.email, name: { first: '美咲', last: 'Dvořák' }, tos: true };
  copy.devices[0].location = 'München, DE';
  return copy;
}

/** The fixture's Session grown to at least `target` bytes with realistic identity content. */
function grown(session, target, words, seed) {
  const random = prng(seed);
  const copy = structuredClone(session);
  const identity = copy.identity;
  const person = () => ({ first: pick(random, words.given), last: pick(random, words.family) });
  identity.traits = {
    email: identity.traits.email,
    name: person(),
    phone: '+49 89 1234567',
    address: { street: pick(random, words.streets), locality: pick(random, words.places) },
    team: pick(random, words.teams),
    tos: true,
  };
  identity.metadata_public = { manager: person(), entitlements: [], history: [] };
  const additions = [
    () =>
      copy.devices.push({
        id: uuid(random),
        ip_address: `203.0.113.${Math.floor(random() * 254) + 1}`,
        user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
        location: pick(random, words.places),
      }),
    () =>
      identity.metadata_public.history.push({
        id: uuid(random),
        at: timestamp(random),
        by: person(),
        note: pick(random, words.notes),
      }),
    () =>
      identity.verifiable_addresses.push({
        id: uuid(random),
        value: `${pick(random, ASCII.given).toLowerCase()}.${identity.verifiable_addresses.length}@example.com`,
        verified: random() < 0.5,
        via: 'email',
        status: 'completed',
        created_at: timestamp(random),
        updated_at: timestamp(random),
      }),
    () =>
      identity.metadata_public.entitlements.push({
        team: pick(random, words.teams),
        role: pick(random, ['viewer', 'editor', 'approver', 'admin']),
        granted_by: person(),
      }),
  ];
  for (let i = 0; bytes(serialize(copy)) < target; i += 1) additions[i % additions.length]();
  return copy;
}

/**
 * The bodies, smallest first: [{ name, label, text, bytes, ascii }]. `name` is a file name stem
 * (the native benchmark's row), `label` what the tables print.
 * @param {string} [fixtureText] the 1.9 KB fixture's text (read from the repository by default)
 */
export function whoamiBodies(fixtureText = readFileSync(FIXTURE, 'utf8')) {
  const session = JSON.parse(fixtureText);
  const bodies = [
    { name: '1.9KB-ascii', label: '1.9 KB ASCII', text: fixtureText },
    { name: '1.9KB-non-ascii', label: '1.9 KB non-ASCII', text: serialize(smallNonAscii(session)) },
    { name: '16KB-ascii', label: '16 KB ASCII', text: serialize(grown(session, 16 * KB, ASCII, 16)) },
    { name: '16KB-non-ascii', label: '16 KB non-ASCII', text: serialize(grown(session, 16 * KB, NON_ASCII, 16)) },
    { name: '64KB-ascii', label: '64 KB ASCII', text: serialize(grown(session, 64 * KB, ASCII, 64)) },
    { name: '64KB-non-ascii', label: '64 KB non-ASCII', text: serialize(grown(session, 64 * KB, NON_ASCII, 64)) },
  ];
  return bodies.map((body) => ({
    ...body,
    bytes: bytes(body.text),
    // eslint-disable-next-line no-control-regex
    ascii: /^[\x00-\x7f]*$/.test(body.text),
  }));
}
