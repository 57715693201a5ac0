import { scopesFromClaims } from '../shared/scopes.ts';
import type { VerifiedToken } from './verify-token.ts';

/**
 * The contract between layer 1 and layer 2: what the authorizer hands API Gateway as `context`,
 * which the handler reads from `event.requestContext.authorizer`. API Gateway accepts only
 * string, number and boolean values here (an object or array makes it answer 500) and turns
 * every value into a string on the way to the integration. Keep it small: it is cached per
 * token with the policy, and every key is documented in README §Authorizer context.
 */
export interface AuthorizerContext {
  [key: string]: string | number | boolean;
  /** The token's subject; also the policy's principalId. */
  sub: string;
  /** Granted scopes, space-separated, from `scope` or `scp`. Empty string when none. */
  scope: string;
  /** Token expiry (seconds since the epoch): layer 2 refuses once it has passed, whatever the cache says. */
  exp: number;
  iss: string;
  /** The OAuth client the token was issued to (`client_id`, `azp` or `cid`); empty when absent. */
  clientId: string;
}

const firstString = (...values: unknown[]): string =>
  values.find((v): v is string => typeof v === 'string') ?? '';

export function claimsToContext({ claims }: VerifiedToken): AuthorizerContext {
  return {
    sub: claims.sub,
    scope: scopesFromClaims(claims).join(' '),
    exp: claims.exp,
    iss: claims.iss ?? '',
    clientId: firstString(claims.client_id, claims.azp, claims.cid).slice(0, 256),
  };
}
