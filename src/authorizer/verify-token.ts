import {
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import type { AuthorizerConfig } from './config.ts';
import { AuthorizerFailure, TokenRejected, type RejectReason } from './errors.ts';

export interface VerifiedToken {
  readonly claims: JWTPayload & { sub: string; exp: number };
  readonly header: ProtectedHeaderParameters;
}

// API Gateway REST caps all request headers together at 10,240 bytes, so a longer token cannot
// arrive through the gateway: refusing it before any parsing bounds the work a caller can cause.
export const MAX_TOKEN_LENGTH = 10_240;

/**
 * Verifies a compact JWS access token with jose: signature against the issuer's keys, the
 * algorithm allowlist (checked by jose before any key is looked up), `iss`, `aud`, `exp` and
 * `nbf` with the clock tolerance. `exp` and `sub` are required: jose checks `exp` only when it is
 * present unless told, and a token without `sub` has no principal to hand to API Gateway.
 */
export function createTokenVerifier(config: AuthorizerConfig, getKey: JWTVerifyGetKey) {
  const options = {
    issuer: config.issuer,
    audience: [...config.audience],
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
    ...(config.tokenType ? { typ: config.tokenType } : {}),
  };

  return async function verifyToken(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_LENGTH)
      throw new TokenRejected(
        'malformed_token',
        'token is longer than any header API Gateway accepts',
      );
    let result;
    try {
      result = await jwtVerify(token, getKey, options);
    } catch (error) {
      throw classifyVerifyError(error);
    }
    const { payload, protectedHeader } = result;
    // jose checks that `sub` is present; the principal must also be a non-empty string.
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new TokenRejected('invalid_claim', '"sub" must be a non-empty string');
    }
    // JSON numbers such as 1e999 parse to Infinity, which jose accepts as a number: a token that
    // never expires. Only a finite expiry is one.
    if (!Number.isFinite(payload.exp)) {
      throw new TokenRejected('invalid_claim', '"exp" must be a finite number');
    }
    return { claims: payload as VerifiedToken['claims'], header: protectedHeader };
  };
}

const CLAIM_REASONS: Readonly<Record<string, RejectReason>> = {
  nbf: 'token_not_yet_valid',
  iss: 'wrong_issuer',
  aud: 'wrong_audience',
  typ: 'wrong_token_type',
};

function classifyVerifyError(error: unknown): Error {
  if (error instanceof AuthorizerFailure) return error;
  if (error instanceof errors.JWTExpired)
    return new TokenRejected('token_expired', undefined, { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    // `check_failed`: the value is well-formed but wrong (expired, another issuer...);
    // `invalid`: it is not even the right type, whatever claim it is.
    const reason =
      error.reason === 'missing'
        ? 'missing_claim'
        : error.reason === 'check_failed'
          ? (CLAIM_REASONS[error.claim] ?? 'invalid_claim')
          : 'invalid_claim';
    return new TokenRejected(reason, `"${error.claim}" ${error.reason}`, { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new TokenRejected('alg_not_allowed', undefined, { cause: error });
  if (error instanceof errors.JWKSNoMatchingKey)
    return new TokenRejected('unknown_kid', undefined, { cause: error });
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new TokenRejected('bad_signature', undefined, { cause: error });
  }
  if (error instanceof errors.JOSENotSupported)
    return new TokenRejected('unsupported_token', error.message, { cause: error });
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new TokenRejected('malformed_token', error.message, { cause: error });
  }
  // Not a token problem we recognise (a bug, a key jose could not import): fail without caching.
  return new AuthorizerFailure(
    'internal_error',
    error instanceof Error ? error.message : 'verification failed',
    { cause: error },
  );
}
