import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { LINT_RULES, type LintRule } from '../../tools/lint-rules.ts';
import { loadRouteTable } from '../../tools/route-table.ts';
import { formatRouteTable } from '../../tools/routes.ts';
import {
  AUTHORIZER,
  codes,
  fn,
  GET_THING,
  getThing,
  lint,
  responses,
  type Fixture,
} from './fixture-service.ts';

/**
 * The route lint on services as Serverless resolves them (./fixture-service.ts), each broken in
 * one way, and on this project through the real `sls print`. How Serverless resolves
 * serverless.yml is Serverless's business (test/routes/serverless-config.test.ts runs it on
 * written projects); these tests pin what only this service can know.
 */
const ROOT = join(import.meta.dirname, '..', '..');

/** A second route, GET /things, with its schema: for checks across the routes of one authorizer. */
const LIST_THINGS = {
  'x-route': 'GET /things',
  'x-scopes': ['things:read'],
  'x-responses': responses(),
  type: 'object',
};
const twoRoutes = (listAuthorizer: unknown): Fixture => ({
  functions: {
    getThing: getThing(),
    listThings: fn(
      [{ http: { method: 'get', path: 'things', authorizer: listAuthorizer } }],
      {},
      'src/things/list.handler',
    ),
  },
  schemas: { 'get-thing.json': GET_THING, 'list-things.json': LIST_THINGS },
});

describe('route lint', () => {
  it('passes a service whose every route has one schema, its scopes and the authorizer with a TTL', () => {
    const table = lint();
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
        apiKeyRequired: false,
      },
    ]);
  });

  it('reads the string shorthand of an http event, which cannot carry an authorizer', () => {
    expect(codes({ functions: { getThing: fn([{ http: 'GET things/{id}' }]) } })).toEqual([
      'authorizer_missing',
    ]);
  });

  const broken: [string, Fixture, LintRule, RegExp][] = [
    [
      'a route with no schema',
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
      'a shared body schema with an object open to any number of keys',
      {
        schemas: {
          'components/Thing.json': {
            $id: 'Thing',
            type: 'object',
            additionalProperties: false,
            properties: { labels: { type: 'object' } },
          },
          'get-thing.json': {
            ...GET_THING,
            properties: { ...GET_THING.properties, body: { $ref: 'Thing' } },
          },
        },
      },
      'body_object_unbounded',
      /^schemas\/get-thing\.json: the object at Thing\/properties\/labels accepts any number of properties/,
    ],
    [
      'a body size limit that is not a byte count Lambda accepts',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-max-body-bytes': 10 * 1024 * 1024 } } },
      'max_body_invalid',
      /^schemas\/get-thing\.json: "x-max-body-bytes" must be an integer from 1 to 6291456/,
    ],
    [
      'a route that declares no success response',
      {
        schemas: {
          'get-thing.json': {
            ...GET_THING,
            'x-responses': { '401': { content: { $ref: 'Problem' } } },
          },
        },
      },
      'success_response_missing',
      /^schemas\/get-thing\.json: "x-responses" declares no 2xx/,
    ],
    [
      'a route that leaves out a problem status its chain answers',
      {
        schemas: {
          'get-thing.json': {
            ...GET_THING,
            'x-responses': { '200': { content: { type: 'object', additionalProperties: false } } },
          },
        },
      },
      'problem_status_undeclared',
      /^schemas\/get-thing\.json: "x-responses" leaves out 400, 401, 403, 500, which the route's chain answers/,
    ],
    [
      'a route without x-responses at all',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-responses': undefined } } },
      'responses_invalid',
      /"x-responses" is missing/,
    ],
    [
      'a response that names a status that is not one',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-responses': { '2xx': {} } } } },
      'responses_invalid',
      /has "2xx", which is not an HTTP status/,
    ],
    [
      'a response body that refers to no schema',
      {
        schemas: {
          'get-thing.json': {
            ...GET_THING,
            'x-responses': { ...GET_THING['x-responses'], '200': { content: { $ref: 'Nothing' } } },
          },
        },
      },
      'schema_invalid',
      /can't resolve reference Nothing/,
    ],
    [
      'tags that are not a list of names',
      { schemas: { 'get-thing.json': { ...GET_THING, 'x-tags': 'Things' } } },
      'tags_invalid',
      /"x-tags" must be an array/,
    ],
    [
      'a schema that is not JSON',
      { schemas: { 'get-thing.json': '{ "x-route": ' } },
      'invalid_json',
      /^schemas\/get-thing\.json: is not valid JSON/,
    ],
    [
      'a route without the authorizer',
      { functions: { getThing: fn([{ http: { method: 'get', path: 'things/{id}' } }]) } },
      'authorizer_missing',
      /^serverless\.yml \(function getThing, GET \/things\/\{id\}\): the http event has no authorizer/,
    ],
    [
      'a route whose authorizer is not a function of the service',
      {
        functions: { getThing: getThing({ name: 'somebodyElse', resultTtlInSeconds: 300 }) },
      },
      'authorizer_missing',
      /has no authorizer/,
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
      'one function serving two routes (the second would run with the scopes of the first)',
      {
        functions: {
          getThing: fn([
            { http: { method: 'get', path: 'things/{id}', authorizer: AUTHORIZER } },
            { http: { method: 'delete', path: 'things/{id}', authorizer: AUTHORIZER } },
          ]),
        },
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
    [
      'a function without a role of its own (it would run with the role Serverless shares)',
      {
        functions: {
          getThing: fn([{ http: { method: 'get', path: 'things/{id}', authorizer: AUTHORIZER } }], {
            role: undefined,
          }),
        },
      },
      'function_role_missing',
      /^serverless\.yml \(function getThing\): has no `role:`, so it would run with the role Serverless shares/,
    ],
    [
      'two functions sharing a role (each may do what the other needs)',
      {
        ...twoRoutes(AUTHORIZER),
        functions: Object.fromEntries(
          Object.entries(twoRoutes(AUTHORIZER).functions!).map(([name, f]) => [
            name,
            { ...f, role: 'ThingsRole' },
          ]),
        ),
      },
      'function_role_shared',
      /^serverless\.yml \(functions getThing, listThings\): share the role "ThingsRole"/,
    ],
    [
      'an example request the schema refuses',
      { schemas: { 'get-thing.json': { ...GET_THING, examples: [{ pathParameters: {} }] } } },
      'example_invalid',
      /^schemas\/get-thing\.json: "examples"\[0\] is not a request the schema accepts: \/pathParameters must have required property 'id'/,
    ],
    [
      'method ANY, rather than asking for an x-route no schema can have',
      {
        functions: {
          getThing: fn([{ http: { method: 'any', path: 'things/{id}', authorizer: AUTHORIZER } }]),
        },
      },
      'method_unsupported',
      /^serverless\.yml \(function getThing, ANY \/things\/\{id\}\): method "any" is not supported: .*declare one http event per method/,
    ],
  ];

  it.each(broken)('fails on %s, naming the file', (_name, fixture, code, message) => {
    const problem = lint(fixture).problems.find((p) => p.code === code);
    expect(problem).toBeDefined();
    expect(`${problem!.file}: ${problem!.message}`).toMatch(message);
  });

  const exposed: [string, Record<string, unknown>[], Record<string, unknown>, RegExp][] = [
    [
      'a function URL (url: true, AuthType NONE)',
      [{ http: { method: 'get', path: 'things/{id}', authorizer: AUTHORIZER } }],
      { url: true },
      /^serverless\.yml \(function getThing\): has `url:`, a Lambda function URL/,
    ],
    [
      'an httpApi event (API Gateway v2)',
      [{ httpApi: { method: 'GET', path: '/things/{id}' } }],
      {},
      /^serverless\.yml \(function getThing\): has a "httpApi" event: an HTTP API/,
    ],
    [
      'an alb event',
      [
        {
          alb: {
            listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/x/1/2',
            priority: 1,
          },
        },
      ],
      {},
      /^serverless\.yml \(function getThing\): has a "alb" event: an Application Load Balancer/,
    ],
    [
      'a websocket event',
      [{ websocket: { route: '$default' } }],
      {},
      /^serverless\.yml \(function getThing\): has a "websocket" event: a WebSocket API/,
    ],
    [
      'an httpApi event on a function that also has its http route',
      [
        { http: { method: 'get', path: 'things/{id}', authorizer: AUTHORIZER } },
        { httpApi: 'GET /things/{id}' },
      ],
      {},
      /^serverless\.yml \(function getThing\): has a "httpApi" event/,
    ],
  ];

  it.each(exposed)(
    'fails on a function exposed over HTTP outside the REST API: %s',
    (_name, events, extra, message) => {
      const problems = lint({ functions: { getThing: fn(events, extra) } }).problems;
      const problem = problems.find((p) => p.code === 'exposed_outside_rest_api');
      expect(problem).toBeDefined();
      expect(`${problem!.file}: ${problem!.message}`).toMatch(message);
    },
  );

  it.each([
    ['resultTtlInSeconds', { ...AUTHORIZER, resultTtlInSeconds: 0 }, /0: function listThings/],
    [
      'identityValidationExpression',
      { ...AUTHORIZER, identityValidationExpression: '.*' },
      /".\*": function listThings/,
    ],
    [
      'identitySource',
      { ...AUTHORIZER, identitySource: 'method.request.header.X-Token' },
      /"method\.request\.header\.X-Token": function listThings/,
    ],
  ])(
    'fails when the routes of one authorizer disagree on its %s (API Gateway keeps one)',
    (key, listAuthorizer, where) => {
      const problems = lint(twoRoutes(listAuthorizer)).problems;
      expect(problems.map((p) => p.code)).toEqual(['authorizer_settings_differ']);
      expect(`${problems[0]!.file}: ${problems[0]!.message}`).toMatch(
        new RegExp(`^serverless\\.yml \\(authorizer authorizer\\): its routes disagree on ${key} `),
      );
      expect(problems[0]!.message).toMatch(where);
    },
  );

  it('fails when one route of the authorizer names another type, on the type and the authorizer', () => {
    const problems = lint(twoRoutes({ ...AUTHORIZER, type: 'request' })).problems;
    expect(problems.map((p) => p.code).sort()).toEqual([
      'authorizer_not_ours',
      'authorizer_settings_differ',
    ]);
    expect(problems.find((p) => p.code === 'authorizer_settings_differ')!.message).toMatch(
      /disagree on type/,
    );
  });

  it('passes routes of one authorizer that spell the same settings differently', () => {
    const spelled = {
      name: 'authorizer',
      type: 'TOKEN',
      resultTtlInSeconds: 300,
      identitySource: 'method.request.header.Authorization',
    };
    expect(lint(twoRoutes(spelled)).problems).toEqual([]);
  });

  it.each([
    [
      'a function that is not the token authorizer',
      { name: 'getThing', resultTtlInSeconds: 300 },
      'authorizer_not_ours',
      /is function getThing, whose handler is "src\/things\/get\.handler"/,
    ],
    [
      'a name found on the prototype (toString)',
      { name: 'toString', resultTtlInSeconds: 300 },
      'authorizer_missing',
      /"toString" is not one of its functions/,
    ],
    [
      'a request authorizer',
      { ...AUTHORIZER, type: 'request' },
      'authorizer_not_ours',
      /has type "request", not token/,
    ],
    [
      'an arn, which Serverless calls instead',
      { ...AUTHORIZER, arn: 'arn:aws:lambda:eu-west-1:1:function:x' },
      'authorizer_not_ours',
      /has an arn/,
    ],
    ['the string form naming a handler', 'getThing', 'authorizer_not_ours', /is function getThing/],
  ] as const)(
    'fails on an authorizer that is not our token authorizer: %s',
    (_name, authorizer, code, message) => {
      const table = lint({ functions: { getThing: getThing(authorizer) } });
      expect(table.problems.map((p) => p.code)).toEqual([code]);
      expect(table.problems[0]!.message).toMatch(message);
      expect(table.routes[0]!.authorizer).toBeUndefined();
    },
  );

  it('accepts the token type in any case', () => {
    expect(codes({ functions: { getThing: getThing({ ...AUTHORIZER, type: 'TOKEN' }) } })).toEqual(
      [],
    );
  });

  it.each([
    ['unset', undefined],
    ['an empty string', ''],
    ['a blank', ' '],
    ['above the 3600 s maximum', 7200],
    ['negative', -1],
    ['a fraction', 30.5],
    ['hexadecimal text', '0x12c'],
    ['an exponent', '1e2'],
    ['a decimal text', '300.5'],
  ])('refuses a TTL that resolves to %s: left unset API Gateway caches for 300 s', (_name, ttl) => {
    const table = lint({
      functions: { getThing: getThing({ ...AUTHORIZER, resultTtlInSeconds: ttl }) },
    });
    expect(table.problems.map((p) => p.code)).toEqual(['authorizer_ttl_not_explicit']);
    expect(table.problems[0]!.message).toMatch(
      /set an integer from 0 to 3600 \(left unset, API Gateway caches for 300 s\)/,
    );
  });

  it.each([
    ['a number', 45, 45],
    ['zero (no cache)', 0, 0],
    ['a string of digits', '120', 120],
  ])('reads the authorizer TTL from %s', (_name, ttl, seconds) => {
    const table = lint({
      functions: { getThing: getThing({ ...AUTHORIZER, resultTtlInSeconds: ttl }) },
    });
    expect(table.problems).toEqual([]);
    expect(table.routes[0]!.authorizerTtl).toBe(seconds);
  });

  it.each([
    [
      'a schema that validates another path parameter name than its x-route',
      {
        functions: { getThing: getThing(AUTHORIZER, 'things/{thingId}') },
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
    const problems = lint(fixture).problems;
    expect(problems.map((p) => p.code)).toEqual(['path_parameters_mismatch']);
    expect(`${problems[0]!.file}: ${problems[0]!.message}`).toMatch(message);
  });

  it('reads a path with leading and trailing slashes as the resource API Gateway deploys', () => {
    const table = lint({ functions: { getThing: getThing(AUTHORIZER, '/things/{id}/') } });
    expect(table.problems).toEqual([]);
    expect(table.routes[0]!.path).toBe('/things/{id}');
  });

  it('has one rule per problem code, each with a sentence saying what it protects', () => {
    for (const [code, rule] of Object.entries(LINT_RULES)) {
      expect(code).toMatch(/^[a-z_]+$/);
      expect(rule.length).toBeGreaterThan(10);
    }
  });
});

describe("this project's routes, as Serverless resolves serverless.yml", () => {
  let table: Awaited<ReturnType<typeof loadRouteTable>>;
  it('has no route problems', async () => {
    table = await loadRouteTable(ROOT);
    expect(table.problems).toEqual([]);
  }, 30_000);

  it('prints one aligned line per route, sorted by path then method', () => {
    const lines = formatRouteTable(table.routes).split('\n');
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
});
