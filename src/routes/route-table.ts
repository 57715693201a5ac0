import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import {
  createSchemaCompiler,
  parseRouteSchema,
  RouteSchemaError,
  type RouteSchema,
  type RouteSchemaProblem,
} from './route-schema.ts';

/**
 * The one place that joins serverless.yml's http events with the schema files: the route table
 * (`npm run routes`), the route lint (`npm run lint:routes`, CI), the OpenAPI writer and the
 * route contract test all read routes through here. Build-time only.
 */
export interface RouteRow {
  readonly method: string;
  /** `/users/{userId}`: serverless.yml's path with a leading slash. */
  readonly path: string;
  /** The serverless.yml function that serves the route. */
  readonly function: string;
  /** The handler reference, e.g. `src/users/get-user.handler`. */
  readonly handler: string;
  readonly scopes: readonly string[];
  /** Relative to the project root; undefined when the route has no schema (a lint failure). */
  readonly schemaFile: string | undefined;
  readonly authorizer: string | undefined;
  /** `resultTtlInSeconds` resolved against `params.default`; undefined when not set. */
  readonly authorizerTtl: number | undefined;
}

export type RouteProblemCode =
  | RouteSchemaProblem
  | 'serverless_yml_unreadable'
  | 'route_without_schema'
  | 'schema_without_route'
  | 'schema_invalid'
  | 'duplicate_route'
  | 'authorizer_missing'
  | 'authorizer_ttl_not_explicit';

export interface RouteProblem {
  readonly file: string;
  readonly code: RouteProblemCode;
  readonly message: string;
}

export interface RouteTable {
  readonly routes: readonly RouteRow[];
  readonly schemas: readonly RouteSchema[];
  readonly problems: readonly RouteProblem[];
}

interface HttpEvent {
  readonly method: string;
  readonly path: string;
  readonly authorizer?: unknown;
}

interface ServerlessFunction {
  readonly handler?: string;
  readonly events?: readonly Record<string, unknown>[];
}

interface ServerlessYml {
  readonly params?: { readonly default?: Record<string, unknown> };
  readonly functions?: Record<string, ServerlessFunction>;
}

const SERVERLESS_YML = 'serverless.yml';
// API Gateway's range for resultTtlInSeconds (0 turns the cache off).
const MAX_TTL = 3600;

export function readServerlessYml(root: string): ServerlessYml {
  // `merge: true` resolves `<<:` merge keys; plain aliases (`authorizer: *authorizer`) resolve
  // either way. Serverless variables other than `${param:...}` are left as written.
  return parse(readFileSync(join(root, SERVERLESS_YML), 'utf8'), { merge: true }) as ServerlessYml;
}

/**
 * Every http event of serverless.yml joined with its schema file by method and path, and every
 * problem found on the way. Never throws for a broken project: problems are data.
 */
export function loadRouteTable(root: string): RouteTable {
  const problems: RouteProblem[] = [];
  const schemas = loadSchemas(root, problems);
  let definition: ServerlessYml;
  try {
    definition = readServerlessYml(root);
  } catch (error) {
    problems.push({
      file: SERVERLESS_YML,
      code: 'serverless_yml_unreadable',
      message: `cannot be read (${(error as Error).message.split('\n')[0]})`,
    });
    return { routes: [], schemas, problems };
  }

  const functions = definition.functions ?? {};
  const bySchemaRoute = new Map<string, RouteSchema[]>();
  for (const schema of schemas) {
    const key = routeKey(schema.method, schema.path);
    bySchemaRoute.set(key, [...(bySchemaRoute.get(key) ?? []), schema]);
  }
  for (const [key, claimed] of bySchemaRoute) {
    if (claimed.length > 1)
      problems.push({
        file: claimed[1]!.file,
        code: 'duplicate_route',
        message: `declares "${key}", already declared by ${claimed[0]!.file}`,
      });
  }

  const events = Object.entries(functions).flatMap(([name, fn]) =>
    (fn.events ?? []).flatMap((event) => {
      const http = httpEvent(event.http);
      return http ? [{ name, fn, http }] : [];
    }),
  );
  const eventKeys = new Set(events.map((e) => routeKey(e.http.method, e.http.path)));
  const unmatchedSchemas = schemas
    .filter((s) => !eventKeys.has(routeKey(s.method, s.path)))
    .map((s) => ({ method: s.method, path: s.path, where: s.file }));
  const unmatchedEvents = events
    .filter((e) => !bySchemaRoute.has(routeKey(e.http.method, e.http.path)))
    .map((e) => ({ ...e.http, where: `${SERVERLESS_YML} (function ${e.name})` }));

  const routes: RouteRow[] = [];
  const seen = new Map<string, string>();
  for (const { name, fn, http } of events) {
    const key = routeKey(http.method, http.path);
    const where = `${SERVERLESS_YML} (function ${name}, ${key})`;
    if (seen.has(key)) {
      problems.push({
        file: where,
        code: 'duplicate_route',
        message: `the route is already served by function ${seen.get(key)}`,
      });
    }
    seen.set(key, name);
    const schema = bySchemaRoute.get(key)?.[0];
    if (!schema)
      problems.push({
        file: where,
        code: 'route_without_schema',
        message: `no file in schemas/ has "x-route": "${key}"${nearMiss(http, unmatchedSchemas)}; add one that declares the route's x-scopes`,
      });
    const { authorizer, ttl } = authorizerOf(http.authorizer, definition, functions);
    if (!authorizer)
      problems.push({
        file: where,
        code: 'authorizer_missing',
        message:
          'the http event has no authorizer: every route must sit behind the token authorizer',
      });
    else if (ttl === undefined)
      problems.push({
        file: where,
        code: 'authorizer_ttl_not_explicit',
        message: `the authorizer has no valid resultTtlInSeconds (0–${MAX_TTL}); left unset, API Gateway caches for 300 s`,
      });
    routes.push({
      method: http.method,
      path: http.path,
      function: name,
      handler: fn.handler ?? '',
      scopes: schema?.scopes ?? [],
      schemaFile: schema?.file,
      authorizer,
      authorizerTtl: ttl,
    });
  }
  for (const schema of schemas) {
    if (!seen.has(routeKey(schema.method, schema.path)))
      problems.push({
        file: schema.file,
        code: 'schema_without_route',
        message: `"x-route": "${schema.method} ${schema.path}" matches no http event in ${SERVERLESS_YML}${nearMiss(schema, unmatchedEvents)}`,
      });
  }
  routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return { routes, schemas, problems };
}

/** Schema files that parse, each compiled with ajv in strict mode; the rest become problems. */
function loadSchemas(root: string, problems: RouteProblem[]): RouteSchema[] {
  const dir = join(root, 'schemas');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const schemas: RouteSchema[] = [];
  for (const f of files.sort()) {
    const path = join(dir, f);
    try {
      const schema = parseRouteSchema(path, root);
      createSchemaCompiler().compile(schema.schema);
      schemas.push(schema);
    } catch (error) {
      if (error instanceof RouteSchemaError)
        problems.push({ file: error.file, code: error.code, message: stripFile(error) });
      else
        problems.push({
          file: relative(root, path),
          code: 'schema_invalid',
          message: `is not a valid JSON Schema in ajv strict mode: ${(error as Error).message}`,
        });
    }
  }
  return schemas;
}

const stripFile = (error: RouteSchemaError) => error.message.slice(error.file.length + 2);

/** `{ method, path }` or the shorthand `GET users/{id}`; path normalised with a leading slash. */
function httpEvent(value: unknown): HttpEvent | undefined {
  if (typeof value === 'string') {
    const [method = '', path = ''] = value.trim().split(/\s+/);
    return { method: method.toUpperCase(), path: normalisePath(path) };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const http = value as Record<string, unknown>;
  return {
    method: String(http.method ?? '').toUpperCase(),
    path: normalisePath(String(http.path ?? '')),
    authorizer: http.authorizer,
  };
}

const normalisePath = (path: string) => `/${path.replace(/^\/+/, '')}`;

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

/**
 * The authorizer of an http event: a name (string form or `name:`) that must be a function of
 * this service, and its TTL resolved against `params.default` (`${param:authorizerTtl}`).
 */
function authorizerOf(
  value: unknown,
  definition: ServerlessYml,
  functions: Record<string, ServerlessFunction>,
): { authorizer: string | undefined; ttl: number | undefined } {
  if (typeof value === 'string')
    return { authorizer: value in functions ? value : undefined, ttl: undefined };
  if (typeof value !== 'object' || value === null) return { authorizer: undefined, ttl: undefined };
  const spec = value as Record<string, unknown>;
  const name = typeof spec.name === 'string' && spec.name in functions ? spec.name : undefined;
  const raw = resolveParam(spec.resultTtlInSeconds, definition);
  const ttl =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw !== '' ? Number(raw) : NaN;
  return {
    authorizer: name,
    ttl: Number.isInteger(ttl) && ttl >= 0 && ttl <= MAX_TTL ? ttl : undefined,
  };
}

/** `${param:name}` or `${param:name, fallback}` against `params.default` (other stages vary). */
function resolveParam(value: unknown, definition: ServerlessYml): unknown {
  if (typeof value !== 'string') return value;
  const match = /^\$\{param:(\w+)(?:\s*,\s*(.*?))?\s*\}$/.exec(value.trim());
  if (!match) return value;
  const param = definition.params?.default?.[match[1]!];
  return param ?? match[2]?.replace(/^(['"])(.*)\1$/, '$2');
}
