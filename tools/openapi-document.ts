import { PROBLEM_TYPE_PREFIX, PROBLEMS } from '../src/shared/problems.ts';
import { pathParameterNames, type RouteSchema } from './schema-files.ts';
import type { RouteRow } from './route-table.ts';

/**
 * An OpenAPI 3.1 document generated from the route table and the schema files, so clients and
 * tools see exactly what the handlers enforce: paths and operations from the routes, parameters
 * and bodies from the event schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12, the dialect of
 * the schema files), an `oauth2` client-credentials scheme with each operation's scopes.
 */
export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  /** The auth server's token endpoint (client credentials). */
  readonly tokenUrl: string;
}

type Json = Record<string, unknown>;

// OpenAPI ignores header parameters with these names: they are described elsewhere
// (security scheme, requestBody content type).
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'accept']);

const PROBLEM_RESPONSE = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

export function buildOpenApiDocument(
  routes: readonly RouteRow[],
  schemas: readonly RouteSchema[],
  options: OpenApiOptions,
): Json {
  const schemaByFile = new Map(schemas.map((s) => [s.file, s]));
  const allScopes = [...new Set(routes.flatMap((r) => r.scopes))].sort();
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const schema = route.schemaFile ? schemaByFile.get(route.schemaFile) : undefined;
    if (!schema) continue;
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = operation(route, schema, routes);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      ...(options.description ? { description: options.description } : {}),
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
        variables: {
          apiId: { default: 'abc123defg', description: 'The REST API id `sls deploy` prints' },
          region: { default: 'eu-west-1' },
          stage: { default: 'dev' },
        },
      },
    ],
    security: [{ oauth2: [] }],
    paths,
    components: {
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description:
            'Bearer JWT access tokens from the auth server. The gateway authorizer authenticates the token; each operation checks its own scopes (all of them).',
          flows: {
            clientCredentials: {
              tokenUrl: options.tokenUrl,
              scopes: Object.fromEntries(allScopes.map((s) => [s, scopeDescription(s, routes)])),
            },
          },
        },
      },
      schemas: { Problem: problemSchema() },
    },
  };
}

function operation(route: RouteRow, schema: RouteSchema, routes: readonly RouteRow[]): Json {
  const event = schema.schema;
  const properties = (event.properties ?? {}) as Record<string, Json>;
  const required = new Set((event.required as string[] | undefined) ?? []);
  const pathNames = pathParameterNames(route.path);
  const parameters = [
    ...pathParameters(pathNames, properties.pathParameters),
    ...parametersOf(properties.queryStringParameters, 'query'),
    ...parametersOf(properties.headers, 'header'),
  ];
  const body = properties.body;
  const created = route.method === 'POST' ? createdItemPath(route, routes) : undefined;
  const responses: Record<string, unknown> = {
    [successStatus(route.method)]:
      route.method === 'DELETE'
        ? { description: 'Done; no content' }
        : {
            description: created ? 'Created' : 'Success',
            ...(created
              ? {
                  headers: {
                    Location: {
                      description: `The created resource, ${created}`,
                      schema: { type: 'string', format: 'uri-reference' },
                    },
                  },
                }
              : {}),
            content: { 'application/json': { schema: {} } },
          },
    '400': PROBLEM_RESPONSE(
      'The request does not match the route schema (invalid_request, malformed_json)',
    ),
    '401': PROBLEM_RESPONSE('No valid bearer token (invalid_token); WWW-Authenticate: Bearer'),
    '403': PROBLEM_RESPONSE(
      route.scopes.length
        ? `The token lacks a required scope (insufficient_scope): ${route.scopes.join(', ')}`
        : 'Refused by the gateway (access_denied)',
    ),
    // A route with a path parameter names one resource, which may not exist.
    ...(pathNames.length
      ? {
          '404': PROBLEM_RESPONSE(
            `No resource with this ${pathNames.map((n) => `{${n}}`).join(', ')} (not_found)`,
          ),
        }
      : {}),
    // API Gateway REST refuses a payload over 10 MB before any Lambda runs: REQUEST_TOO_LARGE,
    // which our DEFAULT_4XX gateway response renders as gateway_error.
    ...(body
      ? {
          '413': PROBLEM_RESPONSE(
            'The body is over the 10 MB API Gateway accepts (gateway_error, responseType REQUEST_TOO_LARGE)',
          ),
          '415': PROBLEM_RESPONSE('The body is not application/json'),
        }
      : {}),
    '500': PROBLEM_RESPONSE(
      'Unexpected error, or the token could not be checked (authorizer_error)',
    ),
  };
  return {
    operationId: route.function,
    ...(typeof event.title === 'string' ? { summary: event.title } : {}),
    ...(typeof event.description === 'string' ? { description: event.description } : {}),
    'x-scopes': route.scopes,
    security: [{ oauth2: [...route.scopes] }],
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: required.has('body'),
            content: { 'application/json': { schema: stripMeta(body) } },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The rule for `Location` on a 201: a POST to a collection (`/users`) whose route table also has
 * `GET /users/{param}` creates an item it can be read back from, so the answer says where. The
 * handler must set it (src/users/create-user.ts does); the document only follows the routes.
 */
function createdItemPath(route: RouteRow, routes: readonly RouteRow[]): string | undefined {
  const prefix = route.path === '/' ? '/' : `${route.path}/`;
  return routes.find(
    (r) =>
      r.method === 'GET' &&
      r.path.startsWith(prefix) &&
      /^\{[^}/+]+\}$/.test(r.path.slice(prefix.length)),
  )?.path;
}

/**
 * One parameter per `{name}` of the route's template: those are exactly what API Gateway sends
 * (the route lint checks the schema declares the same names), with the schema's constraints.
 */
function pathParameters(names: readonly string[], container: Json | undefined): Json[] {
  const properties = (container?.properties ?? {}) as Record<string, Json>;
  return names.map((name) => parameter(name, 'path', true, properties[name] ?? { type: 'string' }));
}

function parametersOf(container: Json | undefined, location: 'query' | 'header'): Json[] {
  const properties = (container?.properties ?? {}) as Record<string, Json>;
  const required = new Set((container?.required as string[] | undefined) ?? []);
  return Object.entries(properties)
    .filter(([name]) => location !== 'header' || !RESERVED_HEADERS.has(name.toLowerCase()))
    .map(([name, schema]) => parameter(name, location, required.has(name), schema));
}

/** An OpenAPI parameter from one property of the event schema (its description lifted out). */
function parameter(
  name: string,
  location: 'path' | 'query' | 'header',
  required: boolean,
  { description, ...schema }: Json,
): Json {
  return {
    name,
    in: location,
    required,
    ...(typeof description === 'string' ? { description } : {}),
    schema: stripMeta(schema),
  };
}

/**
 * OpenAPI path templating has no greedy parameter: API Gateway's `{key+}` is written `{key}`
 * (the value may still hold slashes).
 */
const openApiPath = (path: string) => path.replace(/\{([^}]+)\+\}/g, '{$1}');

/** The route metadata keys belong to the schema file, not to the published schema. */
function stripMeta(schema: Json): Json {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !META_KEYS.has(key)));
}
const META_KEYS = new Set(['$schema', '$id', 'x-route', 'x-scopes']);

const successStatus = (method: string) =>
  method === 'POST' ? '201' : method === 'DELETE' ? '204' : '200';

function scopeDescription(scope: string, routes: readonly RouteRow[]): string {
  const using = routes.filter((r) => r.scopes.includes(scope)).map((r) => `${r.method} ${r.path}`);
  return `Required by ${using.join(', ')}`;
}

function problemSchema(): Json {
  return {
    type: 'object',
    description: 'RFC 9457 problem details. Switch on `code` (or `type`), never on `title`.',
    required: ['type', 'title', 'code'],
    properties: {
      type: { type: 'string', description: `${PROBLEM_TYPE_PREFIX}<code>` },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: {
        type: 'string',
        enum: Object.keys(PROBLEMS),
      },
      detail: { type: 'string' },
      error: {
        type: 'string',
        enum: ['invalid_token', 'insufficient_scope'],
        description: 'RFC 6750 error code (401, 403)',
      },
      scope: { type: 'string', description: 'RFC 6750: the scopes the route requires (403)' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
      requestId: { type: 'string' },
    },
  };
}
