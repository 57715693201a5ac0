import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadRouteTable, readServerlessYml } from '../../tools/route-table.ts';
import type {
  GatewayModelOptions,
  GatewayResponseTemplate,
  GatewayResponseType,
  ModelRoute,
  ProxyHandler,
  TokenAuthorizerFunction,
} from './model.ts';

/**
 * This service as API Gateway would deploy it: each http route of serverless.yml (through the
 * route table) with its real handler module, the authorizer's TTL and identity validation
 * expression, and the gateway responses declared in resources. The contract tests and the
 * benchmark feed it to the gateway model.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface ServiceDefinition {
  readonly functions?: Record<
    string,
    { readonly timeout?: number; readonly events?: { http?: { authorizer?: unknown } }[] }
  >;
  readonly resources?: {
    Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  }[];
}

export interface ServiceOptions {
  /** Replaces the authorizer (e.g. the seed's naive one, or one configured for a test issuer). */
  readonly authorizer: TokenAuthorizerFunction;
  /** Overrides the TTL serverless.yml sets, e.g. 0. */
  readonly ttl?: number;
}

const definition = () => readServerlessYml(ROOT) as ServiceDefinition;

/**
 * The http routes of serverless.yml without their handlers: for scenarios that stub them, since
 * importing a handler module reads its configuration (USERS_TABLE) at cold start.
 */
export function serviceRouteShapes(): (Pick<ModelRoute, 'method' | 'path' | 'name'> & {
  readonly handlerReference: string;
})[] {
  const table = loadRouteTable(ROOT);
  if (table.problems.length) throw new Error(JSON.stringify(table.problems));
  return table.routes.map((route) => ({
    name: route.function,
    method: route.method,
    path: route.path,
    handlerReference: route.handler,
  }));
}

/** The http routes of serverless.yml, each with the module that handles it. */
export async function serviceRoutes(): Promise<ModelRoute[]> {
  return Promise.all(
    serviceRouteShapes().map(async ({ handlerReference, ...route }) => ({
      ...route,
      handler: await importHandler(handlerReference),
    })),
  );
}

async function importHandler(reference: string): Promise<ProxyHandler> {
  const dot = reference.lastIndexOf('.');
  const url = pathToFileURL(join(ROOT, `${reference.slice(0, dot)}.ts`)).href;
  const handler = ((await import(url)) as Record<string, unknown>)[reference.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`${reference} is not a function`);
  return handler as ProxyHandler;
}

/** The authorizer settings every route shares (the route lint pins that each has a TTL). */
export function authorizerSettings() {
  const table = loadRouteTable(ROOT);
  const first = table.routes[0];
  const spec = Object.values(definition().functions ?? {})
    .flatMap((fn) => fn.events ?? [])
    .map((event) => event.http?.authorizer)
    .find(
      (a): a is { identityValidationExpression?: string } => typeof a === 'object' && a !== null,
    );
  if (!first?.authorizer || first.authorizerTtl === undefined || !spec)
    throw new Error('serverless.yml has no route with an authorizer and a TTL');
  return {
    resultTtlInSeconds: first.authorizerTtl,
    ...(spec.identityValidationExpression
      ? { identityValidationExpression: spec.identityValidationExpression }
      : {}),
    timeoutMs: (definition().functions?.[first.authorizer]?.timeout ?? 6) * 1000,
  };
}

/** The `AWS::ApiGateway::GatewayResponse` resources, as the model renders them. */
export function gatewayResponses(): Partial<Record<GatewayResponseType, GatewayResponseTemplate>> {
  const responses: Partial<Record<GatewayResponseType, GatewayResponseTemplate>> = {};
  for (const block of definition().resources ?? []) {
    for (const resource of Object.values(block.Resources ?? {})) {
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
  }
  return responses;
}

/** Everything the gateway model needs to stand in for this service's deployed API. */
export async function serviceGateway(
  options: ServiceOptions,
): Promise<Pick<GatewayModelOptions, 'routes' | 'authorizer' | 'gatewayResponses'>> {
  const settings = authorizerSettings();
  return {
    routes: await serviceRoutes(),
    authorizer: {
      handler: options.authorizer,
      ...settings,
      resultTtlInSeconds: options.ttl ?? settings.resultTtlInSeconds,
    },
    gatewayResponses: gatewayResponses(),
  };
}
