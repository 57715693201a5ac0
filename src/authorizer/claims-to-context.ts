import type { AuthorizerContext } from '../shared/authorizer-context.ts';
import { scopesFrom } from './claims.ts';
import type { VerifiedToken } from './verify-token.ts';

// API Gateway documents no size limit for a REST authorizer's result; its WebSocket quota is
// 8 KB, the only published figure. The scope string is the part a token controls the size of
// (hundreds of roles), so it gets 4 KB and the rest of the context stays well under 1 KB.
export const MAX_SCOPE_LENGTH = 4096;

export interface ContextResult {
  readonly context: AuthorizerContext;
  /** Scopes left out to keep the context within its size: a route needing one answers 403. */
  readonly scopesDropped: number;
}

/** A verified token's claims as the authorizer context (src/shared/authorizer-context.ts). */
export function claimsToContext({ claims, issuer, clientId }: VerifiedToken): ContextResult {
  const { scope, dropped } = scopeString(scopesFrom(claims, issuer.scopeClaims));
  return {
    context: {
      sub: claims.sub,
      scope,
      exp: claims.exp,
      iss: claims.iss ?? '',
      clientId: clientId.slice(0, 256),
    },
    scopesDropped: dropped,
  };
}

/** Space-separated, cut after the last whole scope that fits in MAX_SCOPE_LENGTH. */
function scopeString(scopes: readonly string[]): { scope: string; dropped: number } {
  let length = -1;
  let kept = 0;
  for (const scope of scopes) {
    if (length + 1 + scope.length > MAX_SCOPE_LENGTH) break;
    length += 1 + scope.length;
    kept += 1;
  }
  return { scope: scopes.slice(0, kept).join(' '), dropped: scopes.length - kept };
}
