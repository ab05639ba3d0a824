// Tokenized sessions: GET /sessions/whoami?tokenize_as=<template> (issue 14). Kratos signs a JWT
// of the session (session/tokenizer.go TokenizeSession) with the template's key, its fixed claims
// and the claims its Jsonnet claims mapper returns; whoami returns the Session with the token in
// `tokenized` (session/handler.go whoami). Here the mapper runs in a REAL Jsonnet interpreter
// (Debian's `jsonnet`, the C++ one; Kratos embeds go-jsonnet) with the same ext vars, and the
// keys are made at start with node:crypto. Every rule names the Kratos file it follows; README.md
// ("Tokenized sessions") lists them and what differs.
import { execFile } from 'node:child_process';
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPair,
  randomBytes,
  randomUUID,
  sign as cryptoSign,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import * as K from './kratos.mjs';

/** The claims mapper aalgate ships (the package root), and the URL a template names it by. */
export const MAPPER_FILE = fileURLToPath(new URL('../../aalgate.jsonnet', import.meta.url));
// oryx/fetcher/fetcher.go FetchBytes reads a file:// source with os.ReadFile of what follows
// "file://" (no URL decoding), so the URL of an absolute path is "file://" + the path.
export const MAPPER_URL = `file://${MAPPER_FILE}`;

/** The algorithms the emulator makes keys for (golang-jwt's signing methods, HMAC and none aside). */
export const KEY_ALGS = Object.freeze(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']);
/** Made at every start unless `tokenKeys` says otherwise: fast (RSA keys take ~0.25 s each). */
export const DEFAULT_KEY_ALGS = Object.freeze(['ES256', 'ES384', 'ES512', 'EdDSA']);

const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
const CURVE = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
const NODE_CURVE = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
// jwt.GetSigningMethod: what golang-jwt v5 registers (github.com/golang-jwt/jwt/v5 ecdsa.go,
// rsa.go, rsa_pss.go, ed25519.go, hmac.go, none.go).
const GO_JWT_METHODS = new Set([...KEY_ALGS, 'HS256', 'HS384', 'HS512', 'none']);
const TEMPLATE_FIELDS = ['ttl', 'claims_mapper_url', 'jwks_url', 'subject_source', 'alg'];
// The ttl of the emulator's own templates: the default embedx/config.schema.json documents.
const DEFAULT_TEMPLATE_TTL = '1m';
// Linux refuses a single argument over 128 KiB (MAX_ARG_STRLEN); larger ext vars go by file.
const ARG_MAX = 100_000;

const run = promisify(execFile);
const generate = promisify(generateKeyPair);

/** A key pair for `alg` made now: { kid, alg, privateKey (KeyObject), publicJwk }. */
async function makeKey(alg) {
  const kind = alg === 'EdDSA' ? ['ed25519', {}] : alg.startsWith('ES') ? ['ec', { namedCurve: NODE_CURVE[alg] }] : ['rsa', { modulusLength: 2048 }];
  const { privateKey, publicKey } = await generate(...kind);
  const kid = `emulator-${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`;
  return { kid, alg, privateKey, publicJwk: Object.freeze({ ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' }) };
}

/**
 * The signer golang-jwt uses for `alg` over `key` (a KeyObject), or null when golang-jwt's Sign
 * would refuse that key (wrong type, an ECDSA curve other than the algorithm's, a public key,
 * `none`): session/tokenizer.go then answers "Unable to sign JSON Web Token.".
 */
function signerFor(alg, key) {
  const bits = alg.slice(2);
  const type = key.type === 'secret' ? 'secret' : key.asymmetricKeyType;
  if (key.type === 'public') return null;
  if (alg.startsWith('ES')) {
    // ecdsa.go SigningMethodECDSA.Sign: the curve's size must be the method's; r || s, padded.
    if (type !== 'ec' || key.asymmetricKeyDetails.namedCurve !== CURVE[alg]) return null;
    return (data) => cryptoSign(HASH[bits], data, { key, dsaEncoding: 'ieee-p1363' });
  }
  if (alg.startsWith('RS')) return type === 'rsa' ? (data) => cryptoSign(HASH[bits], data, key) : null;
  if (alg.startsWith('PS')) {
    // rsa_pss.go: SaltLength rsa.PSSSaltLengthEqualsHash when signing.
    if (type !== 'rsa') return null;
    return (data) => cryptoSign(HASH[bits], data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  }
  if (alg === 'EdDSA') return type === 'ed25519' ? (data) => cryptoSign(null, data, key) : null;
  if (alg.startsWith('HS')) return type === 'secret' ? (data) => createHmac(HASH[bits], key).update(data).digest() : null;
  return null; // none.go: signs only with jwt.UnsafeAllowNoneSignatureType
}

/**
 * oryx/fetcher/fetcher.go FetchBytes with the schemes `schemes`: the bytes of a file:// (the path
 * as written after the scheme) or base64:// (standard base64) source, or http(s):// (fetched).
 * Throws what Kratos would report.
 */
async function fetchSource(source, schemes) {
  if (!schemes.some((s) => source.startsWith(`${s}://`))) {
    throw new Error(`unknown scheme: in source ${JSON.stringify(redacted(source))}: allowed schemes: ${schemes.join(', ')}`);
  }
  if (source.startsWith('file://')) {
    const path = source.slice('file://'.length);
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`read file: ${redacted(source)}: ${goFileError(error, path)}`);
    }
  }
  if (source.startsWith('base64://')) {
    const text = source.slice('base64://'.length);
    // Go's base64.StdEncoding: padded, the standard alphabet only.
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
      throw new Error(`base64decode: ${redacted(source)}: illegal base64 data`);
    }
    return Buffer.from(text, 'base64');
  }
  const res = await fetch(source);
  if (res.status !== 200) {
    throw new Error(`expected http response status code 200 but got ${res.status} when fetching: ${source}`);
  }
  return Buffer.from(await res.arrayBuffer());
}
// Go's *PathError text for os.ReadFile's usual failures.
function goFileError(error, path) {
  const why = { ENOENT: 'no such file or directory', EACCES: 'permission denied', ENOTDIR: 'not a directory' }[error.code];
  if (why) return `open ${path}: ${why}`;
  if (error.code === 'EISDIR') return `read ${path}: is a directory`;
  return error.message;
}
// fetcher.go redactedSource: a base64:// source may carry a private key.
const redacted = (source) => (source.startsWith('base64://') ? 'base64://[redacted]' : source);

/**
 * oryx/jwksx/fetcher_v2.go ResolveKey (no key id forced: the first key of the set), with the
 * schemes session/tokenizer.go allows for jwks_url (file, base64: "HTTP(S) makes no sense here").
 * → { key } or { error } (the Kratos error for a tokenization with this template).
 */
async function resolveKey(jwksUrl) {
  let bytes;
  try {
    bytes = await fetchSource(jwksUrl, ['file', 'base64']);
  } catch (error) {
    // A plain Go error: herodot writes it as a 500 whose message is the error's text.
    return { error: K.errors.internalMessage(error.message) };
  }
  let set;
  try {
    const parsed = JSON.parse(bytes.toString('utf8'));
    // lestrrat-go/jwx jwk.Parse: a set, or a single key read as a set of one.
    const keys = Array.isArray(parsed?.keys) ? parsed.keys : parsed && typeof parsed === 'object' && !('keys' in parsed) ? [parsed] : null;
    if (!keys || keys.some((k) => !k || typeof k !== 'object' || typeof k.kty !== 'string')) throw new Error('not a JWK set');
    set = keys;
  } catch {
    return { error: K.errors.badRequest('failed to parse JWK set') };
  }
  // session/tokenizer.go: jwksx.ErrUnableToFindKeyID
  if (set.length === 0) return { error: K.errors.badRequest('Could not find key a suitable key for tokenization in the JWKS url.') };
  const jwk = set[0];
  const alg = typeof jwk.alg === 'string' ? jwk.alg : '';
  // session/tokenizer.go: jwt.GetSigningMethod(key.Algorithm()) == nil
  if (!GO_JWT_METHODS.has(alg)) {
    return { error: K.errors.badRequest(`The JSON Web Key must include a valid "alg" parameter but "${alg}" was given.`) };
  }
  let keyObject;
  try {
    keyObject = jwk.kty === 'oct' ? createSecretKey(Buffer.from(jwk.k ?? '', 'base64url')) : 'd' in jwk ? createPrivateKey({ key: jwk, format: 'jwk' }) : createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return { error: K.errors.badRequest('failed to parse JWK set') };
  }
  const publicKey = keyObject.type === 'private' ? createPublicKey(keyObject) : keyObject;
  const publicJwk =
    keyObject.type === 'secret' ? null : Object.freeze({ ...publicKey.export({ format: 'jwk' }), ...(jwk.kid !== undefined ? { kid: jwk.kid } : {}), alg, use: 'sig' });
  return { key: { kid: typeof jwk.kid === 'string' ? jwk.kid : '', alg, sign: signerFor(alg, keyObject), publicJwk } };
}

/** Go encoding/json of a map: keys sorted by their UTF-8 bytes at every level, no newline. */
function goMarshalSorted(value) {
  const sort = (v) => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return Object.fromEntries(keys.map((k) => [k, sort(v[k])]));
    }
    return v;
  };
  return K.goJson(sort(value)).slice(0, -1);
}

/**
 * Runs a claims mapper as Kratos does (session/tokenizer.go: vm.ExtCode("session", …),
 * vm.ExtCode("claims", …), vm.EvaluateAnonymousSnippet(url, snippet)) in the `jsonnet` command:
 * the snippet on stdin, both ext vars as Jsonnet code. → the output text, or throws.
 */
async function evaluateJsonnet(binary, snippet, extCode) {
  const args = [];
  let dir = null;
  for (const [name, code] of Object.entries(extCode)) {
    if (code.length <= ARG_MAX) {
      args.push('--ext-code', `${name}=${code}`);
    } else {
      dir ??= mkdtempSync(join(tmpdir(), 'aalgate-jsonnet-'));
      const file = join(dir, name);
      writeFileSync(file, code);
      args.push('--ext-code-file', `${name}=${file}`);
    }
  }
  try {
    const child = run(binary, [...args, '-'], { maxBuffer: 16 << 20, timeout: 30_000, cwd: tmpdir() });
    child.child.stdin.on('error', () => {}); // EPIPE when it exits before reading: its exit says why
    child.child.stdin.end(snippet);
    return (await child).stdout;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** "Unable to execute tokenizer JsonNet." etc.: the 400s of session/tokenizer.go. */
const badRequest = (reason) => K.errors.badRequest(reason);

/**
 * The tokenizer of one emulator: `templates` (name → template, Kratos's fields plus the
 * emulator's `alg`), `keyAlgs` (algorithms of the keys made at start), `issuer` (Kratos's
 * serve.public.base_url as it prints it), `now` (the emulator's clock, ms), `jsonnet` (the
 * command). Call `await tokenizer.ready` before use.
 */
export function createTokenizer({ templates, keyAlgs = DEFAULT_KEY_ALGS, issuer, now, jsonnet = 'jsonnet' }) {
  if (!Array.isArray(keyAlgs) || keyAlgs.some((a) => !KEY_ALGS.includes(a))) {
    throw new TypeError(`tokenKeys must be a list of ${KEY_ALGS.join(', ')}`);
  }
  const algs = [...new Set(keyAlgs)];
  const compiled = compileTemplates(templates ?? defaultTemplates(algs), algs);
  let keys = new Map(); // alg → key made at start
  const resolved = new Map(); // template name → { key } | { error } for jwks_url templates
  let lastError = null;

  const ready = (async () => {
    keys = new Map((await Promise.all(algs.map(makeKey))).map((k) => [k.alg, { ...k, sign: signerFor(k.alg, k.privateKey) }]));
    // Kratos resolves the key at each tokenization and caches the set for an hour
    // (session/tokenizer.go: jwksx.WithCacheTTL(time.Hour)); the emulator reads it once, here.
    for (const [name, t] of compiled) if (t.jwksUrl) resolved.set(name, await resolveKey(t.jwksUrl));
  })();

  /**
   * The public keys tokens are signed with: the emulator's, then each jwks_url template's first
   * key that can sign (once, however many templates name it).
   */
  function jwks() {
    const list = [...keys.values()].map((k) => k.publicJwk);
    const seen = new Set(list.map((k) => JSON.stringify(k)));
    for (const r of resolved.values()) {
      const text = r.key?.sign && r.key.publicJwk ? JSON.stringify(r.key.publicJwk) : null;
      if (text && !seen.has(text)) list.push(r.key.publicJwk), seen.add(text);
    }
    return { keys: list };
  }

  /**
   * session/tokenizer.go TokenizeSession for session `s` (state.mjs) whose JSON is `sessionJson`
   * and identity `identity`: → { token } or { error } (a Kratos error, kratos.mjs errors).
   */
  async function tokenize(name, sessionJson, identity) {
    await ready;
    // driver/config/config.go TokenizeTemplate: the key session.whoami.tokenizer.templates.<name>
    // must exist (a dot in the name walks into the configuration: `aalgate.ttl` is the
    // template's ttl when one is configured), then it is decoded into a template.
    const [first, ...rest] = name.split('.');
    const t = compiled.get(first);
    if (!t || (rest.length > 0 && (rest.length > 1 || !Object.hasOwn(t.raw, rest[0])))) {
      return { error: badRequest(`Unable to find tokenizer template "${name}".`) };
    }
    if (rest.length > 0) {
      // mapstructure cannot decode the string found there into a template: herodot ErrMisconfiguration.
      return { error: K.errors.misconfiguration(`Unable to decode tokenizer template "${name}": '' expected a map, got 'string'`) };
    }
    const r = t.jwksUrl ? resolved.get(name) : { key: keys.get(t.alg) };
    if (r.error) return r;
    const key = r.key;

    const at = now();
    const claims = {
      jti: randomUUID(),
      iss: issuer,
      // time.Time.Add(ttl).Unix(): floored to the second.
      exp: Math.floor((at + t.ttlMs) / 1000),
      sid: sessionJson.id,
      nbf: Math.floor(at / 1000),
      iat: Math.floor(at / 1000),
    };
    const sub = subject(t.subjectSource, sessionJson, identity);
    if (sub.error) return sub;
    claims.sub = sub.value;

    if (t.claimsMapperUrl) {
      let snippet;
      try {
        // The mapper is fetched for every tokenization (Kratos caches http(s) sources for an
        // hour, file:// and base64:// not at all: oryx/fetcher/fetcher.go).
        snippet = (await fetchSource(t.claimsMapperUrl, ['http', 'https', 'file', 'base64'])).toString('utf8');
      } catch (error) {
        lastError = error.message;
        return { error: K.errors.internalMessage(error.message) };
      }
      let evaluated;
      try {
        evaluated = await evaluateJsonnet(jsonnet, snippet, {
          session: K.goJson(sessionJson).slice(0, -1),
          claims: goMarshalSorted(claims),
        });
      } catch (error) {
        lastError = String(error.stderr || error.message).trim();
        if (error.code === 'ENOENT') return { error: K.errors.internalMessage(`jsonnet interpreter not found: ${jsonnet}`) };
        return { error: badRequest('Unable to execute tokenizer JsonNet.') };
      }
      // gjson.Get(evaluated, "claims").IsObject()
      const out = JSON.parse(evaluated);
      const mapped = out && typeof out === 'object' && !Array.isArray(out) ? out.claims : undefined;
      if (!mapped || typeof mapped !== 'object' || Array.isArray(mapped)) {
        lastError = 'the mapper returned no claims object';
        return { error: badRequest('Expected tokenizer JsonNet to return a claims object but it did not.') };
      }
      // json.Unmarshal into the same map: every claim the mapper returns replaces Kratos's,
      // then SetSubjectClaim sets `sub` again.
      Object.assign(claims, mapped);
      claims.sub = sub.value;
    }

    // key.Raw + token.SignedString: jwt.New(alg) with the key's kid in the header.
    if (!key.sign) return { error: badRequest('Unable to sign JSON Web Token.') };
    const header = goMarshalSorted({ alg: key.alg, kid: key.kid, typ: 'JWT' });
    const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(goMarshalSorted(claims)).toString('base64url')}`;
    return { token: `${input}.${key.sign(Buffer.from(input)).toString('base64url')}` };
  }

  return {
    ready,
    jwks,
    tokenize,
    /** The templates as configured (for the state), keys left out. */
    view: () => Object.fromEntries([...compiled].map(([n, t]) => [n, t.view])),
    get lastError() {
      return lastError;
    },
  };
}

/**
 * session/tokenizer.go SetSubjectClaim: the identity id ("" or "id"), or its external_id
 * ("external_id"; a 400 when the identity has none).
 */
function subject(source, sessionJson, identity) {
  if (source === '' || source === 'id') return { value: identity.id };
  if (source === 'external_id') {
    if (!identity.externalId) {
      return { error: badRequest("The session's identity does not have an external ID set, but it is required for the subject claim.") };
    }
    return { value: identity.externalId };
  }
  return { error: badRequest(`Unknown subject source "${source}"`) };
}

/** `aalgate` (ES256) and `aalgate-<alg>` for every key made, all with aalgate.jsonnet and ttl 1m. */
export function defaultTemplates(algs = DEFAULT_KEY_ALGS) {
  const templates = {};
  if (algs.includes('ES256')) templates.aalgate = { ttl: DEFAULT_TEMPLATE_TTL, claims_mapper_url: MAPPER_URL, alg: 'ES256' };
  for (const alg of algs) templates[`aalgate-${alg.toLowerCase()}`] = { ttl: DEFAULT_TEMPLATE_TTL, claims_mapper_url: MAPPER_URL, alg };
  return templates;
}

/**
 * The templates checked as Kratos's configuration schema checks them at load
 * (embedx/config.schema.json: jwks_url required, ttl `^([0-9]+(ns|us|ms|s|m|h))+$` default 1m,
 * subject_source id | external_id, URLs as URIs), with the emulator's `alg` (one of the keys it
 * makes) standing in for jwks_url. A name with a dot is refused: Kratos reads a dot in a
 * configuration key as a path separator.
 */
function compileTemplates(templates, algs) {
  if (!templates || typeof templates !== 'object' || Array.isArray(templates)) throw new TypeError('tokenizeTemplates must be an object');
  const out = new Map();
  for (const [name, t] of Object.entries(templates)) {
    const where = `tokenizeTemplates.${name}`;
    if (name === '' || name.includes('.')) throw new TypeError(`${where}: a template name cannot be empty or contain "."`);
    if (!t || typeof t !== 'object') throw new TypeError(`${where} must be an object`);
    for (const k of Object.keys(t)) if (!TEMPLATE_FIELDS.includes(k)) throw new TypeError(`${where}: unknown field ${k}`);
    if ((t.jwks_url === undefined) === (t.alg === undefined)) throw new TypeError(`${where}: give jwks_url (as Kratos) or alg (a key the emulator makes), not both`);
    if (t.alg !== undefined && !algs.includes(t.alg)) throw new TypeError(`${where}.alg: no ${t.alg} key is made (tokenKeys: ${algs.join(', ')})`);
    for (const k of ['jwks_url', 'claims_mapper_url']) {
      if (t[k] !== undefined && (typeof t[k] !== 'string' || !URL.canParse(t[k]))) throw new TypeError(`${where}.${k} must be a URI`);
    }
    // embedx/config.schema.json gives ttl the default "1m", but Kratos never applies it:
    // oryx/configx/koanf_schema_defaults.go takes defaults from jsonschemax.ListPaths, which walks
    // `properties` only, and templates sit under `patternProperties`. A template without ttl
    // gets time.Duration 0, so exp == iat (seen on Kratos v1.3.1: tests/kratos/tokenize.test.js).
    const ttl = t.ttl ?? '0s';
    if (!/^([0-9]+(ns|us|ms|s|m|h))+$/.test(String(ttl))) throw new TypeError(`${where}.ttl must match ^([0-9]+(ns|us|ms|s|m|h))+$`);
    const subjectSource = t.subject_source ?? 'id';
    if (!['id', 'external_id'].includes(subjectSource)) throw new TypeError(`${where}.subject_source must be id or external_id`);
    out.set(name, {
      raw: t,
      ttlMs: K.parseDuration(ttl),
      claimsMapperUrl: t.claims_mapper_url ?? '',
      jwksUrl: t.jwks_url ?? null,
      alg: t.alg ?? null,
      subjectSource,
      view: {
        ...(t.ttl !== undefined ? { ttl } : {}),
        ...(t.claims_mapper_url !== undefined ? { claims_mapper_url: redacted(t.claims_mapper_url) } : {}),
        ...(t.jwks_url !== undefined ? { jwks_url: redacted(t.jwks_url) } : { alg: t.alg }),
        subject_source: subjectSource,
      },
    });
  }
  return out;
}
