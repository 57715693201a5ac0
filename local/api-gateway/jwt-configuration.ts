import type { IssuerConfig, IssuerRules } from '../../src/issuers/issuer-config.ts';
import { TENANT_PLACEHOLDER } from '../../src/issuers/presets.ts';

/**
 * API Gateway's native JWT authorizer configuration (`JwtConfiguration` of an
 * `AWS::ApiGateway::Authorizer` of type JWT) as the local gateway emulates it, derived from the
 * same issuer entries both layers read (`AUTH_ISSUERS`, through loadIssuerRules): each issuer
 * with its audiences and the preset's exact string claims, one list of algorithms for all.
 * What the native authorizer cannot express is refused here, naming the entry, so the local
 * native mode never runs a configuration a deploy would refuse. One exception: the issuers'
 * reachability. AWS fetches discovery and keys over the public internet (https only); the local
 * emulation fetches them from the local issuers, over http on loopback.
 *
 * Everything the gateway cannot check is left to layer 2, which applies every preset rule to
 * the claims the gateway passes (src/issuers/claim-rules.ts).
 */
export interface JwtAdditionalClaim {
  readonly claimName: string;
  /** The only format AWS offers: the claim is one string. */
  readonly format: 'SINGLE_STRING';
  /** Exact, case-sensitive values; the token's must be one of them. */
  readonly expectedValues?: readonly string[];
  /** The claim must be present (AWS's default is false). */
  readonly required?: boolean;
}

export interface JwtIssuer {
  /** Compared exactly with `iss`, trailing slash included. */
  readonly issuer: string;
  /** The token's `aud` must contain at least one. */
  readonly audiences: readonly string[];
  readonly additionalClaims: readonly JwtAdditionalClaim[];
  /** Where the entry came from, for messages (`AUTH_ISSUERS[1]`). */
  readonly source: string;
  /**
   * The JWKS location the entry names, if any: the native authorizer reads `jwks_uri` from
   * discovery only, so a different one is refused when discovery is read.
   */
  readonly jwksUrl?: string;
}

export interface JwtConfiguration {
  /** One list for every issuer (`DefaultAlgorithms`): RS256/384/512, ES256/384/512 only. */
  readonly defaultAlgorithms: readonly string[];
  readonly issuers: readonly JwtIssuer[];
}

export class NativeConfigurationError extends Error {
  override readonly name = 'NativeConfigurationError';
}

export const NATIVE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];

// Claims AWS reserves: an additional claim may not name them.
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'scope', 'scp']);

/** The native configuration of these issuer rules; throws NativeConfigurationError, naming the entry. */
export function jwtConfigurationOf({ issuers }: IssuerRules): JwtConfiguration {
  const refuse = (entry: IssuerConfig, why: string) => {
    throw new NativeConfigurationError(`${entry.source}: ${why}`);
  };
  const first = issuers[0];
  if (!first) throw new NativeConfigurationError('no issuer to trust');
  const algorithms = [...first.algorithms].sort();
  for (const entry of issuers) {
    if (entry.issuer.includes(TENANT_PLACEHOLDER))
      refuse(
        entry,
        `the native JWT authorizer matches the issuer exactly: a ${TENANT_PLACEHOLDER} template cannot be expressed`,
      );
    if (entry.preset === 'cognito')
      refuse(
        entry,
        'Cognito access tokens carry no aud, which the native JWT authorizer of a REST API requires',
      );
    if (entry.audience.length === 0) refuse(entry, 'the native JWT authorizer requires audiences');
    const other = entry.algorithms.find((alg) => !NATIVE_ALGORITHMS.includes(alg));
    if (other)
      refuse(
        entry,
        `the native JWT authorizer accepts ${NATIVE_ALGORITHMS.join(', ')} only, not ${other}: list "algorithms" without it`,
      );
    if ([...entry.algorithms].sort().join() !== algorithms.join())
      refuse(
        entry,
        `the native JWT authorizer has one algorithm list for every issuer, and ${first.source} lists ${first.algorithms.join(', ')}`,
      );
    const { accessTokenClaims = [], kindClaims = {} } = entry.accessToken;
    if (entry.tokenTypes && accessTokenClaims.length === 0 && Object.keys(kindClaims).length === 0)
      refuse(
        entry,
        `preset ${entry.preset} tells an access token from an ID token by its typ header (${entry.tokenTypes.join(' or ')}), which the native JWT authorizer neither checks nor passes to layer 2`,
      );
  }
  return {
    defaultAlgorithms: algorithms,
    issuers: issuers.map((entry) => ({
      issuer: entry.issuer,
      audiences: entry.audience,
      // What a preset marks its access tokens with, where the mark is an exact string claim
      // (Keycloak's typ: Bearer): the gateway refuses an ID token before layer 2 sees it.
      additionalClaims: Object.entries(entry.accessToken.kindClaims ?? {})
        .filter(([name]) => !RESERVED_CLAIMS.has(name))
        .map(([claimName, value]) => ({
          claimName,
          format: 'SINGLE_STRING' as const,
          expectedValues: [value],
          required: true,
        })),
      source: entry.source,
      ...(entry.jwksUrl ? { jwksUrl: entry.jwksUrl.href } : {}),
    })),
  };
}

/**
 * The method's `AuthorizationScopes`. The native authorizer lets a token through with any one
 * of them, read from `scope` or `scp`; a route's `x-scopes` are all required. So a method gets
 * the route's scope only when the route requires exactly one, and only when every issuer's
 * scopes are in `scope`/`scp` (a scope held as a role or permission would be refused at the
 * gateway). Otherwise none: layer 2 enforces every scope in either case.
 */
export function methodScopesOf(
  routeScopes: readonly string[],
  { issuers }: Pick<IssuerRules, 'issuers'>,
): string[] {
  const fromScopeClaims = issuers.every((entry) =>
    entry.scopeClaims.every((claim) => claim === 'scope' || claim === 'scp'),
  );
  return routeScopes.length === 1 && fromScopeClaims ? [...routeScopes] : [];
}
