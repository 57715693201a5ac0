import { TokenRejected } from './errors.ts';

// RFC 6750 §2.1: `Bearer` followed by one space and a b64token. The scheme is case-insensitive
// (RFC 9110 §11.1). API Gateway passes the header through unchanged (the prefix is not removed).
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token from an `Authorization` header value, or a rejection naming why there is none. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new TokenRejected('missing_token');
  const match = BEARER.exec(header.trim());
  if (!match?.[1]) throw new TokenRejected('invalid_scheme', 'Authorization is not a Bearer token');
  return match[1];
}
