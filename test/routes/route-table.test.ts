import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { loadRouteTable, type RouteProblemCode } from '../../src/routes/route-table.ts';
import { formatRouteTable } from '../../src/tools/routes.ts';
import { openApiFor } from '../../src/tools/openapi.ts';

/**
 * The route lint against small fixture projects, each broken in one way, plus the real project's
 * route table and OpenAPI document. Fixtures are written to a temporary folder per test.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const AUTHORIZER = `
  authorizer: &authorizer
    name: authorizer
    type: token
    resultTtlInSeconds: \${param:authorizerTtl}`;

interface Fixture {
  readonly params?: string;
  readonly custom?: string;
  /** serverless.yml `functions:` entries besides the authorizer. */
  readonly functions?: string;
  readonly schemas?: Record<string, unknown>;
}

const GET_THING = {
  'x-route': 'GET /things/{id}',
  'x-scopes': ['things:read'],
  type: 'object',
  properties: { pathParameters: { type: 'object', properties: { id: { type: 'string' } } } },
};

const VALID: Required<Fixture> = {
  params: 'authorizerTtl: 300',
  custom: AUTHORIZER,
  functions: `
  getThing:
    handler: src/things/get.handler
    events:
      - http: { method: get, path: 'things/{id}', authorizer: *authorizer }`,
  schemas: { 'get-thing.json': GET_THING },
};

function project(fixture: Fixture = {}): string {
  const f = { ...VALID, ...fixture };
  const dir = mkdtempSync(join(tmpdir(), 'route-lint-'));
  made.push(dir);
  writeFileSync(
    join(dir, 'serverless.yml'),
    `service: fixture
params:
  default:
    ${f.params}
custom:${f.custom}
functions:
  authorizer:
    handler: src/authorizer/handler.handler
${f.functions}
`,
  );
  mkdirSync(join(dir, 'schemas'));
  for (const [name, content] of Object.entries(f.schemas))
    writeFileSync(
      join(dir, 'schemas', name),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  return dir;
}

const codes = (dir: string) => loadRouteTable(dir).problems.map((p) => p.code);

describe('route lint', () => {
  it('passes a project whose every route has one schema, its scopes and the authorizer with a TTL', () => {
    const table = loadRouteTable(project());
    expect(table.problems).toEqual([]);
    expect(table.routes).toEqual([
      {
        method: 'GET',
        path: '/things/{id}',
        function: 'getThing',
        handler: 'src/things/get.handler',
        scopes: ['things:read'],
        schemaFile: 'schemas/get-thing.json',
        authorizer: 'authorizer',
        authorizerTtl: 300,
      },
    ]);
  });

  it('accepts the string shorthand of an http event', () => {
    const dir = project({
      functions: `
  getThing:
    handler: src/things/get.handler
    events:
      - http: GET things/{id}`,
    });
    // The shorthand cannot carry an authorizer: the route is found, and refused for that.
    expect(codes(dir)).toEqual(['authorizer_missing']);
  });

  const broken: [string, Fixture, RouteProblemCode, RegExp][] = [
    [
      'a route in serverless.yml with no schema',
      { schemas: {} },
      'route_without_schema',
      /^serverless\.yml \(function getThing, GET \/things\/\{id\}\): no file in schemas\//,
    ],
    [
      'a schema with no route',
      {
        schemas: {
          'get-thing.json': GET_THING,
          'orphan.json': { ...GET_THING, 'x-route': 'GET /orphans' },
        },
      },
      'schema_without_route',
      /^schemas\/orphan\.json: "x-route": "GET \/orphans" matches no http event/,
    ],
    [
      'a schema without its scopes key',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-scopes': undefined } } },
      'scopes_missing',
      /^schemas\/get-thing\.json: has no "x-scopes"/,
    ],
    [
      'a schema that is not valid JSON Schema in strict mode',
      {
        schemas: {
          'get-thing.json': {
            ...GET_THING,
            properties: { body: { type: 'object', requierd: ['x'] } },
          },
        },
      },
      'schema_invalid',
      /^schemas\/get-thing\.json: is not a valid JSON Schema in ajv strict mode: .*requierd/,
    ],
    [
      'a schema that is not JSON',
      { schemas: { 'get-thing.json': '{ "x-route": ' } },
      'invalid_json',
      /^schemas\/get-thing\.json: is not valid JSON/,
    ],
    [
      'a route without the authorizer',
      {
        functions: `
  getThing:
    handler: src/things/get.handler
    events:
      - http: { method: get, path: 'things/{id}' }`,
      },
      'authorizer_missing',
      /^serverless\.yml \(function getThing, GET \/things\/\{id\}\): the http event has no authorizer/,
    ],
    [
      'a route whose authorizer is not a function of the service',
      {
        functions: `
  getThing:
    handler: src/things/get.handler
    events:
      - http: { method: get, path: 'things/{id}', authorizer: { name: somebodyElse, resultTtlInSeconds: 300 } }`,
      },
      'authorizer_missing',
      /has no authorizer/,
    ],
    [
      'an authorizer without resultTtlInSeconds',
      { custom: `\n  authorizer: &authorizer\n    name: authorizer\n    type: token` },
      'authorizer_ttl_not_explicit',
      /the authorizer has no valid resultTtlInSeconds .*300 s/,
    ],
    [
      'an authorizer TTL parameter left empty',
      { params: "authorizerTtl: ''" },
      'authorizer_ttl_not_explicit',
      /no valid resultTtlInSeconds/,
    ],
    [
      'an authorizer TTL above the 3600 s maximum',
      { params: 'authorizerTtl: 7200' },
      'authorizer_ttl_not_explicit',
      /no valid resultTtlInSeconds/,
    ],
    [
      'two schemas claiming the same route',
      { schemas: { 'get-thing.json': GET_THING, 'get-thing-2.json': GET_THING } },
      'duplicate_route',
      /^schemas\/get-thing\.json: declares "GET \/things\/\{id\}", already declared by schemas\/get-thing-2\.json/,
    ],
    [
      'a schema whose method differs from serverless.yml',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-route': 'POST /things/{id}' } } },
      'route_without_schema',
      /no file in schemas\/ has "x-route": "GET \/things\/\{id\}"/,
    ],
  ];

  it.each(broken)('fails on %s, naming the file', (_name, fixture, code, message) => {
    const problems = loadRouteTable(project(fixture)).problems;
    const problem = problems.find((p) => p.code === code);
    expect(problem).toBeDefined();
    expect(`${problem!.file}: ${problem!.message}`).toMatch(message);
  });

  it('reports a serverless.yml that is not YAML instead of throwing', () => {
    const dir = project();
    writeFileSync(join(dir, 'serverless.yml'), 'functions: [unclosed');
    expect(codes(dir)).toEqual(['serverless_yml_unreadable']);
  });
});

describe("this project's routes", () => {
  it('has no route problems', () => {
    expect(loadRouteTable(ROOT).problems).toEqual([]);
  });

  it('prints one aligned line per route, sorted by path then method', () => {
    const lines = formatRouteTable(loadRouteTable(ROOT).routes).split('\n');
    expect(lines[0]).toMatch(/^METHOD +PATH +FUNCTION +SCOPES \(all of\) +SCHEMA +AUTHORIZER TTL$/);
    expect(lines[2]).toMatch(
      /^GET +\/me +getMe +\(any authenticated caller\) +schemas\/get-me\.json +300 s$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^DELETE +\/users\/\{userId\} +deleteUser +users:admin +schemas\/delete-user\.json +300 s$/,
      ),
    );
  });

  it('generates an OpenAPI 3.1 document that a real OpenAPI validator accepts', async () => {
    const document = openApiFor(ROOT, 'https://auth.example/oauth2/token');
    const result = await validate(structuredClone(document) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.specification).toBe('OpenAPI');
    expect(document).toMatchObject({ openapi: '3.1.0' });
  });

  it("gives each operation its route's scopes, parameters and body", () => {
    const document = openApiFor(ROOT, 'https://auth.example/oauth2/token') as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: {
        securitySchemes: {
          oauth2: {
            flows: { clientCredentials: { tokenUrl: string; scopes: Record<string, string> } };
          };
        };
      };
    };
    const flows = document.components.securitySchemes.oauth2.flows.clientCredentials;
    expect(flows.tokenUrl).toBe('https://auth.example/oauth2/token');
    expect(Object.keys(flows.scopes)).toEqual(['users:admin', 'users:read', 'users:write']);
    expect(document.paths['/users/{userId}']!.delete!.security).toEqual([
      { oauth2: ['users:admin'] },
    ]);
    expect(document.paths['/me']!.get!.security).toEqual([{ oauth2: [] }]);
    expect(document.paths['/users/{userId}']!.get!.parameters).toEqual([
      { name: 'userId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
    ]);
    const create = document.paths['/users']!.post!;
    expect(create.requestBody).toMatchObject({
      required: true,
      content: {
        'application/json': {
          schema: { required: ['email', 'name'], additionalProperties: false },
        },
      },
    });
    expect(Object.keys(create.responses as object)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '415',
      '500',
    ]);
  });

  it('refuses to generate a document for a broken route table', () => {
    expect(() => openApiFor(project({ schemas: {} }))).toThrow(/route_without_schema/);
  });
});
