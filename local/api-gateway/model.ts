import type {
  GatewayResponses,
  GatewayResponseTemplate,
  GatewayResponseType,
} from './gateway-responses.ts';
import type { GatewayRequest, GatewayResponse, ModelRoute } from './exchange.ts';
import type { ProxyHandler } from './integration.ts';
import { createRequestPipeline, MAX_PAYLOAD_BYTES } from './request-pipeline.ts';
import { createThrottling, type PlanLimits, type RateLimits } from './throttling.ts';
import {
  createTokenAuthorizer,
  type CacheFailures,
  type ModelAuthorizer,
  type TokenAuthorizerFunction,
} from './token-authorizer.ts';
import { methodArnOf } from './routing.ts';
import { createJwtAuthorizer, type ModelJwtAuthorizer } from './jwt-authorizer.ts';

/**
 * A model of API Gateway REST between client, layer 1 (our TOKEN authorizer with its result
 * cache and policy evaluation, or API Gateway's native JWT authorizer) and Lambda proxy
 * integration, written to `docs/api-gateway-authorizers.md` (its row ids are cited below).
 * serverless-offline's HTTP server never caches authorizer results, so the bug this service exists
 * to prevent (a cached per-route Allow answering 403 on the next route) only shows through a model
 * like this: the contract tests run the service through it in process, and the local API Gateway
 * (front.ts) puts it on the API port of `npm start`.
 *
 * Where AWS documents nothing the model takes the stricter reading and says so next to the code;
 * where no reading is stricter for every test (whether failures are cached), it is an option.
 *
 * This file is the model's face: its options and what it offers. Its requests, answers and routes
 * are in exchange.ts; the parts are modules of their own: request-pipeline.ts (the steps of one
 * request), routing.ts (which method a request reaches), token-authorizer.ts (layer 1 as a
 * Lambda TOKEN authorizer with its cache) or jwt-authorizer.ts (layer 1 as API Gateway's native
 * JWT authorizer, configured by jwt-configuration.ts), integration.ts (the Lambda proxy
 * integration), gateway-responses.ts (the gateway's own answers), throttling.ts (usage plans and
 * the stage's limits).
 */

export type {
  CacheFailures,
  ModelAuthorizer,
  ModelJwtAuthorizer,
  ProxyHandler,
  TokenAuthorizerFunction,
};
export type { GatewayResponseTemplate, GatewayResponseType };
export { MAX_PAYLOAD_BYTES };
export type { GatewayRequest, GatewayResponse, ModelRoute } from './exchange.ts';

export interface GatewayModelOptions {
  readonly routes: readonly ModelRoute[];
  /**
   * Layer 1 on every method: our Lambda TOKEN authorizer (with its result cache), or API
   * Gateway's native JWT authorizer (`type: 'JWT'`), which runs no Lambda.
   */
  readonly authorizer: ModelAuthorizer | ModelJwtAuthorizer;
  readonly gatewayResponses?: GatewayResponses;
  /**
   * The CORS preflight of each resource that has one (`cors:` on its http events): the
   * resource template → the headers its OPTIONS mock integration answers (G9).
   */
  readonly corsPreflight?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** How long the gateway waits for a route's function: 29 s by default (L6). */
  readonly integrationTimeoutMs?: number;
  /**
   * Which response type an authorizer that throws (anything but "Unauthorized") or times out
   * produces. AWS does not say (G3); AUTHORIZER_CONFIGURATION_ERROR matches the
   * observed `x-amzn-ErrorType`. Tests should pin both.
   */
  readonly authorizerErrorType?: 'AUTHORIZER_CONFIGURATION_ERROR' | 'AUTHORIZER_FAILURE';
  /**
   * Which authorizer failures the result cache keeps for the TTL, like a policy. Whether AWS
   * caches a 401 ("Unauthorized") or a 500 (any other error, a timeout, malformed output) is
   * not documented (C9, Q1), so this is a setting, not a fact: 'none' (the default)
   * caches neither, 'unauthorized' caches 401s, 'all' caches 401s and 500s. A test whose
   * outcome depends on it should run under every setting.
   */
  readonly cacheFailures?: CacheFailures;
  /** Throttling and usage plans (T rows); unset: none, every request is admitted. */
  readonly throttling?: ModelThrottling;
  /** Epoch milliseconds; the cache expires and buckets refill on this clock. Default `Date.now`. */
  readonly now?: () => number;
  readonly stage?: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly apiId?: string;
}

export interface ModelThrottling {
  /** The stage's default method throttling (MethodSettings `*` `/*`): a bucket per method. */
  readonly stage?: RateLimits;
  /**
   * The usage plans' API keys, by value, with their plan. The REST API's key source is
   * AUTHORIZER: a route that requires a key takes the authorizer's `usageIdentifierKey`.
   * Unset: API keys are not checked.
   */
  readonly apiKeys?: ReadonlyMap<string, PlanLimits>;
}

export interface GatewayStats {
  /** Lambda authorizer invocations (always 0 behind the native JWT authorizer). */
  readonly authorizerInvocations: number;
  /** Tokens the native JWT authorizer validated (0 with a Lambda authorizer). */
  readonly jwtValidations: number;
  readonly cacheHits: number;
  readonly handlerInvocations: number;
}

export interface GatewayModel {
  request(request: GatewayRequest): Promise<GatewayResponse>;
  stats(): GatewayStats;
  /** The methodArn API Gateway would send the authorizer for this request. */
  methodArn(method: string, path: string): string;
  /** Entries currently in the authorizer cache (expired ones excluded). */
  cacheSize(): number;
  /** A gateway response of this API, for what reaches API Gateway outside any route. */
  answer(type: GatewayResponseType, message: string | null, httpMethod?: string): GatewayResponse;
}

// L6: the longest API Gateway REST waits for an integration.
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

export function createGatewayModel(options: GatewayModelOptions): GatewayModel {
  const {
    routes,
    gatewayResponses = {},
    authorizerErrorType = 'AUTHORIZER_CONFIGURATION_ERROR',
    now = Date.now,
    cacheFailures = 'none',
    corsPreflight = {},
    integrationTimeoutMs = DEFAULT_INTEGRATION_TIMEOUT_MS,
    throttling,
  } = options;
  const api = {
    stage: options.stage ?? 'dev',
    region: options.region ?? 'eu-west-1',
    accountId: options.accountId ?? '123456789012',
    apiId: options.apiId ?? 'a1b2c3d4e5',
  };
  const authorization = isJwtAuthorizer(options.authorizer)
    ? createJwtAuthorizer(options.authorizer, { now })
    : createTokenAuthorizer(options.authorizer, { now, cacheFailures, authorizerErrorType });
  const limits =
    throttling &&
    createThrottling({
      stage: throttling.stage,
      ...(throttling.apiKeys ? { plans: throttling.apiKeys } : {}),
      now,
    });
  const pipeline = createRequestPipeline({
    routes,
    corsPreflight,
    gatewayResponses,
    authorization,
    limits,
    apiKeys: throttling?.apiKeys,
    integrationTimeoutMs,
    api,
    now,
  });

  return {
    request: pipeline.request,
    methodArn: (method, path) => methodArnOf(api, method, path),
    stats: () => ({
      authorizerInvocations: authorization.invocations(),
      jwtValidations: authorization.validations(),
      cacheHits: authorization.cacheHits(),
      handlerInvocations: pipeline.handlerInvocations(),
    }),
    cacheSize: authorization.cacheSize,
    answer: pipeline.answer,
  };
}

export const isJwtAuthorizer = (
  authorizer: ModelAuthorizer | ModelJwtAuthorizer,
): authorizer is ModelJwtAuthorizer => 'type' in authorizer && authorizer.type === 'JWT';
