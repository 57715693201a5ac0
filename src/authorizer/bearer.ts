import { TokenRejected } from '../issuers/token-rejected.ts';

/**
 * The scheme and its separator, as a pattern: `Bearer` in any letter case, then exactly one
 * space. RFC 9110 §11.1 makes the scheme case-insensitive, so a client sending `bearer` or
 * `BEARER` is right and is served. RFC 6750 §2.1's grammar allows one or more spaces, but clients
 * send one, and API Gateway keys its authorizer cache on the whole header value: each extra space
 * would be one more cache entry, and one more authorizer invocation, for the same token. One
 * space bounds a token at 64 header spellings (2^6 letter cases). A tab, another kind of space,
 * or whitespace around the header is refused.
 *
 * Written with character classes rather than the `i` flag so that the gateway's
 * `identityValidationExpression` (compact-jws.ts) can embed the very same text.
 */
export const BEARER_SCHEME = '[Bb][Ee][Aa][Rr][Ee][Rr] ';

// RFC 6750 §2.1's b64token after the scheme; compact-jws.ts then narrows it to a canonical JWS.
// API Gateway passes the header through unchanged (the prefix is not removed).
const BEARER = new RegExp(`^${BEARER_SCHEME}([A-Za-z0-9\\-._~+/]+=*)$`);

/** The token from an `Authorization` header value, or a rejection naming why there is none. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new TokenRejected('missing_token');
  // Not trimmed: the gateway's expression sees the header as it is, and so does this check.
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new TokenRejected('invalid_scheme', 'Authorization is not a Bearer token');
  return match[1];
}

const SCHEME = new RegExp(`^${BEARER_SCHEME}`);
const SCHEME_LENGTH = 'Bearer '.length;

/**
 * What follows the scheme, unchecked: only to look the token up among those this container has
 * verified before (verified-tokens.ts), each of which passed `bearerToken` and the canonical
 * check in full then. Anything else must go through `bearerToken`.
 */
export const afterScheme = (header: string | undefined): string | undefined =>
  header !== undefined && SCHEME.test(header) ? header.slice(SCHEME_LENGTH) : undefined;
