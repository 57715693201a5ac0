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

// API Gateway REST caps all request headers together at 10,240 bytes, so a longer token cannot
// arrive through the gateway: refusing it before any parsing bounds the work a caller can cause.
export const MAX_TOKEN_LENGTH = 10_240;

// Four characters carry three whole bytes. A last group of 2 characters carries 1 byte (the
// second character's low 4 bits unused: A, Q, g or w), of 3 characters 2 bytes (the third's low
// 2 bits unused). A remainder of 1 character encodes nothing and is never valid.
export const CANONICAL_SEGMENT = `(?=[${B64}])(?:[${B64}]{4})*(?:[${B64}]{2}[AEIMQUYcgkosw048]|[${B64}][AQgw])?`;
// The same rule checked in two steps, several times faster on a 1 KB token than the pattern
// (whose groups the regex engine walks back and forth): three segments of base64url characters,
// then the length and last character of each.
const THREE_SEGMENTS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const LAST_OF_2 = 'AQgw';
const LAST_OF_3 = 'AEIMQUYcgkosw048';

/** Whether `token[from, to)`, of base64url characters, is CANONICAL_SEGMENT's last group. */
function canonicalEnd(token: string, from: number, to: number): boolean {
  const rest = (to - from) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  return (rest === 2 ? LAST_OF_2 : LAST_OF_3).includes(token[to - 1]!);
}

function isCanonicalCompactJws(token: string): boolean {
  if (!THREE_SEGMENTS.test(token)) return false;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return (
    canonicalEnd(token, 0, first) &&
    canonicalEnd(token, first + 1, second) &&
    canonicalEnd(token, second + 1, token.length)
  );
}

/**
 * What API Gateway checks on the whole `Authorization` header before invoking the authorizer:
 * the Bearer scheme in any letter case and one space (bearer.ts), then a canonical compact JWS.
 */
export const IDENTITY_VALIDATION_EXPRESSION = `^${BEARER_SCHEME}${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}$`;

/** Refuses anything but a canonical compact JWS, naming why: malformed, or a second spelling. */
export function assertCompactJws(token: string): void {
  if (isCanonicalCompactJws(token)) return;
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

/** A canonical compact JWS taken apart once: its three segments and its claims, decoded. */
export interface CompactJws {
  /** The encoded header, payload and signature segments, as the token spells them. */
  readonly segments: readonly [header: string, payload: string, signature: string];
  /** The payload, decoded: a JSON object (not yet verified). */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Takes a token apart after the canonical check: the claims decoded as jose's `decodeJwt` does
 * (base64url, strict UTF-8, JSON, a JSON object), so that choosing the issuer and, once the
 * signature holds, checking the claims read one parse. The header is decoded only when needed
 * (`decodeHeader`): a token naming no trusted issuer is refused before its header is read.
 */
export function decodeCompactJws(token: string): CompactJws {
  assertCompactJws(token);
  const segments = token.split('.') as unknown as CompactJws['segments'];
  const claims = decodeJsonObject(segments[1]);
  if (!claims) throw new TokenRejected('malformed_token', 'the claims are not a JSON object');
  return { segments, claims };
}

/** The protected header of a canonical compact JWS, or a refusal saying it is not one. */
export function decodeHeader(jws: CompactJws): Readonly<Record<string, unknown>> {
  const header = decodeJsonObject(jws.segments[0]);
  if (!header) throw new TokenRejected('malformed_token', 'the header is not a JSON object');
  return header;
}

// What jose decodes segments with: UTF-8 that refuses invalid sequences rather than replacing
// them, and drops a leading byte order mark (the WHATWG decoder's default), so the same bytes
// read the same here as there.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    // The segment is canonical base64url (checked above): every decoder reads the same bytes.
    value = JSON.parse(UTF8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
