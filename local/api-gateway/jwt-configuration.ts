import type { IssuerRules } from '../../src/issuers/issuer-config.ts';
import { formatRefusal, gatewayScopes, nativePlanOfRules } from '../../tools/native-authorizer.ts';

/**
 * API Gateway's native JWT authorizer configuration (`JwtConfiguration` of an
 * `AWS::ApiGateway::Authorizer` of type JWT) as the local gateway emulates it: the configuration
 * packaging writes (tools/native-authorizer.ts, the one translation of the issuer entries), in
 * the model's shape. What the native authorizer cannot express is refused with packaging's own
 * messages, naming the entry, so the local native mode never runs a configuration a deploy would
 * refuse. One exception: the issuers' reachability. AWS fetches discovery and keys over the
 * public internet (https only); the local emulation fetches them from the local issuers, over
 * http on loopback.
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

/** The native configuration of these issuer rules; throws NativeConfigurationError, naming each entry. */
export function jwtConfigurationOf(rules: IssuerRules): JwtConfiguration {
  const plan = nativePlanOfRules(rules, { publicIssuers: false });
  if (!plan.ok) throw new NativeConfigurationError(plan.refusals.map(formatRefusal).join('\n'));
  const { DefaultAlgorithms, Issuers } = plan.jwtConfiguration;
  return {
    defaultAlgorithms: DefaultAlgorithms,
    issuers: Issuers.map((issuer, i) => {
      const entry = rules.issuers[i]!;
      return {
        issuer: issuer.Issuer,
        audiences: issuer.Audiences,
        additionalClaims: (issuer.AdditionalClaims ?? []).map((claim) => ({
          claimName: claim.ClaimName,
          format: claim.Format,
          expectedValues: claim.ExpectedValues,
          required: claim.Required,
        })),
        source: entry.source,
        ...(entry.jwksUrl ? { jwksUrl: entry.jwksUrl.href } : {}),
      };
    }),
  };
}

/** The method's `AuthorizationScopes`, as packaging writes them (tools/native-authorizer.ts). */
export const methodScopesOf = gatewayScopes;
