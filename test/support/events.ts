import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

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

/**
 * A Lambda proxy event shaped like API Gateway REST sends it, including how the authorizer
 * context arrives: every value stringified, `principalId` and `integrationLatency` added.
 */
export function proxyEvent(o: EventOptions = {}): APIGatewayProxyEvent {
  const headers = o.headers ?? {};
  const authorizer =
    o.authorizer === null
      ? null
      : {
          ...Object.fromEntries(
            Object.entries(o.authorizer ?? defaultContext()).map(([k, v]) => [k, String(v)]),
          ),
          principalId: String(o.authorizer?.sub ?? 'user-1'),
          integrationLatency: 12,
        };
  return {
    httpMethod: o.method ?? 'GET',
    path: o.path ?? '/',
    resource: o.resource ?? o.path ?? '/',
    pathParameters: o.pathParameters ?? null,
    queryStringParameters: o.query ?? null,
    multiValueQueryStringParameters: o.query
      ? Object.fromEntries(Object.entries(o.query).map(([k, v]) => [k, [v]]))
      : null,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    body: o.body ?? null,
    isBase64Encoded: o.isBase64Encoded ?? false,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123defg',
      authorizer: authorizer as APIGatewayProxyEvent['requestContext']['authorizer'],
      httpMethod: o.method ?? 'GET',
      identity: { sourceIp: '127.0.0.1' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/dev${o.path ?? '/'}`,
      protocol: 'HTTP/1.1',
      requestId: 'req-1',
      requestTimeEpoch: Date.now(),
      resourceId: 'res1',
      resourcePath: o.resource ?? o.path ?? '/',
      stage: 'dev',
    },
  };
}

export const defaultContext = (overrides: Record<string, string | number | boolean> = {}) => ({
  sub: 'user-1',
  scope: 'users:read users:write users:admin',
  exp: Math.floor(Date.now() / 1000) + 600,
  iss: 'https://issuer.example',
  clientId: 'test-client',
  ...overrides,
});

export const lambdaContext = (): Context =>
  ({
    awsRequestId: 'lambda-req-1',
    functionName: 'test',
    getRemainingTimeInMillis: () => 10_000,
    callbackWaitsForEmptyEventLoop: false,
  }) as Context;
