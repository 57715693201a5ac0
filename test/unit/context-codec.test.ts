import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  callerOf,
  decodeContext,
  encodeContext,
  MAX_CLIENT_ID_LENGTH,
  MAX_SCOPE_LENGTH,
  type CallerClaims,
} from '../../src/shared/context-codec.ts';
import { isScopeToken } from '../../src/shared/scopes.ts';
import { isValidSubject } from '../../src/shared/subject.ts';
import { HttpProblem } from '../../src/shared/problems.ts';
import { receivedAuthorizerContext } from '../../local/api-gateway/proxy-event.ts';

/** The context codec: layer 1's encoding, and layer 2's reading as API Gateway hands it over (every value a string). */
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
    expect(decodeContext(received(valid), NOW)).toEqual({
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
    expect(() => decodeContext(context === null ? null : received(context), NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_token', status: 401 }),
    );
  });

  it('either reads a caller or refuses with 401, for any context values', () => {
    const value = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.integer());
    fc.assert(
      fc.property(
        fc.record({ sub: value, scope: value, exp: value, iss: value, clientId: value }),
        (context) => {
          try {
            const caller = decodeContext(received(context), NOW);
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

// What layer 1 can encode: a valid sub, scope tokens, an expiry still ahead, any issuer and client.
const scopeToken = fc.stringMatching(/^[\x21\x23-\x5b\x5d-\x7e]{1,40}$/);
const callerClaims: fc.Arbitrary<CallerClaims> = fc.record({
  sub: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 255 }).filter(isValidSubject),
  scopes: fc.uniqueArray(scopeToken, { maxLength: 400 }),
  exp: fc.integer({ min: NOW / 1000 + 1, max: NOW / 1000 + 86_400 }),
  iss: fc.webUrl(),
  clientId: fc.string({ maxLength: 400 }),
});

describe('the context codec, as a round trip', () => {
  it('decode(encode(x)) keeps sub, exp and iss, the whole scopes that fit in order, and the client id up to its bound', () => {
    fc.assert(
      fc.property(callerClaims, (claims) => {
        const { context, scopesDropped } = encodeContext(claims);
        const caller = decodeContext(received(context), NOW);
        expect(caller.sub).toBe(claims.sub);
        expect(caller.exp).toBe(claims.exp);
        expect(caller.iss).toBe(claims.iss);
        expect(caller.clientId).toBe(claims.clientId.slice(0, MAX_CLIENT_ID_LENGTH));
        expect(context.scope.length).toBeLessThanOrEqual(MAX_SCOPE_LENGTH);
        const kept = claims.scopes.slice(0, claims.scopes.length - scopesDropped);
        expect([...caller.scopes]).toEqual(kept);
        // Nothing was dropped that would have fitted.
        if (scopesDropped > 0)
          expect(context.scope.length + 1 + claims.scopes[kept.length]!.length).toBeGreaterThan(
            MAX_SCOPE_LENGTH,
          );
        // Both readings of layer 1's claims give the same caller, bounds included: a route
        // answers a token alike behind either layer 1.
        const direct = callerOf(claims, NOW);
        expect({ ...direct, scopes: [...direct.scopes] }).toEqual({
          ...caller,
          scopes: [...caller.scopes],
        });
      }),
      { numRuns: 300 },
    );
  });

  it('encodes scopes as RFC 6749 scope tokens a context value can carry', () => {
    fc.assert(
      fc.property(callerClaims, (claims) => {
        const { scope } = encodeContext(claims).context;
        for (const name of scope.split(' ').filter(Boolean)) expect(isScopeToken(name)).toBe(true);
      }),
    );
  });

  it('refuses in callerOf what it refuses in decodeContext: an expired token', () => {
    const claims = { sub: 'u', scopes: [], exp: NOW / 1000, iss: 'https://i', clientId: '' };
    expect(() => callerOf(claims, NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_token', status: 401 }),
    );
  });
});
