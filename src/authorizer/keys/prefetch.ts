import { AuthorizerFailure } from '../errors.ts';

/**
 * What one issuer's init-time key fetch came to. A prefetch only ever loads keys: it decides
 * nothing, and a token is still verified against them by the first request, as later ones are.
 */
export type PrefetchOutcome =
  | { readonly status: 'loaded' }
  | { readonly status: 'failed'; readonly failure: AuthorizerFailure };

/** A prefetch as the init saw it: settled, or still under way when the init stopped waiting. */
export type PrefetchReport = (PrefetchOutcome | { readonly status: 'pending' }) & {
  /** How long the init waited on it. */
  readonly elapsedMs: number;
};

export interface Prefetchable {
  /** Starts loading the keys (once per container); resolves how it went, never rejects. */
  readonly prefetch: () => Promise<PrefetchOutcome>;
}

/**
 * Starts every prefetch at once and waits until all have settled or `withinMs` has passed,
 * whichever comes first. Never rejects: a prefetch is an optimisation, and the init must not
 * fail, nor outlast its bound, because an issuer is down or hanging. A prefetch still pending
 * at the bound carries on; the first request that needs those keys waits for it then.
 */
export async function prefetchWithin(
  resolvers: readonly Prefetchable[],
  withinMs: number,
): Promise<PrefetchReport[]> {
  const started = performance.now();
  const elapsedMs = () => Math.round(performance.now() - started);
  const reports: PrefetchReport[] = resolvers.map(() => ({ status: 'pending', elapsedMs: 0 }));
  const all = Promise.all(
    resolvers.map(async (resolver, i) => {
      const outcome = await resolver.prefetch().catch(
        // A resolver's prefetch does not reject; one that did would be a bug, reported as such.
        (cause: unknown): PrefetchOutcome => ({
          status: 'failed',
          failure: new AuthorizerFailure('internal_error', 'key prefetch threw', { cause }),
        }),
      );
      reports[i] = { ...outcome, elapsedMs: elapsedMs() };
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  // Not unref'd: while the module's top-level await waits here, a pending timer is what keeps
  // Node's event loop from ending the wait as an unsettled top-level await.
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)));
  await Promise.race([all, bound]);
  clearTimeout(timer);
  return reports.map((report) =>
    report.status === 'pending' ? { status: 'pending', elapsedMs: elapsedMs() } : report,
  );
}
