import type { MiddlewareObj } from '@middy/core';
import { clip, type LogEntry, type Logger } from '../shared/log.ts';
import type { RouteMetrics } from '../shared/metrics.ts';
import type { CompiledRoute } from './compiled-route.ts';
import type { RouteContext, RouteInternal } from './route-context.ts';

/**
 * One JSON line per request with the route, the outcome and a code (`ok` or the problem
 * code), the API Gateway and Lambda request ids; and the same decision as a metric. Never the
 * body, the headers or the token. Unexpected errors log their message here; the client only
 * ever sees the generic problem. Without a `log` (in Lambda), the line is the metrics document
 * itself (src/shared/metrics.ts): one line for both; with one (tests), each gets its own.
 */
export function decisionLog(
  route: CompiledRoute,
  log: Logger | undefined,
  metrics: RouteMetrics,
): MiddlewareObj<
  { requestContext?: { requestId?: unknown } } | null | undefined,
  { statusCode?: number } | undefined,
  Error,
  RouteContext,
  RouteInternal
> {
  const name = `${route.method} ${route.path}`;
  const latencyMs = (request: { internal: RouteInternal }) =>
    Math.round((performance.now() - (request.internal.startedAt ?? performance.now())) * 1000) /
    1000;
  const ids = (request: {
    event: { requestContext?: { requestId?: unknown } } | null | undefined;
    context: RouteContext;
  }) => ({
    requestId: clip(request.event?.requestContext?.requestId),
    lambdaRequestId: clip(request.context?.awsRequestId),
  });
  const decided = (entry: LogEntry, code: string, status: number, ms: number) => {
    if (!log) return metrics.response(name, code, status, ms, entry);
    log(entry);
    metrics.response(name, code, status, ms);
  };
  return {
    before: (request) => {
      request.internal.startedAt = performance.now();
    },
    after: (request) => {
      const status = request.response?.statusCode ?? 200;
      const ms = latencyMs(request);
      decided(
        {
          route: name,
          decision: 'allow',
          code: 'ok',
          status,
          sub: clip(request.context.caller?.sub, 128),
          ...ids(request),
          latencyMs: ms,
        },
        'ok',
        status,
        ms,
      );
    },
    onError: (request) => {
      const { problem } = request.internal;
      const status = request.response?.statusCode ?? problem?.status ?? 500;
      const cause = problem?.cause;
      const code = problem?.code ?? 'internal_error';
      const ms = latencyMs(request);
      decided(
        {
          route: name,
          decision: status === 401 || status === 403 ? 'deny' : status >= 500 ? 'error' : 'reject',
          code,
          status,
          sub: clip(request.context.caller?.sub, 128),
          ...problem?.log,
          ...(status >= 500 && cause instanceof Error
            ? { error: clip(`${cause.name}: ${cause.message}`, 300) }
            : {}),
          ...ids(request),
          latencyMs: ms,
        },
        code,
        status,
        ms,
      );
    },
  };
}
