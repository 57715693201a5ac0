import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { bearerToken } from '../../src/authorizer/bearer.ts';
import {
  assertCompactJws,
  CANONICAL_SEGMENT,
  IDENTITY_VALIDATION_EXPRESSION,
} from '../../src/authorizer/compact-jws.ts';
import { TokenRejected, type RejectCode } from '../../src/issuers/token-rejected.ts';

// API Gateway applies serverless.yml's identityValidationExpression to the whole header before
// invoking the authorizer; the authorizer applies the same rule itself (serverless-offline and
// direct invocations skip the gateway). Both must agree on every header.
const yml = parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), {
  merge: true,
});
const deployedExpression = yml.custom.authorizer.identityValidationExpression as string;
// Whether API Gateway matches the whole header or a part is not documented: anchored either way.
const gateway = new RegExp(`^(?:${deployedExpression})$`);

/** What the authorizer makes of a header before it looks at JSON or signatures. */
function authorizerAccepts(header: string): boolean {
  try {
    assertCompactJws(bearerToken(header));
    return true;
  } catch (error) {
    if (error instanceof TokenRejected) return false;
    throw error;
  }
}

// An ES256 token's shape: header, payload, 86-character signature (its last character carries 4
// unused bits).
const b64u = (text: string | Buffer) => Buffer.from(text).toString('base64url');
const H = b64u('{"alg":"ES256","typ":"at+jwt"}');
const P = b64u('{"sub":"user-1"}');
const S = b64u(Buffer.alloc(64, 7));
const TOKEN = `${H}.${P}.${S}`;

/** A header and the code the authorizer refuses it with (undefined: accepted), as a table. */
const HEADERS: [string, RejectCode | undefined][] = [
  [`Bearer ${TOKEN}`, undefined],
  [`bearer ${TOKEN}`, undefined],
  [`BEARER ${TOKEN}`, undefined],
  [`BeArEr ${TOKEN}`, undefined],
  [`Bearer  ${TOKEN}`, 'invalid_scheme'],
  [`bearer   ${TOKEN}`, 'invalid_scheme'],
  [`Bearer \t${TOKEN}`, 'invalid_scheme'],
  [`Bearer\u00a0${TOKEN}`, 'invalid_scheme'],
  [` Bearer ${TOKEN}`, 'invalid_scheme'],
  [`Bearer ${TOKEN} `, 'invalid_scheme'],
  [`Bearer ${TOKEN}\t`, 'invalid_scheme'],
  [`Bearer ${H}.${P}.${S}==`, 'noncanonical_encoding'],
  [`Bearer ${H}.${P}.${S}=`, 'noncanonical_encoding'],
  [`Bearer ${H}.${P}.${S.slice(0, -1)}R`, 'noncanonical_encoding'],
  [`Bearer ${H}.${P}==.${S}`, 'invalid_scheme'],
  [`Bearer ${H}=.${P}.${S}`, 'invalid_scheme'],
  [`Bearer ${H}.${P}.${S}AAA`, 'malformed_token'],
  [`Bearer ${H}.${P}.`, 'malformed_token'],
  [`Bearer ${H}..${S}`, 'malformed_token'],
  [`Bearer .${P}.${S}`, 'malformed_token'],
  ['Bearer ..', 'malformed_token'],
  [`Bearer ${H}.${P}`, 'malformed_token'],
  [`Bearer ${TOKEN}.${S}`, 'malformed_token'],
  [`Bearer ${H}.${P}.${S.slice(0, 10)}+${S.slice(11)}`, 'malformed_token'],
  ['Bearer abc+/=', 'malformed_token'],
  ['', 'missing_token'],
  ['   ', 'missing_token'],
  ['Bearer', 'invalid_scheme'],
  ['Bearer ', 'invalid_scheme'],
  ['Basic dXNlcjpwYXNz', 'invalid_scheme'],
  [`Basic ${TOKEN}`, 'invalid_scheme'],
  [`Token ${TOKEN}`, 'invalid_scheme'],
  [`${TOKEN}`, 'invalid_scheme'],
  [`Bearer\t${TOKEN}`, 'invalid_scheme'],
  [`Bearer ${TOKEN} ${TOKEN}`, 'invalid_scheme'],
  [`Bearer ${TOKEN} extra`, 'invalid_scheme'],
  [`Bearer ${TOKEN},Bearer ${TOKEN}`, 'invalid_scheme'],
  [`Bearer ${TOKEN},x`, 'invalid_scheme'],
  [`Bearer ${TOKEN}\nX-Injected: 1`, 'invalid_scheme'],
  [`Bearer ${TOKEN}\u0000`, 'invalid_scheme'],
  [`Bearer ${TOKEN}é`, 'invalid_scheme'],
  [`Bearer ${TOKEN.replace('.', '%2E')}`, 'invalid_scheme'],
  [`Bearer "${TOKEN}"`, 'invalid_scheme'],
];

describe('the Authorization header', () => {
  it('is checked by the gateway with exactly the expression the authorizer is built from', () => {
    expect(deployedExpression).toBe(IDENTITY_VALIDATION_EXPRESSION);
  });

  it.each(HEADERS)('%p: refused (%p) by the gateway and the authorizer alike', (header, code) => {
    const ok = code === undefined;
    expect([gateway.test(header), authorizerAccepts(header)]).toEqual([ok, ok]);
    if (code)
      expect(() => assertCompactJws(bearerToken(header))).toThrow(
        expect.objectContaining({ code }),
      );
  });

  // RFC 9110 §11.1 makes the scheme case-insensitive, so every letter case of `Bearer` is taken;
  // RFC 6750's grammar allows more than one space, but clients send one, and each extra space
  // would be one more cache entry (and one more invocation) for the same token.
  it('gives one token exactly 64 header spellings: each letter case of Bearer and one space', () => {
    const casings = Array.from({ length: 64 }, (_, bits) =>
      [...'bearer'].map((c, i) => (bits & (1 << i) ? c.toUpperCase() : c)).join(''),
    );
    const gaps = [' ', '  ', '   ', '\t', ' \t', '\t ', '\u00a0', '\u3000', ''];
    const candidates = casings.flatMap((scheme) =>
      gaps.flatMap((gap) => [
        `${scheme}${gap}${TOKEN}`,
        ` ${scheme}${gap}${TOKEN}`,
        `${scheme}${gap}${TOKEN} `,
      ]),
    );
    const expected = casings.map((scheme) => `${scheme} ${TOKEN}`);
    expect(candidates.filter((h) => gateway.test(h))).toEqual(expected);
    expect(candidates.filter(authorizerAccepts)).toEqual(expected);
    expect(new Set(expected.map(bearerToken))).toEqual(new Set([TOKEN]));
  });

  it('refuses a header that is not there at all as a missing token', () => {
    expect(() => bearerToken(undefined)).toThrow(
      expect.objectContaining({ code: 'missing_token' }),
    );
  });

  it('agrees between gateway and authorizer on any header built from token characters', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_=+/-]{0,12}$/);
    const header = fc
      .tuple(
        fc.constantFrom('Bearer ', 'bearer  ', 'BEARER ', 'bEaReR ', 'Bearer\t', ' Bearer ', ''),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
      )
      .map(([scheme, parts]) => `${scheme}${parts.join('.')}`);
    fc.assert(
      fc.property(header, (h) => {
        expect(gateway.test(h)).toBe(authorizerAccepts(h));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    [`${S}==`, 'noncanonical_encoding'],
    [`${S.slice(0, -1)}R`, 'noncanonical_encoding'],
    [`${S}AAA`, 'malformed_token'],
    ['', 'malformed_token'],
  ])('names why a signature %# is refused: %s', (signature, reason) => {
    expect(() => assertCompactJws(`${H}.${P}.${signature}`)).toThrow(
      expect.objectContaining({ code: reason }),
    );
  });
});

describe('a canonical base64url segment', () => {
  const canonical = new RegExp(`^${CANONICAL_SEGMENT}$`);
  // Node's decoder is lenient (padding, unused bits): a canonical segment is one that survives
  // decoding and encoding unchanged. The pattern must say exactly that, for any input.
  const roundTrips = (s: string) =>
    s.length > 0 && Buffer.from(s, 'base64url').toString('base64url') === s;

  it('is exactly a non-empty string that re-encodes to itself', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_=-]{0,16}$/), (s) => {
        expect(canonical.test(s)).toBe(roundTrips(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts the encoding of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        expect(canonical.test(Buffer.from(bytes).toString('base64url'))).toBe(true);
      }),
    );
  });
});
