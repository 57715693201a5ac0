import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { decodeContext } from '../shared/context-codec.ts';
import type { RouteContext } from './route-context.ts';

/**
 * Layer 2's first step, "who is calling": puts the verified caller on `context.caller`, or
 * refuses with 401 (fail closed). The caller comes from our authorizer's context through the
 * context codec (src/shared/context-codec.ts).
 */
export function requireCaller({ now = Date.now }: { now?: () => number } = {}): MiddlewareObj<
  APIGatewayProxyEvent,
  unknown,
  Error,
  RouteContext
> {
  return {
    before: (request) => {
      request.context.caller = decodeContext(request.event.requestContext?.authorizer, now());
    },
  };
}
