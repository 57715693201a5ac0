/**
 * How an issuer's access tokens are told from its ID tokens (OpenID Connect Core §2), from the
 * verified claims alone: any layer that holds the claims (this authorizer, or a handler behind a
 * gateway that verified the signature) applies the same rule. An ID token is signed with the same
 * keys and names the same issuer, and its `aud` is the client id of the application the user
 * signed in to, which some issuers also put in their access tokens' `aud`: without these marks,
 * one would pass as an access token carrying the user's roles. A token that fails any part is
 * refused (`wrong_token_type`); see `notAnAccessToken`.
 */
export interface AccessTokenMarks {
  /** Claims that only the issuer's ID tokens carry: a token holding any of them is refused. */
  readonly idTokenClaims: readonly string[];
  /** Claims that only its access tokens carry: a token must hold at least one. */
  readonly accessTokenClaims?: readonly string[];
  /** Claims whose value names the kind of token: each must be present with exactly that value. */
  readonly kindClaims?: Readonly<Record<string, string>>;
}

/**
 * Why these verified claims are not an access token by the issuer's marks, as a sentence for the
 * log; undefined when they are one. Pure, so that every layer applies the one rule.
 */
export function notAnAccessToken(
  marks: AccessTokenMarks,
  claims: Readonly<Record<string, unknown>>,
): string | undefined {
  for (const [claim, value] of Object.entries(marks.kindClaims ?? {}))
    if (claims[claim] !== value) return `"${claim}" is not "${value}"`;
  const idClaim = marks.idTokenClaims.find((claim) => Object.hasOwn(claims, claim));
  if (idClaim) return `"${idClaim}" is an ID token's claim`;
  const accessClaims = marks.accessTokenClaims;
  if (accessClaims && !accessClaims.some((claim) => Object.hasOwn(claims, claim)))
    return `none of ${accessClaims.map((c) => `"${c}"`).join(', ')}, one of which every access token carries`;
  return undefined;
}
