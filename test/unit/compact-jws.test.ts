import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  assertCompactJws,
  CANONICAL_SEGMENT,
  decodeCompactJws,
  decodeHeader,
} from '../../src/authorizer/compact-jws.ts';

/**
 * The synchronous path takes a token apart once (src/authorizer/compact-jws.ts): the canonical
 * check, then the claims and the header decoded as jose decodes them. Both are held here to
 * what they stand in for: the canonical pattern API Gateway applies, and jose's decoders.
 */
const PATTERN = new RegExp(`^${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}\\.${CANONICAL_SEGMENT}$`);
const accepted = (token: string) => {
  try {
    assertCompactJws(token);
    return true;
  } catch {
    return false;
  }
};
const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

describe('the canonical check', () => {
  it('accepts exactly the tokens the canonical pattern accepts, however long the segments', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_=.+/-]{0,70}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (parts) => {
        const token = parts.join('.');
        expect(accepted(token)).toBe(PATTERN.test(token));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts any bytes encoded as three segments', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 90 }), fc.uint8Array({ minLength: 1 })),
        ([a, b]) => {
          expect(accepted(`${b64u(a)}.${b64u(b)}.${b64u(a)}`)).toBe(true);
        },
      ),
    );
  });
});

/** What a decoder makes of a token: the value it read, or that it refused. */
const outcome = (decode: () => unknown) => {
  try {
    return { value: decode() };
  } catch {
    return 'refused';
  }
};

// Payload bytes that tell decoders apart: invalid UTF-8, a byte order mark, JSON that is not an
// object, duplicate members, numbers out of range, text around the JSON.
const payloadBytes = fc.oneof(
  fc.json().map((json) => Buffer.from(json)),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
  fc
    .tuple(
      fc.constantFrom('', '\uFEFF', ' ', '\u00A0', '\uFEFF\uFEFF'),
      fc.constantFrom('{"a":1}', '{"a":1,"a":2}', '{"exp":1e999}', '[]', 'null', '"x"', '{}'),
      fc.constantFrom('', ' ', '\n', 'x'),
    )
    .map(([before, json, after]) => Buffer.from(`${before}${json}${after}`)),
  fc
    .tuple(
      fc.constantFrom(
        Buffer.from([0xc3, 0x28]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xff]),
      ),
    )
    .map(([bad]) => Buffer.concat([Buffer.from('{"a":"'), bad, Buffer.from('"}')])),
);

describe('decoding', () => {
  it('reads the claims as jose’s decodeJwt does, or refuses what it refuses', () => {
    fc.assert(
      fc.property(payloadBytes, (bytes) => {
        const token = `${b64u('{"alg":"ES256"}')}.${b64u(bytes)}.${b64u('sig')}`;
        expect(outcome(() => decodeCompactJws(token).claims)).toEqual(
          outcome(() => decodeJwt(token)),
        );
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads the header as jose’s decodeProtectedHeader does, or refuses what it refuses', () => {
    fc.assert(
      fc.property(payloadBytes, (bytes) => {
        const token = `${b64u(bytes)}.${b64u('{"sub":"x"}')}.${b64u('sig')}`;
        expect(outcome(() => decodeHeader(decodeCompactJws(token)))).toEqual(
          outcome(() => decodeProtectedHeader(token)),
        );
      }),
      { numRuns: 5_000 },
    );
  });
});
