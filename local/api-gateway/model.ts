import { randomBytes, randomUUID } from 'node:crypto';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { headerValue, proxyEvent, receivedAuthorizerContext } from './proxy-event.ts';
import {
  evaluatePolicy,
  InvalidAuthorizerOutput,
  parseAuthorizerOutput,
  type Statement,
} from './iam-policy.ts';
import type { AuthorizerTrace, RequestTrace, TraceStep } from './request-trace.ts';
import { createThrottling, type PlanLimits, type RateLimits } from './throttling.ts';
import { matchRoute, matchTemplate } from '../../tools/route-matcher.ts';
import { lambdaContext } from '../lambda-context.ts';

/**
 * A model of API Gateway REST between client, TOKEN authorizer (with its result cache), policy
 * evaluation and Lambda proxy integration, written to `docs/api-gateway-authorizers.md` (its row ids are cited below).
 * serverless-offline's HTTP server never caches authorizer results, so the bug this service exists
 * to prevent (a cached per-route Allow answering 403 on the next route) only shows through a model
 * like this: the contract tests run the service through it in process, and the local API Gateway
 * (front.ts) puts it on the API port of `npm start`.
 *
 * Where AWS documents nothing the model takes the stricter reading and says so next to the code;
 * where no reading is stricter for every test (whether failures are cached), it is an option.
 */

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;
export type TokenAuthorizerFunction = (
  event: APIGatewayTokenAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

export interface ModelRoute {
  /** e.g. `GET`. */
  readonly method: string;
  /** The resource template, e.g. `/users/{userId}` (`{name+}` is greedy). */
  readonly path: string;
  readonly handler: ProxyHandler;
  readonly name?: string;
  /** `ApiKeyRequired` (`private: true` on the http event): the request needs a usage plan key. */
  readonly apiKeyRequired?: boolean;
}

export interface ModelAuthorizer {
  readonly handler: TokenAuthorizerFunction;
  /**
   * `resultTtlInSeconds`: 0 turns the cache off. Required: unset means 300 on AWS (C1).
   * An integer 0..3600 (C1); anything else makes createGatewayModel throw, as AWS refuses it.
   */
  readonly resultTtlInSeconds: number;
  readonly identityValidationExpression?: string;
  /** The header named by `method.request.header.<name>` (default Authorization). */
  readonly identityHeader?: string;
  /** The authorizer function's timeout; past it the gateway answers 500. */
  readonly timeoutMs?: number;
}

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

export interface GatewayModelOptions {
  readonly routes: readonly ModelRoute[];
  readonly authorizer: ModelAuthorizer;
  readonly gatewayResponses?: Partial<Record<GatewayResponseType, GatewayResponseTemplate>>;
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

export type CacheFailures = 'none' | 'unauthorized' | 'all';

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

export interface GatewayRequest {
  readonly method: string;
  /** The path as the client sends it after the stage, with its real values: `/users/42`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Every value of a header sent more than once (API Gateway keeps the last in `headers`). */
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>>;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
}

export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown;
  /** `handler`: the integration answered; `gateway`: API Gateway answered on its own. */
  readonly answeredBy: 'handler' | 'gateway';
  readonly responseType?: GatewayResponseType;
  /** What the authorizer step did for this request. */
  readonly authorizer: 'invoked' | 'cached' | 'not-called';
  /** How long the authorizer's answer stays cached for this token from now; undefined: not cached. */
  readonly authorizerCacheTtlLeftMs?: number;
  /** The event the handler received, if it was called. */
  readonly event?: APIGatewayProxyEvent;
  /** `$context.error.message` of a gateway answer. */
  readonly errorMessage?: string;
  /** What the gateway knows of the request, for its access log (every `request` answer has it). */
  readonly trace?: RequestTrace;
}

export interface GatewayStats {
  readonly authorizerInvocations: number;
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

// L2: with authorization on, a methodArn longer than 1,600 bytes is answered 414.
const MAX_METHOD_ARN_BYTES = 1600;

// C1: API Gateway's range for resultTtlInSeconds.
const MAX_TTL_SECONDS = 3600;

// L7: API Gateway REST refuses a payload over 10 MB with 413 before anything else runs.
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

// L6: the longest API Gateway REST waits for an integration.
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

/** What one authorizer call decided: a valid policy, a 401, or a 500. */
type Decision =
  | {
      readonly kind: 'policy';
      readonly output: APIGatewayAuthorizerResult;
      readonly statements: readonly Statement[];
    }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'error'; readonly message: string; readonly timedOut?: boolean };

interface CacheEntry {
  readonly decision: Decision;
  readonly expiresAt: number;
}

/** What the authorizer step did: its decision, whether it came from the cache, how long it stays. */
interface Outcome {
  readonly decision: Decision;
  readonly step: 'invoked' | 'cached' | 'not-called';
  readonly ttlLeftMs?: number;
  readonly trace: AuthorizerTrace;
}

/** A RequestTrace while the request is under way. */
type TraceDraft = { -readonly [K in keyof RequestTrace]: RequestTrace[K] };

export function createGatewayModel(options: GatewayModelOptions): GatewayModel {
  const {
    routes,
    authorizer,
    gatewayResponses = {},
    authorizerErrorType = 'AUTHORIZER_CONFIGURATION_ERROR',
    now = Date.now,
    stage = 'dev',
    region = 'eu-west-1',
    accountId = '123456789012',
    apiId = 'a1b2c3d4e5',
    cacheFailures = 'none',
    corsPreflight = {},
    integrationTimeoutMs = DEFAULT_INTEGRATION_TIMEOUT_MS,
    throttling,
  } = options;
  const ttl = authorizer.resultTtlInSeconds;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS)
    throw new RangeError(
      `resultTtlInSeconds must be an integer 0..${MAX_TTL_SECONDS} (API Gateway refuses ${ttl})`,
    );
  // C3: the TOKEN cache key is the token header's value. The model is one API, one stage
  // and one authorizer, so the scope of the key (C6, not documented) does not arise.
  const cache = new Map<string, CacheEntry>();
  const identityHeader = (authorizer.identityHeader ?? 'Authorization').toLowerCase();
  // O3: whether the expression must match the whole token is unknown. Anchoring it refuses
  // more, so the model anchors it.
  const identityPattern =
    authorizer.identityValidationExpression === undefined
      ? undefined
      : new RegExp(`^(?:${authorizer.identityValidationExpression})$`);
  let authorizerInvocations = 0;
  let cacheHits = 0;
  let handlerInvocations = 0;
  const limits =
    throttling &&
    createThrottling({
      stage: throttling.stage,
      ...(throttling.apiKeys ? { plans: throttling.apiKeys } : {}),
      now,
    });

  const methodArn = (method: string, path: string) =>
    `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method.toUpperCase()}/${path.replace(/^\//, '')}`;

  function gatewayAnswer(
    type: GatewayResponseType,
    message: string | null,
    requestId: string,
    step: Pick<Outcome, 'step' | 'ttlLeftMs'> = { step: 'not-called' },
  ): GatewayResponse {
    const response = renderGatewayResponse(type, message, requestId, gatewayResponses);
    return {
      ...response,
      answeredBy: 'gateway',
      responseType: type,
      ...(message === null ? {} : { errorMessage: message }),
      authorizer: step.step,
      ...(step.ttlLeftMs === undefined ? {} : { authorizerCacheTtlLeftMs: step.ttlLeftMs }),
    };
  }

  async function authorize(token: string, arn: string): Promise<Outcome> {
    const started = now();
    const cached = cache.get(token);
    if (cached && cached.expiresAt > now()) {
      cacheHits += 1;
      const trace: AuthorizerTrace = {
        source: 'cached',
        ...decisionTrace(cached.decision),
        latencyMs: now() - started,
      };
      return {
        decision: cached.decision,
        step: 'cached',
        ttlLeftMs: cached.expiresAt - now(),
        trace,
      };
    }
    cache.delete(token);
    authorizerInvocations += 1;
    const decision = await invokeAuthorizer(token, arn);
    const latencyMs = now() - started;
    // The authorizer's Lambda answers 200 even when the function throws (the error travels in
    // the payload); a timeout leaves no status.
    const trace: AuthorizerTrace = {
      source: 'invoked',
      ...decisionTrace(decision),
      latencyMs,
      lambda: {
        ...(decision.kind === 'error' && decision.timedOut ? {} : { status: 200 }),
        requestId: randomUUID(),
        latencyMs,
      },
    };
    // A valid policy, Allow or Deny, is cached with its context (C7, C8); failures only
    // as `cacheFailures` says (not documented, C9).
    const cacheable =
      decision.kind === 'policy' ||
      (decision.kind === 'unauthorized' && cacheFailures !== 'none') ||
      (decision.kind === 'error' && cacheFailures === 'all');
    if (!cacheable || ttl === 0) return { decision, step: 'invoked', trace };
    cache.set(token, { decision, expiresAt: now() + ttl * 1000 });
    return { decision, step: 'invoked', ttlLeftMs: ttl * 1000, trace };
  }

  async function invokeAuthorizer(token: string, arn: string): Promise<Decision> {
    let output: unknown;
    try {
      output = await withTimeout(
        authorizer.handler({ type: 'TOKEN', authorizationToken: token, methodArn: arn }),
        authorizer.timeoutMs,
      );
    } catch (error) {
      // Only the exact message "Unauthorized" is a 401: `throw new Error('Unauthorized')`, or
      // the string itself (`callback('Unauthorized')`, `throw 'Unauthorized'`, O4).
      // Anything else (other text, a timeout) is a 500; the "starts with" reading is disputed,
      // exact is the stricter one.
      const unauthorized =
        error === 'Unauthorized' || (error instanceof Error && error.message === 'Unauthorized');
      if (unauthorized) return { kind: 'unauthorized' };
      if (error instanceof TimedOut)
        return { kind: 'error', message: error.message, timedOut: true };
      return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
    }
    try {
      const statements = parseAuthorizerOutput(output);
      return { kind: 'policy', output: output as APIGatewayAuthorizerResult, statements };
    } catch (error) {
      if (error instanceof InvalidAuthorizerOutput)
        return { kind: 'error', message: error.message };
      throw error;
    }
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
    if (req.method.toUpperCase() === 'OPTIONS') {
      const preflight = preflightFor(req.path, trace);
      if (preflight) return preflight;
    }
    const match = matchRoute(routes, req.method, req.path);
    // REST answers an unknown resource or method with 403 "Missing Authentication Token", before
    // any authorizer runs.
    if (!match)
      return gatewayAnswer(
        'MISSING_AUTHENTICATION_TOKEN',
        'Missing Authentication Token',
        requestId,
      );
    trace.resourcePath = match.route.path;

    const arn = methodArn(req.method, req.path);
    if (Buffer.byteLength(arn) > MAX_METHOD_ARN_BYTES) return uriTooLong(requestId);

    const started = now();
    const authorized = (status: number, error?: string): TraceStep => ({
      status,
      latencyMs: now() - started,
      ...(error === undefined ? {} : { error }),
    });
    const token = headerValue(req.headers, identityHeader);
    // Absent, or (unknown, stricter) empty: 401 without invoking the authorizer (O2).
    if (token === undefined || token === '' || (identityPattern && !identityPattern.test(token))) {
      trace.authorize = authorized(401, 'Unauthorized');
      return gatewayAnswer('UNAUTHORIZED', 'Unauthorized', requestId);
    }

    const outcome = await authorize(token, arn);
    trace.authorizer = outcome.trace;
    const { decision: answer } = outcome;
    if (answer.kind === 'unauthorized') {
      trace.authorize = authorized(401, 'Unauthorized');
      return gatewayAnswer('UNAUTHORIZED', 'Unauthorized', requestId, outcome);
    }
    if (answer.kind === 'error') {
      trace.authorize = authorized(500, answer.message);
      return gatewayAnswer(authorizerErrorType, null, requestId, outcome);
    }

    // The cached policy is evaluated again against this request's methodArn (C5).
    const decision = evaluatePolicy(answer.statements, arn);
    if (decision !== 'allow') {
      const message =
        decision === 'explicit-deny'
          ? 'User is not authorized to access this resource with an explicit deny'
          : 'User is not authorized to access this resource';
      trace.authorize = authorized(403, message);
      return gatewayAnswer('ACCESS_DENIED', message, requestId, outcome);
    }
    trace.authorize = authorized(200);

    const limited = admit(match.route, answer.output.usageIdentifierKey, requestId, outcome);
    if (limited) return limited;

    // X3, X4: on a cache hit the latency is 0, as once observed.
    const event = proxyEvent({
      method: req.method,
      path: req.path,
      resource: match.route.path,
      pathParameters: match.pathParameters,
      query: req.query ?? null,
      headers: req.headers ?? {},
      ...(req.multiValueHeaders ? { multiValueHeaders: req.multiValueHeaders } : {}),
      body: req.body ?? null,
      authorizer: receivedAuthorizerContext(
        answer.output.context as Record<string, string | number | boolean> | undefined,
        answer.output.principalId,
        outcome.step === 'cached' ? 0 : Math.max(0, now() - started),
      ),
      requestId,
      stage,
      accountId,
      apiId,
      requestTimeEpoch: now(),
    });
    const step = {
      authorizer: outcome.step,
      ...(outcome.ttlLeftMs === undefined ? {} : { authorizerCacheTtlLeftMs: outcome.ttlLeftMs }),
    };
    handlerInvocations += 1;
    // Lambda gives each invocation a request id of its own: the function logs it, the access
    // log has it as $context.integration.requestId.
    const lambdaRequestId = randomUUID();
    const invoked = now();
    const integrated = (status: number | undefined, error?: string, timedOut = false) => {
      const latencyMs = now() - invoked;
      trace.integration = {
        ...(status === undefined ? {} : { status }),
        latencyMs,
        lambda: {
          // Lambda answers 200 when the function throws too; a timeout leaves no status.
          ...(timedOut ? {} : { status: 200 }),
          requestId: lambdaRequestId,
          latencyMs,
        },
        ...(error === undefined ? {} : { error }),
      };
    };
    let result: unknown;
    try {
      result = await withTimeout(
        match.route.handler(event, lambdaContext(lambdaRequestId, match.route.name)),
        integrationTimeoutMs,
      );
    } catch (error) {
      if (error instanceof TimedOut) {
        integrated(undefined, error.message, true);
        return {
          ...gatewayAnswer('INTEGRATION_TIMEOUT', 'Endpoint request timed out', requestId, outcome),
          event,
        };
      }
      integrated(undefined, error instanceof Error ? error.message : String(error));
      return { ...integrationFailure(event), ...step };
    }
    if (!isProxyResult(result)) {
      integrated(undefined, 'Malformed Lambda proxy response');
      return { ...integrationFailure(event), ...step };
    }
    integrated(result.statusCode);
    return {
      statusCode: result.statusCode,
      headers: integrationHeaders(result),
      body: result.body ?? '',
      json: parseJson(result.body),
      answeredBy: 'handler',
      ...step,
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
    outcome: Outcome,
  ): GatewayResponse | undefined {
    if (!limits) return undefined;
    let key: string | undefined;
    if (route.apiKeyRequired && throttling?.apiKeys) {
      if (typeof usageIdentifierKey !== 'string' || !throttling.apiKeys.has(usageIdentifierKey))
        return gatewayAnswer('INVALID_API_KEY', 'Forbidden', requestId, outcome);
      key = usageIdentifierKey;
    }
    const admission = limits.admit(key, `${route.method.toUpperCase()} ${route.path}`);
    if (admission === 'throttled')
      return gatewayAnswer('THROTTLED', 'Too Many Requests', requestId, outcome);
    if (admission === 'quota_exceeded')
      return gatewayAnswer('QUOTA_EXCEEDED', 'Limit Exceeded', requestId, outcome);
    return undefined;
  }

  /**
   * G9: a resource with CORS on has an OPTIONS method of its own, a mock integration without
   * authorization: it answers 200 with the configured headers and no body.
   */
  function preflightFor(path: string, trace: TraceDraft): GatewayResponse | undefined {
    const resource = Object.keys(corsPreflight).find((template) => matchTemplate(template, path));
    if (resource === undefined) return undefined;
    trace.resourcePath = resource;
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', ...lowerCaseKeys(corsPreflight[resource]!) },
      body: '',
      json: undefined,
      answeredBy: 'gateway',
      authorizer: 'not-called',
    };
  }

  return {
    request,
    methodArn,
    stats: () => ({ authorizerInvocations, cacheHits, handlerInvocations }),
    cacheSize: () => [...cache.values()].filter((entry) => entry.expiresAt > now()).length,
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

/** L2, O10: a methodArn over 1,600 bytes; AWS names no response type for it (unknown). */
function uriTooLong(requestId: string): GatewayResponse {
  const body = '{"message":"Request URI too long"}';
  return {
    statusCode: 414,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
    body,
    json: JSON.parse(body),
    answeredBy: 'gateway',
    authorizer: 'not-called',
  };
}

/** A Lambda proxy integration that throws or returns no statusCode: 502, the gateway's text. */
function integrationFailure(event: APIGatewayProxyEvent): Omit<GatewayResponse, 'authorizer'> {
  const body = '{"message": "Internal server error"}';
  return {
    statusCode: 502,
    headers: { 'content-type': 'application/json' },
    body,
    json: JSON.parse(body),
    answeredBy: 'gateway',
    event,
  };
}

const lowerCaseKeys = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

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
 * `Message`, capital M, as captured from real responses: O8).
 */
function renderGatewayResponse(
  type: GatewayResponseType,
  message: string | null,
  requestId: string,
  custom: Partial<Record<GatewayResponseType, GatewayResponseTemplate>>,
): Pick<GatewayResponse, 'statusCode' | 'headers' | 'body' | 'json'> {
  const status = DEFAULT_STATUS[type];
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

/**
 * The integration's headers as the client receives them. API Gateway REST renames an
 * integration's `WWW-Authenticate` to `X-Amzn-Remapped-WWW-Authenticate` (D-KNOWN): this is why
 * layer 2 puts the RFC 6750 fields in the JSON body too.
 */
function integrationHeaders(result: APIGatewayProxyResult): Record<string, string> {
  const headers: Record<string, string> = {};
  const all: [string, string][] = [
    ...Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)] as [string, string]),
    ...Object.entries(result.multiValueHeaders ?? {}).map(
      ([k, v]) => [k, v.map(String).join(', ')] as [string, string],
    ),
  ];
  for (const [name, value] of all) {
    const lower = name.toLowerCase();
    headers[lower === 'www-authenticate' ? 'x-amzn-remapped-www-authenticate' : lower] = value;
  }
  return headers;
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isInteger((value as { statusCode?: unknown }).statusCode)
  );
}

function parseJson(body: string | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

class TimedOut extends Error {
  override readonly name = 'TimedOut';
}

/** API Gateway's `$context.extendedRequestId` looks like `AbCdEfGhIjKlMnO=`. */
const extendedRequestId = () => randomBytes(11).toString('base64');

/** An authorizer decision as the trace shows it: the status it leads to, its principal or error. */
function decisionTrace(
  decision: Decision,
): Pick<AuthorizerTrace, 'status' | 'principalId' | 'error'> {
  if (decision.kind === 'policy') return { status: 200, principalId: decision.output.principalId };
  if (decision.kind === 'unauthorized') return { status: 401, error: 'Unauthorized' };
  return { status: 500, error: decision.message };
}

async function withTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
