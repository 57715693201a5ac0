import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { isValidSubject, MAX_SUBJECT_LENGTH } from '../shared/subject.ts';
import type { IssuerConfig, IssuerRules } from './issuer-config.ts';
import { createIssuerSelection, type SelectedIssuer } from './issuer-selection.ts';
import { normaliseTyp } from './presets.ts';
import { notAnAccessToken } from './token-kind.ts';
import { TokenRejected } from './token-rejected.ts';

/** Claims whose signature, issuer, audience and expiry have been checked, and that every rule accepted. */
export interface AcceptedToken {
  readonly claims: JWTPayload & { sub: string; exp: number };
  /** The trusted issuer that signed it. */
  readonly issuer: IssuerConfig;
  /** The whole client id, from the issuer's client id claims (`clientIdOf`); '' when none. */
  readonly clientId: string;
}

/** The token's client id, from the first of the issuer's client id claims that holds a string. */
export const clientIdOf = (claims: JWTPayload, issuer: Pick<IssuerConfig, 'clientIdClaims'>) =>
  issuer.clientIdClaims
    .map((name) => claims[name])
    .find((v): v is string => typeof v === 'string') ?? '';

/**
 * The rules a signature check leaves to us, on claims whose signature has verified: the one
 * source of each preset rule, run by our authorizer after jose (layer 1), or by layer 2 behind
 * API Gateway's native JWT authorizer, which checks only the signature, `iss`, `aud`, `exp` and
 * exact string claims. In order: the token type (an ID token is refused as such before anything
 * else is said about it), the preset's required claims, the tenant, the client, a printable
 * `sub`, a finite `exp` at most the lifetime ahead, `iat` not in the future.
 *
 * `header` is undefined behind the native authorizer, which passes claims only: the `typ` rule
 * cannot run there, which is why packaging refuses such an entry in native mode unless its
 * preset tells access tokens from ID tokens by their claims (tools/native-authorizer.ts).
 */
export function assertClaimRules(
  payload: JWTPayload,
  header: ProtectedHeaderParameters | undefined,
  { config: issuer, tenant }: SelectedIssuer,
  clockToleranceSeconds: number,
  now: number,
): AcceptedToken {
  // jose compares one `typ`; an issuer may use several (Auth0: JWT or at+jwt).
  if (
    header &&
    issuer.tokenTypes &&
    !(typeof header.typ === 'string' && issuer.tokenTypes.includes(normaliseTyp(header.typ)))
  )
    throw new TokenRejected('wrong_token_type', `typ is not ${issuer.tokenTypes.join(' or ')}`);
  const notAccess = notAnAccessToken(issuer.accessToken, payload);
  if (notAccess) throw new TokenRejected('wrong_token_type', notAccess);
  for (const claim of issuer.requiredClaims)
    if (!Object.hasOwn(payload, claim))
      throw new TokenRejected('missing_claim', `"${claim}" missing`);
  if (tenant !== undefined && payload.tid !== tenant)
    throw new TokenRejected('tenant_not_allowed', '"tid" differs from the tenant of "iss"');
  const clientId = clientIdOf(payload, issuer);
  if (issuer.clientIds && !issuer.clientIds.includes(clientId))
    throw new TokenRejected(
      'client_not_allowed',
      `the client is not in ${issuer.source}.clientIds`,
    );

  const { sub, exp, iat } = payload;
  if (typeof sub !== 'string' || sub.length === 0)
    throw new TokenRejected('invalid_claim', '"sub" must be a non-empty string');
  if (!isValidSubject(sub))
    throw new TokenRejected(
      'invalid_claim',
      `"sub" must be printable and at most ${MAX_SUBJECT_LENGTH} characters`,
    );
  // JSON numbers such as 1e999 parse to Infinity, which jose accepts as a number: a token that
  // never expires. Only a finite expiry is one.
  if (typeof exp !== 'number' || !Number.isFinite(exp))
    throw new TokenRejected('invalid_claim', '"exp" must be finite');
  if (exp - now > issuer.maxTokenLifetimeSeconds + clockToleranceSeconds)
    throw new TokenRejected(
      'lifetime_too_long',
      `"exp" is more than ${issuer.maxTokenLifetimeSeconds} s ahead`,
    );
  // jose checks `iat` only for its type (or with maxTokenAge, which we do not use): a token
  // issued in the future was minted by a skewed or hostile clock.
  if (typeof iat === 'number' && iat - now > clockToleranceSeconds)
    throw new TokenRejected('issued_in_future', '"iat" is in the future');
  return { claims: payload as AcceptedToken['claims'], issuer, clientId };
}

/**
 * Layer 2's acceptance of the claims API Gateway's native JWT authorizer passed on (it verified
 * the signature with the issuer's keys and checked `iss`, `aud` and `exp`). What it does again,
 * because it costs next to nothing and the gateway's configuration could drift from
 * `AUTH_ISSUERS`: the issuer is one of ours (exactly, or a listed tenant), the audience is one
 * of the entry's. Then every rule of `assertClaimRules` but the header's. `now` in seconds.
 */
export function createGatewayClaimsAcceptor({ issuers, clockToleranceSeconds }: IssuerRules) {
  const select = createIssuerSelection(issuers);
  return (claims: JWTPayload, now: number): AcceptedToken => {
    const selected = select(claims.iss);
    const { audience } = selected.config;
    if (audience.length > 0) {
      const aud = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
      if (!Array.isArray(aud) || !aud.some((value) => audience.includes(value)))
        throw new TokenRejected('wrong_audience', '"aud" names none of the entry\'s audiences');
    }
    // jose's rule, which our authorizer applies: a NumericDate present must be a number.
    for (const name of ['nbf', 'iat'] as const)
      if (claims[name] !== undefined && !Number.isFinite(claims[name]))
        throw new TokenRejected('invalid_claim', `"${name}" invalid`);
    if (typeof claims.nbf === 'number' && claims.nbf - now > clockToleranceSeconds)
      throw new TokenRejected('token_not_yet_valid', '"nbf" is in the future');
    return assertClaimRules(claims, undefined, selected, clockToleranceSeconds, now);
  };
}
