import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { JWTVerifyGetKey } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthorizerFailure } from '../../src/authorizer/errors.ts';
import {
  createKeyResolver,
  type KeyResolverOptions,
} from '../../src/authorizer/keys/key-resolver.ts';
import { prefetchWithin, type PrefetchOutcome } from '../../src/authorizer/keys/prefetch.ts';
import { startTestIssuer, type JwksBehaviour, type TestIssuer } from '../support/issuer.ts';

/**
 * The key resolver's init-time prefetch (key-resolver.ts): what it loads, what it leaves behind
 * when it fails, and how a request meets it. Requests are counted on the test issuer's JWKS.
 */
let issuer: TestIssuer;
let clock: number;
beforeAll(async () => {
  issuer = await startTestIssuer(['RS256']);
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  issuer.setJwksBehaviour({ kind: 'keys' });
  clock = 1_000_000;
});

const resolver = (overrides: Partial<KeyResolverOptions> = {}) =>
  createKeyResolver({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    algorithms: ['RS256'],
    timeoutMs: 300,
    cooldownMs: 30_000,
    cacheMaxAgeMs: 600_000,
    maxStaleMs: 3_600_000,
    failureBackoffMs: 2000,
    now: () => clock,
    ...overrides,
  });
const resolve = (getKey: JWTVerifyGetKey, kid = issuer.keys[0]!.kid, alg = 'RS256') =>
  getKey({ alg, kid }, undefined as never);
const failureOf = async (promise: unknown) => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};
/** How many JWKS requests `work` sent. */
const requestsDuring = async (work: () => unknown) => {
  const before = issuer.jwksRequests();
  await work();
  return issuer.jwksRequests() - before;
};

describe('key prefetch, on success', () => {
  it('loads the key set: the first lookup sends no request', async () => {
    const getKey = resolver();
    expect(await getKey.prefetch()).toEqual({ status: 'loaded' });
    expect(await requestsDuring(() => resolve(getKey))).toBe(0);
  });

  it('reads discovery and the key set when no JWKS URL is configured: the first lookup sends no request', async () => {
    const getKey = resolver({ jwksUrl: undefined });
    expect(await getKey.prefetch()).toEqual({ status: 'loaded' });
    expect(await requestsDuring(() => resolve(getKey))).toBe(0);
  });

  it('runs once per container: a second prefetch sends no request', async () => {
    const getKey = resolver();
    await getKey.prefetch();
    expect(await requestsDuring(() => getKey.prefetch())).toBe(0);
  });

  it('starts the refetch cooldown as a request fetch would: an unknown kid right after is refused without a request', async () => {
    const getKey = resolver();
    await getKey.prefetch();
    expect(await requestsDuring(() => failureOf(resolve(getKey, 'forged')))).toBe(0);
  });

  it('keeps the prefetched set no longer than any other: past the cache age the next lookup refetches', async () => {
    const getKey = resolver({ cacheMaxAgeMs: 60_000 });
    await getKey.prefetch();
    clock += 60_001;
    expect(await requestsDuring(() => resolve(getKey))).toBe(1);
  });

  it('does not fail on a key it cannot import: the prefetch loads the set and the lookup meets the key as it would have', async () => {
    // An EC key whose point is not on the curve: usable by its shape, refused by WebCrypto.
    const offCurve = { kty: 'EC', crv: 'P-256', kid: 'off-curve', x: 'AAAA', y: 'AAAA' };
    issuer.setJwksBehaviour({ kind: 'body', body: JSON.stringify({ keys: [offCurve] }) });
    const getKey = resolver({ algorithms: ['ES256'] });
    expect(await getKey.prefetch()).toEqual({ status: 'loaded' });
    // WebCrypto's DataError (a DOMException), exactly as without the prefetch.
    await expect(resolve(getKey, 'off-curve', 'ES256')).rejects.toMatchObject({
      name: 'DataError',
    });
  });
});

const FAULTS: [string, JwksBehaviour, string][] = [
  ['down (503)', { kind: 'status', status: 503 }, 'jwks_unavailable'],
  ['dropping the connection', { kind: 'drop' }, 'jwks_unavailable'],
  ['slower than the timeout', { kind: 'delay', ms: 1000 }, 'jwks_timeout'],
  ['answering garbage', { kind: 'body', body: '<html>oops' }, 'jwks_invalid'],
  ['serving no usable key', { kind: 'body', body: '{"keys":[]}' }, 'jwks_invalid'],
];

describe('key prefetch, on failure', () => {
  it.each(FAULTS)(
    'JWKS %s: reports the failure without throwing, and the first lookup fetches for itself and fails as it would have',
    async (_name, behaviour, code) => {
      issuer.setJwksBehaviour(behaviour);
      const getKey = resolver();
      const outcome = await getKey.prefetch();
      expect(outcome.status).toBe('failed');
      expect((outcome as Extract<PrefetchOutcome, { status: 'failed' }>).failure).toMatchObject({
        code,
      });
      let failure: unknown;
      expect(await requestsDuring(async () => (failure = await failureOf(resolve(getKey))))).toBe(
        1,
      );
      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(failure).toMatchObject({ code });
    },
  );

  it.each(FAULTS)(
    'JWKS %s at init, back by the first request: the first lookup succeeds (a failed prefetch leaves no backoff)',
    async (_name, behaviour) => {
      issuer.setJwksBehaviour(behaviour);
      const getKey = resolver();
      await getKey.prefetch();
      issuer.setJwksBehaviour({ kind: 'keys' });
      await expect(resolve(getKey)).resolves.toBeDefined();
    },
  );

  it('reports a failed discovery, and the first lookup tries discovery again', async () => {
    const getKey = resolver({ issuer: 'http://127.0.0.1:1', jwksUrl: undefined });
    const outcome = await getKey.prefetch();
    expect(outcome).toMatchObject({ status: 'failed', failure: { code: 'discovery_failed' } });
    expect(await failureOf(resolve(getKey))).toMatchObject({ code: 'discovery_failed' });
  });
});

describe('a lookup while the prefetch is under way', () => {
  it('waits for the prefetch instead of sending a request of its own', async () => {
    issuer.setJwksBehaviour({ kind: 'delay', ms: 100 });
    const getKey = resolver();
    const requests = await requestsDuring(async () => {
      const prefetching = getKey.prefetch();
      await resolve(getKey);
      await prefetching;
    });
    expect(requests).toBe(1);
  });

  it('fetches for itself when the prefetch it waited for fails', async () => {
    issuer.setJwksBehaviour({ kind: 'delay', ms: 1000 });
    const getKey = resolver();
    const before = issuer.jwksRequests();
    const prefetching = getKey.prefetch();
    const lookup = resolve(getKey);
    // Only once the prefetch's request has reached the issuer (and is held there) does the issuer
    // come back, for the request the lookup then sends.
    while (issuer.jwksRequests() === before) await sleep(5);
    issuer.setJwksBehaviour({ kind: 'keys' });
    await expect(lookup).resolves.toBeDefined();
    expect(await prefetching).toMatchObject({
      status: 'failed',
      failure: { code: 'jwks_timeout' },
    });
  });
});

describe('waiting for the prefetches of every issuer (the init bound)', () => {
  const never = { prefetch: () => new Promise<PrefetchOutcome>(() => {}) };

  it('returns at its bound while a prefetch never settles, reporting it pending', async () => {
    const reports = await prefetchWithin([never, resolver()], 200);
    expect(reports.map((r) => r.status)).toEqual(['pending', 'loaded']);
  });

  it('reports each issuer on its own: one down does not hold back or fail another', async () => {
    const down = resolver({ jwksUrl: new URL('/nothing-here', issuer.jwksUrl) });
    const reports = await prefetchWithin([down, resolver()], 2000);
    expect(reports[0]).toMatchObject({ status: 'failed', failure: { code: 'jwks_unavailable' } });
    expect(reports[1]).toMatchObject({ status: 'loaded' });
  });

  it('never rejects, even when a prefetch does (a bug), which it reports as a failure', async () => {
    const broken = { prefetch: () => Promise.reject(new Error('bug')) };
    const reports = await prefetchWithin([broken], 200);
    expect(reports[0]).toMatchObject({ status: 'failed', failure: { code: 'internal_error' } });
  });
});
