import { describe, expect, it } from '@jest/globals';
import {
  createThrottling,
  periodStart,
  quotaCounter,
  tokenBucket,
  type PlanLimits,
} from '../../local/api-gateway/throttling.ts';

/** A clock the test moves by hand. */
function clock(start = Date.UTC(2026, 11, 3, 12)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (at: number) => (t = at) };
}

const takes = (take: () => boolean, n: number) => Array.from({ length: n }, take);

describe('token bucket (API Gateway: burst = bucket size, rate = tokens per second)', () => {
  it('lets a burst through at once, then refuses until tokens refill at the rate', () => {
    const time = clock();
    const bucket = tokenBucket({ rateLimit: 2, burstLimit: 3 }, time.now);
    expect(takes(() => bucket.take(), 4)).toEqual([true, true, true, false]);
    time.advance(499);
    expect(bucket.take()).toBe(false);
    time.advance(1);
    expect(bucket.take()).toBe(true);
    time.advance(1000);
    expect(takes(() => bucket.take(), 3)).toEqual([true, true, false]);
  });

  it('never holds more than the burst, however long it stays unused', () => {
    const time = clock();
    const bucket = tokenBucket({ rateLimit: 10, burstLimit: 4 }, time.now);
    time.advance(3_600_000);
    expect(bucket.tokens()).toBe(4);
    expect(takes(() => bucket.take(), 5)).toEqual([true, true, true, true, false]);
  });

  it('refills a fraction of a token for a fraction of a second (a rate under 1 per second)', () => {
    const time = clock();
    const bucket = tokenBucket({ rateLimit: 0.5, burstLimit: 1 }, time.now);
    expect(bucket.take()).toBe(true);
    time.advance(1000);
    expect(bucket.tokens()).toBeCloseTo(0.5);
    expect(bucket.take()).toBe(false);
    time.advance(1000);
    expect(bucket.take()).toBe(true);
  });
});

describe('quota periods (UTC; a week starts on Monday)', () => {
  it.each([
    ['DAY', '2026-12-03T23:59:00Z', '2026-12-03T00:00:00Z'],
    ['WEEK', '2026-12-03T12:00:00Z', '2026-11-30T00:00:00Z'],
    ['WEEK', '2026-12-06T23:00:00Z', '2026-11-30T00:00:00Z'],
    ['WEEK', '2026-12-07T00:00:00Z', '2026-12-07T00:00:00Z'],
    ['MONTH', '2026-12-31T23:00:00Z', '2026-12-01T00:00:00Z'],
  ] as const)('starts the %s period of %s at %s', (period, at, start) => {
    expect(new Date(periodStart(period, Date.parse(at))).toISOString()).toBe(
      new Date(start).toISOString(),
    );
  });

  it('counts up to the limit, then refuses until the next period', () => {
    const time = clock(Date.UTC(2026, 11, 3, 22));
    const quota = quotaCounter({ limit: 2, period: 'DAY' }, time.now);
    expect(quota.left()).toBe(true);
    quota.count();
    quota.count();
    expect(quota.left()).toBe(false);
    time.set(Date.UTC(2026, 11, 4, 0, 0, 0, 1));
    expect([quota.left(), quota.used()]).toEqual([true, 0]);
  });
});

const TRIAL: PlanLimits = { name: 'trial', rateLimit: 1, burstLimit: 2 };
const PARTNER: PlanLimits = { name: 'partner', rateLimit: 100, burstLimit: 100 };

describe('throttling per usage plan key, then per method for the stage', () => {
  it('throttles one key while another, on its own bucket, keeps going', () => {
    const time = clock();
    const limits = createThrottling({
      plans: new Map([
        ['key-a', TRIAL],
        ['key-b', TRIAL],
      ]),
      now: time.now,
    });
    expect(takes(() => limits.admit('key-a', 'GET /me') === 'admitted', 3)).toEqual([
      true,
      true,
      false,
    ]);
    expect(limits.admit('key-a', 'GET /me')).toBe('throttled');
    expect(takes(() => limits.admit('key-b', 'GET /me') === 'admitted', 2)).toEqual([true, true]);
  });

  it("shares one key's bucket across every method (a plan's limit is per key, not per route)", () => {
    const time = clock();
    const limits = createThrottling({ plans: new Map([['key-a', TRIAL]]), now: time.now });
    expect(limits.admit('key-a', 'GET /me')).toBe('admitted');
    expect(limits.admit('key-a', 'GET /users')).toBe('admitted');
    expect(limits.admit('key-a', 'POST /users')).toBe('throttled');
  });

  it("answers QUOTA_EXCEEDED once the plan's quota is used, counting only admitted requests", () => {
    const time = clock();
    const limits = createThrottling({
      plans: new Map([['key-a', { ...TRIAL, quota: { limit: 3, period: 'DAY' } }]]),
      now: time.now,
    });
    expect([limits.admit('key-a', 'GET /me'), limits.admit('key-a', 'GET /me')]).toEqual([
      'admitted',
      'admitted',
    ]);
    // Throttled: not counted against the quota.
    expect(limits.admit('key-a', 'GET /me')).toBe('throttled');
    time.advance(1000);
    expect(limits.admit('key-a', 'GET /me')).toBe('admitted');
    time.advance(5000);
    expect(limits.admit('key-a', 'GET /me')).toBe('quota_exceeded');
    time.advance(86_400_000);
    expect(limits.admit('key-a', 'GET /me')).toBe('admitted');
  });

  it("gives each method of the stage one bucket shared by every key, after the key's own", () => {
    const time = clock();
    const limits = createThrottling({
      stage: { rateLimit: 1, burstLimit: 2 },
      plans: new Map([
        ['key-a', PARTNER],
        ['key-b', PARTNER],
      ]),
      now: time.now,
    });
    expect(limits.admit('key-a', 'GET /me')).toBe('admitted');
    expect(limits.admit('key-b', 'GET /me')).toBe('admitted');
    expect(limits.admit('key-a', 'GET /me')).toBe('throttled');
    // Another method has a bucket of its own.
    expect(limits.admit('key-b', 'GET /users')).toBe('admitted');
  });

  it('applies the stage limit alone to a route that requires no key', () => {
    const time = clock();
    const limits = createThrottling({ stage: { rateLimit: 1, burstLimit: 1 }, now: time.now });
    expect([limits.admit(undefined, 'GET /me'), limits.admit(undefined, 'GET /me')]).toEqual([
      'admitted',
      'throttled',
    ]);
  });
});
