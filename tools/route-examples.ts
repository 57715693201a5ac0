import type { RouteSchema } from './schema-files.ts';
import { isRecord } from './json-values.ts';

/**
 * The example requests of a route: the `examples` of its schema file, as JSON Schema (and
 * OpenAPI) carry them, each an event the route accepts (`pathParameters`, `queryStringParameters`,
 * `headers`, `body`). What cannot be derived from the route table, a request that gets through
 * the route's chain to its function, lives here, so every suite that checks "all routes" finds
 * one for a new route without being edited. The route lint checks each example against its
 * schema (`example_invalid`). Build-time and test-time only.
 */
export interface ExampleRequest {
  readonly method: string;
  /** The concrete path, parameters filled in: `/users/6f1c…`. */
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly query: Readonly<Record<string, string>> | null;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent (JSON), with `Content-Type: application/json` in `headers`. */
  readonly body: string | undefined;
}

export class MissingExampleError extends Error {
  override readonly name = 'MissingExampleError';
}

/** The schema file's `examples` (none: `[]`). */
export const examplesOf = (schema: RouteSchema): unknown[] =>
  Array.isArray(schema.schema.examples) ? schema.schema.examples : [];

/** The route's first example as a request; throws, saying what to add where, when it has none. */
export function exampleRequest(schema: RouteSchema): ExampleRequest {
  const [example] = examplesOf(schema);
  if (!isRecord(example))
    throw new MissingExampleError(
      `${schema.method} ${schema.path} has no example request: add "examples": [{ ${skeleton(schema)} }] to ${schema.file} (an event its schema accepts; npm run route:new writes one)`,
    );
  const pathParameters = stringsOf(example.pathParameters);
  const query = stringsOf(example.queryStringParameters);
  const hasBody = example.body !== undefined;
  return {
    method: schema.method,
    path: schema.path.replace(/\{([^}+]+)(\+?)\}/g, (_all, name: string, greedy: string) => {
      const value = pathParameters?.[name] ?? '';
      // A greedy {key+} takes slashes as they are; any other parameter is one segment.
      return greedy
        ? value.split('/').map(encodeURIComponent).join('/')
        : encodeURIComponent(value);
    }),
    pathParameters,
    query,
    headers: {
      ...stringsOf(example.headers),
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    },
    body: hasBody ? JSON.stringify(example.body) : undefined,
  };
}

/** The parts an example of this route needs, for the message that asks for one. */
function skeleton(schema: RouteSchema): string {
  const required = Array.isArray(schema.schema.required) ? schema.schema.required : [];
  const parts = required.map((part) => `"${String(part)}": …`);
  return parts.length ? parts.join(', ') : '';
}

function stringsOf(value: unknown): Record<string, string> | null {
  if (!isRecord(value)) return null;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, String(v)]));
}
