import type { JWTPayload } from 'jose';
import { isScopeToken } from '../shared/scopes.ts';
import type { IssuerConfig } from './config.ts';
import type { ClaimPath } from './presets.ts';
import type { VerifiedToken } from './verify-token.ts';

/**
 * The contract between layer 1 and layer 2: what the authorizer hands API Gateway as `context`,
 * which the handler reads from `event.requestContext.authorizer`. API Gateway accepts only
 * string, number and boolean values here (an object or array makes it answer 500) and turns
 * every value into a string on the way to the integration. Keep it small: it is cached per
 * token with the policy, and every key is documented in README §Authorizer context. The keys
 * are the same whatever the issuer: layer 2 never knows which auth server a caller came from.
 */
export interface AuthorizerContext {
  [key: string]: string | number | boolean;
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
}

// API Gateway documents no size limit for a REST authorizer's result; its WebSocket quota is
// 8 KB, the only published figure. The scope string is the part a token controls the size of
// (thousands of roles), so it gets 4 KB and the rest of the context stays well under 1 KB.
export const MAX_SCOPE_LENGTH = 4096;

export interface ContextResult {
  readonly context: AuthorizerContext;
  /** Scopes left out to keep the context within its size: a route needing one answers 403. */
  readonly scopesDropped: number;
}

export function claimsToContext({ claims, issuer }: VerifiedToken): ContextResult {
  const { scope, dropped } = scopeString(scopesFrom(claims, issuer.scopeClaims));
  return {
    context: {
      sub: claims.sub,
      scope,
      exp: claims.exp,
      iss: claims.iss ?? '',
      clientId: clientIdOf(claims, issuer).slice(0, 256),
    },
    scopesDropped: dropped,
  };
}

export const clientIdOf = (claims: JWTPayload, issuer: Pick<IssuerConfig, 'clientIdClaims'>) =>
  issuer.clientIdClaims
    .map((name) => claims[name])
    .find((v): v is string => typeof v === 'string') ?? '';

/**
 * The unique scope names the sources hold, in order. A source's value may be a space-separated
 * string (RFC 8693 `scope`, Entra's `scp`), an array of names (`scp`, `roles`, `permissions`),
 * or an object whose keys are the names (ZITADEL's project roles). Anything that is not an RFC
 * 6749 §3.3 scope token is dropped, so a crafted claim cannot smuggle separators downstream.
 */
export function scopesFrom(claims: JWTPayload, sources: readonly ClaimPath[]): string[] {
  const scopes = new Set<string>();
  for (const source of sources) {
    const value = valueAt(claims, source);
    const names =
      typeof value === 'string'
        ? value.split(' ')
        : Array.isArray(value)
          ? value
          : typeof value === 'object' && value !== null
            ? Object.keys(value)
            : [];
    for (const name of names) if (isScopeToken(name)) scopes.add(name);
  }
  return [...scopes];
}

function valueAt(claims: JWTPayload, path: ClaimPath): unknown {
  let value: unknown = claims;
  for (const key of typeof path === 'string' ? [path] : path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
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
