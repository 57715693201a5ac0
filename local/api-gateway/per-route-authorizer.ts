import type { TokenAuthorizerFunction } from './model.ts';

/**
 * The classic authorizer blueprint's policy: it verifies the token like ours (it wraps our
 * authorizer), then allows `event.methodArn` only, the one route just called. Behind API
 * Gateway's cache that answer is reused for the next route the same token calls, which then
 * gets 403 "User is not authorized to access this resource" until the TTL ends
 * (docs/api-gateway-authorizers.md C5). Kept to show that trap: the contract tests, the
 * benchmark and `npm start -- --authorizer per-route` run it.
 */
export function perRouteAuthorizer(verify: TokenAuthorizerFunction): TokenAuthorizerFunction {
  return async (event) => {
    const result = await verify(event);
    return {
      ...result,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
    };
  };
}
