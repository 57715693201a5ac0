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
import { TokenRejected } from '../../src/authorizer/errors.ts';

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

const HEADERS: [string, boolean][] = [
  [`Bearer ${TOKEN}`, true],
  [`bearer ${TOKEN}`, true],
  [`BEARER ${TOKEN}`, true],
  [`Bearer  ${TOKEN}`, true],
  [`Bearer ${H}.${P}.${S}==`, false],
  [`Bearer ${H}.${P}.${S}=`, false],
  [`Bearer ${H}.${P}.${S.slice(0, -1)}R`, false],
  [`Bearer ${H}.${P}==.${S}`, false],
  [`Bearer ${H}=.${P}.${S}`, false],
  [`Bearer ${H}.${P}.${S}AAA`, false],
  [`Bearer ${H}.${P}.`, false],
  [`Bearer ${H}..${S}`, false],
  [`Bearer .${P}.${S}`, false],
  ['Bearer ..', false],
  [`Bearer ${H}.${P}`, false],
  [`Bearer ${TOKEN}.${S}`, false],
  [`Bearer ${H}.${P}.${S.slice(0, 10)}+${S.slice(11)}`, false],
  ['Bearer abc+/=', false],
  [`Basic ${TOKEN}`, false],
  ['Bearer', false],
  [`Bearer ${TOKEN} extra`, false],
  [`Bearer\t${TOKEN}`, false],
  [`Bearer ${TOKEN}\nX-Injected: 1`, false],
  [`Token ${TOKEN}`, false],
  [`Bearer "${TOKEN}"`, false],
  [`${TOKEN}`, false],
  [`Bearer ${TOKEN},Bearer ${TOKEN}`, false],
];

describe('the Authorization header', () => {
  it('is checked by the gateway with exactly the expression the authorizer is built from', () => {
    expect(deployedExpression).toBe(IDENTITY_VALIDATION_EXPRESSION);
  });

  it.each(HEADERS)('%p: accepted %p by the gateway and the authorizer alike', (header, ok) => {
    expect([gateway.test(header), authorizerAccepts(header)]).toEqual([ok, ok]);
  });

  it('agrees between gateway and authorizer on any header built from token characters', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_=+/-]{0,12}$/);
    const header = fc
      .tuple(
        fc.constantFrom('Bearer ', 'bearer  ', 'BEARER ', 'Bearer\t', ''),
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

  it.each([undefined, '', '   '])('calls %p a missing token', (header) => {
    expect(() => bearerToken(header)).toThrow(expect.objectContaining({ code: 'missing_token' }));
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
