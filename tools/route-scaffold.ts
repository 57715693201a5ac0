import { posix } from 'node:path';
import { isScopeToken } from '../src/shared/scopes.ts';
import {
  pathParameterNames,
  ROUTE_PATTERN,
  type ApiDescription,
  type ComponentSchema,
} from './schema-files.ts';

/**
 * What `npm run route:new` writes for one route, decided from the route alone: the names (schema
 * file, module, function, role), the schema file (x-route, x-scopes, every status the chain can
 * answer, shared schemas for path parameters where one is named after them, an example request)
 * and the route function, a placeholder that answers 501 until it is written. Pure: the CLI
 * (tools/route-new.ts) checks for clashes and writes the files. Build-time only.
 */
export interface ScaffoldRequest {
  /** `"GET /users/{userId}/audit"`; the method in any case. */
  readonly route: string;
  readonly scopes: readonly string[];
  /** `x-scopes: []` on purpose: any authenticated caller (never the default). */
  readonly anyCaller?: boolean;
  /** The schema file's and module's base name (default from the route: `get-user-audit`). */
  readonly name?: string;
  /** The folder under src/ (default: the first path segment, `users`). */
  readonly area?: string;
}

export interface ScaffoldPlan {
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
  /** `get-user-audit`: schemas/<name>.json, src/<area>/<name>.ts, src/generated/routes/<name>.js. */
  readonly name: string;
  /** The serverless.yml function: `getUserAudit`. */
  readonly functionName: string;
  /** Its own IAM role's logical id: `GetUserAuditRole`. */
  readonly roleName: string;
  readonly schemaFile: string;
  readonly handlerFile: string;
  /** The handler reference serverless.yml names: `src/users/get-user-audit.handler`. */
  readonly handler: string;
  readonly schema: Record<string, unknown>;
  readonly handlerSource: string;
  /** The OpenAPI tag; `added` when schemas/api.json must declare it. */
  readonly tag?: { readonly name: string; readonly description: string; readonly added: boolean };
}

export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

const VERBS: Readonly<Record<string, string>> = {
  GET: 'get',
  HEAD: 'head',
  POST: 'create',
  PUT: 'put',
  PATCH: 'update',
  DELETE: 'delete',
};
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PROBLEM = { content: { $ref: 'Problem' } };

/** Parses and checks the request; every refusal says what to write instead. */
export function parseRoute(route: string): { method: string; path: string } {
  const [rawMethod = '', path = '', ...rest] = route.trim().split(/\s+/);
  const method = rawMethod.toUpperCase();
  if (rest.length || !ROUTE_PATTERN.test(`${method} ${path}`))
    throw new ScaffoldError(
      `"${route}" is not a route: write "METHOD /path/{param}", e.g. "GET /users/{userId}/audit"`,
    );
  if (method === 'OPTIONS')
    throw new ScaffoldError(
      'OPTIONS is the CORS preflight, answered by API Gateway for every resource: choose another method',
    );
  const greedy = path.split('/').findIndex((segment) => segment.endsWith('+}'));
  if (greedy !== -1 && greedy !== path.split('/').length - 1)
    throw new ScaffoldError(`${path}: a greedy {name+} parameter can only be the last segment`);
  const names = pathParameterNames(path);
  if (new Set(names).size !== names.length)
    throw new ScaffoldError(`${path} names a path parameter twice`);
  return { method, path };
}

export function planScaffold(
  request: ScaffoldRequest,
  { components, api }: { components: readonly ComponentSchema[]; api: ApiDescription },
): ScaffoldPlan {
  const { method, path } = parseRoute(request.route);
  const scopes = [...new Set(request.scopes)];
  if (!scopes.length && !request.anyCaller)
    throw new ScaffoldError(
      'name the scopes the route needs with --scope (all of them are required), or say --any-caller to let any authenticated caller in on purpose',
    );
  if (scopes.length && request.anyCaller)
    throw new ScaffoldError('--any-caller and --scope exclude each other');
  for (const scope of scopes)
    if (!isScopeToken(scope))
      throw new ScaffoldError(`--scope "${scope}" is not a scope name (RFC 6749: no spaces)`);

  const literals = literalWords(path);
  // POST /users creates one user: create-user.
  if (method === 'POST') literals.push(singular(literals.pop()!));
  const name = request.name ?? [VERBS[method]!, ...literals].join('-');
  if (!NAME.test(name))
    throw new ScaffoldError(`--name "${name}" must be kebab-case (a-z, 0-9, single dashes)`);
  const words = name.split('-');
  const functionName = words.map((w, i) => (i ? capitalise(w) : w)).join('');
  const area = request.area ?? firstLiteral(path) ?? 'routes';
  if (!/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/.test(area))
    throw new ScaffoldError(`--area "${area}" must be a folder name under src/ (a-z, 0-9, -)`);
  const schemaFile = `schemas/${name}.json`;
  const handlerFile = `src/${area}/${name}.ts`;
  const tag = tagFor(path, api);
  const title = `${capitalise(words[0]!)} ${words.slice(1).join(' ')}`.trim();
  return {
    method,
    path,
    scopes,
    name,
    functionName,
    roleName: `${capitalise(functionName)}Role`,
    schemaFile,
    handlerFile,
    handler: `src/${area}/${name}.handler`,
    schema: routeSchema({ method, path, scopes, title, tag: tag?.name, components }),
    handlerSource: handlerSource({ method, path, scopes, name, handlerFile }),
    ...(tag ? { tag } : {}),
  };
}

/** The schema file: every part of the request the route reads, closed, with an example. */
function routeSchema({
  method,
  path,
  scopes,
  title,
  tag,
  components,
}: {
  method: string;
  path: string;
  scopes: readonly string[];
  title: string;
  tag: string | undefined;
  components: readonly ComponentSchema[];
}): Record<string, unknown> {
  const parameters = pathParameterNames(path);
  const hasBody = BODY_METHODS.has(method);
  const success = method === 'POST' ? '201' : method === 'DELETE' ? '204' : '200';
  const withContent = success !== '204' && method !== 'HEAD';
  const byName = new Map(components.map((c) => [c.name, c.schema]));
  const parameterSchema = (parameter: string) =>
    byName.has(capitalise(parameter))
      ? { $ref: capitalise(parameter) }
      : { type: 'string', minLength: 1, maxLength: 200 };
  const exampleOf = (parameter: string) => {
    const examples = byName.get(capitalise(parameter))?.examples;
    return Array.isArray(examples) && typeof examples[0] === 'string' ? examples[0] : 'example';
  };
  const responses: Record<string, unknown> = {
    [success]: withContent
      ? {
          description: 'What the route answers: describe the body here, or name a shared schema.',
          content: { type: 'object', additionalProperties: false, properties: {}, examples: [{}] },
        }
      : { description: 'Done; no content.' },
    '400': PROBLEM,
    '401': PROBLEM,
    ...(scopes.length ? { '403': PROBLEM } : {}),
    ...(parameters.length ? { '404': PROBLEM } : {}),
    ...(hasBody ? { '413': PROBLEM, '415': PROBLEM } : {}),
    '500': PROBLEM,
    '501': {
      description:
        "`not_implemented`: the route's function is still the placeholder npm run route:new wrote. Remove this once it is written.",
      content: { $ref: 'Problem' },
    },
  };
  const example = {
    ...(parameters.length
      ? { pathParameters: Object.fromEntries(parameters.map((p) => [p, exampleOf(p)])) }
      : {}),
    ...(hasBody ? { body: {} } : {}),
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $comment:
      'Written by npm run route:new. Yours to finish: the title and description; the request parts the route reads (pathParameters, queryStringParameters, headers, body) and an example request under "examples" that its function answers; the success body under "x-responses" (a $ref to schemas/components/ where one fits); remove 501 once the function is written. Then npm run schemas.',
    title,
    description: `${method} ${path}: say here what it does and answers (the OpenAPI document and the reference page show it).`,
    'x-route': `${method} ${path}`,
    'x-scopes': [...scopes],
    ...(tag ? { 'x-tags': [tag] } : {}),
    'x-responses': responses,
    type: 'object',
    required: [...(parameters.length ? ['pathParameters'] : []), ...(hasBody ? ['body'] : [])],
    properties: {
      ...(parameters.length
        ? {
            pathParameters: {
              type: 'object',
              required: parameters,
              properties: Object.fromEntries(parameters.map((p) => [p, parameterSchema(p)])),
            },
          }
        : {}),
      // Unknown query parameters are refused (400) rather than ignored: a client that sends one
      // believes it does something.
      queryStringParameters: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: {},
      },
      ...(hasBody ? { body: { type: 'object', additionalProperties: false, properties: {} } } : {}),
    },
    examples: [example],
  };
}

/** The route function: a placeholder that typechecks, passes the lint and answers 501. */
function handlerSource({
  method,
  path,
  scopes,
  name,
  handlerFile,
}: {
  method: string;
  path: string;
  scopes: readonly string[];
  name: string;
  handlerFile: string;
}): string {
  const src = (to: string) => {
    const relative = posix.relative(posix.dirname(handlerFile), `src/${to}`);
    return relative.startsWith('.') ? relative : `./${relative}`;
  };
  const needs = scopes.length
    ? scopes.map((s) => `\`${s}\``).join(', ')
    : 'any authenticated caller';
  return `import route from '${src(`generated/routes/${name}.js`)}';
import { HttpProblem } from '${src('shared/problems.ts')}';
import { routeHandler } from '${src('route-chain/route-handler.ts')}';

/** ${method} ${path} (${needs}). */
export const handler = routeHandler(route, async (_event, _caller) => {
  // TODO: write this route's function, in place of this placeholder (npm run route:new).
  // _event: the request as its schema file describes it, validated and typed:
  //   schemas/${name}.json
  // _caller: who the token says is calling (sub, scopes, clientId, iss).
  // Answer as the schema's x-responses declares, e.g. json(200, …) from route-chain/respond.ts;
  // then remove 501 from x-responses.
  throw new HttpProblem('not_implemented', '${method} ${path} is not implemented yet');
});
`;
}

/** The words of a name: literal segments, a collection before its `{id}` made singular. */
function literalWords(path: string): string[] {
  const segments = path.split('/').filter(Boolean);
  const words = segments.flatMap((segment, i) => {
    if (segment.startsWith('{')) return [];
    const next = segments[i + 1];
    const word = next?.startsWith('{') ? singular(segment) : segment;
    return [
      word
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, ''),
    ];
  });
  return words.filter(Boolean).length ? words.filter(Boolean) : ['root'];
}

function singular(word: string): string {
  if (/ies$/i.test(word)) return word.replace(/ies$/i, 'y');
  if (/(ss|x|ch|sh)es$/i.test(word)) return word.replace(/es$/i, '');
  if (/[^s]s$/i.test(word)) return word.slice(0, -1);
  return word;
}

function firstLiteral(path: string): string | undefined {
  const segment = path.split('/').find((s) => s && !s.startsWith('{'));
  return segment?.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
}

/** The API's tag for the route's first segment (`Users` for /users/…), declared if new. */
function tagFor(path: string, api: ApiDescription): ScaffoldPlan['tag'] {
  const first = firstLiteral(path);
  if (!first) return undefined;
  const existing = api.tags.find((t) => [first, singular(first)].includes(t.name.toLowerCase()));
  if (existing) return { name: existing.name, description: existing.description, added: false };
  return {
    name: capitalise(first),
    description: `The /${first} routes.`,
    added: true,
  };
}

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
