import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { callerFromAuthorizerContext } from './caller.ts';
import type { RouteContext } from './route-context.ts';

/** Puts the verified caller on `context.caller`, or refuses with 401 (fail closed). */
export function requireCaller({ now = Date.now }: { now?: () => number } = {}): MiddlewareObj<
  APIGatewayProxyEvent,
  unknown,
  Error,
  RouteContext
> {
  return {
    before: (request) => {
      request.context.caller = callerFromAuthorizerContext(
        request.event.requestContext?.authorizer,
        now(),
      );
    },
  };
}
