import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * The Lambda proxy event API Gateway REST hands a route's function (the one builder: the API
 * Gateway model and the tests both use it). docs/api-gateway-authorizers.md P3, X3, X4.
 */
export interface ProxyEventInput {
  readonly method: string;
  /** The path as requested after the stage, with its real values: `/users/42`. */
  readonly path: string;
  /** The resource template: `/users/{userId}` (default: the path). */
  readonly resource?: string;
  readonly pathParameters?: Readonly<Record<string, string>> | null;
  /** Query parameters; a repeated one as a list (the single-value map keeps the last). */
  readonly query?: Readonly<Record<string, string | readonly string[]>> | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Every value of each header, when one came more than once (default: `headers`' one). */
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  /** The authorizer context as the handler receives it (see receivedAuthorizerContext); null: none. */
  readonly authorizer: Readonly<Record<string, unknown>> | null;
  readonly requestId: string;
  readonly stage: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly requestTimeEpoch: number;
}

export function proxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const headers = { ...(input.headers ?? {}) };
  const query = Object.entries(input.query ?? {});
  const multiQuery = Object.fromEntries(
    query.map(([key, value]) => [key, typeof value === 'string' ? [value] : [...value]]),
  );
  const method = input.method.toUpperCase();
  const resource = input.resource ?? input.path;
  return {
    resource,
    path: input.path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, [...(input.multiValueHeaders?.[k] ?? [v])]]),
    ),
    queryStringParameters: query.length
      ? Object.fromEntries(Object.entries(multiQuery).map(([k, v]) => [k, v.at(-1) ?? '']))
      : null,
    multiValueQueryStringParameters: query.length ? multiQuery : null,
    pathParameters: input.pathParameters ? { ...input.pathParameters } : null,
    stageVariables: null,
    body: input.body ?? null,
    isBase64Encoded: input.isBase64Encoded ?? false,
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      authorizer: input.authorizer as APIGatewayProxyEvent['requestContext']['authorizer'],
      domainName: `${input.apiId}.execute-api.eu-west-1.amazonaws.com`,
      httpMethod: method,
      identity: {
        sourceIp: '127.0.0.1',
        userAgent: headerValue(headers, 'user-agent') ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/${input.stage}${input.path}`,
      protocol: 'HTTP/1.1',
      requestId: input.requestId,
      requestTimeEpoch: input.requestTimeEpoch,
      resourceId: 'model',
      resourcePath: resource,
      stage: input.stage,
    },
  };
}

/**
 * The authorizer's context as the integration receives it: every value stringified, with the
 * policy's `principalId` and `integrationLatency` (a number, in ms) added (X3, X4).
 */
export const receivedAuthorizerContext = (
  context: Readonly<Record<string, string | number | boolean>> | undefined,
  principalId: string,
  integrationLatency: number,
): Record<string, string | number> => ({
  ...Object.fromEntries(Object.entries(context ?? {}).map(([key, value]) => [key, String(value)])),
  principalId,
  integrationLatency,
});

export function headerValue(
  headers: Readonly<Record<string, string>> | undefined,
  lowerName: string,
): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {}))
    if (name.toLowerCase() === lowerName) return value;
  return undefined;
}
