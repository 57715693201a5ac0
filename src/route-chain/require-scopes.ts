import type { MiddlewareObj } from '@middy/core';
import { missingScopes } from '../shared/scopes.ts';
import { insufficientScope } from '../shared/problems.ts';
import type { RouteContext } from './route-context.ts';

/**
 * Layer 2's authorization: the caller must hold every scope the route's schema lists. Runs
 * before the body is parsed, so a caller without the scopes costs us no parsing.
 */
export function requireScopes(
  required: readonly string[],
): MiddlewareObj<unknown, unknown, Error, RouteContext> {
  return {
    before: ({ context }) => {
      const missing = missingScopes(required, context.caller.scopes);
      if (missing.length > 0) throw insufficientScope(required, missing);
    },
  };
}
