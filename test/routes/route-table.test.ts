import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { loadRouteTable, type RouteProblemCode } from '../../src/routes/route-table.ts';
import { formatRouteTable } from '../../src/tools/routes.ts';
import { DEFAULT_TOKEN_URL, openApiFor } from '../../src/tools/openapi.ts';
import { GET_THING, project, type Fixture } from './fixture-project.ts';

/**
 * The route lint against small fixture projects (./fixture-project.ts), each broken in one way,
 * plus the real project's route table and OpenAPI document.
 */
const ROOT = join(import.meta.dirname, '..', '..');

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
      /no file in schemas\/ has "x-route": "GET \/things\/\{id\}" \(schemas\/get-thing\.json has "POST \/things\/\{id\}"\)/,
    ],
    [
      'a schema whose path parameter is named differently from serverless.yml',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-route': 'GET /things/{thingId}' } } },
      'schema_without_route',
      /^schemas\/get-thing\.json: .* matches no http event in serverless\.yml \(serverless\.yml \(function getThing\) has "GET \/things\/\{id\}"\)$/,
    ],
    [
      'an authorizer TTL parameter that is not defined',
      { params: 'otherParam: 1' },
      'authorizer_ttl_not_explicit',
      /no valid resultTtlInSeconds/,
    ],
  ];

  it.each(broken)('fails on %s, naming the file', (_name, fixture, code, message) => {
    const problems = loadRouteTable(project(fixture)).problems;
    const problem = problems.find((p) => p.code === code);
    expect(problem).toBeDefined();
    expect(`${problem!.file}: ${problem!.message}`).toMatch(message);
  });

  it.each([
    ['a number', '45', 45],
    ['a parameter', '${param:authorizerTtl}', 300],
    ['an undefined parameter with a fallback', "${param:cacheSeconds, '60'}", 60],
    ['a defined parameter with a fallback', '${param:authorizerTtl, 60}', 300],
    ['zero (no cache)', '0', 0],
  ])('reads the authorizer TTL from %s', (_name, ttl, seconds) => {
    const custom = `\n  authorizer: &authorizer\n    name: authorizer\n    resultTtlInSeconds: ${ttl}`;
    const table = loadRouteTable(project({ custom }));
    expect(table.problems).toEqual([]);
    expect(table.routes[0]!.authorizerTtl).toBe(seconds);
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

  it("defaults the token URL to the local auth server's (npm start)", () => {
    expect(DEFAULT_TOKEN_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token$/);
    const document = openApiFor(ROOT) as {
      components: { securitySchemes: { oauth2: { flows: { clientCredentials: object } } } };
    };
    expect(document.components.securitySchemes.oauth2.flows.clientCredentials).toMatchObject({
      tokenUrl: DEFAULT_TOKEN_URL,
    });
  });

  it('refuses to generate a document for a broken route table', () => {
    expect(() => openApiFor(project({ schemas: {} }))).toThrow(/route_without_schema/);
  });
});
