import { BEARER_SCHEME } from './bearer.ts';
import { TokenRejected } from '../issuers/token-rejected.ts';

/**
 * The one spelling of a token we accept: a compact JWS of three non-empty base64url segments,
 * each in its canonical form (RFC 7515 §2 and §3.1: no padding; RFC 4648 §3.5: the unused low
 * bits of the last character are zero).
 *
 * Why hand-written: jose decodes segments with Node's base64url decoder, which accepts `=`
 * padding and ignores the unused bits, so one valid token has many spellings that all verify.
 * Each spelling is its own API Gateway cache entry and slips past anything keyed on the token
 * string (a denylist, a replay check, a rate limit). No library refuses them for us.
 *
 * The same pattern is the gateway's `identityValidationExpression` (serverless.yml, checked
 * equal by a test), so API Gateway refuses these spellings before the authorizer runs.
 */
const B64 = 'A-Za-z0-9_-';
// Four characters carry three whole bytes. A last group of 2 characters carries 1 byte (the
// second character's low 4 bits unused: A, Q, g or w), of 3 characters 2 bytes (the third's low
// 2 bits unused). A remainder of 1 character encodes nothing and is never valid.
export const CANONICAL_SEGMENT = `(?=[${B64}])(?:[${B64}]{4})*(?:[${B64}]{2}[AEIMQUYcgkosw048]|[${B64}][AQgw])?`;
const COMPACT_JWS = new RegExp(
  `^${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}$`,
);

/**
 * What API Gateway checks on the whole `Authorization` header before invoking the authorizer:
 * the Bearer scheme in any letter case and one space (bearer.ts), then a canonical compact JWS.
 */
export const IDENTITY_VALIDATION_EXPRESSION = `^${BEARER_SCHEME}${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}$`;

/** Refuses anything but a canonical compact JWS, naming why: malformed, or a second spelling. */
export function assertCompactJws(token: string): void {
  if (COMPACT_JWS.test(token)) return;
  const parts = token.split('.');
  if (
    parts.length !== 3 ||
    parts.some(
      (part) => !/^[A-Za-z0-9_-]+=*$/.test(part) || part.replace(/=+$/, '').length % 4 === 1,
    )
  )
    throw new TokenRejected('malformed_token', 'not a compact JWS of three base64url segments');
  throw new TokenRejected(
    'noncanonical_encoding',
    'a segment is not in canonical base64url (padding, or unused bits set)',
  );
}
