import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isScopeToken } from '../src/shared/scopes.ts';
import type { LintRule } from './lint-rules.ts';

/**
 * Route loading: the one place that reads `schemas/*.json`, checks the route metadata and
 * compiles the event schema. Build-time only (the validator generator, the route lint, the
 * OpenAPI writer and the contract tests use it); handlers import the generated validators.
 *
 * A schema file is a JSON Schema (2020-12) of the API Gateway proxy event the route accepts,
 * with two metadata keys at its root:
 * - `x-route`: `"METHOD /path/{param}"`, exactly as the http event in serverless.yml.
 * - `x-scopes`: the OAuth scopes a caller needs, all of them (all-of). Required: `[]` says on
 *   purpose that any authenticated caller may call the route; a missing key is an error, so a
 *   route is never public by accident.
 */
export interface RouteSchema {
  /** The file's base name without `.json`: also the generated module's name. */
  readonly name: string;
  /** Path relative to the project root, for messages. */
  readonly file: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly scopes: readonly string[];
  /** True when the schema describes a `body`: the chain then parses JSON before validating. */
  readonly hasBody: boolean;
  /** The largest body the route reads, in bytes (`x-max-body-bytes`, else the default). */
  readonly maxBodyBytes: number;
  readonly schema: Record<string, unknown>;
}

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const ROUTE_KEY = 'x-route';
const SCOPES_KEY = 'x-scopes';
const MAX_BODY_KEY = 'x-max-body-bytes';

// A user record is a few hundred bytes; 16 KiB leaves room for any reasonable JSON resource
// while keeping parse and validation in the microseconds. A route that needs more says so.
const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
// Lambda's synchronous payload limit: no body beyond it reaches a function anyway.
const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

const ROUTE_PATTERN =
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
export function createSchemaCompiler({ useDefaults = false } = {}): Ajv2020 {
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
  return ajv;
}

/** Reads and checks one schema file's metadata. Compiling it is `createSchemaCompiler().compile`. */
export function parseRouteSchema(path: string, root = process.cwd()): RouteSchema {
  const file = relative(root, path) || path;
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RouteSchemaError(
      file,
      'invalid_json',
      `is not valid JSON (${(error as Error).message})`,
    );
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new RouteSchemaError(file, 'not_an_object', 'must be a JSON object');
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

  const properties = record.properties as Record<string, unknown> | undefined;
  return {
    name: basename(path, '.json'),
    file,
    method: match[1] as HttpMethod,
    path: match[2]!,
    scopes,
    hasBody: typeof properties === 'object' && properties !== null && 'body' in properties,
    maxBodyBytes: maxBody as number,
    schema: record,
  };
}

/**
 * The parameter names of a path template, in order: `/files/{key+}/{v}` → `['key', 'v']`. API
 * Gateway fills `event.pathParameters` with exactly these names (a greedy `{key+}` as `key`).
 */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]!);
}

/** Every `*.json` under the schemas folder, sorted by name. Fails on the first bad file. */
export function loadRouteSchemas(
  dir = join(process.cwd(), 'schemas'),
  root = join(dir, '..'),
): RouteSchema[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseRouteSchema(join(dir, f), root));
}
