import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HttpProblem } from '../../../src/shared/problems.ts';
import { requireScopes } from '../../../src/route-chain/require-scopes.ts';

/** Layer 2's authorization: every scope the route lists (all-of), or 403. */
const check = (required: string[], granted: string[]) =>
  requireScopes(required).before!({
    context: { caller: { scopes: new Set(granted) } },
  } as never);

describe('the scope check', () => {
  it('lets a caller through who holds every required scope, and more', () => {
    expect(() => check(['a', 'b'], ['b', 'c', 'a'])).not.toThrow();
    expect(() => check([], [])).not.toThrow();
  });

  it('refuses with 403 insufficient_scope, naming all required scopes and the missing ones', () => {
    try {
      check(['users:read', 'users:write'], ['users:read']);
      throw new Error('not refused');
    } catch (error) {
      expect(error).toMatchObject({ code: 'insufficient_scope', status: 403 });
      expect((error as HttpProblem).extra.scope).toBe('users:read users:write');
      expect((error as HttpProblem).message).toBe('This route requires the scope users:write');
    }
  });

  it('allows exactly when the required scopes are a subset of the granted ones', () => {
    const scope = fc.constantFrom('a', 'b', 'c', 'd', 'A', 'a:b', 'users:read');
    fc.assert(
      fc.property(fc.uniqueArray(scope), fc.uniqueArray(scope), (required, granted) => {
        const subset = required.every((s) => granted.includes(s));
        let refused: unknown;
        try {
          check(required, granted);
        } catch (error) {
          refused = error;
        }
        expect(refused === undefined).toBe(subset);
        if (refused) expect(refused).toMatchObject({ status: 403, code: 'insufficient_scope' });
      }),
      { numRuns: 2000 },
    );
  });
});
