import type { APIGatewayProxyEvent } from 'aws-lambda';
import { join } from 'node:path';
import { loadRouteSchemas } from '../../tools/schema-files.ts';
import {
  proxyEvent as gatewayProxyEvent,
  receivedAuthorizerContext,
} from '../../local/api-gateway/proxy-event.ts';

export interface EventOptions {
  readonly method?: string;
  readonly path?: string;
  readonly resource?: string;
  readonly pathParameters?: Record<string, string> | null;
  readonly query?: Record<string, string> | null;
  readonly headers?: Record<string, string>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  /** The authorizer context as layer 1 returns it; null: no authorizer in front of the route. */
  readonly authorizer?: Record<string, string | number | boolean> | null;
}

/** Every scope a route of schemas/ requires: what the default caller holds. */
export const EVERY_SCOPE = [
  ...new Set(
    loadRouteSchemas(join(import.meta.dirname, '..', '..', 'schemas')).flatMap((s) => s.scopes),
  ),
]
  .sort()
  .join(' ');

/**
 * A Lambda proxy event as API Gateway REST hands it to a route (the builder the API Gateway
 * model uses), with test defaults: a caller holding every scope, stage `dev`.
 */
export function proxyEvent(o: EventOptions = {}): APIGatewayProxyEvent {
  const context = o.authorizer === undefined ? defaultContext() : o.authorizer;
  return gatewayProxyEvent({
    method: o.method ?? 'GET',
    path: o.path ?? '/',
    ...(o.resource ? { resource: o.resource } : {}),
    pathParameters: o.pathParameters ?? null,
    query: o.query ?? null,
    headers: o.headers ?? {},
    body: o.body ?? null,
    isBase64Encoded: o.isBase64Encoded ?? false,
    authorizer:
      context === null ? null : receivedAuthorizerContext(context, String(context.sub ?? ''), 12),
    requestId: 'req-1',
    stage: 'dev',
    accountId: '123456789012',
    apiId: 'abc123defg',
    requestTimeEpoch: Date.now(),
  });
}

export const defaultContext = (overrides: Record<string, string | number | boolean> = {}) => ({
  sub: 'user-1',
  scope: EVERY_SCOPE,
  exp: Math.floor(Date.now() / 1000) + 600,
  iss: 'https://issuer.example',
  clientId: 'test-client',
  ...overrides,
});

export { lambdaContext } from '../../local/lambda-context.ts';

/**
 * A compiled route with no body and a validator that accepts everything: for tests of the chain's
 * own steps (decision line, metrics), not of any schema.
 */
export const thingsRoute = () =>
  ({
    method: 'GET',
    path: '/things/{id}',
    scopes: ['things:read'],
    hasBody: false,
    maxBodyBytes: 1024,
    validate: Object.assign(() => true, { errors: null }),
  }) as never;
