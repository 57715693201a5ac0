import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, type JWTVerifyGetKey } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthorizerFailure } from '../../src/authorizer/errors.ts';
import { discoveredJwksUrl } from '../../src/authorizer/keys/discovery.ts';
import {
  createKeyResolver,
  type KeyResolverOptions,
} from '../../src/authorizer/keys/key-resolver.ts';
import { prefetchWithin, type PrefetchOutcome } from '../../src/authorizer/keys/prefetch.ts';
import { failureOf } from '../support/failure-of.ts';
import {
  generateSigningKey,
  startTestIssuer,
  type JwksBehaviour,
  type TestIssuer,
} from '../support/issuer.ts';

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

describe('key resolver over the issuer JWKS', () => {
  it('fetches the key set once and answers later lookups from the cache', async () => {
    const getKey = resolver();
    const before = issuer.jwksRequests();
    await resolve(getKey);
    await resolve(getKey);
    await resolve(getKey);
    expect(issuer.jwksRequests() - before).toBe(1);
  });

  it('finds the JWKS through OpenID discovery when no JWKS URL is configured', async () => {
    const getKey = resolver({ jwksUrl: undefined });
    await expect(resolve(getKey)).resolves.toBeDefined();
  });

  it('refuses a discovery document that names another issuer', async () => {
    const server = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: 'https://evil.example', jwks_uri: issuer.jwksUrl.href })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const failure = await failureOf(resolve(resolver({ issuer: url, jwksUrl: undefined })));
      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(failure).toMatchObject({ code: 'discovery_failed' });
    } finally {
      server.close();
    }
  });

  it('passes an unknown kid through as a token problem when the set loaded', async () => {
    expect(await failureOf(resolve(resolver(), 'nobody'))).toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('refetches for unknown kids at most once per cooldown, however many arrive', async () => {
    const getKey = resolver();
    await resolve(getKey);
    const flood = (from: number) =>
      requestsDuring(async () => {
        for (let i = from; i < from + 50; i++) {
          clock += 100;
          expect(await failureOf(resolve(getKey, `forged-${i}`))).toBeInstanceOf(
            errors.JWKSNoMatchingKey,
          );
        }
      });
    // The first forged kid asks the issuer once; the rest of the cooldown answers from that.
    expect(await flood(0)).toBe(1);
    clock += 30_000;
    expect(await flood(50)).toBe(1);
  });

  it('makes one request for unknown kids that meet a set past its age: the refresh is their refetch, and starts the cooldown', async () => {
    const getKey = resolver({ cacheMaxAgeMs: 60_000 });
    await resolve(getKey);
    clock += 60_001;
    const requests = await requestsDuring(async () => {
      for (let i = 0; i < 5; i++) {
        clock += 100;
        await failureOf(resolve(getKey, `forged-${i}`));
      }
    });
    expect(requests).toBe(1);
  });

  it('refetches for a key published while the init’s fetch was on its way: that set may predate it', async () => {
    const getKey = resolver();
    issuer.setJwksBehaviour({ kind: 'late', ms: 150 });
    const prefetch = getKey.prefetch();
    await sleep(50);
    const rotatedIn = await generateSigningKey('RS256');
    issuer.keys.push(rotatedIn);
    issuer.setJwksBehaviour({ kind: 'keys' });
    try {
      expect(await requestsDuring(() => resolve(getKey, rotatedIn.kid))).toBe(1);
      await prefetch;
    } finally {
      issuer.keys.splice(1);
    }
  });

  it('starts the cooldown only with a refetch that succeeded: a failed one, then an age refresh, leave a new key found at once', async () => {
    const getKey = resolver({ cacheMaxAgeMs: 5000 });
    await resolve(getKey);
    clock += 1000;
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    expect(await failureOf(resolve(getKey, 'forged'))).toMatchObject({ code: 'jwks_unavailable' });
    issuer.setJwksBehaviour({ kind: 'keys' });
    clock += 5001;
    expect(await requestsDuring(() => resolve(getKey))).toBe(1);
    const rotatedIn = await generateSigningKey('RS256');
    issuer.keys.push(rotatedIn);
    try {
      clock += 100;
      expect(await requestsDuring(() => resolve(getKey, rotatedIn.kid))).toBe(1);
    } finally {
      issuer.keys.splice(1);
    }
  });

  it('makes one request per cooldown while the key host serves two sets by turns, whatever kids the tokens name', async () => {
    // Two edges of a CDN during a rotation, each serving a kid the other lacks; kids are public,
    // so tokens naming them need no key to be made. Each token names the kid of the edge that
    // answers now, which the set loaded from the other edge lacks.
    const [a, b] = [await generateSigningKey('RS256'), await generateSigningKey('RS256')];
    const getKey = resolver();
    issuer.keys.push(b);
    await resolve(getKey);
    const requests = await requestsDuring(async () => {
      for (let i = 0; i < 20; i++) {
        clock += 100;
        const edge = i % 2 ? b : a;
        issuer.keys.splice(1, 1, edge);
        await Promise.resolve(resolve(getKey, edge.kid)).catch(() => {});
      }
    });
    issuer.keys.splice(1);
    expect(requests).toBe(1);
  });

  it('refetches for many unknown kids arriving together with one request', async () => {
    const getKey = resolver();
    await resolve(getKey);
    const failures = await requestsDuring(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => failureOf(resolve(getKey, `forged-${i}`)))),
    );
    expect(failures).toBe(1);
  });

  it('finds a key the issuer signs with as soon as it publishes it, however recent the last fetch', async () => {
    const getKey = resolver();
    await resolve(getKey);
    const rotatedIn = await generateSigningKey('RS256');
    issuer.keys.push(rotatedIn);
    try {
      clock += 1000;
      expect(await requestsDuring(() => resolve(getKey, rotatedIn.kid))).toBe(1);
      // That refetch started the cooldown: the next unknown kid within it asks nothing.
      expect(await requestsDuring(() => failureOf(resolve(getKey, 'forged')))).toBe(0);
    } finally {
      issuer.keys.splice(1);
    }
  });

  it.each([
    ['down (HTTP 503)', { kind: 'status', status: 503 } as const, 'jwks_unavailable'],
    ['dropping connections', { kind: 'drop' } as const, 'jwks_unavailable'],
    ['slower than the timeout', { kind: 'delay', ms: 1000 } as const, 'jwks_timeout'],
    ['answering garbage', { kind: 'body', body: '<html>oops' } as const, 'jwks_invalid'],
    [
      'answering a non-JWKS JSON',
      { kind: 'body', body: '{"keys":"nope"}' } as const,
      'jwks_invalid',
    ],
  ])(
    'fails to decide (not a token rejection) on a cold start while the JWKS is %s',
    async (_name, behaviour, reason) => {
      issuer.setJwksBehaviour(behaviour);
      const failure = await failureOf(resolve(resolver()));
      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(failure).toMatchObject({ code: reason });
    },
  );

  it('leaves the network alone during the failure backoff, then recovers', async () => {
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    const getKey = resolver();
    await failureOf(resolve(getKey));
    const afterFirst = issuer.jwksRequests();
    for (let i = 0; i < 20; i++)
      expect(await failureOf(resolve(getKey))).toMatchObject({ code: 'jwks_unavailable' });
    expect(issuer.jwksRequests()).toBe(afterFirst);

    issuer.setJwksBehaviour({ kind: 'keys' });
    clock += 2001;
    await expect(resolve(getKey)).resolves.toBeDefined();
  });

  it('keeps serving the last good keys when a refresh fails (stale-if-error)', async () => {
    const getKey = resolver({ cacheMaxAgeMs: 1 });
    await resolve(getKey);
    issuer.setJwksBehaviour({ kind: 'status', status: 500 });
    clock += 5;
    const before = issuer.jwksRequests();
    await expect(resolve(getKey)).resolves.toBeDefined();
    await expect(resolve(getKey)).resolves.toBeDefined();
    expect(issuer.jwksRequests() - before).toBe(1);
  });

  it('does not reject an unknown kid while the issuer is unreachable (it may be a new key)', async () => {
    const getKey = resolver({ cacheMaxAgeMs: 1 });
    await resolve(getKey);
    issuer.setJwksBehaviour({ kind: 'drop' });
    clock += 5;
    const failure = await failureOf(resolve(getKey, 'rotated-in'));
    expect(failure).toBeInstanceOf(AuthorizerFailure);
  });

  it('does not bring back a key the issuer removed when a later refresh fails', async () => {
    const getKey = resolver({ cacheMaxAgeMs: 1 });
    const removed = issuer.keys[0]!;
    await resolve(getKey, removed.kid);
    issuer.keys.splice(0, issuer.keys.length, await generateSigningKey('RS256'));
    try {
      clock += 5;
      expect(await failureOf(resolve(getKey, removed.kid))).toBeInstanceOf(
        errors.JWKSNoMatchingKey,
      );
      issuer.setJwksBehaviour({ kind: 'status', status: 503 });
      clock += 5;
      const failure = await failureOf(resolve(getKey, removed.kid));
      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(failure).toMatchObject({ code: 'jwks_unavailable' });
    } finally {
      issuer.keys.splice(0, issuer.keys.length, removed);
    }
  });

  it('stops serving the last good keys once they are older than maxStale', async () => {
    const getKey = resolver({ cacheMaxAgeMs: 1, maxStaleMs: 60_000 });
    await resolve(getKey);
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    clock += 5;
    await expect(resolve(getKey)).resolves.toBeDefined();
    clock += 60_001;
    expect(await failureOf(resolve(getKey))).toMatchObject({ code: 'jwks_unavailable' });
  });

  it.each([
    ['no keys at all', '{"keys":[]}'],
    [
      'only an encryption key',
      JSON.stringify({ keys: [{ kty: 'RSA', use: 'enc', kid: 'enc-1', n: 'AQAB', e: 'AQAB' }] }),
    ],
    ['only a symmetric key', JSON.stringify({ keys: [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }] })],
  ])(
    'fails to decide (500, not a cached 401 for everyone) on a JWKS with %s',
    async (_name, body) => {
      issuer.setJwksBehaviour({ kind: 'body', body });
      const failure = await failureOf(resolve(resolver()));
      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(failure).toMatchObject({ code: 'jwks_invalid' });
    },
  );
});

// An unknown kid meets a key set that could not be refreshed: whether it is the issuer's new key
// or a forged one cannot be told until a refetch succeeds, so it is a failure to decide (500),
// never a refusal (401) the gateway would keep. Refetches stay rate-limited: the cooldown counts
// from the last fetch that succeeded, the failure backoff from the last that failed.
describe('an unknown kid after a failed refetch', () => {
  /** A resolver whose set loaded at the start, then the JWKS down and a key rotated in. */
  async function rotatedWhileDown() {
    const getKey = resolver();
    await resolve(getKey);
    const rotatedIn = await generateSigningKey('RS256');
    issuer.keys.push(rotatedIn);
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    clock += 60_000;
    expect(await failureOf(resolve(getKey, rotatedIn.kid))).toMatchObject({
      code: 'jwks_unavailable',
    });
    return { getKey, rotatedIn };
  }
  afterEach(() => {
    issuer.keys.splice(1);
  });

  it('fails to decide (jwks_unavailable) during the backoff, without a request', async () => {
    const { getKey, rotatedIn } = await rotatedWhileDown();
    clock += 1999;
    let failure: unknown;
    expect(
      await requestsDuring(async () => (failure = await failureOf(resolve(getKey, rotatedIn.kid)))),
    ).toBe(0);
    expect(failure).toBeInstanceOf(AuthorizerFailure);
    expect(failure).toMatchObject({ code: 'jwks_unavailable' });
  });

  it('refetches once the backoff ends (a failed fetch does not start the cooldown), and fails to decide while the issuer is still down', async () => {
    const { getKey, rotatedIn } = await rotatedWhileDown();
    clock += 2500;
    let failure: unknown;
    expect(
      await requestsDuring(async () => (failure = await failureOf(resolve(getKey, rotatedIn.kid)))),
    ).toBe(1);
    expect(failure).toBeInstanceOf(AuthorizerFailure);
    expect(failure).toMatchObject({ code: 'jwks_unavailable' });
  });

  it('finds the new key on the first request once the issuer is back, within the cooldown of the failed fetch', async () => {
    const { getKey, rotatedIn } = await rotatedWhileDown();
    clock += 2500;
    await failureOf(resolve(getKey, rotatedIn.kid));
    issuer.setJwksBehaviour({ kind: 'keys' });
    clock += 10_000;
    expect(await requestsDuring(() => resolve(getKey, rotatedIn.kid))).toBe(1);
    expect(await requestsDuring(() => resolve(getKey, rotatedIn.kid))).toBe(0);
  });

  it('sends at most one request per backoff while the issuer stays down, however many unknown kids arrive', async () => {
    const { getKey } = await rotatedWhileDown();
    const flood = async () => {
      for (let i = 0; i < 20; i++)
        expect(await failureOf(resolve(getKey, `forged-${i}`))).toMatchObject({
          code: 'jwks_unavailable',
        });
    };
    expect(await requestsDuring(flood)).toBe(0);
    clock += 2000;
    expect(await requestsDuring(flood)).toBe(1);
  });

  it('keeps answering known kids from the loaded set without a request meanwhile', async () => {
    const { getKey } = await rotatedWhileDown();
    clock += 2500;
    expect(await requestsDuring(() => resolve(getKey))).toBe(0);
  });

  it('refuses a genuinely unknown kid (401) once a refetch has succeeded, and without a request for the rest of the cooldown', async () => {
    const { getKey, rotatedIn } = await rotatedWhileDown();
    issuer.setJwksBehaviour({ kind: 'keys' });
    clock += 2500;
    await resolve(getKey, rotatedIn.kid);
    const requests = await requestsDuring(async () => {
      for (let i = 0; i < 50; i++) {
        clock += 500;
        expect(await failureOf(resolve(getKey, `forged-${i}`))).toBeInstanceOf(
          errors.JWKSNoMatchingKey,
        );
      }
    });
    expect(requests).toBe(0);
  });
});

describe('the jwks_uri a discovery document may name', () => {
  const https = new URL('https://issuer.example.com');
  const loopback = new URL('http://127.0.0.1:4010');
  it.each([
    'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
    'https://127.0.0.1:9001/keys',
    'https://localhost/keys',
    'https://2130706433/keys',
    'https://[::1]/keys',
    'https://[::ffff:127.0.0.1]/keys',
    'https://0.0.0.0/keys',
    'https://169.254.169.254/latest/meta-data',
    'https://[fe80::1]/keys',
  ])('refuses %s (loopback or link-local) for an issuer that is not there itself', (jwksUri) => {
    expect(() => discoveredJwksUrl(https, jwksUri)).toThrow(/loopback|https/);
  });

  it('refuses plain http anywhere but loopback', () => {
    expect(() => discoveredJwksUrl(https, 'http://issuer.example.com/keys')).toThrow(/https/);
  });

  it('accepts an https jwks_uri on another host, and loopback for a loopback issuer', () => {
    expect(discoveredJwksUrl(https, 'https://keys.example.net/jwks').href).toBe(
      'https://keys.example.net/jwks',
    );
    expect(discoveredJwksUrl(loopback, 'http://127.0.0.1:4010/jwks').href).toBe(
      'http://127.0.0.1:4010/jwks',
    );
  });
});

// The init-time prefetch (prefetch(), prefetch.ts): what it loads, what it leaves behind when it
// fails, and how a request meets it. Requests are counted on the test issuer's JWKS.
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

  it('starts no refetch cooldown: a key the issuer signs with right after the init is found, with one request', async () => {
    const getKey = resolver();
    await getKey.prefetch();
    const rotatedIn = await generateSigningKey('RS256');
    issuer.keys.push(rotatedIn);
    try {
      expect(await requestsDuring(() => resolve(getKey, rotatedIn.kid))).toBe(1);
    } finally {
      issuer.keys.splice(1);
    }
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
