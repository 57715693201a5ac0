import type { TokenAuthorizerFunction } from '../../local/api-gateway/model.ts';
import { perRouteAuthorizer } from '../../local/api-gateway/per-route-authorizer.ts';
import { runCacheScenario, type CacheScenarioResult } from '../support/cache-economics.ts';
import { loadServiceDefinition } from '../../local/api-gateway/service.ts';
import { authorizerFor } from '../support/authorizer.ts';
import { startTestIssuer } from '../support/issuer.ts';

/**
 * Cache economics through the gateway model, with our real authorizer: N tokens × every route ×
 * R requests spread over one TTL, for our stage-wide Allow, the per-route Allow, and the
 * usual workaround (TTL 0).
 */
export interface EconomicsResult {
  readonly tokens: number;
  readonly routes: number;
  readonly rounds: number;
  readonly ttlSeconds: number;
  readonly rows: readonly { readonly label: string; readonly result: CacheScenarioResult }[];
}

export async function benchEconomics(tokens: number, rounds: number): Promise<EconomicsResult> {
  const issuer = await startTestIssuer(['RS256']);
  try {
    const ours = authorizerFor(issuer).authorize;
    // The scenario stubs the handlers: only the routes and the deployed TTL matter.
    const service = await loadServiceDefinition();
    const { routes } = service;
    const signed = await Promise.all(
      Array.from({ length: tokens }, (_, i) =>
        issuer.sign({ claims: { sub: `user-${i}`, scope: 'users:read users:write users:admin' } }),
      ),
    );
    const ttl = service.authorizer.resultTtlInSeconds;
    const run = (label: string, auth: TokenAuthorizerFunction, ttlSeconds: number) =>
      runCacheScenario({ routes, authorizer: auth, tokens: signed, rounds, ttlSeconds }).then(
        (result) => ({ label, result }),
      );
    return {
      tokens,
      routes: routes.length,
      rounds,
      ttlSeconds: ttl,
      rows: [
        await run(`ours: stage-wide Allow, TTL ${ttl} s`, ours, ttl),
        await run(`per-route Allow (event.methodArn), TTL ${ttl} s`, perRouteAuthorizer(ours), ttl),
        await run('the workaround: TTL 0', perRouteAuthorizer(ours), 0),
      ],
    };
  } finally {
    await issuer.close();
  }
}

/**
 * 10k users at 1 request/s each. With the cache, each user's token costs one authorizer call per
 * TTL (tokens outliving the TTL); with TTL 0, one per request. Concurrency = rate × duration.
 */
export function projection(users: number, ttlSeconds: number, decisionNs: number) {
  const cached = users / ttlSeconds;
  const uncached = users;
  const seconds = decisionNs / 1e9;
  return {
    cachedPerSecond: cached,
    uncachedPerSecond: uncached,
    cachedConcurrency: cached * seconds,
    uncachedConcurrency: uncached * seconds,
    cachedPerDay: cached * 86_400,
    uncachedPerDay: uncached * 86_400,
  };
}
