import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type {
  GatewayModelOptions,
  GatewayResponseTemplate,
  GatewayResponseType,
  ModelRoute,
  ProxyHandler,
  TokenAuthorizerFunction,
} from './api-gateway-model.ts';

/**
 * This service as API Gateway would deploy it, read from serverless.yml: each http route with
 * its real handler module, the authorizer's TTL and identity validation expression, and the
 * gateway responses declared in resources. The contract tests feed it to the gateway model.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface HttpEvent {
  readonly method: string;
  readonly path: string;
  readonly authorizer?: {
    readonly name?: string;
    readonly identityValidationExpression?: string;
    readonly resultTtlInSeconds?: unknown;
  };
}

interface ServerlessDefinition {
  readonly params?: { readonly default?: Record<string, unknown> };
  readonly functions: Record<
    string,
    {
      readonly handler: string;
      readonly timeout?: number;
      readonly events?: { http?: HttpEvent }[];
    }
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

export function readServerlessYml(root = ROOT): ServerlessDefinition {
  // `merge: true` resolves the `<<` keys; aliases such as `authorizer: *authorizer` resolve anyway.
  return parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), {
    merge: true,
  }) as ServerlessDefinition;
}

/** Resolves `${param:name}` against `params.default`; other variables stay as written. */
function resolveParam(value: unknown, definition: ServerlessDefinition): unknown {
  if (typeof value !== 'string') return value;
  const match = /^\$\{param:(\w+)\}$/.exec(value);
  return match ? definition.params?.default?.[match[1]!] : value;
}

/** The http routes declared in serverless.yml, with the module that handles each. */
export async function serviceRoutes(definition = readServerlessYml()): Promise<ModelRoute[]> {
  const routes: ModelRoute[] = [];
  for (const [name, fn] of Object.entries(definition.functions)) {
    for (const event of fn.events ?? []) {
      if (!event.http) continue;
      const handler = await importHandler(fn.handler);
      routes.push({
        name,
        method: event.http.method.toUpperCase(),
        path: `/${event.http.path.replace(/^\//, '')}`,
        handler,
      });
    }
  }
  return routes;
}

async function importHandler(reference: string): Promise<ProxyHandler> {
  const dot = reference.lastIndexOf('.');
  const module = (await import(
    pathToFileURL(join(ROOT, `${reference.slice(0, dot)}.ts`)).href
  )) as Record<string, unknown>;
  const handler = module[reference.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`${reference} is not a function`);
  return handler as ProxyHandler;
}

/** The authorizer settings every route shares (the contract test pins that they are shared). */
export function authorizerSettings(definition = readServerlessYml()) {
  const events = Object.values(definition.functions).flatMap((fn) =>
    (fn.events ?? []).flatMap((event) => (event.http?.authorizer ? [event.http.authorizer] : [])),
  );
  const first = events[0];
  if (!first) throw new Error('serverless.yml has no route with an authorizer');
  const ttl = Number(resolveParam(first.resultTtlInSeconds, definition));
  return {
    resultTtlInSeconds: ttl,
    identityValidationExpression: first.identityValidationExpression,
    timeoutMs: (definition.functions[first.name ?? 'authorizer']?.timeout ?? 6) * 1000,
  };
}

/** The `AWS::ApiGateway::GatewayResponse` resources, as the model renders them. */
export function gatewayResponses(
  definition = readServerlessYml(),
): Partial<Record<GatewayResponseType, GatewayResponseTemplate>> {
  const responses: Partial<Record<GatewayResponseType, GatewayResponseTemplate>> = {};
  for (const block of definition.resources ?? []) {
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
  const definition = readServerlessYml();
  const settings = authorizerSettings(definition);
  return {
    routes: await serviceRoutes(definition),
    authorizer: {
      handler: options.authorizer,
      ...settings,
      resultTtlInSeconds: options.ttl ?? settings.resultTtlInSeconds,
    },
    gatewayResponses: gatewayResponses(definition),
  };
}
