import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, type JWTVerifyGetKey } from 'jose';
import { AuthorizerFailure } from '../../src/authorizer/errors.ts';
import { discoveredJwksUrl } from '../../src/authorizer/keys/discovery.ts';
import {
  createKeyResolver,
  type KeyResolverOptions,
} from '../../src/authorizer/keys/key-resolver.ts';
import { generateSigningKey, startTestIssuer, type TestIssuer } from '../support/issuer.ts';

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
const header = (kid = issuer.keys[0]!.kid) => ({ alg: 'RS256', kid });
const resolve = (getKey: JWTVerifyGetKey, kid?: string) => getKey(header(kid), undefined as never);
const failureOf = async (promise: unknown) => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};

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
    const before = issuer.jwksRequests();
    for (let i = 0; i < 50; i++) await failureOf(resolve(getKey, `forged-${i}`));
    expect(issuer.jwksRequests() - before).toBe(0);
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
