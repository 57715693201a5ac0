import { TokenRejected } from '../issuers/token-rejected.ts';

/** What the issuer's entry asks of the registered claims, as jose's `jwtVerify` options say it. */
export interface RegisteredClaimRules {
  /** The exact `iss` (a tenant template's, filled in). */
  readonly issuer: string;
  /** Accepted `aud` values; empty: `aud` is not checked (the issuer sends none). */
  readonly audience: readonly string[];
  readonly clockToleranceSeconds: number;
}

/**
 * What jose's `jwtVerify` checks of the claims once the signature holds (its `validateClaimsSet`,
 * with the options jose-verifier.ts gives it: `issuer`, `audience`, `clockTolerance`,
 * `requiredClaims: ['exp', 'sub']`), in its order, for the synchronous path. Restated because
 * jose keeps it to itself, behind its asynchronous verify; the differential test holds the two
 * to the same verdicts.
 *
 * Presence first (`iss`, `aud`, `sub`, `exp`), then `iss` and `aud`'s values, then the times on
 * jose's clock (whole seconds): `iat` and `nbf` numbers when present, `nbf` not after now plus
 * the tolerance, `exp` a number and after now minus the tolerance. What jose leaves to us comes
 * after this, in src/issuers/claim-rules.ts.
 */
export function checkRegisteredClaims(
  claims: Readonly<Record<string, unknown>>,
  rules: RegisteredClaimRules,
  nowMs: number,
): void {
  const audience = rules.audience.length > 0;
  for (const claim of audience ? PRESENT_WITH_AUDIENCE : PRESENT)
    if (!Object.hasOwn(claims, claim))
      throw new TokenRejected('missing_claim', `"${claim}" missing`);
  if (claims.iss !== rules.issuer) throw new TokenRejected('unknown_issuer', '"iss" check_failed');
  if (audience && !namesOneOf(claims.aud, rules.audience))
    throw new TokenRejected('wrong_audience', '"aud" check_failed');
  checkTimes(claims, rules.clockToleranceSeconds, nowMs);
}

/**
 * The time checks alone, on a clock read now: what a token verified earlier must still pass
 * (verified-tokens.ts). Their types never change for a given token; whether they pass does.
 */
export function checkTimes(
  claims: Readonly<Record<string, unknown>>,
  toleranceSeconds: number,
  nowMs: number,
): void {
  // jose's clock: whole seconds, rounded down.
  const now = Math.floor(nowMs / 1000);
  const { iat, nbf, exp } = claims;
  if (iat !== undefined && typeof iat !== 'number')
    throw new TokenRejected('invalid_claim', '"iat" invalid');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') throw new TokenRejected('invalid_claim', '"nbf" invalid');
    if (nbf > now + toleranceSeconds)
      throw new TokenRejected('token_not_yet_valid', '"nbf" check_failed');
  }
  if (typeof exp !== 'number') throw new TokenRejected('invalid_claim', '"exp" invalid');
  if (exp <= now - toleranceSeconds) throw new TokenRejected('token_expired');
}

// jose checks presence in this order (the options' claims, reversed: iss, aud, sub, exp).
const PRESENT = ['iss', 'sub', 'exp'] as const;
const PRESENT_WITH_AUDIENCE = ['iss', 'aud', 'sub', 'exp'] as const;

/** jose's audience rule: a string that is one of ours, or a list naming at least one of ours. */
function namesOneOf(aud: unknown, audience: readonly string[]): boolean {
  if (typeof aud === 'string') return audience.includes(aud);
  if (Array.isArray(aud)) return audience.some((value) => aud.includes(value));
  return false;
}
