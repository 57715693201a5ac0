import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ModelRoute, TokenAuthorizerFunction } from '../../local/api-gateway/model.ts';
import { jwtConfigurationOf } from '../../local/api-gateway/jwt-configuration.ts';
import { rulesOf } from '../support/native-gateway.ts';
import { perRouteAuthorizer } from '../../local/api-gateway/per-route-authorizer.ts';
import { runCacheScenario } from '../support/cache-economics.ts';
import { loadServiceDefinition } from '../../local/api-gateway/service.ts';
import { projectRouteTable } from '../support/route-table.ts';
import { authorizerFor } from '../support/authorizer.ts';
import { startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * 100 tokens × every route of serverless.yml × 10 rounds, spread over one 300 s TTL, through the
 * gateway model with our real authorizer: what the cache saves, and what the per-route Allow costs.
 */
const TOKENS = 100;
const ROUNDS = 10;

let issuer: TestIssuer;
let authorizer: TokenAuthorizerFunction;
// The handlers are stubbed by the scenario: only the routes' method, path and name matter.
let routes: readonly Pick<ModelRoute, 'method' | 'path' | 'name'>[];
let tokens: string[];

beforeAll(async () => {
  issuer = await startTestIssuer(['RS256']);
  authorizer = authorizerFor(issuer).authorize;
  routes = (await loadServiceDefinition(undefined, {}, projectRouteTable())).routes;
  tokens = await Promise.all(
    Array.from({ length: TOKENS }, (_, i) =>
      issuer.sign({ claims: { sub: `user-${i}`, scope: 'users:read users:write users:admin' } }),
    ),
  );
});
afterAll(async () => {
  await issuer.close();
});

const scenario = (auth: Parameters<typeof runCacheScenario>[0]['authorizer'], ttlSeconds: number) =>
  runCacheScenario({ routes, authorizer: auth, tokens, rounds: ROUNDS, ttlSeconds });

describe(`${TOKENS} tokens × every route × ${ROUNDS} rounds within one TTL`, () => {
  it('our stage-wide Allow: one authorizer call per token, every request reaches its handler', async () => {
    const requests = TOKENS * routes.length * ROUNDS;
    expect(await scenario(authorizer, 300)).toEqual({
      requests,
      authorizerInvocations: TOKENS,
      reachedHandler: requests,
      gatewayForbidden: 0,
      otherGatewayAnswers: 0,
    });
  });

  it('the per-route Allow: one call per token, and 403 on every other route until the TTL ends', async () => {
    const requests = TOKENS * routes.length * ROUNDS;
    expect(await scenario(perRouteAuthorizer(authorizer), 300)).toEqual({
      requests,
      authorizerInvocations: TOKENS,
      reachedHandler: TOKENS * ROUNDS,
      gatewayForbidden: TOKENS * (routes.length - 1) * ROUNDS,
      otherGatewayAnswers: 0,
    });
  });

  it('TTL 0 (the usual workaround): no 403, but one authorizer call per request', async () => {
    const requests = TOKENS * routes.length * ROUNDS;
    expect(await scenario(perRouteAuthorizer(authorizer), 0)).toMatchObject({
      authorizerInvocations: requests,
      reachedHandler: requests,
      gatewayForbidden: 0,
    });
  });

  it('the native JWT authorizer (layer1 native): no Lambda authorizer call at all, every request validated by the gateway and reaching its handler', async () => {
    const requests = TOKENS * routes.length * ROUNDS;
    const configuration = jwtConfigurationOf(
      rulesOf([{ issuer: issuer.issuer, audience: issuer.audience, algorithms: ['RS256'] }]),
    );
    expect(await scenario({ type: 'JWT', configuration }, 300)).toEqual({
      requests,
      authorizerInvocations: 0,
      reachedHandler: requests,
      gatewayForbidden: 0,
      otherGatewayAnswers: 0,
    });
  });
});
