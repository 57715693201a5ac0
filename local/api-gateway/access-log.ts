import type { ServiceConfig } from '../../tools/serverless-config.ts';
import type { GatewayResponse } from './exchange.ts';
import type { RequestTrace } from './request-trace.ts';

/**
 * The access log of the local API Gateway, written with the deployed stage's own format
 * (serverless.yml, `provider.logs.restApi.format`, as `sls print` resolves it): API Gateway
 * replaces each `$context` variable of the format by its value, or `-` when it has none, and so
 * does this writer, from what the gateway model knows of the request (its RequestTrace). The
 * keys of a local line are therefore the deployed ones, and the README's Logs Insights queries
 * read both. A variable the model cannot fill makes the writer refuse the format, so the two
 * cannot drift apart silently.
 */
export interface AccessLogEntry {
  readonly response: GatewayResponse;
  readonly trace: RequestTrace;
  /** The client's address as the gateway saw it (the TCP peer). */
  readonly sourceIp: string;
}

type Value = string | number | undefined;

/** What each `$context` variable holds for a request the model answered. */
const CONTEXT_VARIABLES: Readonly<Record<string, (entry: AccessLogEntry) => Value>> = {
  '$context.requestId': ({ trace }) => trace.requestId,
  '$context.extendedRequestId': ({ trace }) => trace.extendedRequestId,
  '$context.requestTime': ({ trace }) => clfTime(trace.receivedAt),
  '$context.requestTimeEpoch': ({ trace }) => trace.receivedAt,
  '$context.identity.sourceIp': ({ sourceIp }) => sourceIp,
  '$context.httpMethod': ({ trace }) => trace.httpMethod,
  '$context.resourcePath': ({ trace }) => trace.resourcePath,
  '$context.status': ({ response }) => response.statusCode,
  '$context.responseLatency': ({ trace }) => trace.latencyMs,
  '$context.responseLength': ({ response }) => Buffer.byteLength(response.body),
  '$context.error.responseType': ({ response }) => response.responseType,
  '$context.error.message': ({ response }) => response.errorMessage,
  '$context.authorize.status': ({ trace }) => trace.authorize?.status,
  '$context.authorize.error': ({ trace }) => trace.authorize?.error,
  '$context.authorize.latency': ({ trace }) => trace.authorize?.latencyMs,
  '$context.authorizer.status': ({ trace }) => trace.authorizer?.status,
  '$context.authorizer.error': ({ trace }) => trace.authorizer?.error,
  '$context.authorizer.latency': ({ trace }) => trace.authorizer?.latencyMs,
  '$context.authorizer.integrationStatus': ({ trace }) => trace.authorizer?.lambda?.status,
  '$context.authorizer.integrationLatency': ({ trace }) => trace.authorizer?.lambda?.latencyMs,
  '$context.authorizer.requestId': ({ trace }) => trace.authorizer?.lambda?.requestId,
  '$context.authorizer.principalId': ({ trace }) => trace.authorizer?.principalId,
  '$context.integration.status': ({ trace }) => trace.integration?.status,
  '$context.integration.integrationStatus': ({ trace }) => trace.integration?.lambda.status,
  '$context.integration.error': ({ trace }) => trace.integration?.error,
  '$context.integration.latency': ({ trace }) => trace.integration?.latencyMs,
  '$context.integration.requestId': ({ trace }) => trace.integration?.lambda.requestId,
};

/** `$context.a.b`, never a trailing dot. */
const VARIABLE = /\$context(?:\.[A-Za-z0-9_]+)+/g;

export class UnknownContextVariable extends Error {
  override readonly name = 'UnknownContextVariable';
}

/** The `$context` variables a format uses, each once, in order. */
export function contextVariablesOf(format: string): string[] {
  return [...new Set(format.match(VARIABLE) ?? [])];
}

/** The variables the local writer can fill. */
export const KNOWN_CONTEXT_VARIABLES: readonly string[] = Object.keys(CONTEXT_VARIABLES);

/**
 * A writer for this format. Throws UnknownContextVariable, naming them, for variables the model
 * cannot fill: add them to CONTEXT_VARIABLES (and to RequestTrace if the model does not know them).
 */
export function accessLogWriter(format: string): (entry: AccessLogEntry) => string {
  const unknown = contextVariablesOf(format).filter((name) => !(name in CONTEXT_VARIABLES));
  if (unknown.length)
    throw new UnknownContextVariable(
      `the local gateway cannot fill ${unknown.join(', ')} of the access-log format (local/api-gateway/access-log.ts)`,
    );
  // API Gateway substitutes the values as they are; locally they are JSON-escaped as well, so
  // a local line is valid JSON whatever a test's authorizer throws.
  return (entry) =>
    format.replace(VARIABLE, (name) => {
      const value = CONTEXT_VARIABLES[name]!(entry);
      return value === undefined ? '-' : JSON.stringify(String(value)).slice(1, -1);
    });
}

/** The stage's access-log format, as `sls print` resolves serverless.yml. */
export function accessLogFormatOf(config: ServiceConfig): string {
  const format = config.provider.logs?.restApi?.format;
  if (typeof format !== 'string' || format === '')
    throw new Error('serverless.yml sets no provider.logs.restApi.format');
  return format;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `$context.requestTime`: the Common Log Format's `dd/MMM/yyyy:HH:mm:ss +0000`, in UTC (a fixed
 * layout of six numbers: Intl's formatters would need more code to bend to it than this).
 */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}
