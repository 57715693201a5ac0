/**
 * API Gateway REST's request throttling, for the model (docs/api-gateway-authorizers.md, §
 * Throttling): a token bucket per usage plan API key (the plan's rate and burst) with the plan's
 * quota per period, then a token bucket per method for the stage's default method throttling,
 * shared by every caller. All on one injectable clock, so tests are deterministic.
 *
 * Hand-written: the point is to hold a token bucket to API Gateway's documented one (burst =
 * bucket size, rate = refill per second, a request takes one token) on a clock the tests own,
 * which the rate-limiting libraries on npm (wall-clock, storage-backed) do not offer.
 */
export interface RateLimits {
  /** Tokens added per second (steady-state requests per second). */
  readonly rateLimit: number;
  /** The bucket's size: the most requests that can pass at once. */
  readonly burstLimit: number;
}

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

export interface PlanLimits extends RateLimits {
  readonly name: string;
  readonly quota?: { readonly limit: number; readonly period: QuotaPeriod } | undefined;
}

export interface TokenBucket {
  /** Takes a token if one is there. */
  take(): boolean;
  /** Tokens in the bucket now (fractional while it refills). */
  tokens(): number;
}

/** Starts full, as a client that has not called for a while finds it. */
export function tokenBucket({ rateLimit, burstLimit }: RateLimits, now: () => number): TokenBucket {
  let tokens = burstLimit;
  let at = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(burstLimit, tokens + (Math.max(0, t - at) / 1000) * rateLimit);
    at = t;
  };
  return {
    take() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    tokens() {
      refill();
      return tokens;
    },
  };
}

/**
 * The start of the quota period `at` falls in, in UTC. AWS documents neither the time zone nor
 * the first day of a week: the model takes UTC and Monday.
 */
export function periodStart(period: QuotaPeriod, at: number): number {
  const d = new Date(at);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === 'DAY') return day;
  if (period === 'WEEK') return day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export interface QuotaCounter {
  /** Whether a request may still count in this period. */
  left(): boolean;
  count(): void;
  used(): number;
}

export function quotaCounter(
  quota: NonNullable<PlanLimits['quota']>,
  now: () => number,
): QuotaCounter {
  let start = periodStart(quota.period, now());
  let used = 0;
  const roll = () => {
    const current = periodStart(quota.period, now());
    if (current !== start) [start, used] = [current, 0];
  };
  return {
    left() {
      roll();
      return used < quota.limit;
    },
    count() {
      roll();
      used += 1;
    },
    used() {
      roll();
      return used;
    },
  };
}

export type Admission = 'admitted' | 'throttled' | 'quota_exceeded';

export interface Throttling {
  /**
   * Admits one request to `method` (its resource and verb) with this usage plan key, or says
   * which limit refused it. `key` undefined: the route requires no API key, so only the stage's
   * limit applies.
   */
  admit(key: string | undefined, method: string): Admission;
}

/**
 * The order is AWS's: the client's usage plan limits, then the stage's per-method limits. A
 * request over the quota is refused before any bucket is touched. Only requests that pass every
 * limit count against the quota: whether a 429 counts is not documented, and not counting it
 * refuses no more than AWS could. A request the stage's bucket refuses has already spent its
 * token in the client's (its place in the order).
 */
export function createThrottling(options: {
  /** The stage's default method throttling; unset: none. */
  readonly stage?: RateLimits | undefined;
  /** Each API key's plan; a key missing here never gets this far (the model answers 403). */
  readonly plans?: ReadonlyMap<string, PlanLimits>;
  readonly now: () => number;
}): Throttling {
  const keyBuckets = new Map<string, TokenBucket>();
  const quotas = new Map<string, QuotaCounter>();
  const methodBuckets = new Map<string, TokenBucket>();
  return {
    admit(key, method) {
      const plan = key === undefined ? undefined : options.plans?.get(key);
      if (key !== undefined && plan) {
        let quota = quotas.get(key);
        if (plan.quota && !quota) quotas.set(key, (quota = quotaCounter(plan.quota, options.now)));
        if (quota && !quota.left()) return 'quota_exceeded';
        let bucket = keyBuckets.get(key);
        if (!bucket) keyBuckets.set(key, (bucket = tokenBucket(plan, options.now)));
        if (!bucket.take()) return 'throttled';
      }
      if (options.stage) {
        let bucket = methodBuckets.get(method);
        if (!bucket) methodBuckets.set(method, (bucket = tokenBucket(options.stage, options.now)));
        if (!bucket.take()) return 'throttled';
      }
      if (key !== undefined) quotas.get(key)?.count();
      return 'admitted';
    },
  };
}
