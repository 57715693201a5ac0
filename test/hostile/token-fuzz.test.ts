import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { outcomeOf, type Outcome } from '../support/authorizer.ts';
import { b64u, segments } from './support/raw-jws.ts';
import {
  authorize,
  bearer,
  startTokenFixtures,
  type TokenFixtures,
} from './support/token-fixtures.ts';

/**
 * Property-based fuzzing of layer 1 with fast-check: 10,000+ mutations of valid tokens. A
 * mutation that changes what the token says (its decoded bytes) must never be allowed, and no
 * token problem may end in a 500. Base64url has spare bits in a segment's last character, so a
 * mutation can change the text but not the bytes: that is the same token, and it is skipped.
 */
let f: TokenFixtures;
let tokens: string[];
beforeAll(async () => {
  f = await startTokenFixtures();
  tokens = await Promise.all([
    f.issuer.sign({ key: f.rs.key }),
    f.issuer.sign({ key: f.es.key }),
    f.issuer.sign({ key: f.ed.key }),
    f.issuer.sign({ key: f.rs.key, claims: { scope: 'users:admin', sub: 'admin' } }),
  ]);
});
afterAll(async () => {
  await f.close();
});

const RUNS = 2600; // × 4 properties
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const decoded = (token: string) =>
  segments(token).map((s) => Buffer.from(s, 'base64url').toString('hex'));
const sameBytes = (a: string, b: string) =>
  decoded(a).join('.') === decoded(b).join('.') && segments(a).length === 3;

async function decide(token: string): Promise<Outcome> {
  return outcomeOf(authorize(f.sut, bearer(token)));
}

function refused(outcome: Outcome): boolean {
  return outcome.kind === 'unauthorized';
}

describe('fuzzing valid tokens (fast-check)', () => {
  it('allows every untouched valid token', async () => {
    for (const token of tokens) expect((await decide(token)).kind).toBe('allow');
  });

  it('never allows a token with characters changed in any segment', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 3 }),
        fc.nat({ max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...ALPHABET)), { minLength: 1, maxLength: 4 }),
        async (t, segment, edits) => {
          const original = tokens[t]!;
          const parts = segments(original);
          let s = parts[segment]!;
          for (const [at, char] of edits) {
            const i = at % s.length;
            s = `${s.slice(0, i)}${char}${s.slice(i + 1)}`;
          }
          parts[segment] = s;
          const mutated = parts.join('.');
          fc.pre(!sameBytes(mutated, original));
          expect(refused(await decide(mutated))).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never allows segments swapped between tokens of different keys and claims', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 3 })),
        fc.boolean(),
        async ([a, b, c], truncate) => {
          const [h] = segments(tokens[a]!);
          const [, p] = segments(tokens[b]!);
          const [, , s] = segments(tokens[c]!);
          const mutated = `${h}.${p}.${truncate ? s.slice(0, -8) : s}`;
          fc.pre(!tokens.some((t) => sameBytes(mutated, t)));
          expect(refused(await decide(mutated))).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never allows a token whose header was rewritten (alg, kid, crit, embedded keys)', async () => {
    const header = fc.record(
      {
        alg: fc.constantFrom(
          'none',
          'HS256',
          'RS256',
          'ES256',
          'EdDSA',
          'PS256',
          'ES384',
          'RS512',
          '',
        ),
        kid: fc.oneof(
          fc.constantFrom(...f.issuer.keys.map((k) => k.kid)),
          fc.string(),
          fc.integer(),
        ),
        typ: fc.constantFrom('JWT', 'at+jwt', 'JWE'),
        crit: fc.constantFrom(['b64'], ['exp'], [], 'x'),
        jku: fc.constant('https://attacker.example/jwks.json'),
        jwk: fc.constant({ kty: 'oct', k: 'c2VjcmV0' }),
        extra: fc.string(),
      },
      { requiredKeys: ['alg'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 3 }), header, async (t, h) => {
        const original = tokens[t]!;
        const [oh, p, s] = segments(original);
        const rewritten = `${b64u(JSON.stringify(h))}.${p}.${s}`;
        fc.pre(b64u(JSON.stringify(h)) !== oh);
        expect(refused(await decide(rewritten))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses arbitrary strings and bytes as tokens, never with a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,40}(\.[A-Za-z0-9_-]{0,40}){0,5}$/),
          fc
            .uint8Array({ maxLength: 200 })
            .map((bytes) => `${b64u(bytes)}.${b64u(bytes)}.${b64u(bytes)}`),
        ),
        async (token) => {
          const outcome = await outcomeOf(authorize(f.sut, `Bearer ${token}`));
          expect(outcome.kind).toBe('unauthorized');
        },
      ),
      { numRuns: RUNS },
    );
  });
});
