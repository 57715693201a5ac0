import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bodyLimit, bodySize } from '../../../src/route-chain/body-limit.ts';
import { HttpProblem } from '../../../src/shared/problems.ts';
import { proxyEvent } from '../../support/events.ts';

describe('body size', () => {
  it('is the UTF-8 byte length of a plain body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (body) => {
        expect(bodySize({ body, isBase64Encoded: false }, 1000)).toBe(Buffer.byteLength(body));
      }),
    );
  });

  it('is the decoded length of a base64 body, counted without decoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const body = Buffer.from(bytes).toString('base64');
        expect(bodySize({ body, isBase64Encoded: true }, 1000)).toBe(bytes.length);
      }),
    );
  });

  it('is over the limit for a string longer than the limit, whatever its bytes', () => {
    expect(bodySize({ body: 'x'.repeat(101), isBase64Encoded: false }, 100)).toBeGreaterThan(100);
    expect(bodySize({ body: null, isBase64Encoded: false }, 100)).toBe(0);
  });
});

describe('bodyLimit middleware', () => {
  const run = (maxBytes: number, body: string, isBase64Encoded = false) =>
    bodyLimit(maxBytes).before!({
      event: proxyEvent({ method: 'POST', body, isBase64Encoded }),
    } as never);

  it('lets a body of exactly the limit through', () => {
    expect(() => run(5, '12345')).not.toThrow();
  });

  it('refuses one byte more with 413 payload_too_large naming the limit', () => {
    expect(() => run(5, '123456')).toThrow(
      expect.objectContaining({ code: 'payload_too_large', status: 413 }),
    );
    try {
      run(5, '123456');
    } catch (error) {
      expect(error).toBeInstanceOf(HttpProblem);
      expect((error as HttpProblem).message).toContain('5 bytes');
    }
  });
});
