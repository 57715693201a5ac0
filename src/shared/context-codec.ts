import { invalidToken } from './problems.ts';
import { parseScopeString } from './scopes.ts';
import { isValidSubject } from './subject.ts';

/**
 * Who is calling, the one thing layer 1 tells layer 2, and its wire format: our authorizer
 * encodes it into the authorizer `context` (`encodeContext`), each handler decodes it back
 * (`decodeContext`). Behind API Gateway's native JWT authorizer there is no context: layer 2
 * builds the same caller from the typed claims the gateway passes (src/issuers/claims.ts
 * `callerClaims`, then `callerOf`), so a route never knows which layer 1 ran.
 *
 * API Gateway accepts only string, number and boolean context values (an object or array makes
 * it answer 500) and hands every value to the integration as a string, with `principalId` and
 * `integrationLatency` added. It documents no size limit for a REST authorizer's result (its
 * WebSocket quota, 8 KB, is the only published figure): the context is cached per token with the
 * policy, so it stays small. The limits below are the documented bounds of the round trip:
 * decodeContext(encodeContext(x)) gives back x's `sub`, `exp` and `iss` exactly, its scopes up to
 * MAX_SCOPE_LENGTH characters (whole scopes, in order), and its client id's first
 * MAX_CLIENT_ID_LENGTH characters.
 */

/** The caller as the rest of layer 2 sees it. */
export interface Caller {
  readonly sub: string;
  readonly scopes: ReadonlySet<string>;
  /** Token expiry, seconds since the epoch. */
  readonly exp: number;
  readonly iss: string;
  readonly clientId: string;
}

/** The caller's claims before encoding: scopes in order, the whole client id. */
export interface CallerClaims {
  readonly sub: string;
  /** Scope tokens (RFC 6749 §3.3), unique, in the order the issuer's claims gave them. */
  readonly scopes: readonly string[];
  readonly exp: number;
  readonly iss: string;
  /** The OAuth client the token was issued to; empty when absent. */
  readonly clientId: string;
}

/** The context our authorizer hands API Gateway. The keys are the same whatever the issuer. */
export type AuthorizerContext = {
  /** The token's subject; also the policy's principalId. */
  sub: string;
  /** Granted scopes, space-separated (scopes, roles, permissions: what `x-scopes` may ask for). */
  scope: string;
  /** Token expiry (seconds since the epoch): layer 2 refuses once it has passed, whatever the cache says. */
  exp: number;
  iss: string;
  clientId: string;
};

/** The context as a handler receives it: each value stringified by API Gateway, or missing. */
export type ReceivedAuthorizerContext = { readonly [K in keyof AuthorizerContext]?: unknown };

// The scope string is the part a token controls the size of (hundreds of roles), so it gets 4 KB
// and the rest of the context stays well under 1 KB.
export const MAX_SCOPE_LENGTH = 4096;
// Client ids are UUIDs or shorter at every issuer we know; a longer one is cut, not refused (the
// allowlist and the usage plan already saw the whole id in layer 1).
export const MAX_CLIENT_ID_LENGTH = 256;
// 9999-12-31T23:59:59Z: the last expiry an ISO 8601 date with a four-digit year can show. API
// Gateway hands `exp` over as text in whatever notation it chose ("1.0E21" is Java's), and layer
// 1 bounds it by the token lifetime; anything beyond is not an expiry and must not reach a Date.
export const LATEST_EXPIRY = 253_402_300_799;

export interface EncodedContext {
  readonly context: AuthorizerContext;
  /** Scopes left out to keep the context within its size: a route needing one answers 403. */
  readonly scopesDropped: number;
}

/** Layer 1: the caller as the authorizer context. */
export function encodeContext({ sub, scopes, exp, iss, clientId }: CallerClaims): EncodedContext {
  const kept = scopesThatFit(scopes);
  return {
    context: {
      sub,
      scope: scopes.slice(0, kept).join(' '),
      exp,
      iss,
      clientId: clientId.slice(0, MAX_CLIENT_ID_LENGTH),
    },
    scopesDropped: scopes.length - kept,
  };
}

/**
 * Layer 2: the authorizer context back into the caller. The one place it is parsed: nothing else
 * reads `requestContext.authorizer`. Fails closed with 401 `invalid_token` as `callerOf` does, and
 * when there is no context at all (the route was deployed without an authorizer).
 */
export function decodeContext(
  received: ReceivedAuthorizerContext | null | undefined,
  nowMs: number,
): Caller {
  const sub = received?.sub;
  if (typeof sub !== 'string' || sub === '')
    throw invalidToken(
      'No authorizer context: this route must be called through the API Gateway authorizer',
    );
  const text = (key: 'scope' | 'iss' | 'clientId') => {
    const value = received?.[key];
    return typeof value === 'string' ? value : '';
  };
  return checkedCaller(
    sub,
    parseScopeString(text('scope')),
    Number(received?.exp),
    text('iss'),
    text('clientId'),
    nowMs,
  );
}

/**
 * Layer 2 behind the native JWT authorizer: accepted claims as the caller, checked as
 * decodeContext checks, and within the same bounds as the round trip through our context, so
 * that a route answers a token alike behind either layer 1.
 */
export function callerOf(claims: CallerClaims, nowMs: number): Caller {
  const kept = scopesThatFit(claims.scopes);
  return checkedCaller(
    claims.sub,
    new Set(kept === claims.scopes.length ? claims.scopes : claims.scopes.slice(0, kept)),
    claims.exp,
    claims.iss,
    claims.clientId.slice(0, MAX_CLIENT_ID_LENGTH),
    nowMs,
  );
}

/**
 * Fails closed with 401 `invalid_token`:
 * - a `sub` that breaks layer 1's rule (src/shared/subject.ts): this layer stores it as
 *   `createdBy`, so it holds to the rule whatever put the context there;
 * - `exp` already past: API Gateway's result cache can outlive the token by up to the TTL, so
 *   every request re-checks expiry here (no clock tolerance: layer 1 already granted its few seconds).
 */
function checkedCaller(
  sub: string,
  scopes: ReadonlySet<string>,
  exp: number,
  iss: string,
  clientId: string,
  nowMs: number,
): Caller {
  if (!isValidSubject(sub)) throw invalidToken('The authorizer context has no valid subject');
  if (!(exp > 0 && exp <= LATEST_EXPIRY))
    throw invalidToken('The authorizer context has no valid expiry');
  if (exp * 1000 <= nowMs) throw invalidToken('The access token has expired');
  return { sub, scopes, exp, iss, clientId };
}

/** How many scopes, from the first, fit space-separated in MAX_SCOPE_LENGTH (whole scopes only). */
function scopesThatFit(scopes: readonly string[]): number {
  let length = -1;
  let kept = 0;
  for (const scope of scopes) {
    if (length + 1 + scope.length > MAX_SCOPE_LENGTH) break;
    length += 1 + scope.length;
    kept += 1;
  }
  return kept;
}
