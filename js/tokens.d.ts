/**
 * aalgate/tokens: Kratos's tokenized sessions (`GET /sessions/whoami?tokenize_as=<template>`),
 * verified with WebCrypto (panva's jose). A verified token is a whoami outcome
 * {@link Gate.decide} takes: the core decides from its claims with the same rules.
 * @packageDocumentation
 */
import type { AalgateError } from './index.js';

/** The signature algorithms accepted (asymmetric only: never `none` or HMAC). */
export declare const ALGORITHMS: readonly string[];

/** A public JSON Web Key Set, as Kratos's tokenizer template's `jwks_url` holds (public part). */
export interface Jwks {
  keys: readonly object[];
}

export interface TokenVerifierOptions {
  /** The public JWKS, or its http(s) URL (fetched and cached for `jwksTtlMs`). */
  jwks: Jwks | string | URL;
  /** Kratos's public URL: the `iss` Kratos writes. */
  issuer: string;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (default 0). */
  leeway?: number;
  /** How long a fetched JWKS is kept, in ms (default 10 minutes). */
  jwksTtlMs?: number;
  /** The oldest `iat` accepted, in seconds (default one day). */
  maxTokenAge?: number;
}

/** A token that passed verification: what {@link Gate.decide} takes as whoami. Frozen. */
export interface VerifiedToken {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly header: Readonly<Record<string, unknown>>;
}

/** Why a token was refused: `AalgateError` with code `token` and this `reason`. */
export type TokenRefusal =
  | 'malformed'
  | 'oversized'
  | 'algorithm'
  | 'unsupported'
  | 'unknown_key'
  | 'signature'
  | 'expired'
  | 'too_old'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'issuer'
  | 'claims'
  | 'jwks_unavailable';

export interface TokenVerifier {
  /**
   * Verifies a compact JWS. Rejects with an `AalgateError` (code `token`, `reason` a
   * {@link TokenRefusal}).
   */
  verify(token: unknown, options?: { now?: number | Date }): Promise<VerifiedToken>;
}

/** @throws {AalgateError} `tokens.<option>` for invalid options. */
export declare function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier;

export type { AalgateError };
