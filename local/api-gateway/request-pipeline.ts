import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  renderGatewayResponse,
  uriTooLong,
  type GatewayResponses,
  type GatewayResponseType,
} from './gateway-responses.ts';
import { invokeIntegration } from './integration.ts';
import type { GatewayRequest, GatewayResponse, ModelRoute } from './exchange.ts';
import { proxyEvent } from './proxy-event.ts';
import type { RequestTrace, TraceDraft } from './request-trace.ts';
import {
  MAX_METHOD_ARN_BYTES,
  methodArnOf,
  resolveRequest,
  type ApiCoordinates,
} from './routing.ts';
import type { PlanLimits, Throttling } from './throttling.ts';
import type { AuthorizationStep, AuthorizerStep } from './authorization.ts';

/**
 * One request through API Gateway REST, step by step, each step answering on its own or handing
 * over to the next: the payload limit (L7), a CORS preflight (G9), the route (or 403 Missing
 * Authentication Token), the methodArn's length (L2), layer 1 (the authorizer step: a gateway
 * answer, or what the integration receives of it), the usage plan key and throttling (T rows),
 * then the Lambda proxy integration (a 502 or 504 of the gateway's own when it fails).
 */
export interface PipelineParts {
  readonly routes: readonly ModelRoute[];
  readonly corsPreflight: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly gatewayResponses: GatewayResponses;
  readonly authorization: AuthorizationStep;
  readonly limits: Throttling | undefined;
  /** The usage plans' keys by value; unset: API keys are not checked. */
  readonly apiKeys: ReadonlyMap<string, PlanLimits> | undefined;
  readonly integrationTimeoutMs: number;
  readonly api: ApiCoordinates;
  readonly now: () => number;
}

// L7: API Gateway REST refuses a payload over 10 MB with 413 before anything else runs.
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface RequestPipeline {
  request(request: GatewayRequest): Promise<GatewayResponse>;
  handlerInvocations(): number;
  /** A gateway response of this API, for what reaches API Gateway outside any route. */
  answer(type: GatewayResponseType, message: string | null, httpMethod?: string): GatewayResponse;
}

export function createRequestPipeline(parts: PipelineParts): RequestPipeline {
  const { routes, corsPreflight, gatewayResponses, authorization, limits, now } = parts;
  let handlerInvocations = 0;

  function gatewayAnswer(
    type: GatewayResponseType,
    message: string | null,
    requestId: string,
    step: AuthorizerStep = { step: 'not-called' },
    status?: number,
  ): GatewayResponse {
    const response = renderGatewayResponse(type, message, requestId, gatewayResponses, status);
    return {
      ...response,
      answeredBy: 'gateway',
      responseType: type,
      ...(message === null ? {} : { errorMessage: message }),
      ...authorizerStep(step),
    };
  }

  async function request(req: GatewayRequest): Promise<GatewayResponse> {
    const trace: TraceDraft = {
      requestId: randomUUID(),
      extendedRequestId: extendedRequestId(),
      receivedAt: now(),
      latencyMs: 0,
      httpMethod: req.method.toUpperCase(),
    };
    const response = await answerRequest(req, trace);
    return { ...response, trace: { ...trace, latencyMs: now() - trace.receivedAt } };
  }

  async function answerRequest(req: GatewayRequest, trace: TraceDraft): Promise<GatewayResponse> {
    const { requestId } = trace;
    // L7: the payload limit applies before routing or authorization.
    if (req.body !== undefined && Buffer.byteLength(req.body) > MAX_PAYLOAD_BYTES)
      return gatewayAnswer('REQUEST_TOO_LARGE', 'Request Too Large', requestId);
    const resolved = resolveRequest(routes, corsPreflight, req.method, req.path);
    if (resolved.kind === 'preflight') {
      trace.resourcePath = resolved.resource;
      return preflightAnswer(resolved.headers);
    }
    // REST answers an unknown resource or method with 403 "Missing Authentication Token", before
    // any authorizer runs.
    if (resolved.kind === 'unknown')
      return gatewayAnswer(
        'MISSING_AUTHENTICATION_TOKEN',
        'Missing Authentication Token',
        requestId,
      );
    const { route, pathParameters } = resolved;
    trace.resourcePath = route.path;

    const methodArn = methodArnOf(parts.api, req.method, req.path);
    if (Buffer.byteLength(methodArn) > MAX_METHOD_ARN_BYTES)
      return { ...uriTooLong(requestId), answeredBy: 'gateway', authorizer: 'not-called' };

    const authorized = await authorization.authorize(
      { headers: req.headers, methodArn, scopes: route.authorizationScopes ?? [] },
      trace,
    );
    if (authorized.kind === 'refused')
      return gatewayAnswer(
        authorized.type,
        authorized.message,
        requestId,
        authorized.step,
        authorized.status,
      );

    const limited = admit(route, authorized.usageIdentifierKey, requestId, authorized.step);
    if (limited) return limited;

    const event = proxyEvent({
      method: req.method,
      path: req.path,
      resource: route.path,
      pathParameters,
      query: req.query ?? null,
      headers: req.headers ?? {},
      ...(req.multiValueHeaders ? { multiValueHeaders: req.multiValueHeaders } : {}),
      body: req.body ?? null,
      authorizer: authorized.eventAuthorizer(),
      requestId,
      stage: parts.api.stage,
      accountId: parts.api.accountId,
      apiId: parts.api.apiId,
      requestTimeEpoch: now(),
    });
    return integrate(route, event, trace, authorized.step);
  }

  async function integrate(
    route: ModelRoute,
    event: APIGatewayProxyEvent,
    trace: TraceDraft,
    step: AuthorizerStep,
  ): Promise<GatewayResponse> {
    handlerInvocations += 1;
    const result = await invokeIntegration(route.handler, event, {
      functionName: route.name,
      timeoutMs: parts.integrationTimeoutMs,
      now,
    });
    trace.integration = result.trace;
    if (result.kind === 'timed-out')
      return {
        ...gatewayAnswer(
          'INTEGRATION_TIMEOUT',
          'Endpoint request timed out',
          trace.requestId,
          step,
        ),
        event,
      };
    return {
      ...result.response,
      answeredBy: result.kind === 'answered' ? 'handler' : 'gateway',
      ...authorizerStep(step),
      event,
    };
  }

  /**
   * T2, T3: a route that requires an API key takes the one the authorizer named; without one of
   * the usage plans' keys it is 403 (`Forbidden`, the API key source docs). Then the client's
   * plan and the stage's per-method limits (T4): 429 THROTTLED ("Too Many Requests") or
   * QUOTA_EXCEEDED ("Limit Exceeded"), the default messages as observed (T5).
   */
  function admit(
    route: ModelRoute,
    usageIdentifierKey: unknown,
    requestId: string,
    step: AuthorizerStep,
  ): GatewayResponse | undefined {
    if (!limits) return undefined;
    let key: string | undefined;
    if (route.apiKeyRequired && parts.apiKeys) {
      if (typeof usageIdentifierKey !== 'string' || !parts.apiKeys.has(usageIdentifierKey))
        return gatewayAnswer('INVALID_API_KEY', 'Forbidden', requestId, step);
      key = usageIdentifierKey;
    }
    const admission = limits.admit(key, `${route.method.toUpperCase()} ${route.path}`);
    if (admission === 'throttled')
      return gatewayAnswer('THROTTLED', 'Too Many Requests', requestId, step);
    if (admission === 'quota_exceeded')
      return gatewayAnswer('QUOTA_EXCEEDED', 'Limit Exceeded', requestId, step);
    return undefined;
  }

  return {
    request,
    handlerInvocations: () => handlerInvocations,
    answer: (type, message, httpMethod = 'GET') => {
      const trace: RequestTrace = {
        requestId: randomUUID(),
        extendedRequestId: extendedRequestId(),
        receivedAt: now(),
        latencyMs: 0,
        httpMethod: httpMethod.toUpperCase(),
      };
      return { ...gatewayAnswer(type, message, trace.requestId), trace };
    },
  };
}

/** G9: the OPTIONS mock integration answers 200 with the configured headers and no body. */
function preflightAnswer(headers: Readonly<Record<string, string>>): GatewayResponse {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', ...lowerCaseKeys(headers) },
    body: '',
    json: undefined,
    answeredBy: 'gateway',
    authorizer: 'not-called',
  };
}

const authorizerStep = ({ step, ttlLeftMs }: AuthorizerStep) => ({
  authorizer: step,
  ...(ttlLeftMs === undefined ? {} : { authorizerCacheTtlLeftMs: ttlLeftMs }),
});

const lowerCaseKeys = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/** API Gateway's `$context.extendedRequestId` looks like `AbCdEfGhIjKlMnO=`. */
const extendedRequestId = () => randomBytes(11).toString('base64');
