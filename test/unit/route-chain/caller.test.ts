import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { callerFromAuthorizerContext } from '../../../src/route-chain/caller.ts';
import { HttpProblem } from '../../../src/shared/problems.ts';
import { receivedAuthorizerContext } from '../../../local/api-gateway/proxy-event.ts';

/** Layer 2's reading of the authorizer context, as API Gateway hands it over (every value a string). */
const NOW = 1_767_225_600_000;
const received = (context: Record<string, string | number | boolean>) =>
  receivedAuthorizerContext(context, String(context.sub), 3);
const valid = {
  sub: 'user-1',
  scope: 'a b',
  exp: NOW / 1000 + 60,
  iss: 'https://i',
  clientId: 'c',
};

describe('the caller, from the authorizer context', () => {
  it('reads every key of the contract from its stringified form', () => {
    expect(callerFromAuthorizerContext(received(valid), NOW)).toEqual({
      sub: 'user-1',
      scopes: new Set(['a', 'b']),
      exp: valid.exp,
      iss: 'https://i',
      clientId: 'c',
    });
  });

  it.each([
    ['no context (a route without the authorizer)', null],
    ['an empty sub', { ...valid, sub: '' }],
    ['a sub with a right-to-left override', { ...valid, sub: 'adm\u202Ein' }],
    ['a sub with a lone surrogate', { ...valid, sub: 'a\uD800' }],
    ['a sub of 256 characters', { ...valid, sub: 'u'.repeat(256) }],
    ['an exp that has passed', { ...valid, exp: NOW / 1000 }],
    ['an exp no date can hold', { ...valid, exp: 1e21 }],
    ['an exp in Java notation', { ...valid, exp: '1.0E21' }],
    ['no exp', { ...valid, exp: '' }],
  ])('refuses %s with 401 invalid_token', (_name, context) => {
    expect(() =>
      callerFromAuthorizerContext(context === null ? null : received(context), NOW),
    ).toThrow(expect.objectContaining({ code: 'invalid_token', status: 401 }));
  });

  it('either reads a caller or refuses with 401, for any context values', () => {
    const value = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.integer());
    fc.assert(
      fc.property(
        fc.record({ sub: value, scope: value, exp: value, iss: value, clientId: value }),
        (context) => {
          try {
            const caller = callerFromAuthorizerContext(received(context), NOW);
            expect(caller.exp * 1000).toBeGreaterThan(NOW);
            expect(typeof caller.sub).toBe('string');
          } catch (error) {
            expect(error).toBeInstanceOf(HttpProblem);
            expect((error as HttpProblem).status).toBe(401);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
