import { join, relative } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { RouteProblem } from './lint-rules.ts';
import {
  createSchemaCompiler,
  loadComponents,
  parseRouteSchema,
  pathParameterNames,
  problemComponent,
  routeFiles,
  RouteSchemaError,
  type ComponentSchema,
  type RouteSchema,
} from './schema-files.ts';
import { isRecord } from './json-values.ts';

/**
 * The route lint's checks of each schema file on its own: it parses (schema-files.ts), compiles
 * in ajv strict mode with the shared components, validates exactly its route's path parameters,
 * bounds every object of its body, and declares its success and every problem status its chain
 * can answer. Build-time only.
 */
export interface LoadedSchemas {
  readonly schemas: RouteSchema[];
  readonly components: ComponentSchema[];
}

/** Schema files that parse and compile; the rest become problems. */
export function loadSchemas(root: string, problems: RouteProblem[]): RouteSchema[] {
  return loadSchemasWithComponents(root, problems).schemas;
}

export function loadSchemasWithComponents(root: string, problems: RouteProblem[]): LoadedSchemas {
  const dir = join(root, 'schemas');
  let files: string[];
  try {
    files = routeFiles(dir);
  } catch {
    return { schemas: [], components: [] };
  }
  let components: ComponentSchema[] = [];
  try {
    components = loadComponents(root);
  } catch (error) {
    if (!(error instanceof RouteSchemaError)) throw error;
    problems.push({ file: error.file, code: error.code, message: stripFile(error) });
  }
  let ajv: Ajv2020;
  try {
    ajv = createSchemaCompiler({ components });
  } catch (error) {
    problems.push({
      file: 'schemas/components',
      code: 'schema_invalid',
      message: `is not a set of valid JSON Schemas in ajv strict mode: ${(error as Error).message}`,
    });
    return { schemas: [], components };
  }
  const byName = new Map([...components, problemComponent()].map((c) => [c.name, c.schema]));
  const schemas: RouteSchema[] = [];
  for (const f of files) {
    const path = join(dir, f);
    try {
      const schema = parseRouteSchema(path, root);
      const validate = ajv.compile(schema.schema);
      for (const spec of Object.values(schema.responses))
        if (spec.content) ajv.compile(spec.content);
      schemas.push(schema);
      problems.push(...checksOf(schema, byName), ...exampleProblems(schema, validate));
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
  return { schemas, components };
}

function checksOf(
  schema: RouteSchema,
  components: ReadonlyMap<string, Record<string, unknown>>,
): RouteProblem[] {
  const problems: RouteProblem[] = [];
  const mismatch = pathParameterMismatch(schema);
  if (mismatch)
    problems.push({ file: schema.file, code: 'path_parameters_mismatch', message: mismatch });
  for (const pointer of unboundedObjects(
    (schema.schema.properties as Record<string, unknown> | undefined)?.body,
    '/properties/body',
    components,
  ))
    problems.push({
      file: schema.file,
      code: 'body_object_unbounded',
      message: `the object at ${pointer} accepts any number of properties: close it ("additionalProperties": false) or bound it ("maxProperties"), so a body cannot make validation walk thousands of keys`,
    });
  const statuses = Object.keys(schema.responses);
  if (!statuses.some((status) => status.startsWith('2')))
    problems.push({
      file: schema.file,
      code: 'success_response_missing',
      message: '"x-responses" declares no 2xx: say what the route answers when it succeeds',
    });
  const undeclared = chainStatuses(schema).filter((status) => !statuses.includes(status));
  if (undeclared.length)
    problems.push({
      file: schema.file,
      code: 'problem_status_undeclared',
      message: `"x-responses" leaves out ${undeclared.join(', ')}, which the route's chain answers (${undeclared.map((s) => WHY[s]).join('; ')})`,
    });
  return problems;
}

/**
 * A schema's `examples` are requests it accepts: the tests send them as the route's request that
 * reaches its function, so one the schema refuses would only show there, as a 400.
 */
function exampleProblems(schema: RouteSchema, validate: ValidateFunction): RouteProblem[] {
  const examples = schema.schema.examples;
  if (examples === undefined) return [];
  if (!Array.isArray(examples))
    return [
      {
        file: schema.file,
        code: 'example_invalid',
        message: '"examples" must be an array of example requests (events the schema accepts)',
      },
    ];
  return examples.flatMap((example, i) =>
    validate(structuredClone(example))
      ? []
      : [
          {
            file: schema.file,
            code: 'example_invalid' as const,
            message: `"examples"[${i}] is not a request the schema accepts: ${(
              validate.errors ?? []
            )
              .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
              .join('; ')}`,
          },
        ],
  );
}

const WHY: Record<string, string> = {
  '400': 'the request fails the schema',
  '401': 'no valid caller',
  '403': 'a scope is missing',
  '413': 'the body is too large',
  '415': 'the body is not JSON',
  '500': 'an unexpected error',
};

/** The problem statuses the route chain itself can answer for this route. */
function chainStatuses(schema: RouteSchema): string[] {
  const validates = Object.keys(schema.schema).some((key) =>
    ['properties', 'required', 'allOf', 'anyOf', 'oneOf', 'if'].includes(key),
  );
  return [
    ...(validates ? ['400'] : []),
    '401',
    ...(schema.scopes.length ? ['403'] : []),
    ...(schema.hasBody ? ['413', '415'] : []),
    '500',
  ];
}

/**
 * JSON Pointers of the object schemas under `schema` that neither close nor bound their keys,
 * following `$ref`s into the components (each once).
 */
function unboundedObjects(
  schema: unknown,
  pointer: string,
  components: ReadonlyMap<string, Record<string, unknown>>,
  seen = new Set<string>(),
): string[] {
  if (!isRecord(schema)) return [];
  const ref = typeof schema.$ref === 'string' ? schema.$ref : undefined;
  const referenced =
    ref && !seen.has(ref) && components.has(ref)
      ? unboundedObjects(components.get(ref), `${ref}`, components, new Set([...seen, ref]))
      : [];
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const isObject = types.includes('object') || isRecord(schema.properties);
  const bounded =
    schema.additionalProperties === false ||
    schema.unevaluatedProperties === false ||
    typeof schema.maxProperties === 'number';
  const found = isObject && !bounded ? [pointer] : [];
  const children: [string, unknown][] = [
    ...Object.entries(isRecord(schema.properties) ? schema.properties : {}).map(
      ([key, value]) => [`${pointer}/properties/${key}`, value] as [string, unknown],
    ),
    [`${pointer}/items`, schema.items],
    [`${pointer}/additionalProperties`, schema.additionalProperties],
    ...(['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const).flatMap((key) =>
      (Array.isArray(schema[key]) ? (schema[key] as unknown[]) : []).map(
        (value, i) => [`${pointer}/${key}/${i}`, value] as [string, unknown],
      ),
    ),
  ];
  return [
    ...referenced,
    ...found,
    ...children.flatMap(([where, child]) => unboundedObjects(child, where, components, seen)),
  ];
}

const stripFile = (error: RouteSchemaError) => error.message.slice(error.file.length + 2);

/**
 * API Gateway fills `pathParameters` with the names of the route's template and nothing else: a
 * schema that validates other names (or leaves one optional) describes requests that never come,
 * and every real request would fail validation with 400.
 */
function pathParameterMismatch(schema: RouteSchema): string | undefined {
  const expected = pathParameterNames(schema.path);
  const properties = (schema.schema.properties ?? {}) as Record<string, unknown>;
  const container = isRecord(properties.pathParameters) ? properties.pathParameters : {};
  const declared = Object.keys(isRecord(container.properties) ? container.properties : {});
  const required = Array.isArray(container.required) ? (container.required as unknown[]) : [];
  const names = (list: readonly string[]) => list.map((n) => `{${n}}`).join(', ') || 'none';
  if (expected.length !== declared.length || expected.some((name) => !declared.includes(name)))
    return `"x-route" has path parameters ${names(expected)} but "properties.pathParameters.properties" declares ${names(declared)}: API Gateway sends the template's names, so they must be the same`;
  const optional = expected.filter((name) => !required.includes(name));
  if (optional.length)
    return `path parameters ${names(optional)} are not in "properties.pathParameters.required": API Gateway always sends them, so require them`;
  return undefined;
}
