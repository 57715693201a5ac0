import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { keyResolverFor } from '../../src/authorizer/keys/key-resolver.ts';
import type { VerifiedToken } from '../../src/authorizer/verified-token.ts';
import {
  createVerifiedTokenCache,
  type VerifiedEntry,
  type VerifiedTokenCache,
} from '../../src/authorizer/verified-tokens.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/authorizer/verify-token.ts';
import { generateSigningKey, startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * The verified-token cache (src/authorizer/verified-tokens.ts) behind the token verifier: a
 * token verified before is answered without verifying it again, with every clock-dependent rule
 * applied again on the clock of now; it is forgotten when a rule refuses it, when its key set
 * changes, and when room is needed; a refusal is never remembered.
 */
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer(['ES256']);
});
afterAll(() => issuer.close());

let clock: number;
let keyClock: number;
let cache: VerifiedTokenCache;
let verify: TokenVerifier;
beforeEach(async () => {
  issuer.setJwksBehaviour({ kind: 'keys' });
  clock = Date.now();
  keyClock = Date.now();
  const config = loadAuthorizerConfig({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: issuer.jwksUrl.href,
  });
  const resolver = keyResolverFor(config.issuers[0]!, config, { now: () => keyClock });
  await resolver.prefetch();
  cache = createVerifiedTokenCache();
  verify = createTokenVerifier(config, () => resolver, { now: () => clock, cache });
});

const now = () => Math.floor(clock / 1000);
/** The verifier's answer, or the code it refused with. */
async function outcome(token: string): Promise<VerifiedToken | string> {
  try {
    return await verify(token);
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('a token verified before', () => {
  it('is answered from the cache: the same verified token, synchronously', async () => {
    const token = await issuer.sign();
    const first = await verify(token);
    const again = verify(token);
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toBe(first);
    expect(verify.verifiedBefore(token)).toBe(first);
    expect(cache.size()).toBe(1);
  });

  it('is refused once it has expired on the clock of now, and forgotten', async () => {
    const token = await issuer.sign({ claims: { exp: now() + 60 } });
    await verify(token);
    clock += 66_000; // past exp and the 5 s tolerance
    expect(verify.verifiedBefore(token)).toBeUndefined();
    expect(await outcome(token)).toBe('token_expired');
    expect(cache.size()).toBe(0);
  });

  it.each([
    ['its nbf', { nbf: 0 }, 'token_not_yet_valid'],
    ['its iat', { iat: 0 }, 'issued_in_future'],
  ] as const)(
    'has every rule applied again: a clock set back an hour refuses it by %s',
    async (_name, times, code) => {
      const claims = Object.fromEntries(Object.keys(times).map((claim) => [claim, now()]));
      const token = await issuer.sign({ claims });
      await verify(token);
      clock -= 3_600_000;
      expect(await outcome(token)).toBe(code);
      expect(cache.size()).toBe(0);
    },
  );

  it('is forgotten when its key leaves the key set, and refused', async () => {
    const token = await issuer.sign();
    await verify(token);
    // The issuer rotates to a new key and drops the old one; the set is refreshed after its
    // maximum age (600 s by default).
    const next = await generateSigningKey('ES256');
    issuer.setJwksBehaviour({ kind: 'body', body: JSON.stringify({ keys: [next.publicJwk] }) });
    keyClock += 601_000;
    expect(await outcome(token)).toBe('unknown_kid');
    // The refreshed set is not the one it was verified with: never answered from the cache again.
    expect(verify.verifiedBefore(token)).toBeUndefined();
    expect(cache.size()).toBe(0);
    expect(await outcome(token)).toBe('unknown_kid');
    expect(typeof (await outcome(await issuer.sign({ key: next })))).toBe('object');
  });

  it('holds again after a refresh that changed nothing', async () => {
    const token = await issuer.sign();
    const first = await verify(token);
    keyClock += 601_000;
    // The set is due for a refresh: this token goes through the key resolver, which reloads it.
    expect(await verify(token)).toEqual(first);
    expect(verify(token)).toBe(first);
  });
});

describe('a refusal', () => {
  it.each([
    ['an expired token', { claims: { exp: 1_000_000 } }, 'token_expired'],
    ['another audience', { claims: { aud: 'https://other.example' } }, 'wrong_audience'],
    ['a token not yet valid', { claims: { nbf: 4_102_444_800 } }, 'token_not_yet_valid'],
  ] as const)('is never remembered: %s', async (_name, options, code) => {
    const token = await issuer.sign(options);
    expect(await outcome(token)).toBe(code);
    expect(await outcome(token)).toBe(code);
    expect(cache.size()).toBe(0);
  });

  it('is never remembered: a signature that does not verify', async () => {
    const [h, p] = (await issuer.sign()).split('.');
    const [, , s] = (await issuer.sign({ claims: { sub: 'admin' } })).split('.');
    expect(await outcome(`${h}.${p}.${s}`)).toBe('bad_signature');
    expect(cache.size()).toBe(0);
  });
});

describe('the cache is bounded', () => {
  const entry = {} as VerifiedEntry;
  const token = (n: number, length = 100) => `${'a'.repeat(length)}.${String(n).padStart(50, '0')}`;

  it('by count: the oldest token goes first', () => {
    const small = createVerifiedTokenCache({ maxEntries: 2, maxBytes: 1 << 20 });
    for (const n of [1, 2, 3]) small.set(token(n), entry);
    expect([1, 2, 3].map((n) => small.get(token(n)) !== undefined)).toEqual([false, true, true]);
    expect(small.size()).toBe(2);
  });

  it('by memory: tokens are pushed out to make room, and one too large is not kept', () => {
    const small = createVerifiedTokenCache({ maxEntries: 100, maxBytes: 2_000 });
    for (const n of [1, 2, 3, 4]) small.set(token(n), entry);
    // Each entry counts four bytes a character and 256 more: 856 bytes, so two fit.
    expect([1, 2, 3, 4].map((n) => small.get(token(n)) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
    ]);
    small.set(token(5, 1_000), entry);
    expect(small.get(token(5, 1_000))).toBeUndefined();
    expect(small.size()).toBe(2);
  });

  it('holds only for the exact token string, even when two end alike', () => {
    const c = createVerifiedTokenCache();
    const a = `x.${'k'.repeat(60)}`;
    const b = `y.${'k'.repeat(60)}`;
    c.set(a, entry);
    expect(c.get(b)).toBeUndefined();
    c.delete(b);
    expect(c.get(a)).toBe(entry);
    c.set(b, entry);
    expect([c.get(a), c.get(b)]).toEqual([undefined, entry]);
  });
});

describe('the init’s rehearsal of a decision (authorizer.ts)', () => {
  it('writes no decision, keeps no token and fetches nothing beyond the keys', async () => {
    const config = loadAuthorizerConfig({
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl.href,
    });
    const cache = createVerifiedTokenCache();
    const authorize = createAuthorizer({ config, verifiedTokens: cache });
    const requests = issuer.jwksRequests();
    const write = jest.spyOn(process.stdout, 'write');
    try {
      await authorize.prefetchKeys(2000);
      const lines = write.mock.calls.map(([chunk]) => JSON.parse(String(chunk)) as object);
      // The init's line and the key set's metrics document, nothing else.
      expect(lines).toHaveLength(2);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ phase: 'init', code: 'keys_prefetched' }),
          expect.objectContaining({ JwksFetched: 1 }),
        ]),
      );
      expect(lines.some((line) => 'decision' in line)).toBe(false);
    } finally {
      write.mockRestore();
    }
    expect(cache.size()).toBe(0);
    expect(issuer.jwksRequests() - requests).toBe(1);
  });
});
