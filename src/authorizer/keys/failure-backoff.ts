import type { AuthorizerFailure } from '../errors.ts';

/**
 * After a failed fetch, the network is left alone for a while: while an issuer is down, every
 * request (every unknown kid, every cold lookup) would otherwise be another request to it.
 * Until the backoff ends, the last failure stands in for a new attempt. The failure itself is
 * kept until a fetch succeeds: until then the key set is not as recent as it should be.
 */
export interface FailureBackoff {
  record(failure: AuthorizerFailure): void;
  /** A fetch succeeded. */
  clear(): void;
  /** The failure to answer with instead of fetching, while the backoff lasts. */
  active(): AuthorizerFailure | undefined;
  /** The last fetch's failure, backoff over or not, until a fetch succeeds. */
  unresolved(): AuthorizerFailure | undefined;
}

export function createFailureBackoff(durationMs: number, now: () => number): FailureBackoff {
  let failure: AuthorizerFailure | undefined;
  let failedAt = -Infinity;
  return {
    record(next) {
      failure = next;
      failedAt = now();
    },
    clear() {
      failure = undefined;
    },
    active: () => (failure && now() - failedAt < durationMs ? failure : undefined),
    unresolved: () => failure,
  };
}
