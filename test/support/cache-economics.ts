import {
  createGatewayModel,
  type GatewayModelOptions,
  type ModelJwtAuthorizer,
  type ModelRoute,
  type TokenAuthorizerFunction,
} from '../../local/api-gateway/model.ts';

/**
 * The cache scenario the contract tests and the benchmark share: N tokens each call every route
 * R times, the requests spread evenly over one TTL window, through the gateway model. Handlers are
 * replaced by a stub: the point is what the gateway and the authorizer do, not the routes' work.
 */
export interface CacheScenario {
  readonly routes: readonly Pick<ModelRoute, 'method' | 'path' | 'name'>[];
  /** Our Lambda authorizer (cached for `ttlSeconds`), or the native JWT authorizer. */
  readonly authorizer: TokenAuthorizerFunction | ModelJwtAuthorizer;
  readonly tokens: readonly string[];
  readonly rounds: number;
  readonly ttlSeconds: number;
  /** The window the rounds are spread over (default 300 s, one default TTL). */
  readonly windowSeconds?: number;
  readonly gatewayOptions?: Partial<GatewayModelOptions>;
}

export interface CacheScenarioResult {
  readonly requests: number;
  /** Lambda authorizer invocations (none behind the native JWT authorizer). */
  readonly authorizerInvocations: number;
  readonly reachedHandler: number;
  /** 403s answered by the gateway itself (a cached or fresh policy that does not match). */
  readonly gatewayForbidden: number;
  readonly otherGatewayAnswers: number;
}

export async function runCacheScenario(scenario: CacheScenario): Promise<CacheScenarioResult> {
  let clock = Date.UTC(2026, 0, 1);
  const windowMs = (scenario.windowSeconds ?? 300) * 1000;
  // The last round ends strictly inside the window, so "within one TTL" holds for every request.
  const step =
    (windowMs - 1000) / scenario.tokens.length / scenario.routes.length / scenario.rounds;
  const model = createGatewayModel({
    ...scenario.gatewayOptions,
    routes: scenario.routes.map((route) => ({
      ...route,
      handler: async () => ({ statusCode: 200, body: '{}' }),
    })),
    authorizer:
      typeof scenario.authorizer === 'function'
        ? { handler: scenario.authorizer, resultTtlInSeconds: scenario.ttlSeconds }
        : scenario.authorizer,
    now: () => clock,
  });
  let requests = 0;
  let reachedHandler = 0;
  let gatewayForbidden = 0;
  let otherGatewayAnswers = 0;
  for (let round = 0; round < scenario.rounds; round += 1) {
    for (const token of scenario.tokens) {
      for (const route of scenario.routes) {
        const response = await model.request({
          method: route.method,
          path: concretePath(route.path, requests),
          headers: { Authorization: `Bearer ${token}` },
        });
        requests += 1;
        clock += step;
        if (response.answeredBy === 'handler') reachedHandler += 1;
        else if (response.statusCode === 403) gatewayForbidden += 1;
        else otherGatewayAnswers += 1;
      }
    }
  }
  return {
    requests,
    authorizerInvocations: model.stats().authorizerInvocations,
    reachedHandler,
    gatewayForbidden,
    otherGatewayAnswers,
  };
}

/** `/users/{userId}` → `/users/<a uuid-shaped value that differs per request>`. */
function concretePath(template: string, n: number): string {
  const id = `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  return template.replace(/\{[^}]+\}/g, id);
}
