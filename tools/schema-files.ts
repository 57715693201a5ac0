import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isScopeToken } from '../src/shared/scopes.ts';
import type { LintRule } from './lint-rules.ts';
import { problemJsonSchema } from './problem-json-schema.ts';
import { isRecord } from './json-values.ts';

/**
 * Route loading: the one place that reads `schemas/`, checks the route metadata and compiles the
 * event schema. Build-time only (the validator generator, the route lint, the OpenAPI writer and
 * the tests use it); handlers import the generated validators.
 *
 * `schemas/<name>.json` is a JSON Schema (2020-12) of the API Gateway proxy event one route
 * accepts, with the route's metadata at its root:
 * - `x-route`: `"METHOD /path/{param}"`, exactly as the http event in serverless.yml.
 * - `x-scopes`: the OAuth scopes a caller needs, all of them (all-of). Required: `[]` says on
 *   purpose that any authenticated caller may call the route; a missing key is an error, so a
 *   route is never public by accident.
 * - `x-responses`: every answer the route gives, status → `{ description?, content?, headers? }`
 *   (`content` the body's JSON Schema, usually `{ "$ref": "User" }` or `{ "$ref": "Problem" }`).
 * - `x-tags`, `x-max-body-bytes`: its OpenAPI tags; the largest body it reads.
 * `schemas/components/<Name>.json` are shared schemas (`"$id": "<Name>"`), referred to by name:
 * `{ "$ref": "User" }`. `Problem` is built from the problem catalogue (problem-json-schema.ts).
 * `schemas/api.json` describes the API as a whole (title, license, tags) for OpenAPI.
 */
export interface RouteSchema {
  /** The file's base name without `.json`: also the generated module's name. */
  readonly name: string;
  /** Path relative to the project root, for messages. */
  readonly file: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly scopes: readonly string[];
  readonly tags: readonly string[];
  /** Every status the route answers, with its body schema and headers. */
  readonly responses: Readonly<Record<string, ResponseSpec>>;
  /** True when the schema describes a `body`: the chain then parses JSON before validating. */
  readonly hasBody: boolean;
  /** The largest body the route reads, in bytes (`x-max-body-bytes`, else the default). */
  readonly maxBodyBytes: number;
  readonly schema: Record<string, unknown>;
}

export interface ResponseSpec {
  readonly description?: string;
  /** The body's JSON Schema; absent: no body. */
  readonly content?: Record<string, unknown>;
  readonly headers?: Readonly<
    Record<string, { description?: string; required?: boolean; schema?: Record<string, unknown> }>
  >;
}

/** A shared schema of `schemas/components/`, referred to as `{ "$ref": "<name>" }`. */
export interface ComponentSchema {
  readonly name: string;
  readonly file: string;
  readonly schema: Record<string, unknown>;
}

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const ROUTE_KEY = 'x-route';
const SCOPES_KEY = 'x-scopes';
const MAX_BODY_KEY = 'x-max-body-bytes';
const RESPONSES_KEY = 'x-responses';
const TAGS_KEY = 'x-tags';
/** An OpenAPI-only view of a string parameter (`limit` is a string to API Gateway, an integer to a client). */
export const OPENAPI_KEY = 'x-openapi';

// A user record is a few hundred bytes; 16 KiB leaves room for any reasonable JSON resource
// while keeping parse and validation in the microseconds. A route that needs more says so.
const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
// Lambda's synchronous payload limit: no body beyond it reaches a function anyway.
const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

export const ROUTE_PATTERN =
  /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/(?:[A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})?(?:\/(?:[A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\}))*)$/;

/** What can be wrong with a schema file on its own (tools/lint-rules.ts has them all). */
export type RouteSchemaProblem = Extract<
  LintRule,
  | 'invalid_json'
  | 'not_an_object'
  | 'route_missing'
  | 'route_malformed'
  | 'scopes_missing'
  | 'scopes_invalid'
  | 'max_body_invalid'
  | 'tags_invalid'
  | 'responses_invalid'
>;

export class RouteSchemaError extends Error {
  override readonly name = 'RouteSchemaError';
  readonly file: string;
  readonly code: RouteSchemaProblem;
  constructor(file: string, code: RouteSchemaProblem, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
    this.code = code;
  }
}

/**
 * The ajv instance every route schema is compiled with: JSON Schema 2020-12 (the dialect
 * @middy/validator uses too), strict mode so a typo in a keyword is an error rather than a rule
 * silently ignored, every problem reported (allErrors), formats checked, no type coercion (the
 * handler sees exactly what the client sent). `code` options make the result usable by
 * ajv's standalone code generator.
 */
export function createSchemaCompiler({
  useDefaults = false,
  components = [],
}: { useDefaults?: boolean; components?: readonly ComponentSchema[] } = {}): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    // A schema's `default` is filled in by the validator, so a handler sees it: the schema is
    // the one place a default is written.
    useDefaults,
    code: { source: true, esm: true, optimize: true },
  });
  (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addKeyword({ keyword: ROUTE_KEY, schemaType: 'string' });
  ajv.addKeyword({ keyword: SCOPES_KEY, schemaType: 'array' });
  ajv.addKeyword({ keyword: MAX_BODY_KEY, schemaType: 'number' });
  ajv.addKeyword({ keyword: TAGS_KEY, schemaType: 'array' });
  ajv.addKeyword({ keyword: RESPONSES_KEY, schemaType: 'object' });
  ajv.addKeyword({ keyword: OPENAPI_KEY, schemaType: 'object' });
  for (const component of [...components, problemComponent()]) ajv.addSchema(component.schema);
  return ajv;
}

export const problemComponent = (): ComponentSchema => ({
  name: 'Problem',
  file: 'src/shared/problems.ts',
  schema: problemJsonSchema(),
});

/** Reads and checks one schema file's metadata. Compiling it is `createSchemaCompiler().compile`. */
export function parseRouteSchema(path: string, root = process.cwd()): RouteSchema {
  const file = relative(root, path) || path;
  const schema = readJsonFile(path, file);
  if (!isRecord(schema)) throw new RouteSchemaError(file, 'not_an_object', 'must be a JSON object');
  const record = schema as Record<string, unknown>;

  const route = record[ROUTE_KEY];
  if (typeof route !== 'string')
    throw new RouteSchemaError(
      file,
      'route_missing',
      `has no "${ROUTE_KEY}" (expected "METHOD /path", e.g. "GET /users/{userId}")`,
    );
  const match = ROUTE_PATTERN.exec(route);
  if (!match)
    throw new RouteSchemaError(
      file,
      'route_malformed',
      `"${ROUTE_KEY}" is "${route}"; expected "METHOD /path" with an upper-case method and {param} placeholders`,
    );

  if (!(SCOPES_KEY in record)) {
    throw new RouteSchemaError(
      file,
      'scopes_missing',
      `has no "${SCOPES_KEY}": list the scopes the route needs, or [] to allow any authenticated caller on purpose`,
    );
  }
  const scopes = record[SCOPES_KEY];
  if (!Array.isArray(scopes) || !scopes.every(isScopeToken)) {
    throw new RouteSchemaError(
      file,
      'scopes_invalid',
      `"${SCOPES_KEY}" must be an array of scope strings (no spaces)`,
    );
  }
  if (new Set(scopes).size !== scopes.length)
    throw new RouteSchemaError(file, 'scopes_invalid', `"${SCOPES_KEY}" lists a scope twice`);

  const maxBody = record[MAX_BODY_KEY] ?? DEFAULT_MAX_BODY_BYTES;
  if (
    !Number.isInteger(maxBody) ||
    (maxBody as number) < 1 ||
    (maxBody as number) > LAMBDA_PAYLOAD_BYTES
  )
    throw new RouteSchemaError(
      file,
      'max_body_invalid',
      `"${MAX_BODY_KEY}" must be an integer from 1 to ${LAMBDA_PAYLOAD_BYTES} (Lambda's payload limit)`,
    );

  const tags = record[TAGS_KEY] ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t !== ''))
    throw new RouteSchemaError(file, 'tags_invalid', `"${TAGS_KEY}" must be an array of tag names`);

  const properties = record.properties as Record<string, unknown> | undefined;
  return {
    name: basename(path, '.json'),
    file,
    method: match[1] as HttpMethod,
    path: match[2]!,
    scopes,
    tags,
    responses: parseResponses(file, record[RESPONSES_KEY]),
    hasBody: typeof properties === 'object' && properties !== null && 'body' in properties,
    maxBodyBytes: maxBody as number,
    schema: record,
  };
}

function parseResponses(file: string, value: unknown): Record<string, ResponseSpec> {
  const invalid = (problem: string) =>
    new RouteSchemaError(file, 'responses_invalid', `"${RESPONSES_KEY}" ${problem}`);
  if (value === undefined)
    throw invalid('is missing: declare every status the route answers, with its body schema');
  if (!isRecord(value)) throw invalid('must map statuses to { description, content, headers }');
  for (const [status, spec] of Object.entries(value)) {
    if (!/^[1-5]\d\d$/.test(status)) throw invalid(`has "${status}", which is not an HTTP status`);
    if (!isRecord(spec)) throw invalid(`"${status}" must be an object`);
    for (const key of Object.keys(spec))
      if (!['description', 'content', 'headers'].includes(key))
        throw invalid(`"${status}" has "${key}"; only description, content and headers`);
    if (spec.content !== undefined && !isRecord(spec.content))
      throw invalid(`"${status}".content must be a JSON Schema`);
    if (spec.headers !== undefined && !isRecord(spec.headers))
      throw invalid(
        `"${status}".headers must map header names to { description, required, schema }`,
      );
  }
  return value as Record<string, ResponseSpec>;
}

/** `schemas/components/*.json`, each named by its file and its `$id` alike. Fails on the first bad file. */
export function loadComponents(root: string): ComponentSchema[] {
  const dir = join(root, 'schemas', 'components');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = relative(root, join(dir, f));
      const schema = readJsonFile(join(dir, f), file);
      const name = basename(f, '.json');
      if (!isRecord(schema) || schema.$id !== name)
        throw new RouteSchemaError(
          file,
          'not_an_object',
          `must be a JSON Schema with "$id": "${name}"`,
        );
      return { name, file, schema };
    });
}

/** The parsed file at `path`; `file` names it in the error when it is not JSON. */
function readJsonFile(path: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RouteSchemaError(
      file,
      'invalid_json',
      `is not valid JSON (${(error as Error).message})`,
    );
  }
}

/** `schemas/api.json`: the API as a whole, for its OpenAPI document. */
export interface ApiDescription {
  readonly info: { title: string; description?: string; license?: Record<string, string> };
  readonly tags: readonly { name: string; description: string }[];
}

export function readApiDescription(root: string): ApiDescription {
  const file = join(root, API_FILE);
  if (!existsSync(file)) return { info: { title: basename(root) }, tags: [] };
  return readJsonFile(file, API_FILE) as ApiDescription;
}

const API_FILE = join('schemas', 'api.json');

/**
 * The parameter names of a path template, in order: `/files/{key+}/{v}` → `['key', 'v']`. API
 * Gateway fills `event.pathParameters` with exactly these names (a greedy `{key+}` as `key`).
 */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]!);
}

/** The route files of a schemas folder: every `*.json` but api.json, sorted by name. */
export const routeFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'api.json')
    .sort();

/** Every route schema, sorted by name. Fails on the first bad file. */
export function loadRouteSchemas(
  dir = join(process.cwd(), 'schemas'),
  root = join(dir, '..'),
): RouteSchema[] {
  return routeFiles(dir).map((f) => parseRouteSchema(join(dir, f), root));
}
