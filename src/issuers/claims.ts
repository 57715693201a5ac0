import type { JWTPayload } from 'jose';
import type { CallerClaims } from '../shared/context-codec.ts';
import { isScopeToken } from '../shared/scopes.ts';
import type { AcceptedToken } from './claim-rules.ts';
import type { ClaimPath } from './presets.ts';

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

/** Who is calling, from accepted claims: what layer 1 encodes into the context, and layer 2 reads. */
export const callerClaims = ({ claims, issuer, clientId }: AcceptedToken): CallerClaims => ({
  sub: claims.sub,
  scopes: scopesFrom(claims, issuer.scopeClaims),
  exp: claims.exp,
  iss: claims.iss ?? '',
  clientId,
});
