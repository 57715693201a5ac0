import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import validator, { type Options as ValidatorOptions } from '@middy/validator';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { configFromEnvironment } from '../shared/cold-start.ts';
import type { Logger } from '../shared/log.ts';
import { emfRouteMetrics, type RouteMetrics } from '../shared/metrics.ts';
import { loadCallerSource, requireCaller, type CallerSource } from './require-caller.ts';
import { bodyLimit } from './body-limit.ts';
import type { Caller } from '../shared/context-codec.ts';
import type { CompiledRoute } from './compiled-route.ts';
import { loadHttpConfig, type HttpConfig } from './http-config.ts';
import { decisionLog } from './decision-log.ts';
import { errorMiddleware } from './error-middleware.ts';
import { requireScopes } from './require-scopes.ts';
import type { RouteContext, RouteInternal } from './route-context.ts';

/** An object type without its index signature: the properties a schema names. */
type Declared<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/**
 * The event a route function receives: validated against its schema (defaults filled in), the
 * body parsed, each part the schema describes typed as it describes it.
 */
export type RouteEvent<Event> = Omit<APIGatewayProxyEvent, keyof Declared<Event>> & Declared<Event>;
export type RouteFunction<Event> = (
  event: RouteEvent<Event>,
  caller: Caller,
  context: RouteContext,
) => Promise<APIGatewayProxyResult>;

export interface RouteHandlerOptions {
  /** Where the decision lines go; unset (in Lambda): each is its metrics document, on stdout. */
  readonly log?: Logger;
  /** The responses as metrics (default: CloudWatch EMF on stdout). */
  readonly metrics?: RouteMetrics;
  readonly config?: HttpConfig;
  /** Which layer 1 authenticated the caller (default: from LAYER1 and the AUTH_* variables). */
  readonly callerSource?: CallerSource;
  readonly now?: () => number;
}

let defaultConfig: HttpConfig | undefined;
let defaultMetrics: RouteMetrics | undefined;
let defaultCallerSource: CallerSource | undefined;
// One metrics writer per container, shared by its route (a function serves one route).
const routeMetrics = () => (defaultMetrics ??= emfRouteMetrics());
// Read when the first route of the container is built, which is at import (cold start).
const httpConfig = () => (defaultConfig ??= configFromEnvironment(loadHttpConfig));
const callerSource = () => (defaultCallerSource ??= configFromEnvironment(loadCallerSource));

/**
 * The chain every route runs, built from the route's compiled schema. Before the route function:
 * header normalisation → authorizer context (401) → scope check (403) → body size (413) →
 * JSON body (415/400) → schema validation (400) → the route. Errors from any step become one problem+json response.
 * middy runs `onError` hooks in reverse order of `use`, which is why the error-side middlewares
 * come first: problem mapping, then http-error-handler renders it, CORS headers are added, and
 * the decision is logged last.
 */
export function routeHandler<Event>(
  route: CompiledRoute<Event>,
  fn: RouteFunction<Event>,
  options: RouteHandlerOptions = {},
) {
  const { corsOrigins } = options.config ?? httpConfig();
  const source = options.callerSource ?? callerSource();
  const chain = middy<
    APIGatewayProxyEvent,
    APIGatewayProxyResult,
    Error,
    RouteContext,
    RouteInternal
  >()
    .use(decisionLog(route, options.log, options.metrics ?? routeMetrics()))
    .use(
      httpCors({
        origins: [...corsOrigins],
        headers: 'Authorization, Content-Type, If-Match, Idempotency-Key',
        // Let browser clients read why they were refused, the version to send back in
        // If-Match, where a created resource is, and when to retry.
        exposeHeaders:
          'WWW-Authenticate, X-Amzn-Remapped-WWW-Authenticate, ETag, Location, Retry-After',
        // With an allowlist the answer depends on the request's Origin (allowed or not), so a
        // shared cache must key on it, also when this origin got no Access-Control-Allow-Origin.
        ...(corsOrigins.includes('*') ? {} : { vary: 'Origin' }),
      }),
    )
    .use(httpErrorHandler({ logger: false }))
    .use(errorMiddleware())
    .use(httpHeaderNormalizer())
    .use(requireCaller({ source, ...(options.now ? { now: options.now } : {}) }))
    .use(requireScopes(route.scopes));
  if (route.hasBody) chain.use(bodyLimit(route.maxBodyBytes)).use(httpJsonBodyParser());
  // @middy/validator takes a compiled validate function at run time; its typings say `Ajv`.
  chain.use(
    validator({ eventSchema: route.validate as unknown as ValidatorOptions['eventSchema'] }),
  );
  const handler = chain.handler((event, context) =>
    // The validator has checked the event against the schema its type is generated from.
    fn(event as unknown as RouteEvent<Event>, context.caller, context),
  );
  // Which route this handler enforces, so the route contract test can check that the function
  // serverless.yml deploys for a route imports that route's generated module, not another's
  // (whose scopes it would check instead).
  return Object.assign(handler, { route: { method: route.method, path: route.path } });
}
