import type { GatewayRequest } from '../../local/api-gateway/model.ts';
import { PROBLEMS, type ProblemCode } from '../../src/shared/problems.ts';
import {
  exampleRequest,
  MissingExampleError,
  type ExampleRequest,
} from '../../tools/route-examples.ts';
import type { RouteRow, RouteTable } from '../../tools/route-table.ts';
import type { RouteSchema } from '../../tools/schema-files.ts';
import type { EventOptions } from './events.ts';

/**
 * Every route of the route table with a request that reaches its function (the first of its
 * schema file's `examples`), for the suites that check all routes: the contract tests, the
 * integration tests of the chain, the local stack. A route added with `npm run route:new` is in
 * all of them without editing any; one whose schema file has no example fails them, saying what
 * to add where.
 */
export interface RouteUnderTest {
  readonly route: RouteRow;
  /** `GET /users/{userId}`. */
  readonly key: string;
  /** The schema file's base name (`get-user`): the name test/support/handlers.ts invokes it by. */
  readonly name: string;
  readonly schema: RouteSchema;
  readonly example: ExampleRequest;
}

export function routesUnderTest(table: RouteTable): RouteUnderTest[] {
  const byFile = new Map(table.schemas.map((s) => [s.file, s]));
  const missing: string[] = [];
  const routes = table.routes.flatMap((route) => {
    const schema = byFile.get(route.schemaFile ?? '');
    if (!schema) throw new Error(`${route.method} ${route.path} has no schema file`);
    try {
      const key = `${route.method} ${route.path}`;
      return [{ route, key, name: schema.name, schema, example: exampleRequest(schema) }];
    } catch (error) {
      if (!(error instanceof MissingExampleError)) throw error;
      missing.push(error.message);
      return [];
    }
  });
  if (missing.length) throw new MissingExampleError(missing.join('\n'));
  return routes;
}

/** Every scope some route requires, sorted: what a caller "holding every scope" holds. */
export const everyScope = (table: RouteTable): string[] =>
  [...new Set(table.routes.flatMap((r) => r.scopes))].sort();

/** The example as a request to API Gateway (the model, or the local gateway over HTTP). */
export function gatewayRequest(
  { example }: RouteUnderTest,
  headers: Record<string, string>,
): GatewayRequest {
  return {
    method: example.method,
    path: example.path,
    ...(example.query ? { query: { ...example.query } } : {}),
    headers: { ...example.headers, ...headers },
    ...(example.body === undefined ? {} : { body: example.body }),
  };
}

/** The example as the proxy event a handler receives (test/support/events.ts). */
export function eventOptions(
  { route, example }: RouteUnderTest,
  authorizer: EventOptions['authorizer'],
): EventOptions {
  return {
    method: example.method,
    path: example.path,
    resource: route.path,
    pathParameters: example.pathParameters,
    query: example.query,
    headers: { ...example.headers },
    body: example.body ?? null,
    authorizer,
  };
}

export const ANSWERED_BY_FUNCTION = 'answered by its function';

// What the route chain answers before or instead of the function (401, 403 scope, 400, 413,
// 415), and what means something failed (500, 503, the gateway's own answers). Any other
// answer, a success or a problem such as not_found, conflict or not_implemented, is the
// function's.
const CHAIN: readonly ProblemCode[] = [
  'invalid_token',
  'insufficient_scope',
  'invalid_request',
  'malformed_json',
  'bad_request',
  'payload_too_large',
  'unsupported_media_type',
];
const FAILURES: readonly ProblemCode[] = [
  'internal_error',
  'service_unavailable',
  'access_denied',
  'authorizer_error',
  'gateway_error',
];

/**
 * `answered by its function`, or the status and code that show something else answered: what a
 * test compares with `expectedOutcome`, so a failure names the route and what it got.
 */
export function outcome(response: { statusCode: number; body?: string | null }): string {
  if (response.statusCode < 400) return ANSWERED_BY_FUNCTION;
  let code: unknown;
  try {
    code = (JSON.parse(response.body ?? '') as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  const known = typeof code === 'string' && Object.hasOwn(PROBLEMS, code);
  if (known && !CHAIN.includes(code as ProblemCode) && !FAILURES.includes(code as ProblemCode))
    return ANSWERED_BY_FUNCTION;
  return `${response.statusCode} ${String(code ?? 'without a problem code')}`;
}

/** What the example answers for a caller holding `granted`: 403 when a scope is missing. */
export const expectedOutcome = ({ route }: RouteUnderTest, granted: readonly string[]) =>
  route.scopes.every((s) => granted.includes(s)) ? ANSWERED_BY_FUNCTION : '403 insufficient_scope';
