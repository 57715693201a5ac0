import type { Token } from './tokens.ts';

/**
 * Everything the soak's clients saw, and the judge of every authorization decision as it comes:
 * a valid token must never be answered 401, an invalid one never let in. Which tokens are valid
 * depends on when: the ledger keeps when each of the issuer's keys was published and removed.
 */
export interface Exchange {
  /** What the client was doing: `create`, `patch`, `read`, `refused:expired`, ... */
  readonly op: string;
  /** `POST /users`, `GET /users/{userId}`, ... */
  readonly route: string;
  /** Epoch milliseconds. */
  readonly sentAt: number;
  readonly answeredAt: number;
  /** 0: no HTTP answer at all (connection refused or reset, timeout). */
  readonly status: number;
  /** The problem+json `code`, when the answer has one. */
  readonly code?: string;
  readonly token?: Token;
}

/** What a token is at the time of a request. */
export type Expectation =
  /** From a trusted issuer, unexpired, its key published throughout the request. */
  | 'valid'
  /** Made to be refused (expired, forged, unknown kid or issuer). */
  | 'invalid'
  /** Its key was removed from the JWKS before the request: a 401 is right, an Allow tolerated a while. */
  | 'retired'
  /** About to expire, or its key removed while the request ran: either answer is right. */
  | 'unclear';

export interface WrongDecision {
  readonly exchange: Exchange;
  readonly expectation: Expectation;
  readonly why: string;
}

export interface DecisionTally {
  readonly requests: number;
  readonly allowed: number;
  readonly refused401: number;
  readonly failed5xx: number;
}

interface KeyLife {
  readonly publishedAt: number;
  removedAt?: number;
}

/** Refused, or not answered by anything behind the authorizer. */
export const isAllowed = (status: number) => status !== 0 && status !== 401 && status < 500;

// Seconds before `exp` from which a token counts as expiring: layer 2 re-checks `exp` at the
// handler, a moment after the authorizer, and clocks are read at different times.
const EXPIRY_MARGIN_SECONDS = 5;

export class Ledger {
  readonly exchanges: Exchange[] = [];
  readonly wrong: WrongDecision[] = [];
  readonly tally = new Map<
    Expectation,
    { requests: number; allowed: number; r401: number; r5xx: number }
  >();
  /** Retired tokens let in within the tolerance, and refused, after their key's removal. */
  readonly retired = {
    allowedInWindow: 0,
    refused: 0,
    firstRefusedAfterMs: undefined as number | undefined,
  };
  readonly #keys = new Map<string, Map<string, KeyLife>>();
  readonly #firstAllowedAt = new Map<string, number>();
  readonly #retiredToleranceMs: number;

  /**
   * `retiredToleranceMs`: how long after a key's removal a token it signed may still be let in
   * when the authorizer has not seen it before (its key set is refreshed at most this late).
   */
  constructor({ retiredToleranceMs }: { retiredToleranceMs: number }) {
    this.#retiredToleranceMs = retiredToleranceMs;
  }

  /** Follow an issuer's keys from now on (issuers not followed keep their keys for the run). */
  followIssuer(iss: string, kids: readonly string[], at = Date.now()): void {
    this.#keys.set(iss, new Map(kids.map((kid) => [kid, { publishedAt: at }])));
  }

  keyPublished(iss: string, kid: string, at = Date.now()): void {
    this.#keys.get(iss)?.set(kid, { publishedAt: at });
  }

  keyRemoved(iss: string, kid: string, at = Date.now()): void {
    const life = this.#keys.get(iss)?.get(kid);
    if (life) life.removedAt = at;
  }

  expectationOf(token: Token, sentAt: number, answeredAt: number): Expectation {
    if (token.origin !== 'trusted') return 'invalid';
    if (token.exp - EXPIRY_MARGIN_SECONDS <= answeredAt / 1000) return 'unclear';
    const keys = this.#keys.get(token.iss);
    if (!keys) return 'valid';
    const life = keys.get(token.kid);
    if (!life || life.publishedAt > sentAt) return 'unclear';
    if (life.removedAt === undefined || life.removedAt > answeredAt) return 'valid';
    return life.removedAt <= sentAt ? 'retired' : 'unclear';
  }

  record(exchange: Exchange): void {
    this.exchanges.push(exchange);
    const { token, status } = exchange;
    if (!token) return;
    const expectation = this.expectationOf(token, exchange.sentAt, exchange.answeredAt);
    const allowed = isAllowed(status);
    const counts = this.tally.get(expectation) ?? { requests: 0, allowed: 0, r401: 0, r5xx: 0 };
    counts.requests += 1;
    if (allowed) counts.allowed += 1;
    if (status === 401) counts.r401 += 1;
    if (status >= 500 || status === 0) counts.r5xx += 1;
    this.tally.set(expectation, counts);
    if (allowed && !this.#firstAllowedAt.has(token.value))
      this.#firstAllowedAt.set(token.value, exchange.answeredAt);

    if (expectation === 'valid' && status === 401)
      this.wrong.push({ exchange, expectation, why: 'a valid token answered 401' });
    if (expectation === 'invalid' && allowed)
      this.wrong.push({ exchange, expectation, why: `an invalid token (${token.origin}) let in` });
    if (expectation === 'retired') this.#judgeRetired(exchange, token, allowed);
  }

  #judgeRetired(exchange: Exchange, token: Token, allowed: boolean): void {
    const removedAt = this.#keys.get(token.iss)!.get(token.kid)!.removedAt!;
    if (!allowed) {
      if (exchange.status === 401) {
        this.retired.refused += 1;
        const after = exchange.answeredAt - removedAt;
        this.retired.firstRefusedAfterMs = Math.min(
          this.retired.firstRefusedAfterMs ?? after,
          after,
        );
      }
      return;
    }
    // API Gateway keeps an Allow for its TTL: what matters is when the authorizer let it in.
    const firstAllowedAt = this.#firstAllowedAt.get(token.value)!;
    if (firstAllowedAt - removedAt > this.#retiredToleranceMs)
      this.wrong.push({
        exchange,
        expectation: 'retired',
        why: `a token of a key removed ${Math.round((firstAllowedAt - removedAt) / 1000)} s earlier let in`,
      });
    else this.retired.allowedInWindow += 1;
  }
}
