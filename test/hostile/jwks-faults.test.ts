import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { authorizerFor, decisionOf, type AuthorizerUnderTest } from '../support/authorizer.ts';
import {
  forgedToken,
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

const decide = (sut: AuthorizerUnderTest, token: string) => decisionOf(sut, token, ARN);
const forged = (kid?: string) => forgedToken(issuer, kid);

const FAULTS: [string, JwksBehaviour, string][] = [
  ['down (503)', { kind: 'status', status: 503 }, 'jwks_unavailable'],
  ['answering 404', { kind: 'status', status: 404 }, 'jwks_unavailable'],
  // The target serves the issuer's real keys: a client that followed would allow the good token.
  ['redirecting to a copy of its keys', { kind: 'redirect' }, 'jwks_unavailable'],
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
      for (const token of [await forged(), await issuer.sign()]) {
        const decision = await decide(sut, token);
        expect(decision.outcome.kind).toBe('error');
        expect(decision.code).toBe(reason);
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
    for (const token of [await issuer.sign(), await forged()]) {
      const decision = await decide(sut, token);
      expect([decision.outcome.kind, decision.code]).toEqual(['error', 'jwks_invalid']);
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
      const forgedDecision = await decide(sut, await forged());
      expect([forgedDecision.outcome.kind, forgedDecision.code]).toEqual([
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
  it('allows a token of a key published after the first fetch at once, within the cooldown', async () => {
    // The default 30 s cooldown: only a refetch that missed a kid starts it.
    const sut = authorizerFor(issuer);
    expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('allow');
    const next = await generateSigningKey('ES256');
    (issuer.keys as SigningKey[]).unshift(next);
    const decision = await decide(sut, await issuer.sign({ key: next }));
    expect(decision.outcome.kind).toBe('allow');
  });

  it('refuses a forged kid after a refetch that missed it, and a key published right after it too, until the cooldown ends', async () => {
    const sut = authorizerFor(issuer, { AUTH_JWKS_COOLDOWN_SECONDS: '1' });
    expect((await decide(sut, await issuer.sign())).outcome.kind).toBe('allow');
    const missed = await decide(sut, await forged('never-published'));
    expect([missed.outcome.kind, missed.code]).toEqual(['unauthorized', 'unknown_kid']);
    // The price of bounding a flood of forged kids: within the cooldown that the miss started,
    // a key rotated in meanwhile is refused as well (one request per cooldown at most).
    const next = await generateSigningKey('ES256');
    (issuer.keys as SigningKey[]).unshift(next);
    const token = await issuer.sign({ key: next });
    expect((await decide(sut, token)).code).toBe('unknown_kid');
    await sleep(1100);
    expect((await decide(sut, token)).outcome.kind).toBe('allow');
  });
});

describe('a key rotated in while the JWKS is down', () => {
  // The default cooldown (30 s) and failure backoff (2 s), on a clock the test moves: a token of
  // the new key is a failure to decide until the key set has been refreshed, never a 401 (which
  // API Gateway would keep for the TTL), and is allowed on the first request once the JWKS is back.
  it('answers 500 while the key set cannot be refreshed and allows as soon as the JWKS is back, never 401', async () => {
    let clock = 0;
    const sut = authorizerFor(issuer, {}, { now: () => clock });
    const outcome = async (token: string) => {
      const decision = await decide(sut, token);
      return [decision.outcome.kind, decision.code];
    };
    expect(await outcome(await issuer.sign())).toEqual(['allow', 'token_valid']);

    const rotatedIn = await generateSigningKey('ES256');
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    (issuer.keys as SigningKey[]).unshift(rotatedIn);
    const table: [number, 'down' | 'back', string[]][] = [
      [60_000, 'down', ['error', 'jwks_unavailable']],
      [62_500, 'down', ['error', 'jwks_unavailable']],
      [72_500, 'back', ['allow', 'token_valid']],
      [92_500, 'back', ['allow', 'token_valid']],
    ];
    const seen = [];
    for (const [at, host] of table) {
      clock = at;
      issuer.setJwksBehaviour(host === 'down' ? { kind: 'status', status: 503 } : { kind: 'keys' });
      seen.push([at, ...(await outcome(await issuer.sign({ key: rotatedIn })))]);
    }
    expect(seen).toEqual(table.map(([at, , expected]) => [at, ...expected]));
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
      decisions.every((d) => d.outcome.kind === 'unauthorized' && d.code === 'unknown_kid'),
    ).toBe(true);
    // The cooldown (30 s by default) allows at most one refetch for the whole flood.
    expect(issuer.jwksRequests() - before).toBeLessThanOrEqual(1);
  });
});

describe('a key set with no key usable for verification', () => {
  // Each key set loads, but none of its keys may verify an RS256/ES256/EdDSA token: refusing every
  // token as an unknown kid would be a 401 API Gateway may keep for the TTL, for everyone.
  const rsa = () => ({ ...issuer.keys[0]!.publicJwk });
  const ec = () => ({ ...issuer.keys[1]!.publicJwk });
  const SETS: [string, () => Record<string, unknown>[]][] = [
    [
      'an RSA key for encryption only (key_ops)',
      () => [{ ...rsa(), use: undefined, key_ops: ['encrypt'] }],
    ],
    ['an RSA key for RSA-OAEP', () => [{ ...rsa(), use: undefined, alg: 'RSA-OAEP' }]],
    ['an RSA key for an algorithm not allowed (RS512)', () => [{ ...rsa(), alg: 'RS512' }]],
    [
      'an EC key on a curve no allowed algorithm uses (P-384 for ES256)',
      () => [{ ...ec(), crv: 'P-384', alg: undefined }],
    ],
    ['a symmetric key', () => [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }]],
    [
      'an encryption key beside a wrapping key',
      () => [
        { ...rsa(), use: 'enc' },
        { ...ec(), key_ops: ['wrapKey'] },
      ],
    ],
  ];
  it.each(SETS)('%s: 500 jwks_invalid, not a 401 for every token', async (_name, keys) => {
    const sut = authorizerFor(issuer);
    issuer.setJwksBehaviour({ kind: 'body', body: JSON.stringify({ keys: keys() }) });
    for (const token of [await issuer.sign(), await issuer.sign({ header: { kid: 'other' } })]) {
      const decision = await decide(sut, token);
      expect([decision.outcome.kind, decision.code]).toEqual(['error', 'jwks_invalid']);
    }
  });

  it('still refuses an unknown kid with 401 when the set has a usable key', async () => {
    const sut = authorizerFor(issuer);
    const decision = await decide(sut, await issuer.sign({ header: { kid: 'no-such-key' } }));
    expect([decision.outcome.kind, decision.code]).toEqual(['unauthorized', 'unknown_kid']);
  });
});

describe('several keys match a token (key rotation)', () => {
  // During a rotation the JWKS holds the old and the new key of one type; a token without kid, or
  // two entries sharing a kid, matches both. jose then leaves the choice to us.
  async function rotatingIssuer(keys: SigningKey[]) {
    (issuer.keys as SigningKey[]).splice(0, issuer.keys.length, ...keys);
    return authorizerFor(issuer);
  }

  it('allows a token without kid signed by either of two RSA keys', async () => {
    const [older, newer] = [await generateSigningKey('RS256'), await generateSigningKey('RS256')];
    const sut = await rotatingIssuer([older, newer]);
    for (const key of [older, newer]) {
      const decision = await decide(sut, await issuer.sign({ key, header: { kid: undefined } }));
      expect([decision.outcome.kind, decision.code]).toEqual(['allow', 'token_valid']);
    }
  });

  it('allows a token whose kid two JWKS entries share, signed by either', async () => {
    const [first, second] = [
      await generateSigningKey('RS256', 'shared'),
      await generateSigningKey('RS256', 'shared'),
    ];
    const sut = await rotatingIssuer([first, second]);
    for (const key of [first, second]) {
      const decision = await decide(sut, await issuer.sign({ key }));
      expect([decision.outcome.kind, decision.code]).toEqual(['allow', 'token_valid']);
    }
  });

  it('refuses a token that none of the matching keys verifies (bad_signature)', async () => {
    const sut = await rotatingIssuer([
      await generateSigningKey('RS256'),
      await generateSigningKey('RS256'),
    ]);
    const stranger = await generateSigningKey('RS256');
    const decision = await decide(
      sut,
      await issuer.sign({ key: stranger, header: { kid: undefined } }),
    );
    expect([decision.outcome.kind, decision.code]).toEqual(['unauthorized', 'bad_signature']);
  });

  it('tries at most 4 candidate keys, so a crowded key set cannot multiply the work per token', async () => {
    const keys = await Promise.all(
      Array.from({ length: 6 }, () => generateSigningKey('RS256', 'crowded')),
    );
    const sut = await rotatingIssuer(keys);
    const within = await decide(sut, await issuer.sign({ key: keys[3]! }));
    expect([within.outcome.kind, within.code]).toEqual(['allow', 'token_valid']);
    const beyond = await decide(sut, await issuer.sign({ key: keys[5]! }));
    expect([beyond.outcome.kind, beyond.code]).toEqual(['unauthorized', 'ambiguous_key']);
  });
});
