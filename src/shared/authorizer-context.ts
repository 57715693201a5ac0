/**
 * The contract between layer 1 and layer 2: what the authorizer hands API Gateway as `context`,
 * and what the handler reads from `event.requestContext.authorizer`. Both layers import these
 * keys from here and from nowhere else.
 *
 * API Gateway accepts only string, number and boolean values here (an object or array makes it
 * answer 500) and hands every value to the integration as a string, with `principalId` and
 * `integrationLatency` added (docs/api-gateway-authorizers.md, § Context). Keep it small: it is
 * cached per token with the policy. The keys are the same whatever the issuer: layer 2 never
 * knows which auth server a caller came from.
 */
export type AuthorizerContext = {
  /** The token's subject; also the policy's principalId. */
  sub: string;
  /**
   * Granted scopes, space-separated, from the claims the issuer's preset names (scopes, roles,
   * permissions: whatever a route's `x-scopes` may ask for). Empty string when none.
   */
  scope: string;
  /** Token expiry (seconds since the epoch): layer 2 refuses once it has passed, whatever the cache says. */
  exp: number;
  iss: string;
  /** The OAuth client the token was issued to; empty when absent. */
  clientId: string;
};

/** The context as a handler receives it: each value stringified by API Gateway, or missing. */
export type ReceivedAuthorizerContext = { readonly [K in keyof AuthorizerContext]?: unknown };
