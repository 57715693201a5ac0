import { routeKey, SERVERLESS_YML, type FunctionHttpEvent } from './http-events.ts';
import type { RouteProblem } from './lint-rules.ts';
import type { FunctionConfig } from './serverless-config.ts';

/**
 * Events that put a function behind an HTTP endpoint other than the REST API's `http` events,
 * where no TOKEN authorizer of ours stands in front of it.
 */
const OTHER_HTTP_EVENTS: Readonly<Record<string, string>> = {
  httpApi: 'an HTTP API (API Gateway v2) route',
  websocket: 'a WebSocket API (API Gateway v2) route',
  alb: 'an Application Load Balancer target',
  cloudFront: 'a CloudFront (Lambda@Edge) trigger',
};

/**
 * How a function is reachable: only as routes of the REST API (`http` events), one route per
 * function. A problem for each other way a function is reachable over HTTP: those would ship
 * public, behind none of this service's authorizers. Build-time only.
 */
export function exposureProblems(
  functions: Readonly<Record<string, FunctionConfig>>,
): RouteProblem[] {
  const problems: RouteProblem[] = [];
  for (const [name, fn] of Object.entries(functions)) {
    const where = `${SERVERLESS_YML} (function ${name})`;
    // `url:` creates an AWS::Lambda::Url: AuthType NONE unless `authorizer: aws_iam`, and either
    // way a second door that skips API Gateway and the token authorizer.
    if (fn.url !== undefined && fn.url !== null && fn.url !== false)
      problems.push({
        file: where,
        code: 'exposed_outside_rest_api',
        message:
          'has `url:`, a Lambda function URL that reaches the function without API Gateway or the token authorizer; expose routes only as http events',
      });
    for (const event of fn.events ?? [])
      for (const type of Object.keys(event).filter((t) => Object.hasOwn(OTHER_HTTP_EVENTS, t)))
        problems.push({
          file: where,
          code: 'exposed_outside_rest_api',
          message: `has a "${type}" event: ${OTHER_HTTP_EVENTS[type]} reaches the function without the REST API's token authorizer; expose routes only as http events`,
        });
  }
  return problems;
}

/**
 * A handler is `routeHandler(route, fn)` for one schema file: its scope check and validation are
 * that route's. A second http event on the same function would run with the first route's scopes
 * (a DELETE checked for GET's `users:read`), so each function serves exactly one route.
 */
export function sharedFunctions(events: readonly FunctionHttpEvent[]): RouteProblem[] {
  const routesOf = new Map<string, string[]>();
  for (const { name, http } of events)
    routesOf.set(name, [...(routesOf.get(name) ?? []), routeKey(http.method, http.path)]);
  return [...routesOf]
    .filter(([, keys]) => keys.length > 1)
    .map(([name, keys]) => ({
      file: `${SERVERLESS_YML} (function ${name})`,
      code: 'function_serves_several_routes' as const,
      message: `serves ${keys.join(', ')}; its handler checks the scopes and schema of one route only, so give each route its own function and handler`,
    }));
}
