import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { lambdaContext } from '../lambda-context.ts';
import { parseJson, type RenderedResponse } from './gateway-responses.ts';
import type { IntegrationTrace } from './request-trace.ts';
import { TimedOut, withTimeout } from './timeout.ts';

/**
 * The Lambda proxy integration: the route's function called with the proxy event, its answer
 * handed to the client as API Gateway REST hands it (headers renamed where it renames them), a
 * function that throws or answers no status turned into the gateway's 502, one that outlasts the
 * integration timeout into 504 (L6).
 */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

export type IntegrationResult =
  /** The function answered with a valid proxy result. */
  | {
      readonly kind: 'answered';
      readonly response: RenderedResponse;
      readonly trace: IntegrationTrace;
    }
  /** It threw, or answered something that is not a proxy result: the gateway's 502. */
  | {
      readonly kind: 'failed';
      readonly response: RenderedResponse;
      readonly trace: IntegrationTrace;
    }
  /** It outlasted the integration timeout: the caller answers INTEGRATION_TIMEOUT (504). */
  | { readonly kind: 'timed-out'; readonly trace: IntegrationTrace };

export async function invokeIntegration(
  handler: ProxyHandler,
  event: APIGatewayProxyEvent,
  {
    functionName,
    timeoutMs,
    now,
  }: { functionName: string | undefined; timeoutMs: number; now: () => number },
): Promise<IntegrationResult> {
  // Lambda gives each invocation a request id of its own: the function logs it, the access
  // log has it as $context.integration.requestId.
  const lambdaRequestId = randomUUID();
  const invoked = now();
  const traced = (status: number | undefined, error?: string, timedOut = false) => {
    const latencyMs = now() - invoked;
    return {
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
      handler(event, lambdaContext(lambdaRequestId, functionName)),
      timeoutMs,
    );
  } catch (error) {
    if (error instanceof TimedOut)
      return { kind: 'timed-out', trace: traced(undefined, error.message, true) };
    return {
      kind: 'failed',
      response: integrationFailure(),
      trace: traced(undefined, error instanceof Error ? error.message : String(error)),
    };
  }
  if (!isProxyResult(result))
    return {
      kind: 'failed',
      response: integrationFailure(),
      trace: traced(undefined, 'Malformed Lambda proxy response'),
    };
  return {
    kind: 'answered',
    response: {
      statusCode: result.statusCode,
      headers: integrationHeaders(result),
      body: result.body ?? '',
      json: parseJson(result.body),
    },
    trace: traced(result.statusCode),
  };
}

/** A Lambda proxy integration that throws or returns no statusCode: 502, the gateway's text. */
function integrationFailure(): RenderedResponse {
  const body = '{"message": "Internal server error"}';
  return {
    statusCode: 502,
    headers: { 'content-type': 'application/json' },
    body,
    json: JSON.parse(body),
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
