import { functionRoleProblems } from './function-roles.ts';
import { exposureProblems, sharedFunctions } from './function-exposure.ts';
import { httpEventsOf, routeKey, SERVERLESS_YML } from './http-events.ts';
import type { RouteProblem } from './lint-rules.ts';
import {
  authorizerDisagreements,
  authorizerOf,
  settingsOf,
  type AuthorizerSettings,
  type AuthorizerUse,
} from './route-authorizer.ts';
import { loadSchemasWithComponents } from './schema-checks.ts';
import { HTTP_METHODS, type ComponentSchema, type RouteSchema } from './schema-files.ts';
import {
  resolvedServiceConfig,
  ServerlessConfigError,
  type PrintOptions,
  type ServiceConfig,
} from './serverless-config.ts';

/**
 * The join of the schema files with the routes Serverless resolved from serverless.yml: the
 * route table (`npm run routes`), the route lint (`npm run lint:routes`, CI), the OpenAPI writer,
 * the contract tests and the API Gateway model read routes through here. The join pairs each
 * http event with the one schema file of its route; what the lint checks of serverless.yml
 * beyond that pairing is in function-exposure.ts (only http events, one route per function),
 * route-authorizer.ts (every route behind our token authorizer with an explicit TTL) and
 * function-roles.ts (a role per function). Build-time only.
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

  problems.push(...exposureProblems(config.functions));
  const events = httpEventsOf(config.functions);
  const eventKeys = new Set(events.map((e) => routeKey(e.http.method, e.http.path)));
  const unmatchedSchemas = schemas
    .filter((s) => !eventKeys.has(routeKey(s.method, s.path)))
    .map((s) => ({ method: s.method, path: s.path, where: s.file }));
  const unmatchedEvents = events
    .filter((e) => !bySchemaRoute.has(routeKey(e.http.method, e.http.path)))
    .map((e) => ({ ...e.http, where: `${SERVERLESS_YML} (function ${e.name})` }));

  const routes: RouteRow[] = [];
  const authorizerUses: AuthorizerUse[] = [];
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
      authorizerUses.push({ where: `function ${name}, ${key}`, settings: authorizer.settings });
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
    ...authorizerDisagreements(authorizerUses),
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
  for (const { http } of httpEventsOf(config.functions))
    if (typeof http.authorizer === 'object' && http.authorizer !== null)
      return settingsOf(http.authorizer as Record<string, unknown>);
  return undefined;
}

function unsupported(method: string): string {
  return method === 'ANY'
    ? 'method "any" is not supported: each route has one schema with its own scopes, and an x-route names one method; declare one http event per method (GET, POST, ...)'
    : `method "${method}" is not supported; use one of ${HTTP_METHODS.join(', ')}`;
}

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
