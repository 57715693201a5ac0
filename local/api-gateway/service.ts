import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatProblems } from '../../tools/lint-rules.ts';
import { authorizerSettingsOf, loadRouteTable, type RouteTable } from '../../tools/route-table.ts';
import type { PrintOptions, ServiceConfig } from '../../tools/serverless-config.ts';
import { corsPreflightOf } from './cors-preflight.ts';
import type {
  GatewayModelOptions,
  GatewayResponseTemplate,
  GatewayResponseType,
  ModelAuthorizer,
  ModelRoute,
  ProxyHandler,
  TokenAuthorizerFunction,
} from './model.ts';

/**
 * This service as API Gateway would deploy it, read from what Serverless resolves of
 * serverless.yml (through the route table, the one reader): each http route with its handler
 * module, the authorizer's TTL and identity validation expression, and the gateway responses
 * declared in resources. The contract tests, the benchmark and the local gateway feed it to the
 * API Gateway model.
 */
const ROOT = join(import.meta.dirname, '..', '..');

export interface ServiceDefinition {
  readonly routes: readonly ServiceRoute[];
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
  readonly config: ServiceConfig;
  /** The route table it was read from (routes, schemas, components). */
  readonly table: RouteTable;
}

export interface ServiceRoute extends Pick<ModelRoute, 'method' | 'path'> {
  /** The serverless.yml function that serves the route. */
  readonly name: string;
  /** Its deployed name (`two-layer-authz-dev-getMe`), which the Lambda invoke API takes. */
  readonly functionName: string;
  /** e.g. `src/users/get-user.handler`. */
  readonly handlerReference: string;
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
  return {
    routes: table.routes.map((route) => ({
      name: route.function,
      functionName: config.functions[route.function]?.name ?? route.function,
      method: route.method,
      path: route.path,
      handlerReference: route.handler,
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
    config,
    table,
  };
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
    service.routes.map(async ({ handlerReference, functionName: _deployed, ...route }) => ({
      ...route,
      handler: await importHandler(handlerReference, root),
    })),
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
  },
): Pick<GatewayModelOptions, 'routes' | 'authorizer' | 'gatewayResponses' | 'corsPreflight'> {
  return {
    routes,
    authorizer: {
      handler: options.authorizer,
      ...authorizerSettings(service),
      ...(options.ttl === undefined ? {} : { resultTtlInSeconds: options.ttl }),
    },
    gatewayResponses: service.gatewayResponses,
    corsPreflight: service.corsPreflight,
  };
}

/** The deployed authorizer's settings, as the model takes them (its handler aside). */
export function authorizerSettings({
  authorizer: { name: _name, functionName: _deployed, ...settings },
}: ServiceDefinition): Omit<ModelAuthorizer, 'handler'> {
  return settings;
}
