import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RouteProblem } from './lint-rules.ts';
import {
  createSchemaCompiler,
  parseRouteSchema,
  pathParameterNames,
  RouteSchemaError,
  type RouteSchema,
} from './schema-files.ts';

/**
 * The route lint's checks of each schema file on its own: it parses (schema-files.ts), compiles
 * in ajv strict mode, validates exactly its route's path parameters, and bounds every object of
 * its body. Build-time only.
 */
/** Schema files that parse, each compiled with ajv in strict mode; the rest become problems. */
export function loadSchemas(root: string, problems: RouteProblem[]): RouteSchema[] {
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
      const mismatch = pathParameterMismatch(schema);
      if (mismatch)
        problems.push({ file: schema.file, code: 'path_parameters_mismatch', message: mismatch });
      for (const pointer of unboundedObjects(
        (schema.schema.properties as Record<string, unknown> | undefined)?.body,
        '/properties/body',
      ))
        problems.push({
          file: schema.file,
          code: 'body_object_unbounded',
          message: `the object at ${pointer} accepts any number of properties: close it ("additionalProperties": false) or bound it ("maxProperties"), so a body cannot make validation walk thousands of keys`,
        });
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

/** JSON Pointers of the object schemas under `schema` that neither close nor bound their keys. */
function unboundedObjects(schema: unknown, pointer: string): string[] {
  if (!isRecord(schema)) return [];
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
  return [...found, ...children.flatMap(([where, child]) => unboundedObjects(child, where))];
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

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
