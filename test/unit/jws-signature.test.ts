import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { ecdsaDer, verifySignature } from '../../src/authorizer/jws-signature.ts';

/**
 * ECDSA signatures (JWS: r || s) are turned into DER by the synchronous path itself, so that
 * node:crypto takes the KeyObject without an options object (src/authorizer/jws-signature.ts).
 * Node's own conversion (`dsaEncoding: 'ieee-p1363'`) is the oracle: on every curve, for valid
 * signatures (most with a high bit DER must pad, some with a leading zero byte it drops) and
 * for altered ones, both must say the same.
 */
const CURVES = [
  ['ES256', 'P-256', 'sha256', 32],
  ['ES384', 'P-384', 'sha384', 48],
  ['ES512', 'P-521', 'sha512', 66],
] as const;

describe.each(CURVES)('%s (%s)', (alg, namedCurve, digest, size) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve });
  const node = (data: Buffer, signature: Buffer) =>
    verify(digest, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);

  it('verifies every valid signature, whatever its r and s look like', () => {
    let edgy = 0;
    for (let i = 0; i < 300; i += 1) {
      const data = Buffer.from(`message ${i}`);
      const signature = sign(digest, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      // A leading zero byte DER drops, or a high bit DER must pad.
      if ([signature[0]!, signature[size]!].some((b) => b === 0 || b >= 0x80)) edgy += 1;
      expect(verifySignature(alg, publicKey, data, signature)).toBe(true);
    }
    expect(edgy).toBeGreaterThan(0);
  });

  it('agrees with node:crypto on signatures altered in any byte, or of another length', () => {
    const data = Buffer.from('message');
    const valid = sign(digest, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.nat(2 * size - 1), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
            const altered = Buffer.from(valid);
            altered[at] = altered[at]! ^ xor;
            return altered;
          }),
          fc.uint8Array({ minLength: 0, maxLength: 2 * size + 2 }).map((b) => Buffer.from(b)),
          fc.constantFrom(Buffer.alloc(2 * size), Buffer.alloc(2 * size, 0xff)),
        ),
        (signature) => {
          expect(verifySignature(alg, publicKey, data, signature)).toBe(node(data, signature));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the DER form of r || s', () => {
  const hex = (text: string) => Buffer.from(text.replaceAll(' ', ''), 'hex');

  it.each([
    ['small integers lose their leading zeros', '0001 0002', 2, '3006 020101 020102'],
    ['a high bit gets a zero byte in front', '80ff 7f00', 2, '3009 0203 0080ff 0202 7f00'],
    ['zero is one zero byte', '0000 0000', 2, '3006 020100 020100'],
  ])('%s', (_name, rs, size, der) => {
    expect(ecdsaDer(hex(rs), size)).toEqual(hex(der));
  });

  it('writes a long length for P-521 signatures, whose body passes 127 bytes', () => {
    const der = ecdsaDer(Buffer.alloc(132, 0xff), 66);
    expect([...der.subarray(0, 5)]).toEqual([0x30, 0x81, 138, 0x02, 67]);
  });
});
