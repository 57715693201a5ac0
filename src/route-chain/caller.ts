import type { ReceivedAuthorizerContext } from '../shared/authorizer-context.ts';
import { parseScopeString } from '../shared/scopes.ts';
import { isValidSubject } from '../shared/subject.ts';
import { invalidToken } from '../shared/problems.ts';

/** The authenticated caller, as layer 1 described it in the authorizer context. */
export interface Caller {
  readonly sub: string;
  readonly scopes: ReadonlySet<string>;
  /** Token expiry, seconds since the epoch. */
  readonly exp: number;
  readonly iss: string;
  readonly clientId: string;
}

// 9999-12-31T23:59:59Z: the last expiry an ISO 8601 date with a four-digit year can show. API
// Gateway hands `exp` over as text in whatever notation it chose ("1.0E21" is Java's), and layer
// 1 bounds it by the token lifetime; anything beyond is not an expiry and must not reach a Date.
const LATEST_EXPIRY = 253_402_300_799;

/**
 * The one place the authorizer context is parsed. API Gateway hands every context value to the
 * integration as a string (`exp` arrives as "1767225600"), so nothing else reads
 * `requestContext.authorizer` directly.
 *
 * Fails closed with 401 `invalid_token`:
 * - no context at all: the route was deployed without the authorizer;
 * - a `sub` that breaks layer 1's rule (src/shared/subject.ts): this layer stores it as
 *   `createdBy`, so it holds to the rule whatever put the context there;
 * - `exp` already past: API Gateway's result cache can outlive the token by up to the TTL, so
 *   every request re-checks expiry here (no clock tolerance: layer 1 already granted its few seconds).
 */
export function callerFromAuthorizerContext(
  authorizer: ReceivedAuthorizerContext | null | undefined,
  nowMs: number,
): Caller {
  const sub = authorizer?.sub;
  if (typeof sub !== 'string' || sub === '')
    throw invalidToken(
      'No authorizer context: this route must be called through the API Gateway authorizer',
    );
  if (!isValidSubject(sub)) throw invalidToken('The authorizer context has no valid subject');
  const exp = Number(authorizer?.exp);
  if (!(exp > 0 && exp <= LATEST_EXPIRY))
    throw invalidToken('The authorizer context has no valid expiry');
  if (exp * 1000 <= nowMs) throw invalidToken('The access token has expired');
  const text = (key: 'scope' | 'iss' | 'clientId') => {
    const value = authorizer?.[key];
    return typeof value === 'string' ? value : '';
  };
  return {
    sub,
    scopes: parseScopeString(text('scope')),
    exp,
    iss: text('iss'),
    clientId: text('clientId'),
  };
}
