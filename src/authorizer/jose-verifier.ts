import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  type ProtectedHeaderParameters,
} from 'jose';
import { assertClaimRules } from '../issuers/claim-rules.ts';
import type { IssuerConfig, IssuerRules } from '../issuers/issuer-config.ts';
import { createIssuerSelection } from '../issuers/issuer-selection.ts';
import { PRESETS } from '../issuers/presets.ts';
import { TokenRejected, type RejectCode } from '../issuers/token-rejected.ts';
import { assertCompactJws, MAX_TOKEN_LENGTH } from './compact-jws.ts';
import { AuthorizerFailure } from './errors.ts';
import type { Clock, VerifiedToken } from './verified-token.ts';

// When several keys of the JWKS match a token (no `kid` during a rotation, or two entries with
// one `kid`), each is tried in turn. A rotation publishes the previous, current and next key of
// a type at most; a fourth leaves room for a spare. Each candidate costs one signature check, so
// the bound keeps a crowded key set from turning one token into many verifications.
const MAX_CANDIDATE_KEYS = 4;

interface PreparedIssuer {
  readonly getKey: JWTVerifyGetKey;
  readonly options: JWTVerifyOptions;
}

/**
 * Verifies a compact JWS access token with jose, in this order:
 * 1. the one canonical spelling of a compact JWS (compact-jws.ts);
 * 2. the trusted issuer its `iss` names (issuer-selection.ts), and that issuer's header rules;
 * 3. jose: the signature with that issuer's keys, its algorithm allowlist (checked before any key
 *    is looked up), `iss`, `aud`, `exp` and `nbf` with the clock tolerance, `exp` and `sub` present;
 * 4. what jose leaves to us, the preset rules both layers share (src/issuers/claim-rules.ts).
 *
 * The reference the synchronous path (sync-verifier.ts) is held to, token for token, by the
 * differential test; and the path every token takes that the synchronous one leaves to jose:
 * while the key set is loading, refreshing or failing, an unknown `kid`, a key jose would not
 * import. `now`: a clock, in milliseconds, for jose's and the claim rules' both (tests); unset,
 * each reads the time when it checks, after any key fetch.
 */
export function createJoseVerifier(
  config: IssuerRules,
  keysFor: (issuer: IssuerConfig) => JWTVerifyGetKey,
  now?: Clock,
) {
  const select = createIssuerSelection(config.issuers);
  const prepared = new Map<IssuerConfig, PreparedIssuer>(
    config.issuers.map((issuer) => [
      issuer,
      {
        getKey: keysFor(issuer),
        options: {
          issuer: issuer.issuer,
          ...(issuer.audience.length ? { audience: [...issuer.audience] } : {}),
          algorithms: [...issuer.algorithms],
          clockTolerance: config.clockToleranceSeconds,
          // jose checks `exp` only when present unless told; a token without `sub` has no
          // principal to hand to API Gateway. The preset's own required claims come after the
          // token type (claim-rules.ts): an ID token lacks them too, and is to be named as one.
          requiredClaims: ['exp', 'sub'],
        },
      },
    ]),
  );

  return async function verifyToken(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_LENGTH)
      throw new TokenRejected(
        'malformed_token',
        'token is longer than any header API Gateway accepts',
      );
    assertCompactJws(token);
    const selected = select(unverifiedClaims(token).iss);
    const { checkHeader } = PRESETS[selected.config.preset];
    if (checkHeader) checkHeader(unverifiedHeader(token));
    const { getKey, options } = prepared.get(selected.config)!;
    const at = now?.();
    const verifyOptions = {
      ...options,
      ...(selected.tenant ? { issuer: selected.iss } : {}),
      ...(at === undefined ? {} : { currentDate: new Date(at) }),
    };
    let result: JWTVerifyResult;
    try {
      result = await jwtVerify(token, getKey, verifyOptions);
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw classifyVerifyError(error);
      result = await verifyWithCandidates(token, error, verifyOptions);
    }
    const { payload, protectedHeader } = result;
    const accepted = assertClaimRules(
      payload,
      protectedHeader,
      selected,
      config.clockToleranceSeconds,
      (at ?? Date.now()) / 1000,
    );
    return { ...accepted, header: protectedHeader };
  };
}

// Header and claims before any verification: only to choose whose keys and rules apply.
function unverifiedClaims(token: string): JWTPayload {
  try {
    return decodeJwt(token);
  } catch (cause) {
    throw new TokenRejected('malformed_token', 'the claims are not a JSON object', { cause });
  }
}

function unverifiedHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch (cause) {
    throw new TokenRejected('malformed_token', 'the header is not a JSON object', { cause });
  }
}

/**
 * jose leaves a choice between several matching keys to the caller: its error yields each
 * candidate. The first that verifies wins; a signature that none verifies is the token's fault.
 */
async function verifyWithCandidates(
  token: string,
  candidates: errors.JWKSMultipleMatchingKeys,
  options: JWTVerifyOptions,
): Promise<JWTVerifyResult> {
  let tried = 0;
  for await (const key of candidates) {
    if (tried === MAX_CANDIDATE_KEYS)
      throw new TokenRejected(
        'ambiguous_key',
        `more than ${MAX_CANDIDATE_KEYS} keys of the JWKS match the token`,
      );
    tried += 1;
    try {
      return await jwtVerify(token, key, options);
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed))
        throw classifyVerifyError(error);
    }
  }
  throw new TokenRejected('bad_signature', 'no matching key verifies the signature');
}

const CLAIM_CODES: Readonly<Record<string, RejectCode>> = {
  nbf: 'token_not_yet_valid',
  iss: 'unknown_issuer',
  aud: 'wrong_audience',
  typ: 'wrong_token_type',
};

function classifyVerifyError(error: unknown): Error {
  if (error instanceof AuthorizerFailure || error instanceof TokenRejected) return error;
  if (error instanceof errors.JWTExpired)
    return new TokenRejected('token_expired', undefined, { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    // `check_failed`: the value is well-formed but wrong (expired, another issuer...);
    // `invalid`: it is not even the right type, whatever claim it is.
    const code =
      error.reason === 'missing'
        ? 'missing_claim'
        : error.reason === 'check_failed'
          ? (CLAIM_CODES[error.claim] ?? 'invalid_claim')
          : 'invalid_claim';
    return new TokenRejected(code, `"${error.claim}" ${error.reason}`, { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new TokenRejected('alg_not_allowed', undefined, { cause: error });
  if (error instanceof errors.JWKSNoMatchingKey)
    return new TokenRejected('unknown_kid', undefined, { cause: error });
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRejected('bad_signature', undefined, { cause: error });
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
