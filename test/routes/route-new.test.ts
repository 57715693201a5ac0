import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { routeClash, type KnownRoute } from '../../tools/route-clash.ts';
import { exampleRequest } from '../../tools/route-examples.ts';
import { parseRoute, planScaffold, ScaffoldError } from '../../tools/route-scaffold.ts';
import type { RouteProblem } from '../../tools/lint-rules.ts';
import { loadSchemasWithComponents } from '../../tools/schema-checks.ts';
import { loadComponents, readApiDescription } from '../../tools/schema-files.ts';
import { addRouteFunction, ServerlessYmlError } from '../../tools/serverless-yml-edit.ts';
import { projectDir } from './fixture-service.ts';

/**
 * `npm run route:new`'s parts on their own: the clash check, the plan (names, schema file,
 * placeholder function) and the serverless.yml edit. test/routes/route-scaffold.test.ts runs the
 * whole command on a copy of the project.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const context = { components: loadComponents(ROOT), api: readApiDescription(ROOT) };
const KNOWN: KnownRoute[] = [
  { method: 'GET', path: '/users', where: 'schemas/list-users.json' },
  { method: 'GET', path: '/users/{userId}', where: 'schemas/get-user.json' },
  { method: 'DELETE', path: '/users/{userId}', where: 'schemas/delete-user.json' },
];

describe('which routes can join the API', () => {
  it.each([
    ['GET /users/{userId}/audit', 'a new resource below an existing one'],
    ['POST /users/{userId}', 'a new method on an existing resource'],
    ['GET /users/me', 'a literal beside a path variable (API Gateway prefers the literal)'],
    ['GET /orders/{id}', 'another variable name under another resource'],
  ])('accepts %s: %s', (route) => {
    const { method, path } = parseRoute(route);
    expect(routeClash(method, path, KNOWN)).toBeUndefined();
  });

  it('refuses a route that exists, naming where', () => {
    expect(routeClash('GET', '/users/{userId}', KNOWN)).toEqual({
      code: 'route_exists',
      message: 'GET /users/{userId} already exists (schemas/get-user.json)',
    });
  });

  it.each([
    ['GET', '/users/{id}'],
    ['GET', '/users/{id}/audit'],
    ['PUT', '/users/{proxy+}'],
  ])(
    'refuses %s %s: a second path variable on the resource /users (API Gateway allows one)',
    (method, path) => {
      const clash = routeClash(method, path, KNOWN);
      expect(clash?.code).toBe('path_variable_clash');
      expect(clash?.message).toMatch(/already has \{userId\} under \/users, .* write \{userId\}/);
    },
  );
});

describe('the plan of a route', () => {
  it('names the files, the function and its role after the route', () => {
    const plan = planScaffold(
      { route: 'get /users/{userId}/audit', scopes: ['users:audit'] },
      context,
    );
    expect(plan).toMatchObject({
      method: 'GET',
      path: '/users/{userId}/audit',
      name: 'get-user-audit',
      functionName: 'getUserAudit',
      roleName: 'GetUserAuditRole',
      schemaFile: 'schemas/get-user-audit.json',
      handlerFile: 'src/users/get-user-audit.ts',
      handler: 'src/users/get-user-audit.handler',
      tag: { name: 'Users', added: false },
    });
  });

  it('writes a schema the route lint accepts: the shared UserId for {userId}, every status the chain answers, an example', () => {
    const plan = planScaffold(
      { route: 'GET /users/{userId}/audit', scopes: ['users:audit'] },
      context,
    );
    expect(plan.schema).toMatchObject({
      'x-route': 'GET /users/{userId}/audit',
      'x-scopes': ['users:audit'],
      'x-tags': ['Users'],
      properties: { pathParameters: { properties: { userId: { $ref: 'UserId' } } } },
    });
    expect(Object.keys(plan.schema['x-responses'] as object)).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '500',
      '501',
    ]);
    const dir = projectDir({
      'get-user-audit.json': plan.schema,
      ...Object.fromEntries(context.components.map((c) => [`components/${c.name}.json`, c.schema])),
    });
    const problems: RouteProblem[] = [];
    const { schemas } = loadSchemasWithComponents(dir, problems);
    expect(problems).toEqual([]);
    expect(exampleRequest(schemas[0]!)).toMatchObject({
      method: 'GET',
      path: '/users/6f1c2a9e-5b7d-4c1e-9a3f-2d8e7b6a5c41/audit',
    });
  });

  it.each([
    ['POST /orders', ['201', '400', '401', '403', '413', '415', '500', '501'], 'create-order'],
    ['DELETE /orders/{orderId}', ['204', '400', '401', '403', '404', '500', '501'], 'delete-order'],
  ])('declares for %s the statuses %j', (route, statuses, name) => {
    const plan = planScaffold({ route, scopes: ['orders:write'] }, context);
    expect([plan.name, Object.keys(plan.schema['x-responses'] as object)]).toEqual([
      name,
      statuses,
    ]);
    expect(plan.tag).toEqual({ name: 'Orders', description: 'The /orders routes.', added: true });
  });

  it('lets any authenticated caller in only when told so (--any-caller), and then declares no 403', () => {
    expect(() => planScaffold({ route: 'GET /status', scopes: [] }, context)).toThrow(
      /--scope .* or say --any-caller/,
    );
    const plan = planScaffold({ route: 'GET /status', scopes: [], anyCaller: true }, context);
    expect(plan.schema['x-scopes']).toEqual([]);
    expect(plan.schema['x-responses']).not.toHaveProperty('403');
  });

  it.each([
    ['GET users', /is not a route/],
    ['FETCH /users', /is not a route/],
    ['OPTIONS /users', /CORS preflight/],
    ['GET /files/{key+}/meta', /greedy/],
    ['GET /a/{id}/b/{id}', /twice/],
  ])('refuses %s', (route, message) => {
    expect(() => planScaffold({ route, scopes: ['x:y'] }, context)).toThrow(message);
  });

  it('refuses a scope that is not a scope name, and a name that is not kebab-case', () => {
    expect(() => planScaffold({ route: 'GET /x', scopes: ['two words'] }, context)).toThrow(
      ScaffoldError,
    );
    expect(() =>
      planScaffold({ route: 'GET /x', scopes: ['x:read'], name: 'Get_X' }, context),
    ).toThrow(/kebab-case/);
  });

  it('writes a placeholder function that answers 501 and says what to write', () => {
    const plan = planScaffold({ route: 'GET /users/{userId}/audit', scopes: ['a:b'] }, context);
    expect(plan.handlerSource).toContain(
      "import route from '../generated/routes/get-user-audit.js'",
    );
    expect(plan.handlerSource).toContain("throw new HttpProblem('not_implemented'");
    expect(plan.handlerSource).toContain('TODO');
  });
});

describe("serverless.yml's new function and role", () => {
  const original = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  // A function no project would have, so the test holds whatever routes are added.
  const spec = {
    functionName: 'getUserProbe',
    handler: 'src/users/get-user-probe.handler',
    method: 'GET',
    path: '/users/{userId}/probe',
    roleName: 'GetUserProbeRole',
  };

  it('adds them as the other routes are written, and leaves every other line as it was', async () => {
    const edited = await addRouteFunction(original, spec, join(ROOT, 'serverless.yml'));
    const lines = edited.split('\n');
    // Every original line, comments included, in order: the edit only inserts.
    let at = 0;
    for (const line of original.split('\n')) {
      at = lines.indexOf(line, at);
      expect([line, at >= 0]).toEqual([line, true]);
      at += 1;
    }
    expect(edited).toContain(
      "  getUserProbe:\n    handler: src/users/get-user-probe.handler\n    role: GetUserProbeRole\n    events:\n      - http: { <<: *route, method: get, path: 'users/{userId}/probe' }\n",
    );
    // Its own role: the file's trust policy, and writes to its own log group only.
    expect(edited).toContain(
      [
        '      GetUserProbeRole:',
        '        Type: AWS::IAM::Role',
        '        Properties:',
        '          AssumeRolePolicyDocument: *assumeLambda',
        '          Policies:',
        '            - PolicyName: get-user-probe',
        '              PolicyDocument:',
        "                Version: '2012-10-17'",
        '                Statement:',
        '                  - Effect: Allow',
        '                    Action: *writeLogs',
        '                    Resource:',
        '                      Fn::GetAtt:',
        '                        - GetUserProbeLogGroup',
        '                        - Arn',
      ].join('\n'),
    );
    const parsed = parseDocument(edited).toJS() as {
      functions: Record<string, { role: string; events: { http: { authorizer: unknown } }[] }>;
    };
    expect(parsed.functions.getUserProbe!.events[0]!.http.authorizer).toEqual(
      parsed.functions.getUser!.events[0]!.http.authorizer,
    );
  });

  it('refuses a function or a role that exists', async () => {
    await expect(
      addRouteFunction(original, { ...spec, functionName: 'getUser' }, 'serverless.yml'),
    ).rejects.toThrow(ServerlessYmlError);
    await expect(
      addRouteFunction(original, { ...spec, roleName: 'GetUserRole' }, 'serverless.yml'),
    ).rejects.toThrow(/already has a resource GetUserRole/);
  });
});
