import { describe, expect, it } from '@jest/globals';
import { duplicatesOf, faultOutcomes, lostUpdatesOf } from './checks.ts';
import type { CreateIntent, PatchAttempt } from './clients.ts';
import { Ledger, type Exchange } from './ledger.ts';
import type { Token, TokenOrigin } from './tokens.ts';

/**
 * The soak's judges on made-up histories: each count it reports as zero must be able to be more
 * than zero. (The soak itself runs in soak.test.ts.)
 */
const ISS = 'http://127.0.0.1:4010';
const T0 = 1_800_000_000_000;
const token = (
  kid: string,
  origin: TokenOrigin = 'trusted',
  value = `${kid}.${Math.random()}`,
): Token => ({
  value,
  iss: ISS,
  kid,
  exp: T0 / 1000 + 600,
  origin,
});
const exchange = (at: number, status: number, t: Token): Exchange => ({
  op: 'me',
  route: 'GET /me',
  sentAt: T0 + at,
  answeredAt: T0 + at + 10,
  status,
  token: t,
});

function ledgerWithRotation() {
  const ledger = new Ledger({ retiredToleranceMs: 35_000 });
  ledger.followIssuer(ISS, ['old'], T0);
  ledger.keyPublished(ISS, 'new', T0 + 1000);
  ledger.keyRemoved(ISS, 'old', T0 + 20_000);
  return ledger;
}

describe('the decision judge (ledger)', () => {
  it('counts a 401 for a valid token as a wrong decision, and a 500 as none', () => {
    const ledger = ledgerWithRotation();
    ledger.record(exchange(5000, 500, token('new')));
    expect(ledger.wrong).toHaveLength(0);
    ledger.record(exchange(5000, 401, token('new')));
    expect(ledger.wrong.map((w) => w.why)).toEqual(['a valid token answered 401']);
  });

  it('holds a token of the old key valid during the grace period: a 401 then is wrong', () => {
    const ledger = ledgerWithRotation();
    ledger.record(exchange(10_000, 401, token('old')));
    expect(ledger.wrong).toHaveLength(1);
  });

  it('counts every kind of invalid token let in as a wrong decision, and its 401 or 500 as none', () => {
    const ledger = ledgerWithRotation();
    for (const origin of ['expired', 'bad-signature', 'unknown-kid', 'unknown-issuer'] as const) {
      ledger.record(exchange(5000, 401, token('new', origin)));
      ledger.record(exchange(5000, 500, token('new', origin)));
      ledger.record(exchange(5000, 200, token('new', origin)));
    }
    expect(ledger.wrong.map((w) => w.why)).toEqual([
      'an invalid token (expired) let in',
      'an invalid token (bad-signature) let in',
      'an invalid token (unknown-kid) let in',
      'an invalid token (unknown-issuer) let in',
    ]);
  });

  it('after the removal, takes a 401 for the old key as right and tolerates an Allow only within the cache window', () => {
    const ledger = ledgerWithRotation();
    ledger.record(exchange(21_000, 401, token('old')));
    ledger.record(exchange(30_000, 200, token('old')));
    expect(ledger.wrong).toHaveLength(0);
    expect(ledger.retired).toMatchObject({ refused: 1, allowedInWindow: 1 });
    ledger.record(exchange(60_000, 200, token('old')));
    expect(ledger.wrong.map((w) => w.why)).toEqual([
      'a token of a key removed 40 s earlier let in',
    ]);
  });

  it('tolerates an old-key token the gateway allowed before the removal for as long as it is cached', () => {
    const ledger = ledgerWithRotation();
    const cached = token('old', 'trusted', 'the-same-string');
    ledger.record(exchange(10_000, 200, cached));
    ledger.record(exchange(200_000, 200, cached));
    expect(ledger.wrong).toHaveLength(0);
  });

  it('judges neither way a token about to expire or whose key went away mid-request', () => {
    const ledger = ledgerWithRotation();
    const expiring = { ...token('new'), exp: T0 / 1000 + 3 };
    ledger.record(exchange(0, 401, expiring));
    ledger.record({ ...exchange(19_995, 401, token('old')), answeredAt: T0 + 20_005 });
    expect(ledger.wrong).toHaveLength(0);
  });
});

const intent = (key: string, userIds: string[]): CreateIntent => ({
  key,
  email: `${key}@example.com`,
  body: '{}',
  userIds: new Set(userIds),
  attempts: 1,
  outcome: 'created',
});

describe('the duplicate judge', () => {
  it('finds two users for one Idempotency-Key, in the 201s or in the table', () => {
    expect(
      duplicatesOf([intent('k1', ['u1']), intent('k2', ['u2'])], ['soak k1', 'soak k2', 'Ada']),
    ).toEqual([]);
    expect(duplicatesOf([intent('k1', ['u1', 'u9'])], ['soak k1'])).toHaveLength(1);
    expect(duplicatesOf([intent('k1', ['u1'])], ['soak k1', 'soak k1'])).toEqual([
      'key k1: 2 users in the table',
    ]);
  });
});

const ack = (value: string, ifMatch: number, version: number): PatchAttempt => ({
  userId: 'u',
  ifMatch,
  value,
  outcome: 'acknowledged',
  version,
});

describe('the lost-update judge', () => {
  it('takes the last acknowledged PATCH visible, and earlier ones superseded', () => {
    const patches = [ack('a', 1, 2), ack('b', 2, 3)];
    expect(lostUpdatesOf(patches, { version: 3, name: 'b' }, 'soak k')).toEqual({
      lost: [],
      visible: 1,
    });
  });

  it('takes a version written by a PATCH whose answer was lost as superseding', () => {
    const lostAnswer: PatchAttempt = { userId: 'u', ifMatch: 2, value: 'c', outcome: 'unknown' };
    const judged = lostUpdatesOf([ack('a', 1, 2), lostAnswer], { version: 3, name: 'c' }, 'soak k');
    expect(judged.lost).toEqual([]);
  });

  it('finds two PATCHes acknowledged as the same version (one overwrote the other)', () => {
    const judged = lostUpdatesOf(
      [ack('a', 1, 2), ack('b', 1, 2)],
      { version: 2, name: 'b' },
      'soak k',
    );
    expect(judged.lost).toContain('2 PATCHes acknowledged as version 2');
  });

  it('finds an acknowledged value the user does not hold, or a version it never reached', () => {
    expect(
      lostUpdatesOf([ack('a', 1, 2)], { version: 2, name: 'soak k' }, 'soak k').lost,
    ).toHaveLength(1);
    expect(
      lostUpdatesOf([ack('a', 1, 2)], { version: 1, name: 'soak k' }, 'soak k').lost,
    ).toHaveLength(1);
  });

  it('finds a value that no PATCH sent', () => {
    expect(lostUpdatesOf([], { version: 4, name: 'who?' }, 'soak k').lost).toEqual([
      'holds "who?", which no PATCH sent',
    ]);
  });
});

describe('the recovery figures', () => {
  it('measure from the end of a fault to the first 2xx, and count the 5xx until then by status', () => {
    const t = token('new');
    const at = (sent: number, answered: number, status: number, code?: string): Exchange => ({
      op: 'read',
      route: 'GET /users/{userId}',
      sentAt: T0 + sent,
      answeredAt: T0 + answered,
      status,
      token: t,
      ...(code ? { code } : {}),
    });
    const [outcome] = faultOutcomes(
      [{ name: 'DynamoDB restart', what: '', startedAt: T0 + 1000, endedAt: T0 + 5000 }],
      [
        at(500, 600, 200),
        at(1100, 1200, 503, 'service_unavailable'),
        at(4900, 5100, 503, 'service_unavailable'),
        at(5200, 5700, 200),
        at(5300, 5400, 0),
      ],
      T0 + 10_000,
    );
    expect(outcome).toMatchObject({
      recoveredAfterMs: 700,
      failuresUntilRecovered: 3,
      lastFailureAfterMs: 400,
      requests: 4,
      successes: 1,
      failures: { '503 service_unavailable': 2, 'no answer': 1 },
    });
  });
});
