// The Public Suffix List, enough for Kratos's wildcard check on `selfservice.allowed_return_urls`
// (oryx/corsx/check_origin.go ClassifyOrigin calls Go's golang.org/x/net/publicsuffix
// EffectiveTLDPlusOne). Kratos compiles the list into its binary; the emulator reads Debian's copy
// (package `publicsuffix`) once, on first use. Both sections (ICANN and PRIVATE) count, as in Go's
// table. Without the file every wildcard is treated as unsafe (see README.md).
import { readFileSync } from 'node:fs';
import { domainToASCII } from 'node:url';

export const PSL_FILE = '/usr/share/publicsuffix/public_suffix_list.dat';

/** An ASCII (punycode), lower-case form of a domain; the input itself when it has none. */
const ascii = (domain) => domainToASCII(domain) || domain.toLowerCase();

/**
 * Parses the list's text: one rule a line (up to the first white space), `//` comments, `*.`
 * wildcards and `!` exceptions. Rules are stored in punycode, as Go's generator stores them.
 * @returns {{ rules: Set<string>, wildcards: Set<string>, exceptions: Set<string> }}
 */
export function parsePublicSuffixList(text) {
  const rules = new Set();
  const wildcards = new Set(); // `*.ck` is stored as `ck`
  const exceptions = new Set(); // `!www.ck` is stored as `www.ck`
  for (const raw of text.split('\n')) {
    const line = raw.trim().split(/\s/)[0];
    if (!line || line.startsWith('//')) continue;
    if (line.startsWith('!')) exceptions.add(ascii(line.slice(1)));
    else if (line.startsWith('*.')) wildcards.add(ascii(line.slice(2)));
    else rules.add(ascii(line));
  }
  return { rules, wildcards, exceptions };
}

let cached;
/** The list from `file`, read once; null when the file cannot be read. */
export function loadPublicSuffixList(file = PSL_FILE) {
  if (cached && cached.file === file) return cached.list;
  let list = null;
  try {
    list = parsePublicSuffixList(readFileSync(file, 'utf8'));
  } catch {
    list = null;
  }
  cached = { file, list };
  return list;
}

/**
 * publicsuffix.PublicSuffix: the public suffix of `domain` by the PSL algorithm (an exception
 * rule wins, else the matching rule with the most labels, else the default rule `*`).
 */
export function publicSuffix(domain, list) {
  const labels = ascii(domain).split('.');
  let best = 1; // the default rule "*": the last label
  for (let i = labels.length - 1; i >= 0; i--) {
    const suffix = labels.slice(i).join('.');
    const n = labels.length - i;
    if (list.exceptions.has(suffix)) {
      // "!www.ck": the public suffix is the exception rule minus its leftmost label
      return labels.slice(i + 1).join('.');
    }
    if (list.rules.has(suffix) && n > best) best = n;
    if (i + 1 < labels.length && list.wildcards.has(labels.slice(i + 1).join('.')) && n > best) best = n;
  }
  return labels.slice(labels.length - best).join('.');
}

/**
 * publicsuffix.EffectiveTLDPlusOne: the registrable domain (public suffix plus one label), or
 * null where Go returns an error (empty labels, or `domain` is itself a public suffix).
 */
export function effectiveTldPlusOne(domain, list) {
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) return null;
  const d = ascii(domain);
  const suffix = publicSuffix(d, list);
  if (d.length <= suffix.length) return null;
  const i = d.length - suffix.length - 1;
  if (d[i] !== '.') return null;
  return d.slice(d.lastIndexOf('.', i - 1) + 1);
}

/**
 * oryx/corsx/check_origin.go ClassifyOrigin: only the text from the last `*` on counts; the base
 * is what follows the first `.` after it (lower-cased, `:port` dropped); the wildcard is bounded
 * when the base has an eTLD+1. `list` null (no list file): never bounded.
 * @returns {{ hasWildcard: boolean, boundedWildcard: boolean, base: string }}
 */
export function classifyOrigin(pattern, list) {
  const i = pattern.lastIndexOf('*');
  if (i < 0) return { hasWildcard: false, boundedWildcard: false, base: '' };
  const rest = pattern.slice(i);
  const dot = rest.indexOf('.');
  if (dot < 0) return { hasWildcard: true, boundedWildcard: false, base: '' };
  let base = rest.slice(dot + 1).toLowerCase();
  const colon = base.indexOf(':');
  if (colon >= 0) base = base.slice(0, colon);
  const boundedWildcard = list !== null && effectiveTldPlusOne(base, list) !== null;
  return { hasWildcard: true, boundedWildcard, base };
}

/** OriginPattern.IsUnsafeWildcard. */
export const isUnsafeWildcard = (p) => p.hasWildcard && !p.boundedWildcard;
