// aalgate/tokens: Kratos's tokenized sessions (GET /sessions/whoami?tokenize_as=<template>,
// session/tokenizer.go), verified with WebCrypto through panva's jose, never hand-written
// crypto. A verified token is a value gate.decide takes as the whoami outcome: the core decides
// from its claims (src/aalgate/token_claims.cpp) with the same table as for a Session.
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify } from 'jose';

import { AalgateError } from './errors.js';
import { readBody } from './kratos.js';
import { BODY_OVER_LIMIT } from './normalize.js';
import { registerVerified } from './verified.js';

/**
 * The signature algorithms of the JSON Web Keys Kratos signs with (its JWKS `alg`): asymmetric
 * only. `none` and the HMAC algorithms are never accepted: a public key is not a secret.
 */
export const ALGORITHMS = Object.freeze(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']);

// A token longer than this is refused before it is parsed (Kratos's are well under 2 KiB).
const MAX_TOKEN_BYTES = 16 * 1024;
const DEFAULT_JWKS_TTL_MS = 10 * 60_000;
// A JWKS answer longer than this is not read past it: the key set is unavailable (Kratos's, a
// few keys, is a few KiB).
export const MAX_JWKS_BYTES = 1024 * 1024;
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const DEFAULT_MAX_TOKEN_AGE_S = 24 * 3600;

/**
 * Creates a verifier of Kratos's tokenized sessions.
 *
 * @param {{ jwks: object | string | URL, issuer: string, leeway?: number, jwksTtlMs?: number,
 *   maxTokenAge?: number }} options `jwks`: the public JWKS (`{ keys: [...] }`) or its URL
 *   (fetched, cached for `jwksTtlMs`, default 10 minutes); `issuer`: Kratos's public URL, which
 *   Kratos writes as `iss`; `leeway`: seconds of clock skew tolerated on `exp`, `nbf` and `iat`
 *   (default 0); `maxTokenAge`: the oldest `iat` taken, in seconds (default one day).
 * @returns {{ verify(token: unknown, options?: { now?: number | Date }): Promise<Readonly<object>> }}
 * @throws {AalgateError} `tokens`, `tokens.jwks`, `tokens.issuer`, `tokens.leeway`,
 *   `tokens.jwksTtlMs`, `tokens.maxTokenAge` for invalid options.
 */
export function createTokenVerifier(options) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new AalgateError('tokens', 'tokens must be an object { jwks, issuer, leeway?, jwksTtlMs?, maxTokenAge? }');
  }
  const { jwks, issuer, leeway = 0, jwksTtlMs = DEFAULT_JWKS_TTL_MS, maxTokenAge = DEFAULT_MAX_TOKEN_AGE_S, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new AalgateError(`tokens.${unknown}`, `tokens.${unknown} is not an option (jwks, issuer, leeway, jwksTtlMs, maxTokenAge)`);
  if (typeof issuer !== 'string' || issuer === '') {
    throw new AalgateError('tokens.issuer', 'tokens.issuer must be Kratos\'s public URL (the iss Kratos writes)');
  }
  for (const [name, value] of [['leeway', leeway], ['jwksTtlMs', jwksTtlMs], ['maxTokenAge', maxTokenAge]]) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new AalgateError(`tokens.${name}`, `tokens.${name} must be a number ≥ 0`);
    }
  }
  const keys = keySet(jwks, jwksTtlMs);
  return Object.freeze({
    /**
     * Verifies a compact JWS: size, signature with the key of its `kid` (the algorithm the key
     * names, never none or HMAC), `iss`, `exp`, `nbf` and `iat` (with the leeway). Resolves to a
     * frozen token `{ claims, header }` that gate.decide takes; rejects with an AalgateError
     * whose code is `token` and whose `reason` says why.
     * @param {unknown} token
     * @param {{ now?: number | Date }} [verifyOptions] the time to check against (default now)
     */
    async verify(token, verifyOptions = {}) {
      if (typeof token !== 'string' || token === '') throw tokenError('malformed', 'the token is not a string');
      if (token.length > MAX_TOKEN_BYTES) throw tokenError('oversized', `the token is longer than ${MAX_TOKEN_BYTES} characters`);
      // JWS compact serialization: three base64url parts, nothing else (no spaces, no padding).
      if (!COMPACT.test(token)) throw tokenError('malformed', 'the token is not three base64url parts');
      const now = verifyOptions?.now;
      const currentDate = now === undefined ? undefined : new Date(now instanceof Date ? now.getTime() : now);
      if (currentDate !== undefined && Number.isNaN(currentDate.getTime())) {
        throw new AalgateError('now', 'now must be a Date or milliseconds since the epoch');
      }
      let result;
      try {
        result = await jwtVerify(token, keys, {
          issuer,
          algorithms: [...ALGORITHMS],
          clockTolerance: leeway,
          maxTokenAge,
          requiredClaims: ['exp', 'iat', 'nbf'],
          currentDate,
        });
      } catch (cause) {
        throw joseFailure(cause);
      }
      const claims = deepFreeze(result.payload);
      const made = Object.freeze({ claims, header: Object.freeze({ ...result.protectedHeader }) });
      registerVerified(made, JSON.stringify(result.payload));
      return made;
    },
  });
}

function keySet(jwks, ttlMs) {
  if (typeof jwks === 'string' || jwks instanceof URL) {
    let url;
    try {
      url = new URL(jwks);
    } catch {
      throw new AalgateError('tokens.jwks', 'tokens.jwks must be a JWKS object or its absolute https URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new AalgateError('tokens.jwks', 'tokens.jwks must be an http(s) URL');
    }
    const remote = createRemoteJWKSet(url, { cacheMaxAge: ttlMs, cooldownDuration: Math.min(30_000, ttlMs), [customFetch]: boundedFetch });
    // The key for a token, or why there is none. Only "no such key" is about the token; any other
    // failure (no answer, whatever error a runtime's fetch throws for it: workerd's is a plain
    // Error; not 200; not JSON; not a JWKS) is about the JWKS, which could not be had.
    return async (protectedHeader, token) => {
      try {
        return await remote(protectedHeader, token);
      } catch (cause) {
        if (cause instanceof joseErrors.JWKSNoMatchingKey || cause instanceof joseErrors.JWKSMultipleMatchingKeys) throw cause;
        if (cause instanceof joseErrors.JOSEAlgNotAllowed || cause instanceof joseErrors.JOSENotSupported) throw cause;
        throw new JwksUnavailable(cause);
      }
    };
  }
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    throw new AalgateError('tokens.jwks', 'tokens.jwks must be a JWKS object { keys: [...] } or its URL');
  }
  for (const [i, key] of jwks.keys.entries()) {
    if (typeof key !== 'object' || key === null || key.kty === 'oct' || 'd' in key) {
      throw new AalgateError(`tokens.jwks.keys[${i}]`, 'tokens.jwks holds public keys only (no symmetric or private key)');
    }
  }
  try {
    return createLocalJWKSet(structuredClone(jwks));
  } catch (cause) {
    throw new AalgateError('tokens.jwks', `tokens.jwks is not a JWKS: ${cause?.message ?? cause}`, { cause });
  }
}

// fetch for jose's JWKS call: a 200's body is read up to MAX_JWKS_BYTES (streamed, then
// cancelled), never more; past it the key set is unavailable. jose's timeout signal ends the read.
async function boundedFetch(url, init) {
  const response = await fetch(url, init);
  if (response.status !== 200) return response;
  const text = await readBody(response, MAX_JWKS_BYTES);
  if (text === BODY_OVER_LIMIT) throw new Error(`the JWKS answer is over ${MAX_JWKS_BYTES} bytes`);
  return new Response(text, { status: 200 });
}

// The JWKS URL gave no key set.
class JwksUnavailable extends Error {
  constructor(cause) {
    super(`the JWKS could not be fetched: ${cause?.message ?? cause}`, { cause });
  }
}

// Why jose refused a token, as a stable reason.
function joseFailure(cause) {
  const code = cause?.code;
  const claim = cause?.claim;
  // jose's claim failures: `reason` 'missing' or 'invalid' (a claim absent or of the wrong
  // type), else the check on `claim` failed.
  const checked = cause?.reason === 'check_failed';
  const reason =
    code === 'ERR_JWT_EXPIRED' ? (claim === 'iat' ? 'too_old' : 'expired')
    : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
      ? !checked ? 'claims' : claim === 'nbf' ? 'not_yet_valid' : claim === 'iss' ? 'issuer' : claim === 'iat' ? 'issued_in_future' : 'claims'

    : code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'signature'
    : code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ? 'unknown_key'
    : code === 'ERR_JOSE_ALG_NOT_ALLOWED' ? 'algorithm'
    : code === 'ERR_JOSE_NOT_SUPPORTED' ? 'unsupported'
    : code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JWKS_INVALID' || cause instanceof JwksUnavailable ? 'jwks_unavailable'
    : cause instanceof joseErrors.JOSEError ? 'malformed'
    : cause instanceof TypeError && /fetch|network/i.test(String(cause?.message)) ? 'jwks_unavailable'
    : 'malformed';
  return tokenError(reason, `the token was refused: ${cause?.message ?? cause}`, cause);
}

function tokenError(reason, message, cause) {
  const error = new AalgateError('token', message, cause === undefined ? undefined : { cause });
  error.reason = reason;
  return error;
}

function deepFreeze(value) {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
