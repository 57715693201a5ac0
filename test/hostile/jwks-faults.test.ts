import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { authorizerFor, outcomeOf, type AuthorizerUnderTest } from '../support/authorizer.ts';
import {
  generateSigningKey,
  methodArn,
  startTestIssuer,
  type JwksBehaviour,
  type SigningKey,
  type TestIssuer,
} from '../support/issuer.ts';

/**
 * The issuer's JWKS misbehaving, seen through the whole authorizer (the key resolver's own
 * mechanics are in test/unit/key-resolver.test.ts): no Allow for a bad token in any fault, no
 * lockout kept for good tokens once the JWKS is back, every decision back well before the
 * function's 5 s timeout, and a flood of unknown kids does not become a flood of JWKS requests.
 */
let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await startTestIssuer(['RS256', 'ES256']);
});
afterEach(async () => {
  await issuer.close();
});

const FUNCTION_TIMEOUT_MS = 5000; // serverless.yml: functions.authorizer.timeout
const ARN = methodArn('GET', '/users/42');

async function decide(sut: AuthorizerUnderTest, token: string) {
  const started = performance.now();
  const outcome = await outcomeOf(
    sut.authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN }),
  );
  return { outcome, elapsedMs: performance.now() - started, reason: sut.lastLog()?.reason };
}

async function forged(kid: string): Promise<string> {
  const stranger: SigningKey = await generateSigningKey('RS256', kid);
  return issuer.sign({ key: stranger });
}

const FAULTS: [string, JwksBehaviour, string][] = [
  ['down (503)', { kind: 'status', status: 503 }, 'jwks_unavailable'],
  ['answering 404', { kind: 'status', status: 404 }, 'jwks_unavailable'],
  ['dropping the connection', { kind: 'drop' }, 'jwks_unavailable'],
  ['slow past the timeout', { kind: 'delay', ms: 3000 }, 'jwks_timeout'],
  ['returning garbage', { kind: 'body', body: '<html>oops</html>' }, 'jwks_invalid'],
  [
    'returning JSON that is not a key set',
    { kind: 'body', body: '{"keys":"none"}' },
    'jwks_invalid',
  ],
];

describe('JWKS faults on a cold container', () => {
  it.each(FAULTS)(
    '%s: a forged token is not allowed, a good one is not either, both return in time',
    async (_name, behaviour, reason) => {
      const sut = authorizerFor(issuer, { AUTH_JWKS_TIMEOUT_MS: '300' });
      issuer.setJwksBehaviour(behaviour);
      for (const token of [await forged(issuer.keys[0]!.kid), await issuer.sign()]) {
        const decision = await decide(sut, token);
        expect(decision.outcome.kind).toBe('error');
        expect(decision.reason).toBe(reason);
        expect(decision.elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS / 2);
      }
    },
  );

  it('keeps no lockout: once the JWKS answers again, a good token is allowed', async () => {
    const sut = authorizerFor(issuer);
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('error');
    issuer.setJwksBehaviour({ kind: 'keys' });
    // The resolver leaves the network alone for 2 s after a failure (its failure backoff).
    await sleep(2100);
    expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('allow');
  });

  it("answers an empty key set with 500 (jwks_invalid, the issuer's fault), not a 401 for every token", async () => {
    const sut = authorizerFor(issuer);
    issuer.setJwksBehaviour({ kind: 'body', body: '{"keys":[]}' });
    for (const token of [await issuer.sign(), await forged(issuer.keys[0]!.kid)]) {
      const decision = await decide(sut, token);
      expect([decision.outcome.kind, decision.reason]).toEqual(['error', 'jwks_invalid']);
    }
  });
});

describe('JWKS faults on a warm container', () => {
  it.each(FAULTS)(
    '%s: tokens of known keys keep working, forged ones stay refused',
    async (_name, behaviour) => {
      const sut = authorizerFor(issuer, {
        AUTH_JWKS_TIMEOUT_MS: '300',
        AUTH_JWKS_COOLDOWN_SECONDS: '1',
      });
      expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('allow');
      issuer.setJwksBehaviour(behaviour);
      expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('allow');
      const forgedDecision = await decide(sut, await forged(issuer.keys[0]!.kid));
      expect([forgedDecision.outcome.kind, forgedDecision.reason]).toEqual([
        'unauthorized',
        'bad_signature',
      ]);
      // An unknown kid wants a refetch (past the 1 s cooldown), which fails: 500 (not cached),
      // never an Allow.
      await sleep(1100);
      const unknown = await decide(sut, await forged('rotated-in-secret'));
      expect(unknown.outcome.kind).not.toBe('allow');
      expect(unknown.elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS / 2);
    },
  );
});

describe('key rotation mid-run', () => {
  it('allows a token of a key published after the first fetch, once the cooldown has passed', async () => {
    const sut = authorizerFor(issuer, { AUTH_JWKS_COOLDOWN_SECONDS: '1' });
    expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('allow');
    const next = await generateSigningKey('ES256');
    (issuer.keys as SigningKey[]).unshift(next);
    await sleep(1100);
    const decision = await decide(sut, await issuer.sign({ key: next }));
    expect(decision.outcome.kind).toBe('allow');
  });
});

describe('a flood of unknown kids', () => {
  it('is refused without a JWKS request per token (refetches are rate-limited)', async () => {
    const sut = authorizerFor(issuer);
    expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('allow');
    const before = issuer.jwksRequests();
    const key = issuer.keys[0]!;
    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) => issuer.sign({ key, header: { kid: `flood-${i}` } })),
    );
    const decisions = await Promise.all(flood.map((token) => decide(sut, token)));
    expect(
      decisions.every((d) => d.outcome.kind === 'unauthorized' && d.reason === 'unknown_kid'),
    ).toBe(true);
    // The cooldown (30 s by default) allows at most one refetch for the whole flood.
    expect(issuer.jwksRequests() - before).toBeLessThanOrEqual(1);
  });
});
