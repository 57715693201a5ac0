/**
 * What API Gateway answers on its own, without any integration: a gateway response of the type
 * the failure belongs to, rendered from the service's customisation of that type (G1–G5 in
 * docs/api-gateway-authorizers.md), and the few answers AWS gives no type for.
 */

export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'REQUEST_TOO_LARGE'
  | 'INTEGRATION_TIMEOUT'
  | 'INVALID_API_KEY'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX';

/** An `AWS::ApiGateway::GatewayResponse` as declared in the service's resources. */
export interface GatewayResponseTemplate {
  readonly statusCode?: number;
  /** `gatewayresponse.header.<Name>` → value, already unquoted. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `application/json` template (`$context.error.messageString`, `$context.requestId`...). */
  readonly template?: string;
}

export type GatewayResponses = Partial<Record<GatewayResponseType, GatewayResponseTemplate>>;

/** An answer as the client receives it. */
export interface RenderedResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown;
}

const DEFAULT_STATUS: Record<GatewayResponseType, number> = {
  UNAUTHORIZED: 401,
  ACCESS_DENIED: 403,
  AUTHORIZER_CONFIGURATION_ERROR: 500,
  AUTHORIZER_FAILURE: 500,
  MISSING_AUTHENTICATION_TOKEN: 403,
  REQUEST_TOO_LARGE: 413,
  INTEGRATION_TIMEOUT: 504,
  INVALID_API_KEY: 403,
  THROTTLED: 429,
  QUOTA_EXCEEDED: 429,
  DEFAULT_4XX: 400,
  DEFAULT_5XX: 500,
};

const ERROR_TYPE: Partial<Record<GatewayResponseType, string>> = {
  UNAUTHORIZED: 'UnauthorizedException',
  ACCESS_DENIED: 'AccessDeniedException',
  AUTHORIZER_CONFIGURATION_ERROR: 'AuthorizerConfigurationException',
  AUTHORIZER_FAILURE: 'AuthorizerFailureException',
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationTokenException',
};

/**
 * A gateway response: the type's own customisation if the service declares one, else the
 * DEFAULT_4XX/DEFAULT_5XX customisation, else AWS's default `{"message":...}` (the 403 key is
 * `Message`, capital M, as captured from real responses: O8). `status`: what the gateway answers
 * when no customisation sets a status, for a failure that has no type of its own and is served
 * by DEFAULT_4XX with its own status (a 401 that is not UNAUTHORIZED); default the type's.
 */
export function renderGatewayResponse(
  type: GatewayResponseType,
  message: string | null,
  requestId: string,
  custom: GatewayResponses,
  status = DEFAULT_STATUS[type],
): RenderedResponse {
  const family: GatewayResponseType = status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const own = custom[type];
  const fallback = custom[family];
  const chosen = own ?? fallback;
  const defaultTemplate =
    type === 'ACCESS_DENIED'
      ? '{"Message":$context.error.messageString}'
      : '{"message":$context.error.messageString}';
  const template = chosen?.template ?? defaultTemplate;
  // `$context.error.messageString` is the message as a quoted JSON string (or null): the
  // templates place it without quotes.
  const body = template
    .replaceAll('$context.error.messageString', JSON.stringify(message))
    .replaceAll('$context.error.message', message ?? '')
    .replaceAll('$context.error.responseType', type)
    .replaceAll('$context.requestId', requestId);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-requestid': requestId,
  };
  const errorType = ERROR_TYPE[type];
  if (errorType) headers['x-amzn-errortype'] = errorType;
  for (const [name, value] of Object.entries(chosen?.headers ?? {}))
    headers[name.toLowerCase()] = value;
  return {
    statusCode: own?.statusCode ?? status,
    headers,
    body,
    json: parseJson(body),
  };
}

/** L2, O10: a methodArn over 1,600 bytes; AWS names no response type for it (unknown). */
export function uriTooLong(requestId: string): RenderedResponse {
  const body = '{"message":"Request URI too long"}';
  return {
    statusCode: 414,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
    body,
    json: JSON.parse(body),
  };
}

export function parseJson(body: string | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
