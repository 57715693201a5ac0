import { functionRoleProblems } from './function-roles.ts';
import type { LintRule, RouteProblem } from './lint-rules.ts';
import { loadSchemasWithComponents } from './schema-checks.ts';
import { HTTP_METHODS, type ComponentSchema, type RouteSchema } from './schema-files.ts';
import {
  resolvedServiceConfig,
  ServerlessConfigError,
  type FunctionConfig,
  type PrintOptions,
  type ServiceConfig,
} from './serverless-config.ts';
import { isRecord } from './json-values.ts';

/**
 * The join of the schema files with the routes Serverless resolved from serverless.yml: the
 * route table (`npm run routes`), the route lint (`npm run lint:routes`, CI), the OpenAPI writer,
 * the contract tests and the API Gateway model read routes through here. Only what Serverless
 * cannot know is checked here: which schema belongs to which route, path parameters, one route
 * per function, scopes declared, and that every route is behind our token authorizer with an
 * explicit TTL. Build-time only.
 */
export interface RouteRow {
  readonly method: string;
  /** `/users/{userId}`: the http event's path with a leading slash. */
  readonly path: string;
  /** The serverless.yml function that serves the route. */
  readonly function: string;
  /** The handler reference, e.g. `src/users/get-user.handler`. */
  readonly handler: string;
  readonly scopes: readonly string[];
  /** Relative to the project root; undefined when the route has no schema (a lint failure). */
  readonly schemaFile: string | undefined;
  /** Our TOKEN authorizer's function name; undefined when the route is not behind it. */
  readonly authorizer: string | undefined;
  /** `resultTtlInSeconds` as Serverless resolved it; undefined when not an explicit integer. */
  readonly authorizerTtl: number | undefined;
  /** `private: true`: API Gateway requires a usage plan API key (ApiKeyRequired). */
  readonly apiKeyRequired: boolean;
}

export interface RouteTable {
  readonly routes: readonly RouteRow[];
  readonly schemas: readonly RouteSchema[];
  /** The shared schemas of schemas/components/ the routes refer to. */
  readonly components: readonly ComponentSchema[];
  readonly problems: readonly RouteProblem[];
  /** What Serverless resolved; undefined when it could not (a problem says why). */
  readonly config: ServiceConfig | undefined;
}

/** The authorizer's settings as API Gateway keeps them (one set per authorizer). */
export interface AuthorizerSettings {
  readonly name: string;
  readonly type: string;
  readonly resultTtlInSeconds: unknown;
  readonly identitySource: string;
  readonly identityValidationExpression: string | undefined;
}

interface HttpEvent {
  readonly method: string;
  readonly path: string;
  readonly authorizer?: unknown;
  readonly private?: unknown;
}

const SERVERLESS_YML = 'serverless.yml';
// API Gateway's range for resultTtlInSeconds (0 turns the cache off).
const MAX_TTL = 3600;
/** The handler of our TOKEN authorizer: the only function a route may name as its authorizer. */
export const AUTHORIZER_HANDLER = 'src/authorizer/handler.handler';

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

/** Reads the schema files and asks Serverless for the resolved configuration, then joins them. */
export async function loadRouteTable(
  root: string,
  options: PrintOptions = {},
): Promise<RouteTable> {
  const problems: RouteProblem[] = [];
  const { schemas, components } = loadSchemasWithComponents(root, problems);
  let config: ServiceConfig;
  try {
    config = await resolvedServiceConfig(root, options);
  } catch (error) {
    if (!(error instanceof ServerlessConfigError)) throw error;
    problems.push({
      file: SERVERLESS_YML,
      code: 'serverless_config_unreadable',
      message: `Serverless cannot resolve it: ${error.message}`,
    });
    return { routes: [], schemas, components, problems, config: undefined };
  }
  const table = routeTableOf(config, schemas, components);
  return { ...table, problems: [...problems, ...table.problems] };
}

/** The route table of a resolved configuration and its schema files. Problems are data. */
export function routeTableOf(
  config: ServiceConfig,
  schemas: readonly RouteSchema[],
  components: readonly ComponentSchema[] = [],
): RouteTable {
  const problems: RouteProblem[] = [];
  const bySchemaRoute = new Map<string, RouteSchema[]>();
  for (const schema of schemas) {
    const key = routeKey(schema.method, schema.path);
    bySchemaRoute.set(key, [...(bySchemaRoute.get(key) ?? []), schema]);
  }
  for (const [key, claimed] of bySchemaRoute)
    if (claimed.length > 1)
      problems.push({
        file: claimed[1]!.file,
        code: 'duplicate_route',
        message: `declares "${key}", already declared by ${claimed[0]!.file}`,
      });

  const events = httpEventsOf(config.functions, problems);
  const eventKeys = new Set(events.map((e) => routeKey(e.http.method, e.http.path)));
  const unmatchedSchemas = schemas
    .filter((s) => !eventKeys.has(routeKey(s.method, s.path)))
    .map((s) => ({ method: s.method, path: s.path, where: s.file }));
  const unmatchedEvents = events
    .filter((e) => !bySchemaRoute.has(routeKey(e.http.method, e.http.path)))
    .map((e) => ({ ...e.http, where: `${SERVERLESS_YML} (function ${e.name})` }));

  const routes: RouteRow[] = [];
  const byAuthorizer = new Map<string, { where: string; settings: AuthorizerSettings }[]>();
  const seen = new Map<string, string>();
  for (const { name, fn, http } of events) {
    const key = routeKey(http.method, http.path);
    const where = `${SERVERLESS_YML} (function ${name}, ${key})`;
    if (seen.has(key))
      problems.push({
        file: where,
        code: 'duplicate_route',
        message: `the route is already served by function ${seen.get(key)}`,
      });
    seen.set(key, name);
    const schema = bySchemaRoute.get(key)?.[0];
    if (!(HTTP_METHODS as readonly string[]).includes(http.method))
      problems.push({ file: where, code: 'method_unsupported', message: unsupported(http.method) });
    else if (!schema)
      problems.push({
        file: where,
        code: 'route_without_schema',
        message: `no file in schemas/ has "x-route": "${key}"${nearMiss(http, unmatchedSchemas)}; add one that declares the route's x-scopes`,
      });
    const authorizer = authorizerOf(http.authorizer, config.functions);
    if (authorizer.problem) problems.push({ file: where, ...authorizer.problem });
    if (authorizer.settings)
      byAuthorizer.set(authorizer.settings.name, [
        ...(byAuthorizer.get(authorizer.settings.name) ?? []),
        { where: `function ${name}, ${key}`, settings: authorizer.settings },
      ]);
    routes.push({
      method: http.method,
      path: http.path,
      function: name,
      handler: typeof fn.handler === 'string' ? fn.handler : '',
      scopes: schema?.scopes ?? [],
      schemaFile: schema?.file,
      authorizer: authorizer.ours,
      authorizerTtl: authorizer.ours === undefined ? undefined : authorizer.ttl,
      apiKeyRequired: http.private === true,
    });
  }
  problems.push(
    ...authorizerDisagreements(byAuthorizer),
    ...sharedFunctions(events),
    ...functionRoleProblems(config.functions),
  );
  for (const schema of schemas)
    if (!seen.has(routeKey(schema.method, schema.path)))
      problems.push({
        file: schema.file,
        code: 'schema_without_route',
        message: `"x-route": "${schema.method} ${schema.path}" matches no http event in ${SERVERLESS_YML}${nearMiss(schema, unmatchedEvents)}`,
      });
  routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return { routes, schemas, components, problems, config };
}

/** The settings of the authorizer the routes share (the lint pins that they agree). */
export function authorizerSettingsOf(config: ServiceConfig): AuthorizerSettings | undefined {
  for (const { http } of httpEventsOf(config.functions, []))
    if (typeof http.authorizer === 'object' && http.authorizer !== null)
      return settingsOf(http.authorizer as Record<string, unknown>);
  return undefined;
}

/**
 * A handler is `routeHandler(route, fn)` for one schema file: its scope check and validation are
 * that route's. A second http event on the same function would run with the first route's scopes
 * (a DELETE checked for GET's `users:read`), so each function serves exactly one route.
 */
function sharedFunctions(events: readonly { name: string; http: HttpEvent }[]): RouteProblem[] {
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

/**
 * Every http event, and a problem for each other way a function is reachable over HTTP: those
 * would ship public, behind none of this service's authorizers.
 */
function httpEventsOf(
  functions: Readonly<Record<string, FunctionConfig>>,
  problems: RouteProblem[],
): { name: string; fn: FunctionConfig; http: HttpEvent }[] {
  const found: { name: string; fn: FunctionConfig; http: HttpEvent }[] = [];
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
    for (const event of fn.events ?? []) {
      for (const type of Object.keys(event).filter((t) => Object.hasOwn(OTHER_HTTP_EVENTS, t)))
        problems.push({
          file: where,
          code: 'exposed_outside_rest_api',
          message: `has a "${type}" event: ${OTHER_HTTP_EVENTS[type]} reaches the function without the REST API's token authorizer; expose routes only as http events`,
        });
      const http = httpEvent(event.http);
      if (http) found.push({ name, fn, http });
    }
  }
  return found;
}

function unsupported(method: string): string {
  return method === 'ANY'
    ? 'method "any" is not supported: each route has one schema with its own scopes, and an x-route names one method; declare one http event per method (GET, POST, ...)'
    : `method "${method}" is not supported; use one of ${HTTP_METHODS.join(', ')}`;
}

/** `{ method, path }` or the shorthand `GET users/{id}`; path with one leading slash, none trailing. */
function httpEvent(value: unknown): HttpEvent | undefined {
  if (typeof value === 'string') {
    const [method = '', path = ''] = value.trim().split(/\s+/);
    return { method: method.toUpperCase(), path: normalisePath(path) };
  }
  if (!isRecord(value)) return undefined;
  return {
    method: String(value.method ?? '').toUpperCase(),
    path: normalisePath(String(value.path ?? '')),
    authorizer: value.authorizer,
    private: value.private,
  };
}

// API Gateway resources have no trailing slash; Serverless deploys `things/{id}/` as `/things/{id}`.
const normalisePath = (path: string) => `/${path.replace(/^\/+/, '').replace(/\/$/, '')}`;

/**
 * Drift between serverless.yml and an x-route shows up as a route without schema plus a schema
 * without route; name the likely counterpart (same path with another method, or the same path
 * with other {param} names) so the message says what to align.
 */
function nearMiss(
  route: { method: string; path: string },
  candidates: readonly { method: string; path: string; where: string }[],
): string {
  const shape = (path: string) => path.replace(/\{[^}]*\}/g, '{}');
  const near = candidates.find(
    (c) =>
      c.path === route.path || (c.method === route.method && shape(c.path) === shape(route.path)),
  );
  return near ? ` (${near.where} has "${near.method} ${near.path}")` : '';
}
const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

interface AuthorizerOf {
  /** Set when the route is behind our TOKEN authorizer. */
  readonly ours?: string;
  /** The TTL when it is an explicit integer in API Gateway's range. */
  readonly ttl?: number;
  /** Set when the event names an authorizer by name, ours or not. */
  readonly settings?: AuthorizerSettings;
  readonly problem?: { readonly code: LintRule; readonly message: string };
}

const settingsOf = (spec: Record<string, unknown>): AuthorizerSettings => ({
  name: String(spec.name),
  type: spec.type === undefined ? 'token' : String(spec.type).toLowerCase(),
  resultTtlInSeconds: spec.resultTtlInSeconds,
  identitySource: String(spec.identitySource ?? 'method.request.header.Authorization'),
  identityValidationExpression:
    typeof spec.identityValidationExpression === 'string'
      ? spec.identityValidationExpression
      : undefined,
});

/**
 * The authorizer of an http event. It must be our TOKEN authorizer: a function of this service
 * whose handler is AUTHORIZER_HANDLER, named by the string form or `name:` (an `arn:` or an
 * `authorizerId:` makes Serverless call something else), with `type` absent or `token`, and an
 * explicit TTL: left unset, API Gateway caches for 300 s.
 */
function authorizerOf(
  value: unknown,
  functions: Readonly<Record<string, FunctionConfig>>,
): AuthorizerOf {
  if (value === undefined || value === null || value === false)
    return {
      problem: {
        code: 'authorizer_missing',
        message:
          'the http event has no authorizer: every route must sit behind the token authorizer',
      },
    };
  const spec: Record<string, unknown> =
    typeof value === 'string' ? { name: value } : isRecord(value) ? value : {};
  const name = spec.name;
  // Object.hasOwn, not `in`: `toString` is "in" every object.
  if (typeof name !== 'string' || !Object.hasOwn(functions, name))
    return {
      problem: {
        code: 'authorizer_missing',
        message: `the http event has no authorizer of this service (${JSON.stringify(name ?? value)} is not one of its functions): every route must sit behind the token authorizer`,
      },
    };
  const settings = settingsOf(spec);
  const notOurs = (why: string): AuthorizerOf => ({
    settings,
    problem: {
      code: 'authorizer_not_ours',
      message: `the authorizer ${why}: every route must sit behind the token authorizer (a function with handler ${AUTHORIZER_HANDLER}, type token)`,
    },
  });
  const handler = functions[name]!.handler;
  if (spec.arn !== undefined)
    return notOurs(`has an arn, so Serverless calls that Lambda instead of function ${name}`);
  if (spec.authorizerId !== undefined)
    return notOurs('has an authorizerId, so API Gateway uses that authorizer');
  if (settings.type !== 'token') return notOurs(`has type ${JSON.stringify(spec.type)}, not token`);
  if (handler !== AUTHORIZER_HANDLER)
    return notOurs(`is function ${name}, whose handler is ${JSON.stringify(handler ?? null)}`);
  const ttl = explicitTtl(settings.resultTtlInSeconds);
  if (ttl === undefined)
    return {
      ours: name,
      settings,
      problem: {
        code: 'authorizer_ttl_not_explicit',
        message: `the authorizer's resultTtlInSeconds resolves to ${JSON.stringify(settings.resultTtlInSeconds) ?? 'nothing'}: set an integer from 0 to ${MAX_TTL} (left unset, API Gateway caches for 300 s)`,
      },
    };
  return { ours: name, ttl, settings };
}

/** An integer 0–3600, written as a number or as a string of digits; anything else is not explicit. */
function explicitTtl(value: unknown): number | undefined {
  const ttl =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : undefined;
  return ttl !== undefined && Number.isInteger(ttl) && ttl >= 0 && ttl <= MAX_TTL ? ttl : undefined;
}

/**
 * API Gateway keeps one resultTtlInSeconds, type, identity source and validation expression per
 * authorizer, and Serverless writes the authorizer once per http event naming it, so one event's
 * settings win for every route: the routes of one authorizer must agree.
 */
function authorizerDisagreements(
  byAuthorizer: ReadonlyMap<string, readonly { where: string; settings: AuthorizerSettings }[]>,
): RouteProblem[] {
  const problems: RouteProblem[] = [];
  const keys = [
    'resultTtlInSeconds',
    'type',
    'identitySource',
    'identityValidationExpression',
  ] as const;
  for (const [name, uses] of byAuthorizer) {
    for (const key of keys) {
      const values = new Map<string, string[]>();
      for (const use of uses) {
        const shown = JSON.stringify(use.settings[key]) ?? 'unset';
        values.set(shown, [...(values.get(shown) ?? []), use.where]);
      }
      if (values.size > 1)
        problems.push({
          file: `${SERVERLESS_YML} (authorizer ${name})`,
          code: 'authorizer_settings_differ',
          message: `its routes disagree on ${key} (${[...values].map(([v, where]) => `${v}: ${where.join('; ')}`).join(' / ')}); API Gateway keeps one ${key} per authorizer, so give every route the same`,
        });
    }
  }
  return problems;
}
