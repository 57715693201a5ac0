/**
 * What the gateway model knows about one request once it has answered: the facts API Gateway
 * writes into its access log (`$context.authorizer.*`, `$context.integration.*`, ...), before
 * any format is applied. local/api-gateway/access-log.ts renders them with serverless.yml's own
 * access-log format. Times are milliseconds on the model's clock; an absent part is a step the
 * request never reached (API Gateway prints `-` for its variables).
 */
export interface RequestTrace {
  /** `$context.requestId`: the proxy event's `requestContext.requestId`, `x-amzn-requestid`. */
  readonly requestId: string;
  /** `$context.extendedRequestId`: API Gateway's own id, which a client cannot choose. */
  readonly extendedRequestId: string;
  /** Epoch milliseconds when the gateway received the request. */
  readonly receivedAt: number;
  /** From receipt to answer. */
  readonly latencyMs: number;
  readonly httpMethod: string;
  /** The resource template the request matched (`/users/{userId}`); absent: no route. */
  readonly resourcePath?: string;
  /** `$context.error.message`: the gateway response's message, when the gateway answered. */
  readonly errorMessage?: string;
  /** The authorization step as a whole: the authorizer, then the policy against the methodArn. */
  readonly authorize?: TraceStep;
  /** The authorizer: run, or answered from its cache. Absent when it was not reached. */
  readonly authorizer?: AuthorizerTrace;
  /** The route's Lambda proxy integration, when the request was let through. */
  readonly integration?: IntegrationTrace;
}

export interface TraceStep {
  readonly status: number;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Times a step on `now` from `started`: each call gives the step as it ends, with its status. */
export function stepTimer(
  now: () => number,
  started = now(),
): (status: number, error?: string) => TraceStep {
  return (status, error) => ({
    status,
    latencyMs: now() - started,
    ...(error === undefined ? {} : { error }),
  });
}

export interface AuthorizerTrace extends TraceStep {
  /** `cached`: no Lambda call, the answer came from the result cache. */
  readonly source: 'invoked' | 'cached';
  /** From the policy the authorizer returned (now, or when it was cached). */
  readonly principalId?: string;
  /** The authorizer function's invocation; absent on a cache hit. */
  readonly lambda?: LambdaCall;
}

export interface IntegrationTrace {
  /** What the function answered (its `statusCode`); absent when it answered nothing usable. */
  readonly status?: number;
  readonly latencyMs: number;
  /** The function's invocation: Lambda's own status and request id. */
  readonly lambda: LambdaCall;
  readonly error?: string;
}

export interface LambdaCall {
  /** The Invoke API's status; absent when the call never completed (a timeout). */
  readonly status?: number;
  readonly requestId: string;
  readonly latencyMs: number;
}

/** A RequestTrace while the request is under way: each step fills in its part. */
export type TraceDraft = { -readonly [K in keyof RequestTrace]: RequestTrace[K] };
