import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { matchRoute } from './route-matcher.ts';
import {
  createSchemaCompiler,
  loadComponents,
  loadRouteSchemas,
  type RouteSchema,
} from './schema-files.ts';

/**
 * The response half of the contract, checked: every answer a route gives must be one its schema
 * file declares (`x-responses`), with a body its schema accepts, the headers it says are required,
 * and the media type that goes with it. The tests run every response they see through here;
 * production pays nothing (the route chain never loads it). Build-time and test-time only.
 */
export interface SeenResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly body?: string | null;
}

export interface ResponseContract {
  /** What is wrong with this response of the route (`"GET /users/{userId}"`); empty when nothing. */
  violations(route: string, response: SeenResponse): string[];
  /** The route a request path answers to, by method and template, if any. */
  routeOf(method: string, path: string): string | undefined;
  /** What is wrong with an answer API Gateway gave on its own (a problem+json, by the catalogue). */
  gatewayViolations(response: SeenResponse): string[];
}

interface CompiledResponse {
  readonly body?: ValidateFunction;
  readonly requiredHeaders: readonly string[];
  readonly problem: boolean;
}

export function loadResponseContract(root: string): ResponseContract {
  const ajv = createSchemaCompiler({ components: loadComponents(root) });
  const schemas = loadRouteSchemas(join(root, 'schemas'), root);
  const routes = new Map<string, Map<string, CompiledResponse>>();
  for (const schema of schemas) routes.set(routeName(schema), compileResponses(schema, ajv));
  const problem = ajv.getSchema('Problem')!;
  const templates = schemas.map((s) => ({ name: routeName(s), method: s.method, path: s.path }));

  return {
    violations(route, response) {
      const declared = routes.get(route);
      if (!declared) return [`${route} is not a route of schemas/`];
      const spec = declared.get(String(response.statusCode));
      if (!spec)
        return [
          `status ${response.statusCode} is not declared (declared: ${[...declared.keys()].join(', ')})`,
        ];
      const found: string[] = [];
      const headers = lowerCase(response.headers);
      for (const name of spec.requiredHeaders)
        if (headers[name.toLowerCase()] === undefined) found.push(`header ${name} is missing`);
      if (!spec.body) {
        if (response.body) found.push('a body where the route declares none');
        return found;
      }
      const type = String(headers['content-type'] ?? '');
      const expected = spec.problem ? 'application/problem+json' : 'application/json';
      if (!type.startsWith(expected)) found.push(`Content-Type is "${type}", not ${expected}`);
      return [...found, ...bodyViolations(spec.body, response.body)];
    },
    routeOf(method, path) {
      return matchRoute(templates, method, path)?.route.name;
    },
    gatewayViolations(response) {
      const type = String(lowerCase(response.headers)['content-type'] ?? '');
      if (!type.startsWith('application/problem+json'))
        return [`Content-Type is "${type}", not application/problem+json`];
      return bodyViolations(problem, response.body);
    },
  };
}

const routeName = (schema: RouteSchema) => `${schema.method} ${schema.path}`;

function compileResponses(
  schema: RouteSchema,
  ajv: ReturnType<typeof createSchemaCompiler>,
): Map<string, CompiledResponse> {
  return new Map(
    Object.entries(schema.responses).map(([status, spec]) => [
      status,
      {
        ...(spec.content ? { body: ajv.compile(spec.content) } : {}),
        requiredHeaders: Object.entries(spec.headers ?? {})
          .filter(([, header]) => header.required)
          .map(([name]) => name),
        problem: spec.content?.$ref === 'Problem',
      },
    ]),
  );
}

function bodyViolations(validate: ValidateFunction, body: string | null | undefined): string[] {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return ['the body is not JSON'];
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `body${e.instancePath || ''} ${e.message ?? e.keyword}${e.params?.additionalProperty ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}

const lowerCase = (headers: Readonly<Record<string, unknown>> | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
