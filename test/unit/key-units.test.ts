import { describe, expect, it } from '@jest/globals';
import type { JWK } from 'jose';
import { AuthorizerFailure } from '../../src/authorizer/errors.ts';
import { createFailureBackoff } from '../../src/authorizer/keys/failure-backoff.ts';
import { isFresh, keySetOf, servesWhileFailing } from '../../src/authorizer/keys/key-set.ts';
import { algorithmsFor, isUsableKey } from '../../src/authorizer/keys/usable-key.ts';

/** The small units the key resolver is built from, each on its own. */
describe('a key usable for verification', () => {
  const RSA = { kty: 'RSA', n: 'AQAB', e: 'AQAB' };
  const P256 = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
  const ED = { kty: 'OKP', crv: 'Ed25519', x: 'x' };
  const DEFAULT = ['RS256', 'ES256', 'EdDSA'];
  it.each([
    ['an RSA key with nothing else said', RSA, true],
    ['an RSA key for signatures', { ...RSA, use: 'sig', key_ops: ['verify'] }, true],
    ['an RSA key for RS256', { ...RSA, alg: 'RS256' }, true],
    ['an EC P-256 key', P256, true],
    ['an Ed25519 key', ED, true],
    ['an RSA key for encryption (use)', { ...RSA, use: 'enc' }, false],
    ['an RSA key for encryption (key_ops)', { ...RSA, key_ops: ['encrypt'] }, false],
    ['an RSA key whose key_ops are not a list', { ...RSA, key_ops: 'verify' }, false],
    ['an RSA key for RSA-OAEP', { ...RSA, alg: 'RSA-OAEP' }, false],
    ['an RSA key for an algorithm not allowed', { ...RSA, alg: 'PS256' }, false],
    ['an RSA key that names ES256', { ...RSA, alg: 'ES256' }, false],
    ['an EC key on P-384', { ...P256, crv: 'P-384' }, false],
    ['an X25519 key', { ...ED, crv: 'X25519' }, false],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }, false],
  ])('%s: %p', (_name, key, usable) => {
    expect(isUsableKey(key as JWK, DEFAULT)).toBe(usable);
  });

  it('follows the allowlist: P-384 is usable once ES384 is allowed', () => {
    expect(isUsableKey({ ...P256, crv: 'P-384' }, ['ES384'])).toBe(true);
  });

  it.each([
    ['an RSA key without alg: every allowed RSA algorithm', RSA, ['RS256', 'PS256']],
    ['an RSA key for RS256: that one', { ...RSA, alg: 'RS256' }, ['RS256']],
    ['an EC P-256 key: ES256', P256, ['ES256']],
    ['an encryption key: none', { ...RSA, use: 'enc' }, []],
  ])('serves the allowed algorithms it fits (what the prefetch warms): %s', (_name, key, algs) => {
    expect(algorithmsFor(key as JWK, ['RS256', 'PS256', 'ES256'])).toEqual(algs);
  });
});

describe('the failure backoff', () => {
  it('answers with the last failure until its time is up, then not', () => {
    let clock = 0;
    const backoff = createFailureBackoff(2000, () => clock);
    expect(backoff.active()).toBeUndefined();
    const failure = new AuthorizerFailure('jwks_unavailable');
    backoff.record(failure);
    clock = 1999;
    expect(backoff.active()).toBe(failure);
    clock = 2000;
    expect(backoff.active()).toBeUndefined();
  });

  it('ends at once when a fetch succeeds', () => {
    const backoff = createFailureBackoff(2000, () => 0);
    backoff.record(new AuthorizerFailure('jwks_timeout'));
    backoff.clear();
    expect(backoff.active()).toBeUndefined();
    expect(backoff.unresolved()).toBeUndefined();
  });

  it('keeps the failure past its time, until a fetch succeeds (the set is still not refreshed)', () => {
    let clock = 0;
    const backoff = createFailureBackoff(2000, () => clock);
    const failure = new AuthorizerFailure('jwks_unavailable');
    backoff.record(failure);
    clock = 60_000;
    expect(backoff.active()).toBeUndefined();
    expect(backoff.unresolved()).toBe(failure);
    backoff.clear();
    expect(backoff.unresolved()).toBeUndefined();
  });
});

describe('a loaded key set', () => {
  const ages = { cacheMaxAgeMs: 600_000, maxStaleMs: 3_600_000 };
  const set = keySetOf({ keys: [] }, 1_000);
  it('is fresh for cacheMaxAge after it loaded', () => {
    expect(isFresh(set, ages, 1_000 + 599_999)).toBe(true);
    expect(isFresh(set, ages, 1_000 + 600_000)).toBe(false);
    expect(isFresh(undefined, ages, 0)).toBe(false);
  });

  it('serves while refreshes fail for maxStale after it loaded, not a moment longer', () => {
    expect(servesWhileFailing(set, ages, 1_000 + 3_600_000)).toBe(true);
    expect(servesWhileFailing(set, ages, 1_000 + 3_600_001)).toBe(false);
    expect(servesWhileFailing(undefined, ages, 0)).toBe(false);
  });
});
