import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  authorizerFor,
  authorizerForIssuers,
  decisionOf,
  type AuthorizerUnderTest,
} from '../support/authorizer.ts';
import {
  forgedToken,
  methodArn,
  startTestIssuer,
  type JwksBehaviour,
  type TestIssuer,
} from '../support/issuer.ts';

/**
 * The issuer misbehaving while the function initialises, when the authorizer prefetches its
 * keys (handler.ts awaits `prefetchKeys` at top level). Whatever the fault, the init completes,
 * the prefetch decides nothing, and the first request answers exactly as it would have without
 * a prefetch: 500 with the fault's code while the fault lasts, an Allow for a good token as soon
 * as the issuer is back (the prefetch's failure leaves no backoff behind). Requests are counted
 * on the test issuer's JWKS.
 */
let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await startTestIssuer(['RS256', 'ES256']);
});
afterEach(async () => {
  await issuer.close();
});

const TIMEOUT_MS = 300;
const ARN = methodArn('GET', '/users/42');

async function decide(sut: AuthorizerUnderTest, token: string) {
  const { outcome, code } = await decisionOf(sut, token, ARN);
  return { kind: outcome.kind, code };
}

/** A new container: the authorizer created, then its init's prefetch, as handler.ts does. */
async function initialised(behaviour: JwksBehaviour = { kind: 'keys' }) {
  const sut = authorizerFor(issuer, { AUTH_JWKS_TIMEOUT_MS: String(TIMEOUT_MS) });
  issuer.setJwksBehaviour(behaviour);
  await sut.authorize.prefetchKeys(TIMEOUT_MS);
  return sut;
}

const forged = (kid?: string) => forgedToken(issuer, kid);

// The fault, the code a decision logs while it lasts, and what the init may log: a fault slower
// than the bound leaves the prefetch pending when the init stops waiting.
const FAULTS: [string, JwksBehaviour, string, string[]][] = [
  ['down (503)', { kind: 'status', status: 503 }, 'jwks_unavailable', ['jwks_unavailable']],
  ['dropping the connection', { kind: 'drop' }, 'jwks_unavailable', ['jwks_unavailable']],
  [
    'hanging past the timeout',
    { kind: 'delay', ms: 3000 },
    'jwks_timeout',
    ['jwks_timeout', 'keys_prefetch_pending'],
  ],
  [
    'returning garbage',
    { kind: 'body', body: '<html>oops</html>' },
    'jwks_invalid',
    ['jwks_invalid'],
  ],
  [
    'serving no usable key',
    { kind: 'body', body: '{"keys":[]}' },
    'jwks_invalid',
    ['jwks_invalid'],
  ],
];

describe('JWKS faults during the init', () => {
  it.each(FAULTS)(
    '%s: the init completes and logs it, deciding nothing; the first requests answer 500 and try the issuer again',
    async (_name, behaviour, code, initCodes) => {
      const sut = await initialised(behaviour);
      expect(sut.logs).toHaveLength(1);
      expect(sut.logs[0]).toMatchObject({ phase: 'init', iss: issuer.issuer });
      expect(initCodes).toContain(sut.logs[0]!.code);
      expect(sut.logs[0]!.decision).toBeUndefined();

      const before = issuer.jwksRequests();
      for (const token of [await issuer.sign(), await forged()])
        expect(await decide(sut, token)).toEqual({ kind: 'error', code });
      // The first request fetched for itself (the prefetch left no backoff); the second stayed
      // within the backoff the first one's failure started, as any request does.
      expect(issuer.jwksRequests() - before).toBe(1);
    },
  );

  it.each(FAULTS)(
    '%s during the init only: the first request allows a good token and refuses a forged one',
    async (_name, behaviour) => {
      const sut = await initialised(behaviour);
      issuer.setJwksBehaviour({ kind: 'keys' });
      expect(await decide(sut, await issuer.sign())).toEqual({
        kind: 'allow',
        code: 'token_valid',
      });
      expect(await decide(sut, await forged())).toEqual({
        kind: 'unauthorized',
        code: 'bad_signature',
      });
    },
  );
});

describe('a successful prefetch', () => {
  it('logs the keys loaded, and nothing else: no decision, no Allow', async () => {
    const sut = await initialised();
    expect(sut.logs).toEqual([
      { phase: 'init', code: 'keys_prefetched', iss: issuer.issuer, latencyMs: expect.any(Number) },
    ]);
  });

  it('lets the first decision verify without a request to the issuer', async () => {
    const sut = await initialised();
    const before = issuer.jwksRequests();
    expect(await decide(sut, await issuer.sign())).toEqual({ kind: 'allow', code: 'token_valid' });
    expect(await decide(sut, await issuer.sign({ key: issuer.keys[1]! }))).toEqual({
      kind: 'allow',
      code: 'token_valid',
    });
    expect(issuer.jwksRequests()).toBe(before);
  });

  it.each([
    ['a forged signature under a known kid', () => forged(), 'bad_signature'],
    ['a kid the issuer never published', () => forged('never-published'), 'unknown_kid'],
    ['an expired token', () => issuer.sign({ expiresIn: -3600 }), 'token_expired'],
    [
      'another audience',
      () => issuer.sign({ claims: { aud: 'https://other.example' } }),
      'wrong_audience',
    ],
    [
      'another issuer',
      () => issuer.sign({ claims: { iss: 'https://evil.example' } }),
      'unknown_issuer',
    ],
  ])('allows nothing by itself: %s is refused on the first request', async (_name, token, code) => {
    const sut = await initialised();
    expect(await decide(sut, await token())).toEqual({ kind: 'unauthorized', code });
  });
});

describe('prefetching several issuers', () => {
  it("keeps one issuer's fault to itself: the other's first decision needs no request", async () => {
    const other = await startTestIssuer(['ES256']);
    try {
      const sut = authorizerForIssuers([
        { issuer: issuer.issuer, audience: issuer.audience, jwksUrl: issuer.jwksUrl.href },
        { issuer: other.issuer, audience: other.audience, jwksUrl: other.jwksUrl.href },
      ]);
      issuer.setJwksBehaviour({ kind: 'status', status: 503 });
      await sut.authorize.prefetchKeys(TIMEOUT_MS);
      expect(sut.logs.map(({ iss, code }) => [iss, code])).toEqual([
        [issuer.issuer, 'jwks_unavailable'],
        [other.issuer, 'keys_prefetched'],
      ]);
      const before = other.jwksRequests();
      expect(await decide(sut, await other.sign())).toEqual({
        kind: 'allow',
        code: 'token_valid',
      });
      expect(other.jwksRequests()).toBe(before);
      expect(await decide(sut, await issuer.sign())).toEqual({
        kind: 'error',
        code: 'jwks_unavailable',
      });
    } finally {
      await other.close();
    }
  });
});
