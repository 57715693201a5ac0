import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatProblems } from '../../tools/lint-rules.ts';
import { authorizerSettingsOf, loadRouteTable, type RouteTable } from '../../tools/route-table.ts';
import type { PrintOptions, ServiceConfig } from '../../tools/serverless-config.ts';
import { parseUsagePlans, planKeys, type UsagePlans } from '../../src/authorizer/usage-plans.ts';
import { corsPreflightOf } from './cors-preflight.ts';
import type { IssuerRules } from '../../src/issuers/issuer-config.ts';
import type { ModelJwtAuthorizer } from './jwt-authorizer.ts';
import { jwtConfigurationOf, methodScopesOf } from './jwt-configuration.ts';
import type {
  GatewayModelOptions,
  GatewayResponseTemplate,
  GatewayResponseType,
  ModelAuthorizer,
  ModelRoute,
  ModelThrottling,
  ProxyHandler,
  TokenAuthorizerFunction,
} from './model.ts';
import type { PlanLimits, RateLimits } from './throttling.ts';

/**
 * This service as API Gateway would deploy it, read from what Serverless resolves of
 * serverless.yml (through the route table, the one reader): each http route with its handler
 * module and whether it requires an API key, the authorizer's TTL and identity validation
 * expression, the gateway responses declared in resources, the stage's throttling and the usage
 * plans. The contract tests, the benchmark and the local gateway feed it to the
 * API Gateway model.
 */
const ROOT = join(import.meta.dirname, '..', '..');

export interface ServiceDefinition {
  readonly routes: readonly ServiceRoute[];
  /**
   * Which layer 1 the stage deploys (the stage parameter `layer1`, env `LAYER1`, as Serverless
   * resolves it into every function's LAYER1): our Lambda authorizer, or the native JWT one.
   */
  readonly layer1: Layer1;
  readonly authorizer: {
    /** The function's name in serverless.yml. */
    readonly name: string;
    /** Its deployed name, which the Lambda invoke API takes. */
    readonly functionName: string;
    readonly resultTtlInSeconds: number;
    readonly identityValidationExpression?: string;
    /** The request header API Gateway reads the token from (`method.request.header.<name>`). */
    readonly identityHeader: string;
    /** The authorizer function's timeout. */
    readonly timeoutMs: number;
  };
  readonly gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponseTemplate>>;
  /** The CORS preflight of each resource with `cors:` on its events. */
  readonly corsPreflight: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly throttling: {
    /** The stage's default method throttling (ApiGatewayStage's `*` `/*` method setting). */
    readonly stage: RateLimits | undefined;
    /** USAGE_PLANS as serverless.yml resolves it (custom.throttling.usagePlans). */
    readonly usagePlans: UsagePlans | undefined;
  };
  readonly config: ServiceConfig;
  /** The route table it was read from (routes, schemas, components). */
  readonly table: RouteTable;
}

export type Layer1 = 'lambda' | 'native';

export interface ServiceRoute extends Pick<ModelRoute, 'method' | 'path'> {
  /** The route's `x-scopes`: all of them are required (layer 2). */
  readonly scopes: readonly string[];
  /** The serverless.yml function that serves the route. */
  readonly name: string;
  /** Its deployed name (`two-layer-authz-dev-getMe`), which the Lambda invoke API takes. */
  readonly functionName: string;
  /** e.g. `src/users/get-user.handler`. */
  readonly handlerReference: string;
  /** `private: true`: the method requires a usage plan API key. */
  readonly apiKeyRequired: boolean;
}

/** Runs `sls print` once (about a second), unless given the route table: callers keep the result. */
export async function loadServiceDefinition(
  root = ROOT,
  options: PrintOptions = {},
  loaded?: RouteTable,
): Promise<ServiceDefinition> {
  const table = loaded ?? (await loadRouteTable(root, options));
  if (table.problems.length || !table.config) throw new Error(formatProblems(table.problems));
  const config = table.config;
  const first = table.routes[0];
  const settings = authorizerSettingsOf(config);
  if (!first?.authorizer || first.authorizerTtl === undefined || !settings)
    throw new Error('serverless.yml has no route with an authorizer and a TTL');
  const layer1 = config.provider.environment?.LAYER1 ?? 'lambda';
  if (layer1 !== 'lambda' && layer1 !== 'native')
    throw new Error(
      `layer1 is lambda (our authorizer) or native (the JWT authorizer), not "${layer1}"`,
    );
  return {
    layer1,
    routes: table.routes.map((route) => ({
      scopes: route.scopes,
      name: route.function,
      functionName: config.functions[route.function]?.name ?? route.function,
      method: route.method,
      path: route.path,
      handlerReference: route.handler,
      apiKeyRequired: route.apiKeyRequired,
    })),
    authorizer: {
      name: first.authorizer,
      functionName: config.functions[first.authorizer]?.name ?? first.authorizer,
      resultTtlInSeconds: first.authorizerTtl,
      ...(settings.identityValidationExpression
        ? { identityValidationExpression: settings.identityValidationExpression }
        : {}),
      identityHeader: settings.identitySource.replace(/^method\.request\.header\./, ''),
      timeoutMs: (config.functions[first.authorizer]?.timeout ?? 6) * 1000,
    },
    gatewayResponses: gatewayResponsesOf(config),
    corsPreflight: corsPreflightOf(config),
    throttling: { stage: stageThrottlingOf(config), usagePlans: usagePlansOf(config) },
    config,
    table,
  };
}

/** The `*` `/*` method setting of the stage resource: every method's default limits. */
function stageThrottlingOf(config: ServiceConfig): RateLimits | undefined {
  const stage = Object.values(config.resources?.Resources ?? {}).find(
    (resource) => resource.Type === 'AWS::ApiGateway::Stage',
  );
  const settings = (stage?.Properties.MethodSettings ?? []) as Record<string, unknown>[];
  const all = settings.find((s) => s.HttpMethod === '*' && s.ResourcePath === '/*');
  if (!all) return undefined;
  return {
    rateLimit: Number(all.ThrottlingRateLimit),
    burstLimit: Number(all.ThrottlingBurstLimit),
  };
}

function usagePlansOf(config: ServiceConfig): UsagePlans | undefined {
  const raw = (config.custom?.throttling as { usagePlans?: unknown } | undefined)?.usagePlans;
  return typeof raw === 'string' ? parseUsagePlans(raw) : undefined;
}

/**
 * The model's throttling for this service: the stage's limits, and each usage plan API key by its
 * value (the key secret, then the key's public suffix: src/authorizer/api-keys.ts) with its plan.
 */
export function serviceThrottling(
  service: ServiceDefinition,
  apiKeysSecret: string,
): ModelThrottling {
  const { stage, usagePlans } = service.throttling;
  const apiKeys = new Map<string, PlanLimits>();
  for (const { plan, suffix } of usagePlans ? planKeys(usagePlans) : [])
    apiKeys.set(`${apiKeysSecret}${suffix}`, plan);
  return { ...(stage ? { stage } : {}), ...(usagePlans ? { apiKeys } : {}) };
}

/** The `AWS::ApiGateway::GatewayResponse` resources, as the model renders them. */
function gatewayResponsesOf(
  config: ServiceConfig,
): Partial<Record<GatewayResponseType, GatewayResponseTemplate>> {
  const responses: Partial<Record<GatewayResponseType, GatewayResponseTemplate>> = {};
  for (const resource of Object.values(config.resources?.Resources ?? {})) {
    if (resource.Type !== 'AWS::ApiGateway::GatewayResponse') continue;
    const props = resource.Properties as {
      ResponseType: GatewayResponseType;
      StatusCode?: string;
      ResponseParameters?: Record<string, string>;
      ResponseTemplates?: Record<string, string>;
    };
    const headers = Object.fromEntries(
      Object.entries(props.ResponseParameters ?? {})
        .filter(([key]) => key.startsWith('gatewayresponse.header.'))
        // Static values are single-quoted in CloudFormation: `'application/problem+json'`.
        .map(([key, value]) => [
          key.slice('gatewayresponse.header.'.length),
          value.replace(/^'|'$/g, ''),
        ]),
    );
    responses[props.ResponseType] = {
      ...(props.StatusCode ? { statusCode: Number(props.StatusCode) } : {}),
      headers,
      ...(props.ResponseTemplates?.['application/json']
        ? { template: props.ResponseTemplates['application/json'] }
        : {}),
    };
  }
  return responses;
}

/** Each route with the module that handles it (imported: it reads its configuration at import). */
export async function serviceRoutes(
  service: ServiceDefinition,
  root = ROOT,
): Promise<ModelRoute[]> {
  return Promise.all(
    service.routes.map(
      async ({ handlerReference, functionName: _deployed, scopes: _scopes, ...route }) => ({
        ...route,
        handler: await importHandler(handlerReference, root),
      }),
    ),
  );
}

async function importHandler(reference: string, root: string): Promise<ProxyHandler> {
  const dot = reference.lastIndexOf('.');
  const url = pathToFileURL(join(root, `${reference.slice(0, dot)}.ts`)).href;
  const handler = ((await import(url)) as Record<string, unknown>)[reference.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`${reference} is not a function`);
  return handler as ProxyHandler;
}

/** Everything the gateway model needs to stand in for this service's deployed API. */
export function serviceGateway(
  service: ServiceDefinition,
  routes: readonly ModelRoute[],
  options: {
    /** Replaces the authorizer (e.g. the per-route Allow, or one configured for a test issuer). */
    readonly authorizer: TokenAuthorizerFunction;
    /** Overrides the TTL serverless.yml sets, e.g. 0. */
    readonly ttl?: number;
    /**
     * The key secret the authorizer's API keys start with: turns on the stage's throttling and
     * the usage plans. Unset, nothing is throttled and no API key is checked (tests of other
     * things, on a clock that may never move).
     */
    readonly apiKeysSecret?: string;
  },
): Pick<
  GatewayModelOptions,
  'routes' | 'authorizer' | 'gatewayResponses' | 'corsPreflight' | 'throttling'
> {
  return {
    routes,
    authorizer: {
      handler: options.authorizer,
      ...authorizerSettings(service),
      ...(options.ttl === undefined ? {} : { resultTtlInSeconds: options.ttl }),
    },
    gatewayResponses: service.gatewayResponses,
    corsPreflight: service.corsPreflight,
    ...(options.apiKeysSecret === undefined
      ? {}
      : { throttling: serviceThrottling(service, options.apiKeysSecret) }),
  };
}

/** How the local native JWT authorizer reads what AWS does not document (jwt-authorizer.ts). */
export type NativeReadings = Pick<
  ModelJwtAuthorizer,
  'bearer' | 'clockSkewSeconds' | 'unauthorizedType' | 'resultTtlInSeconds' | 'fetch'
>;

/**
 * The service as a stage with `layer1: native` deploys it: every method behind API Gateway's
 * JWT authorizer, configured from the same issuer rules the functions read, with the method
 * scopes the mapping gives each route (jwt-configuration.ts); no method requires an API key (the
 * native authorizer cannot name one), the stage's throttling still applies. Throws
 * NativeConfigurationError, naming the entry, for issuers it cannot express.
 */
export function nativeServiceGateway(
  service: ServiceDefinition,
  routes: readonly ModelRoute[],
  options: {
    /** The trusted issuers, as the functions read them (loadIssuerRules). */
    readonly rules: IssuerRules;
    readonly readings?: NativeReadings;
    /**
     * Turns on the stage's throttling (the local gateway). Unset, nothing is throttled (tests of
     * other things, on a clock that may never move).
     */
    readonly throttled?: boolean;
  },
): Pick<
  GatewayModelOptions,
  'routes' | 'authorizer' | 'gatewayResponses' | 'corsPreflight' | 'throttling'
> {
  const scopesOf = new Map(service.routes.map((r) => [`${r.method} ${r.path}`, r.scopes]));
  const { stage } = service.throttling;
  return {
    routes: routes.map(({ apiKeyRequired: _keys, ...route }) => ({
      ...route,
      authorizationScopes: methodScopesOf(
        scopesOf.get(`${route.method} ${route.path}`) ?? [],
        options.rules,
      ),
    })),
    authorizer: {
      type: 'JWT',
      configuration: jwtConfigurationOf(options.rules),
      identityHeader: service.authorizer.identityHeader,
      ...options.readings,
    },
    gatewayResponses: service.gatewayResponses,
    corsPreflight: service.corsPreflight,
    ...(options.throttled && stage ? { throttling: { stage } } : {}),
  };
}

/** The deployed authorizer's settings, as the model takes them (its handler aside). */
export function authorizerSettings({
  authorizer: { name: _name, functionName: _deployed, ...settings },
}: ServiceDefinition): Omit<ModelAuthorizer, 'handler'> {
  return settings;
}
