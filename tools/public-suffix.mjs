#!/usr/bin/env node
// Writes the Public Suffix List data file the core loads (aalgate::PublicSuffixList::parse,
// src/aalgate/public_suffix.hpp) from publicsuffix.org's public_suffix_list.dat.
//
//   node tools/public-suffix.mjs <output.dat> [<public_suffix_list.dat>] [--also <rules.js>]
//
// The source defaults to Debian's /usr/share/publicsuffix/public_suffix_list.dat (package
// `publicsuffix`, a snapshot of early 2023). `--also` adds the rules of a newer snapshot, the npm
// package psl's data/rules.js (an ES module whose default export is the array of rules, 2024):
// the table is the union of both, so a suffix registered after Debian's snapshot
// (ngrok-free.app) is refused too, and one removed since stays refused (refusing more is the
// safe side; Kratos's own table is whatever x/net version it was built with). Both the ICANN and the PRIVATE section are kept, as in the table of Go's
// golang.org/x/net/publicsuffix that Kratos uses (vercel.app and github.io are private rules).
// Rules are converted to ASCII (punycode) with url.domainToASCII, as Go's table generator does
// with idna.ToASCII; a rule written with non-ASCII characters is kept in its Unicode form too, so
// that a Unicode host is refused as well (refusing more is the safe side). No npm dependencies;
// the output depends on nothing but the source's bytes.
//
// Format (plain UTF-8 text, lines ending in "\n"):
//   line 1:  "aalgate-psl 1" then " source-sha256=<hex>" and, when the source has them, its
//            "// VERSION: ..." and "// COMMIT: ..." lines, as " VERSION: ..." / " COMMIT: ...".
//   then one line per last label L (the rules ending in L), sorted by L (byte order):
//            "L s1 s2 ..."  where each s is the rule with its final ".L" removed ("ac" for
//                           "ac.L", "*" for "*.L", "!www" for "!www.L", "*.kawasaki" for
//                           "*.kawasaki.L"), sorted by byte order, separated by one space.
//            The first token is "L" when L itself is a rule, "~L" when it is not (only
//            "*.L"-style rules end in L, as for ck: "~ck * !www").
// Prints the rule count and the file's size, raw and gzip -9.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { domainToASCII } from 'node:url';
import { gzipSync } from 'node:zlib';

const TOOL = 'public-suffix.mjs';
const DEFAULT_SOURCE = '/usr/share/publicsuffix/public_suffix_list.dat';
const FORMAT = 'aalgate-psl 1';

// Go's gen.go accepts exactly these characters in an ASCII rule (validSuffixRE).
const ASCII_RULE = /^[a-z0-9_!*.-]+$/;
// A label of a rule: ASCII letters, digits, '-', '_', or any non-ASCII character.
const LABEL = /^(?:[a-z0-9_-]|[^\x00-\x7f])+$/u;

function die(message) {
  process.stderr.write(`${TOOL}: error: ${message}\n`);
  process.exit(1);
}

/** Splits a rule into its marker ("", "!" or "*.") and its dot-separated name. */
function splitRule(rule) {
  if (rule.startsWith('!')) return ['!', rule.slice(1)];
  if (rule.startsWith('*.')) return ['*.', rule.slice(2)];
  return ['', rule];
}

/** Checks a rule's shape: an optional marker, then non-empty labels; an exception has two. */
function checkRule(rule, where) {
  const [marker, name] = splitRule(rule);
  const labels = name.split('.');
  if (!labels.every((label) => LABEL.test(label))) die(`${where}: malformed rule "${rule}"`);
  if (marker === '!' && labels.length < 2) die(`${where}: exception "${rule}" names a top label`);
}

/** The rule in ASCII, as Go's generator spells it: each label in punycode when it is not ASCII. */
function toAscii(rule, where) {
  const [marker, name] = splitRule(rule);
  // domainToASCII would read an all-ASCII name with a numeric last label as an IPv4 address.
  const ascii = /^[\x00-\x7f]*$/.test(name) ? name : domainToASCII(name);
  if (ascii === '') die(`${where}: "${rule}" has no ASCII form`);
  const result = marker + ascii;
  if (!ASCII_RULE.test(result)) die(`${where}: bad rule "${rule}" (ASCII "${result}")`);
  return result;
}

const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function main(args) {
  let argv = args;
  const usage = `usage: node ${TOOL} <output.dat> [<public_suffix_list.dat>] [--also <rules.js>]\n`;
  if (argv[0] === '-h' || argv[0] === '--help') {
    process.stdout.write(usage);
    process.exit(0);
  }
  const alsoAt = argv.indexOf('--also');
  const also = alsoAt >= 0 ? argv[alsoAt + 1] : undefined;
  if (alsoAt >= 0) argv = [...argv.slice(0, alsoAt), ...argv.slice(alsoAt + 2)];
  if (argv.length < 1 || argv.length > 2 || (alsoAt >= 0 && !also)) {
    process.stderr.write(usage);
    process.exit(2);
  }
  const [output, source = DEFAULT_SOURCE] = argv;
  let bytes;
  try {
    bytes = readFileSync(source);
  } catch (error) {
    die(`cannot read ${source} (${error.code ?? error.message}); on Debian: apt-get install publicsuffix`);
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);

  const header = [FORMAT, `source-sha256=${createHash('sha256').update(bytes).digest('hex')}`];
  const rules = new Set();
  let section = 'none';
  const seen = { icann: false, private: false };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const where = `${basename(source)}:${index + 1}`;
    const meta = /^\/\/\s*(VERSION|COMMIT):\s*(\S.*)$/.exec(line);
    if (meta) header.push(`${meta[1]}: ${meta[2].replace(/\s+/g, ' ')}`);
    if (line.includes('===BEGIN ICANN DOMAINS===')) [section, seen.icann] = ['icann', true];
    else if (line.includes('===BEGIN PRIVATE DOMAINS===')) [section, seen.private] = ['private', true];
    else if (line.includes('===END ')) section = 'none';
    if (line === '' || line.startsWith('//')) return;
    if (section === 'none') die(`${where}: rule "${line}" outside the ICANN and PRIVATE sections`);
    if (/\s/.test(line)) die(`${where}: rule "${line}" holds white space`);
    checkRule(line, where);
    const ascii = toAscii(line, where);
    checkRule(ascii, where);
    rules.add(ascii);
    if (ascii !== line) rules.add(line);
  });
  if (!seen.icann || !seen.private) die(`${source}: no ICANN or no PRIVATE section: not the PSL?`);
  if (also) {
    let extra;
    try {
      const bytesAlso = readFileSync(also);
      const body = bytesAlso.toString('utf8').replace(/^\s*export\s+default\s*/, '').replace(/;\s*$/, '');
      extra = JSON.parse(body);
      header.push(`also-sha256=${createHash('sha256').update(bytesAlso).digest('hex')}`);
    } catch (error) {
      die(`cannot read the rules of ${also} (${error.code ?? error.message}): expected "export default [\"ac\", ...]"`);
    }
    if (!Array.isArray(extra) || extra.length < 1000) die(`${also}: not a list of Public Suffix rules`);
    extra.forEach((rule, index) => {
      const where = `${basename(also)}[${index}]`;
      if (typeof rule !== 'string' || /\s/.test(rule) || rule === '') die(`${where}: not a rule: ${JSON.stringify(rule)}`);
      const lower = rule.toLowerCase();
      checkRule(lower, where);
      const ascii = toAscii(lower, where);
      checkRule(ascii, where);
      rules.add(ascii);
      if (ascii !== lower) rules.add(lower);
    });
  }

  // Group by last label.
  const groups = new Map();
  for (const rule of rules) {
    const [marker, name] = splitRule(rule);
    const dot = name.lastIndexOf('.');
    const last = dot < 0 ? name : name.slice(dot + 1);
    if (!groups.has(last)) groups.set(last, { self: false, subs: [] });
    const group = groups.get(last);
    if (dot < 0 && marker === '') group.self = true;
    else group.subs.push(marker === '*.' && dot < 0 ? '*' : marker + name.slice(0, dot));
  }
  const lines = [header.join(' ')];
  for (const last of [...groups.keys()].sort(byteOrder)) {
    const group = groups.get(last);
    lines.push([(group.self ? '' : '~') + last, ...group.subs.sort(byteOrder)].join(' '));
  }
  const data = Buffer.from(`${lines.join('\n')}\n`, 'utf8');

  const temporary = `${output}.tmp-${process.pid}`;
  writeFileSync(temporary, data);
  renameSync(temporary, output);
  const gzip = gzipSync(data, { level: 9 }).length;
  const kib = (n) => (n / 1024).toFixed(1);
  process.stdout.write(
    `${TOOL}: ${output}: ${rules.size} rules in ${groups.size} groups, ` +
      `${data.length} B (${kib(data.length)} KiB) raw, ${gzip} B (${kib(gzip)} KiB) gzip -9\n`,
  );
}

main(process.argv.slice(2));
