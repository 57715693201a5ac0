import { afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteProblem } from '../../tools/lint-rules.ts';
import { AUTHORIZER_HANDLER } from '../../tools/route-authorizer.ts';
import { routeTableOf, type RouteTable } from '../../tools/route-table.ts';
import { loadSchemasWithComponents } from '../../tools/schema-checks.ts';
import type { FunctionConfig, ServiceConfig } from '../../tools/serverless-config.ts';

/**
 * Small services for the route lint, as Serverless resolves them (what `sls print` hands the
 * lint): one token authorizer, one route, one schema file. Each broken fixture overrides one
 * part of the valid one, so the test shows the one thing that is wrong. Schema folders are
 * written to a temporary folder and removed after the test file.
 */
export const AUTHORIZER = { name: 'authorizer', type: 'token', resultTtlInSeconds: 300 };

const PROBLEM = { content: { $ref: 'Problem' } };
/** A success body and every problem status a route's chain can answer. */
export const responses = (success = '200', extra: Record<string, unknown> = {}) => ({
  [success]: { content: { type: 'object', additionalProperties: false } },
  '400': PROBLEM,
  '401': PROBLEM,
  '403': PROBLEM,
  '413': PROBLEM,
  '415': PROBLEM,
  '500': PROBLEM,
  ...extra,
});

export const GET_THING = {
  'x-route': 'GET /things/{id}',
  'x-scopes': ['things:read'],
  'x-responses': responses(),
  type: 'object',
  properties: {
    pathParameters: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
  },
};

/** A function serving one http event (or other events), with the handler of `name`. */
export const fn = (
  events: Record<string, unknown>[],
  extra: Partial<FunctionConfig> = {},
  handler = 'src/things/get.handler',
): FunctionConfig => ({ handler, events, ...extra });

/** getThing's usual route, with `authorizer` (ours by default). */
export const getThing = (authorizer: unknown = AUTHORIZER, path = 'things/{id}') =>
  fn([{ http: { method: 'get', path, authorizer } }]);

/** The service: each function with a role of its own (`GetThingRole`) unless it says otherwise. */
export function service(
  functions: Record<string, FunctionConfig> = { getThing: getThing() },
): ServiceConfig {
  const withRoles = Object.entries({
    authorizer: { handler: AUTHORIZER_HANDLER, events: [] },
    ...functions,
  }).map(([name, f]) => [
    name,
    Object.hasOwn(f, 'role') ? f : { role: `${name[0]!.toUpperCase()}${name.slice(1)}Role`, ...f },
  ]);
  return {
    service: 'fixture',
    provider: { stage: 'dev', region: 'eu-west-1' },
    functions: Object.fromEntries(withRoles),
  };
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A project folder with these schema files (JSON values, or raw text; `components/<Name>.json`
 * for shared ones) and, if given, a serverless.yml.
 */
export function projectDir(
  schemas: Record<string, unknown> = { 'get-thing.json': GET_THING },
  serverlessYml?: string,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'route-lint-'));
  made.push(dir);
  mkdirSync(join(dir, 'schemas', 'components'), { recursive: true });
  for (const [name, content] of Object.entries(schemas))
    writeFileSync(
      join(dir, 'schemas', name),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  if (serverlessYml !== undefined) writeFileSync(join(dir, 'serverless.yml'), serverlessYml);
  return dir;
}

/**
 * A project folder that cannot publish: its serverless.yml has a route, behind the authorizer,
 * with no schema file (`route_without_schema`). Serverless resolves it; the lint refuses it.
 */
export const unschemedProjectDir = () =>
  projectDir(
    {},
    `service: fixture
provider: { name: aws, runtime: nodejs24.x }
functions:
  authorizer: { handler: src/authorizer/handler.handler, role: AuthorizerRole }
  getThing:
    handler: src/things/get.handler
    role: GetThingRole
    events:
      - http: { method: get, path: 'things/{id}', authorizer: { name: authorizer, resultTtlInSeconds: 300 } }
`,
  );

export interface Fixture {
  readonly functions?: Record<string, FunctionConfig>;
  readonly schemas?: Record<string, unknown>;
}

/** The route table of a fixture service and its schema files, problems of both included. */
export function lint({ functions, schemas }: Fixture = {}): RouteTable {
  const dir = projectDir(schemas);
  const problems: RouteProblem[] = [];
  const { schemas: loaded, components } = loadSchemasWithComponents(dir, problems);
  const table = routeTableOf(service(functions), loaded, components);
  return { ...table, problems: [...problems, ...table.problems] };
}

export const codes = (fixture: Fixture = {}) => lint(fixture).problems.map((p) => p.code);
