import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildOpenApiDocument } from '../../tools/openapi-document.ts';
import { loadRouteTable, type RouteProblemCode } from '../../tools/route-table.ts';
import { formatRouteTable } from '../../tools/routes.ts';
import { DEFAULT_TOKEN_URL, openApiErrors, openApiFor } from '../../tools/openapi.ts';
import { GET_THING, project, type Fixture } from './fixture-project.ts';

/**
 * The route lint against small fixture projects (./fixture-project.ts), each broken in one way,
 * plus the real project's route table and OpenAPI document.
 */
const ROOT = join(import.meta.dirname, '..', '..');

/** The OpenAPI document of a fixture project (which has no package.json for openApiFor). */
function documentOf(dir: string) {
  const table = loadRouteTable(dir);
  expect(table.problems).toEqual([]);
  return buildOpenApiDocument(table.routes, table.schemas, {
    title: 'fixture',
    version: '1.0.0',
    tokenUrl: 'https://auth.example/token',
  }) as OpenApi;
}

interface Operation {
  parameters?: unknown[];
  responses: Record<string, unknown>;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

const codes = (dir: string) => loadRouteTable(dir).problems.map((p) => p.code);

/** getThing with `lines` in place of its http event (and `extra` after the function). */
const getThing = (event: string, extra = '') => `
  getThing:
    handler: src/things/get.handler
    events:
      - ${event}${extra}`;

/** A second route, GET /things, with its schema: for checks across the routes of one authorizer. */
const LIST_THINGS = { 'x-route': 'GET /things', 'x-scopes': ['things:read'], type: 'object' };
const twoRoutes = (listAuthorizer: string): Fixture => ({
  functions: `${getThing("http: { method: get, path: 'things/{id}', authorizer: *authorizer }")}
  listThings:
    handler: src/things/list.handler
    events:
      - http: { method: get, path: things, authorizer: ${listAuthorizer} }`,
  schemas: { 'get-thing.json': GET_THING, 'list-things.json': LIST_THINGS },
});

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
      'a body object that accepts any number of properties',
      {
        schemas: {
          'get-thing.json': {
            ...GET_THING,
            properties: {
              ...GET_THING.properties,
              body: {
                type: 'object',
                additionalProperties: false,
                properties: { tags: { type: 'object' } },
              },
            },
          },
        },
      },
      'body_object_unbounded',
      /^schemas\/get-thing\.json: the object at \/properties\/body\/properties\/tags accepts any number of properties/,
    ],
    [
      'a body size limit that is not a byte count Lambda accepts',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-max-body-bytes': 10 * 1024 * 1024 } } },
      'max_body_invalid',
      /^schemas\/get-thing\.json: "x-max-body-bytes" must be an integer from 1 to 6291456/,
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
    [
      'one function serving two routes (the second would run with the scopes of the first)',
      {
        functions: `
  getThing:
    handler: src/things/get.handler
    events:
      - http: { method: get, path: 'things/{id}', authorizer: *authorizer }
      - http: { method: delete, path: 'things/{id}', authorizer: *authorizer }`,
        schemas: {
          'get-thing.json': GET_THING,
          'delete-thing.json': {
            ...GET_THING,
            'x-route': 'DELETE /things/{id}',
            'x-scopes': ['things:admin'],
          },
        },
      },
      'function_serves_several_routes',
      /^serverless\.yml \(function getThing\): serves GET \/things\/\{id\}, DELETE \/things\/\{id\}; its handler checks the scopes and schema of one route only/,
    ],
  ];

  const exposed: [string, Fixture, RegExp][] = [
    [
      'a function URL (url: true, AuthType NONE)',
      {
        functions: `${getThing("http: { method: get, path: 'things/{id}', authorizer: *authorizer }")}
    url: true`,
      },
      /^serverless\.yml \(function getThing\): has `url:`, a Lambda function URL/,
    ],
    [
      'an httpApi event (API Gateway v2)',
      { functions: getThing("httpApi: { method: GET, path: '/things/{id}' }") },
      /^serverless\.yml \(function getThing\): has a "httpApi" event: an HTTP API/,
    ],
    [
      'an alb event',
      {
        functions: getThing(
          "alb: { listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/x/1/2', priority: 1, conditions: { path: /things } }",
        ),
      },
      /^serverless\.yml \(function getThing\): has a "alb" event: an Application Load Balancer/,
    ],
    [
      'a websocket event',
      { functions: getThing('websocket: { route: $default }') },
      /^serverless\.yml \(function getThing\): has a "websocket" event: a WebSocket API/,
    ],
    [
      'an httpApi event on a function that also has its http route',
      {
        functions: getThing(
          "http: { method: get, path: 'things/{id}', authorizer: *authorizer }",
          '\n      - httpApi: GET /things/{id}',
        ),
      },
      /^serverless\.yml \(function getThing\): has a "httpApi" event/,
    ],
  ];

  it.each(exposed)(
    'fails on a function exposed over HTTP outside the REST API: %s',
    (_name, fixture, message) => {
      const problems = loadRouteTable(project(fixture)).problems;
      expect(problems.map((p) => p.code)).toContain('exposed_outside_rest_api');
      const problem = problems.find((p) => p.code === 'exposed_outside_rest_api')!;
      expect(`${problem.file}: ${problem.message}`).toMatch(message);
    },
  );

  it.each([
    ['resultTtlInSeconds', '{ <<: *authorizer, resultTtlInSeconds: 0 }', /0: function listThings/],
    [
      'identityValidationExpression',
      "{ <<: *authorizer, identityValidationExpression: '.*' }",
      /".\*": function listThings/,
    ],
    [
      'identitySource',
      '{ <<: *authorizer, identitySource: method.request.header.X-Token }',
      /"method\.request\.header\.X-Token": function listThings/,
    ],
  ])(
    'fails when the routes of one authorizer disagree on its %s (the last event packaged wins)',
    (key, listAuthorizer, where) => {
      const problems = loadRouteTable(project(twoRoutes(listAuthorizer))).problems;
      expect(problems.map((p) => p.code)).toEqual(['authorizer_settings_differ']);
      expect(`${problems[0]!.file}: ${problems[0]!.message}`).toMatch(
        new RegExp(`^serverless\\.yml \\(authorizer authorizer\\): its routes disagree on ${key} `),
      );
      expect(problems[0]!.message).toMatch(where);
    },
  );

  it('fails when one route of the authorizer names another type, on the type and the authorizer', () => {
    const problems = loadRouteTable(
      project(twoRoutes('{ <<: *authorizer, type: request }')),
    ).problems;
    expect(problems.map((p) => p.code).sort()).toEqual([
      'authorizer_not_ours',
      'authorizer_settings_differ',
    ]);
    expect(problems.find((p) => p.code === 'authorizer_settings_differ')!.message).toMatch(
      /disagree on type/,
    );
  });

  it('passes routes of one authorizer that spell the same settings differently', () => {
    const dir = project(
      twoRoutes(
        "{ name: authorizer, type: TOKEN, resultTtlInSeconds: '300', identitySource: method.request.header.Authorization }",
      ),
    );
    expect(loadRouteTable(dir).problems).toEqual([]);
  });

  it.each([
    [
      'a function that is not the token authorizer',
      '{ name: getThing, resultTtlInSeconds: 300 }',
      'authorizer_not_ours',
      /is function getThing, whose handler is "src\/things\/get\.handler"/,
    ],
    [
      'a name found on the prototype (toString)',
      '{ name: toString, resultTtlInSeconds: 300 }',
      'authorizer_missing',
      /"toString" is not one of its functions/,
    ],
    [
      'a request authorizer',
      '{ <<: *authorizer, type: request }',
      'authorizer_not_ours',
      /has type "request", not token/,
    ],
    [
      'an arn, which Serverless calls instead',
      "{ <<: *authorizer, arn: 'arn:aws:lambda:eu-west-1:1:function:x' }",
      'authorizer_not_ours',
      /has an arn/,
    ],
    ['the string form naming a handler', 'getThing', 'authorizer_not_ours', /is function getThing/],
  ] as const)(
    'fails on an authorizer that is not our token authorizer: %s',
    (_name, authorizer, code, message) => {
      const dir = project({
        functions: getThing(
          `http: { method: get, path: 'things/{id}', authorizer: ${authorizer} }`,
        ),
      });
      const problems = loadRouteTable(dir).problems;
      expect(problems.map((p) => p.code)).toEqual([code]);
      expect(problems[0]!.message).toMatch(message);
      expect(loadRouteTable(dir).routes[0]!.authorizer).toBeUndefined();
    },
  );

  it('accepts the token type in any case', () => {
    const custom = `\n  authorizer: &authorizer\n    name: authorizer\n    type: TOKEN\n    resultTtlInSeconds: 300`;
    expect(loadRouteTable(project({ custom })).problems).toEqual([]);
  });

  it.each([
    ["' '", 300],
    ["'0x12c'", 0],
    ["'1e2'", 1],
    ["'300.5'", 300],
    ["'-1'", -1],
  ])(
    'refuses the TTL parameter %s, which Serverless (parseInt) would deploy as %d s, naming the supported forms',
    (param, deployed) => {
      const problems = loadRouteTable(project({ params: `authorizerTtl: ${param}` })).problems;
      expect(problems.map((p) => p.code)).toEqual(['authorizer_ttl_not_explicit']);
      expect(problems[0]!.message).toContain(`Serverless would deploy ${deployed} s`);
      expect(problems[0]!.message).toContain(
        'write an integer 0–3600 as a YAML integer or a string of digits',
      );
    },
  );

  it('refuses a TTL that is not an integer in YAML either', () => {
    expect(codes(project({ params: 'authorizerTtl: 30.5' }))).toEqual([
      'authorizer_ttl_not_explicit',
    ]);
  });

  it.each([
    [
      'a schema that validates another path parameter name than its x-route',
      {
        functions: getThing(
          "http: { method: get, path: 'things/{thingId}', authorizer: *authorizer }",
        ),
        schemas: { 'get-thing.json': { ...GET_THING, 'x-route': 'GET /things/{thingId}' } },
      },
      /^schemas\/get-thing\.json: "x-route" has path parameters \{thingId\} but "properties\.pathParameters\.properties" declares \{id\}/,
    ],
    [
      'a schema that leaves a path parameter optional',
      {
        schemas: {
          'get-thing.json': {
            ...GET_THING,
            properties: {
              pathParameters: { type: 'object', properties: { id: { type: 'string' } } },
            },
          },
        },
      },
      /^schemas\/get-thing\.json: path parameters \{id\} are not in "properties\.pathParameters\.required"/,
    ],
    [
      'a schema that declares no path parameter for a route with one',
      { schemas: { 'get-thing.json': { ...GET_THING, properties: {} } } },
      /has path parameters \{id\} but .* declares none/,
    ],
  ] as [string, Fixture, RegExp][])('fails on %s', (_name, fixture, message) => {
    const problems = loadRouteTable(project(fixture)).problems;
    expect(problems.map((p) => p.code)).toEqual(['path_parameters_mismatch']);
    expect(`${problems[0]!.file}: ${problems[0]!.message}`).toMatch(message);
  });

  it('reports events that are not a list (a ${file()} the lint cannot read) instead of throwing', () => {
    const dir = project({
      functions: `
  getThing:
    handler: src/things/get.handler
    events: \${file(./events.yml)}`,
    });
    const table = loadRouteTable(dir);
    expect(table.problems.map((p) => `${p.file}: ${p.message} [${p.code}]`)).toEqual([
      expect.stringMatching(
        /^serverless\.yml \(function getThing\): events is "\$\{file\(\.\/events\.yml\)\}", not a list: .* \[events_not_a_list\]$/,
      ),
      expect.stringMatching(/^schemas\/get-thing\.json: .* \[schema_without_route\]$/),
    ]);
  });

  it('reports a function that is not a map instead of throwing', () => {
    const dir = project({ functions: `\n  getThing: \${file(./get-thing.yml)}` });
    expect(codes(dir)).toEqual(['function_not_a_map', 'schema_without_route']);
  });

  it('strips the trailing slash of an http path, as Serverless does', () => {
    const dir = project({
      functions: getThing("http: { method: get, path: '/things/{id}/', authorizer: *authorizer }"),
    });
    const table = loadRouteTable(dir);
    expect(table.problems).toEqual([]);
    expect(table.routes[0]!.path).toBe('/things/{id}');
  });

  it('says that method ANY is not supported, rather than asking for an x-route no schema can have', () => {
    const dir = project({
      functions: getThing("http: { method: any, path: 'things/{id}', authorizer: *authorizer }"),
    });
    const problems = loadRouteTable(dir).problems;
    expect(problems.map((p) => p.code)).toEqual(['method_unsupported', 'schema_without_route']);
    expect(`${problems[0]!.file}: ${problems[0]!.message}`).toMatch(
      /^serverless\.yml \(function getThing, ANY \/things\/\{id\}\): method "any" is not supported: .*declare one http event per method/,
    );
  });

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
    ['a quoted string of digits', "'120'", 120],
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
      {
        name: 'userId',
        in: 'path',
        required: true,
        description: 'A user id as this API returns it (a lower-case UUID).',
        schema: {
          type: 'string',
          format: 'uuid',
          pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
        },
      },
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
      '413',
      '415',
      '500',
    ]);
  });

  it('documents 404 on every route with a path parameter, and only there', () => {
    const document = openApiFor(ROOT) as OpenApi;
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(operations))
        expect([`${method} ${path}`, '404' in operation.responses]).toEqual([
          `${method} ${path}`,
          path.includes('{'),
        ]);
    expect(document.paths['/users/{userId}']!.delete!.responses['404']).toMatchObject({
      description: 'No resource with this {userId} (not_found)',
    });
  });

  it('documents 413 and 415 on every route that accepts a body, and only there', () => {
    const document = openApiFor(ROOT) as OpenApi;
    for (const operations of Object.values(document.paths))
      for (const operation of Object.values(operations)) {
        expect('413' in operation.responses).toBe('requestBody' in operation);
        expect('415' in operation.responses).toBe('requestBody' in operation);
      }
    expect(document.paths['/users/{userId}']!.patch!.responses['413']).toBeDefined();
  });

  it('documents Location on the 201 of a POST whose collection has a GET item route', () => {
    const document = openApiFor(ROOT) as OpenApi;
    expect(document.paths['/users']!.post!.responses['201']).toMatchObject({
      headers: { Location: { description: expect.stringContaining('/users/{userId}') } },
    });
    const created = documentOf(
      project({
        functions: `
  createThing:
    handler: src/things/create.handler
    events:
      - http: { method: post, path: things, authorizer: *authorizer }`,
        schemas: {
          'create-thing.json': { 'x-route': 'POST /things', 'x-scopes': [], type: 'object' },
        },
      }),
    );
    // No GET /things/{id} to read the created thing back from: no Location to promise.
    expect(created.paths['/things']!.post!.responses['201']).not.toHaveProperty('headers');
  });

  it('derives path parameters from the route template, a greedy {key+} included', async () => {
    const dir = project({
      functions: getThing("http: { method: get, path: 'files/{key+}', authorizer: *authorizer }"),
      schemas: {
        'get-file.json': {
          'x-route': 'GET /files/{key+}',
          'x-scopes': [],
          type: 'object',
          properties: {
            pathParameters: {
              type: 'object',
              required: ['key'],
              properties: { key: { type: 'string', maxLength: 200 } },
            },
          },
        },
      },
    });
    const document = documentOf(dir);
    expect(document.paths['/files/{key}']!.get!.parameters).toEqual([
      { name: 'key', in: 'path', required: true, schema: { type: 'string', maxLength: 200 } },
    ]);
    expect(await openApiErrors(document)).toBeUndefined();
  });

  it('finds the errors of a document that is not valid OpenAPI', async () => {
    const document = openApiFor(ROOT) as OpenApi;
    delete document.paths['/users/{userId}']!.get!.parameters;
    expect(await openApiErrors(document)).toMatch(/missing path parameter\(s\) for `\{userId\}`/);
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
