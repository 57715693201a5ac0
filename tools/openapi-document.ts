import { PROBLEM_TYPE_PREFIX, PROBLEMS, type ProblemCode } from '../src/shared/problems.ts';
import { LOCAL_API_URL } from './local-endpoints.ts';
import type { RouteRow } from './route-table.ts';
import {
  OPENAPI_KEY,
  pathParameterNames,
  problemComponent,
  type ApiDescription,
  type ComponentSchema,
  type ResponseSpec,
  type RouteSchema,
} from './schema-files.ts';
import { isRecord } from './json-values.ts';

/**
 * An OpenAPI 3.1 document generated from the route table and the schema files, so clients and
 * tools see exactly what the handlers enforce and answer: paths and operations from the routes,
 * parameters and bodies from the event schemas, responses from `x-responses` (OpenAPI 3.1
 * schemas are JSON Schema 2020-12, the dialect of the schema files), the shared schemas as named
 * components, an `oauth2` client-credentials scheme with each operation's scopes, and on every
 * operation the answers API Gateway gives on its own (401, 403, 429, 500, 502, 504).
 */
export interface OpenApiOptions {
  readonly version: string;
  /** The auth server's token endpoint (client credentials). */
  readonly tokenUrl: string;
  /** The local stack's API, listed beside the AWS template (default: `npm start`'s). */
  readonly localApiUrl?: string;
  readonly api: ApiDescription;
}

type Json = Record<string, unknown>;

// OpenAPI ignores header parameters with these names: they are described elsewhere
// (security scheme, requestBody content type).
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'accept']);
const PROBLEM_JSON = 'application/problem+json';

/**
 * What API Gateway answers on its own for any operation, whatever the route declares: the
 * gateway responses of serverless.yml (src/shared/problems.ts), its throttling (THROTTLED,
 * QUOTA_EXCEEDED) and its integration failures, rendered by DEFAULT_4XX / DEFAULT_5XX as
 * `gateway_error`.
 */
const GATEWAY_ANSWERS: Readonly<Record<string, { codes: ProblemCode[]; when: string }>> = {
  '401': {
    codes: ['invalid_token'],
    when: 'the gateway refused the bearer token (missing, malformed or not valid: layer 1)',
  },
  '403': {
    codes: ['access_denied'],
    when: "the gateway refused the request: the authorizer's policy did not cover it",
  },
  '429': {
    codes: ['throttled', 'quota_exceeded'],
    when: 'throttled by the gateway (its THROTTLED or QUOTA_EXCEEDED response): over the usage plan’s rate or the stage’s (`throttled`), or over the plan’s quota for the period (`quota_exceeded`); no Retry-After, back off and retry',
  },
  '500': {
    codes: ['authorizer_error'],
    when: 'the token could not be checked right now (an auth server outage); retry shortly',
  },
  '502': {
    codes: ['gateway_error'],
    when: 'the function failed (`responseType` INTEGRATION_FAILURE)',
  },
  '504': {
    codes: ['gateway_error'],
    when: 'the function did not answer in time (`responseType` INTEGRATION_TIMEOUT)',
  },
};

export function buildOpenApiDocument(
  routes: readonly RouteRow[],
  schemas: readonly RouteSchema[],
  components: readonly ComponentSchema[],
  options: OpenApiOptions,
): Json {
  const schemaByFile = new Map(schemas.map((s) => [s.file, s]));
  const examples = new Map(
    [...components, problemComponent()].map((c) => [
      c.name,
      Array.isArray(c.schema.examples) ? c.schema.examples[0] : undefined,
    ]),
  );
  const allScopes = [...new Set(routes.flatMap((r) => r.scopes))].sort();
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const schema = route.schemaFile ? schemaByFile.get(route.schemaFile) : undefined;
    if (!schema) continue;
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = operation(route, schema, examples);
  }
  return {
    openapi: '3.1.0',
    info: { ...options.api.info, version: options.version },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'Deployed with `sls deploy`',
        variables: {
          apiId: { default: 'abc123defg', description: 'The REST API id `sls deploy` prints' },
          region: { default: 'eu-west-1' },
          stage: { default: 'dev' },
        },
      },
      { url: options.localApiUrl ?? LOCAL_API_URL, description: 'The local stack (`npm start`)' },
    ],
    tags: options.api.tags,
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
      schemas: Object.fromEntries(
        [...components, problemComponent()].map((c) => [c.name, published(c.schema)]),
      ),
    },
  };
}

function operation(
  route: RouteRow,
  schema: RouteSchema,
  examples: ReadonlyMap<string, unknown>,
): Json {
  const event = schema.schema;
  const properties = (event.properties ?? {}) as Record<string, Json>;
  const required = new Set((event.required as string[] | undefined) ?? []);
  const query = properties.queryStringParameters;
  const parameters = [
    ...pathParameters(pathParameterNames(route.path), properties.pathParameters),
    ...parametersOf(query, 'query'),
    ...parametersOf(properties.headers, 'header'),
  ];
  const body = properties.body;
  const notes = [
    typeof event.description === 'string' ? event.description : undefined,
    route.scopes.length
      ? `Needs the scope${route.scopes.length > 1 ? 's' : ''} ${route.scopes.map((s) => `\`${s}\``).join(', ')} (all of them).`
      : 'Any authenticated caller.',
    query?.additionalProperties === false
      ? 'Unknown query parameters are refused (400 `invalid_request`).'
      : undefined,
  ].filter(Boolean);
  return {
    operationId: route.function,
    ...(typeof event.title === 'string' ? { summary: event.title } : {}),
    description: notes.join(' '),
    ...(schema.tags.length ? { tags: [...schema.tags] } : {}),
    'x-scopes': route.scopes,
    security: [{ oauth2: [...route.scopes] }],
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: required.has('body'),
            content: {
              'application/json': withExample({ schema: published(body) }, body, examples),
            },
          },
        }
      : {}),
    responses: responsesOf(route, schema, examples),
  };
}

/** The route's own answers (`x-responses`), with the gateway's on top. */
function responsesOf(
  route: RouteRow,
  schema: RouteSchema,
  examples: ReadonlyMap<string, unknown>,
): Record<string, Json> {
  const statuses = [
    ...new Set([...Object.keys(schema.responses), ...Object.keys(GATEWAY_ANSWERS)]),
  ];
  return Object.fromEntries(
    statuses
      .sort()
      .map((status) => [status, response(status, schema.responses[status], route, examples)]),
  );
}

function response(
  status: string,
  spec: ResponseSpec | undefined,
  route: RouteRow,
  examples: ReadonlyMap<string, unknown>,
): Json {
  const gateway = GATEWAY_ANSWERS[status];
  const isProblem = !spec || isProblemRef(spec.content);
  if (!isProblem) {
    const content = spec!.content;
    const name = refName(content);
    return {
      description: spec!.description ?? (name ? `${name}` : `Success (${status})`),
      ...(spec!.headers ? { headers: headersOf(spec!.headers) } : {}),
      ...(content
        ? {
            content: {
              'application/json': withExample({ schema: published(content) }, content, examples),
            },
          }
        : {}),
    };
  }
  const codes = [
    ...(spec ? routeCodes(status, route) : []),
    ...(gateway?.codes ?? []).filter((code) => !(spec && routeCodes(status, route).includes(code))),
  ];
  const parts = [
    ...(spec ? routeCodes(status, route).map((code) => `\`${code}\`: ${PROBLEMS[code].when}`) : []),
    ...(gateway ? [`${gateway.codes.map((c) => `\`${c}\``).join(', ')}: ${gateway.when}`] : []),
  ];
  return {
    description: spec?.description ?? parts.join('. '),
    ...(status === '401'
      ? {
          headers: {
            'WWW-Authenticate': {
              description:
                'A Bearer challenge (RFC 6750). From a route, the gateway renames it X-Amzn-Remapped-WWW-Authenticate: read `error` in the body.',
              schema: { type: 'string' },
            },
          },
        }
      : {}),
    content: {
      [PROBLEM_JSON]: {
        schema: { $ref: '#/components/schemas/Problem' },
        example: problemExample(Number(status), codes[0] ?? 'gateway_error'),
      },
    },
  };
}

/** The catalogue codes this route's own chain (or function) answers with this status. */
function routeCodes(status: string, route: RouteRow): ProblemCode[] {
  const gatewayOnly: ProblemCode[] = [
    'access_denied',
    'authorizer_error',
    'gateway_error',
    'throttled',
    'quota_exceeded',
  ];
  return (Object.keys(PROBLEMS) as ProblemCode[]).filter(
    (code) =>
      String(PROBLEMS[code].status) === status &&
      !gatewayOnly.includes(code) &&
      !(code === 'insufficient_scope' && route.scopes.length === 0) &&
      code !== 'bad_request',
  );
}

function problemExample(status: number, code: ProblemCode): Json {
  return {
    type: `${PROBLEM_TYPE_PREFIX}${code}`,
    title: PROBLEMS[code].title,
    ...(PROBLEMS[code].status === undefined
      ? { responseType: responseTypeOf(status) }
      : { status }),
    code,
    detail: PROBLEMS[code].when.replace(/`/g, ''),
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  };
}

const responseTypeOf = (status: number) =>
  status === 429 ? 'THROTTLED' : status === 504 ? 'INTEGRATION_TIMEOUT' : 'INTEGRATION_FAILURE';

function headersOf(headers: NonNullable<ResponseSpec['headers']>): Json {
  return Object.fromEntries(
    Object.entries(headers).map(([name, header]) => [
      name,
      {
        ...(header.description ? { description: header.description } : {}),
        ...(header.required ? { required: true } : {}),
        schema: header.schema ? published(header.schema) : { type: 'string' },
      },
    ]),
  );
}

/**
 * A media type object with the example of the component its schema names, or of the schema
 * itself when it is written in place (its first `examples`), if it has one.
 */
function withExample(media: Json, schema: unknown, examples: ReadonlyMap<string, unknown>): Json {
  const name = refName(schema);
  const example = name
    ? examples.get(name)
    : isRecord(schema) && Array.isArray(schema.examples)
      ? schema.examples[0]
      : undefined;
  return example === undefined ? media : { ...media, example };
}

const refName = (schema: unknown) =>
  isRecord(schema) && typeof schema.$ref === 'string' ? schema.$ref : undefined;
const isProblemRef = (schema: unknown) => refName(schema) === 'Problem';

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

/**
 * An OpenAPI parameter from one property of the event schema: its description lifted out, and
 * its `x-openapi` view when it has one (a string to API Gateway, an integer to a client).
 */
function parameter(
  name: string,
  location: 'path' | 'query' | 'header',
  required: boolean,
  { description, [OPENAPI_KEY]: view, ...schema }: Json,
): Json {
  const described = typeof description === 'string' ? description : undefined;
  return {
    name,
    in: location,
    required,
    ...(described ? { description: described } : {}),
    schema: published(isRecord(view) ? view : schema),
  };
}

/**
 * OpenAPI path templating has no greedy parameter: API Gateway's `{key+}` is written `{key}`
 * (the value may still hold slashes).
 */
const openApiPath = (path: string) => path.replace(/\{([^}]+)\+\}/g, '{$1}');

/**
 * A schema as the document publishes it: `{ "$ref": "User" }` becomes a reference to the named
 * component, and the schema file's own keys (`$schema`, `$id`, `x-…`) stay behind.
 */
function published(schema: unknown): Json {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (!isRecord(value)) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !META_KEYS.has(key) && !key.startsWith('x-'))
        .map(([key, child]) => [
          key,
          key === '$ref' && typeof child === 'string' && !child.startsWith('#')
            ? `#/components/schemas/${child}`
            : key === 'examples' || key === 'default' || key === 'enum'
              ? child
              : walk(child),
        ]),
    );
  };
  return walk(schema) as Json;
}
const META_KEYS = new Set(['$schema', '$id', '$comment']);

function scopeDescription(scope: string, routes: readonly RouteRow[]): string {
  const using = routes.filter((r) => r.scopes.includes(scope)).map((r) => `${r.method} ${r.path}`);
  return `Required by ${using.join(', ')}`;
}
