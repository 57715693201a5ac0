import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildOpenApiDocument } from '../../tools/openapi-document.ts';
import { DEFAULT_TOKEN_URL, openApiErrors, openApiFor } from '../../tools/openapi.ts';
import {
  AUTHORIZER,
  fn,
  getThing,
  lint,
  unschemedProjectDir,
  responses,
  type Fixture,
} from './fixture-service.ts';
import { everyScope } from '../support/route-examples.ts';
import { projectRouteTable } from '../support/route-table.ts';
import { readApiDescription } from '../../tools/schema-files.ts';

/**
 * The OpenAPI document generated from the route table and the schema files: this project's,
 * checked by a real OpenAPI validator, and fixture services' for the rules behind it.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface Operation {
  parameters?: unknown[];
  responses: Record<string, unknown>;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** The OpenAPI document of a fixture service (which has no package.json for openApiFor). */
function documentOf(fixture: Fixture): OpenApi {
  const table = lint(fixture);
  expect(table.problems).toEqual([]);
  return buildOpenApiDocument(table.routes, table.schemas, table.components, {
    version: '1.0.0',
    tokenUrl: 'https://auth.example/token',
    api: { info: { title: 'fixture' }, tags: [] },
  }) as OpenApi;
}

let project: OpenApi;
beforeAll(async () => {
  project = (await openApiFor(ROOT, {}, projectRouteTable())) as OpenApi;
}, 30_000);

describe("this project's OpenAPI document", () => {
  it('generates an OpenAPI 3.1 document that a real OpenAPI validator accepts', async () => {
    const result = await validate(structuredClone(project) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.specification).toBe('OpenAPI');
    expect(project).toMatchObject({ openapi: '3.1.0' });
  });

  it("gives each operation its route's scopes, parameters, body and responses by name", async () => {
    const document = (await openApiFor(
      ROOT,
      { tokenUrl: 'https://auth.example/oauth2/token' },
      projectRouteTable(),
    )) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: {
        schemas: Record<string, unknown>;
        securitySchemes: {
          oauth2: {
            flows: { clientCredentials: { tokenUrl: string; scopes: Record<string, string> } };
          };
        };
      };
    };
    const flows = document.components.securitySchemes.oauth2.flows.clientCredentials;
    expect(flows.tokenUrl).toBe('https://auth.example/oauth2/token');
    expect(Object.keys(flows.scopes)).toEqual(everyScope(projectRouteTable()));
    expect(document.paths['/users/{userId}']!.delete!.security).toEqual([
      { oauth2: ['users:admin'] },
    ]);
    expect(document.paths['/me']!.get!.security).toEqual([{ oauth2: [] }]);
    expect(document.paths['/users/{userId}']!.get!.parameters).toEqual([
      {
        name: 'userId',
        in: 'path',
        required: true,
        schema: { $ref: '#/components/schemas/UserId' },
      },
    ]);
    const create = document.paths['/users']!.post!;
    expect(create.requestBody).toMatchObject({
      required: true,
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/NewUser' },
          example: { email: 'ada@example.com', name: 'Ada Lovelace' },
        },
      },
    });
    expect(Object.keys(create.responses as object)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '422',
      '429',
      '500',
      '502',
      '503',
      '504',
    ]);
    // The reliability headers: a key that makes the create safe to retry, the ETag it returns.
    expect(create.parameters).toContainEqual(
      expect.objectContaining({
        name: 'idempotency-key',
        in: 'header',
        schema: { $ref: '#/components/schemas/IdempotencyKey' },
      }),
    );
    expect(
      (create.responses as Record<string, { headers?: Record<string, unknown> }>)['201']!.headers,
    ).toHaveProperty('ETag');
    // Every shared schema of schemas/components/, by name, and the catalogue's Problem.
    expect(Object.keys(document.components.schemas).sort()).toEqual(
      [...projectRouteTable().components.map((c) => c.name), 'Problem'].sort(),
    );
  });

  it('names a schema for every success body, with an example', () => {
    const table = projectRouteTable();
    const bodies = Object.entries(project.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const success = Object.entries(operation.responses).find(([status]) =>
          status.startsWith('2'),
        )!;
        const media = (
          success[1] as { content?: Record<string, { schema: unknown; example: unknown }> }
        ).content?.['application/json'];
        return [`${method} ${path}`, success[0], media?.schema, media?.example !== undefined];
      }),
    );
    // What each route's schema file declares for its success: a shared schema by name, or one
    // written in place; no body (204) has neither schema nor example.
    const declared = table.routes.map((route) => {
      const schema = table.schemas.find((s) => s.file === route.schemaFile)!;
      const [status, spec] = Object.entries(schema.responses).find(([s]) => s.startsWith('2'))!;
      const ref = spec.content?.$ref;
      return [
        `${route.method.toLowerCase()} ${route.path}`,
        status,
        spec.content === undefined
          ? undefined
          : typeof ref === 'string'
            ? { $ref: `#/components/schemas/${ref}` }
            : expect.objectContaining({ type: spec.content.type }),
        spec.content !== undefined,
      ];
    });
    const byRoute = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(bodies.sort(byRoute)).toEqual(declared.sort(byRoute));
    expect(bodies).toContainEqual(['get /me', '200', { $ref: '#/components/schemas/Me' }, true]);
  });

  it("documents the gateway's own answers on every operation, each a Problem with an example", () => {
    for (const operations of Object.values(project.paths))
      for (const operation of Object.values(operations))
        for (const status of ['401', '403', '429', '500', '502', '504'])
          expect(operation.responses[status]).toMatchObject({
            content: {
              'application/problem+json': {
                schema: { $ref: '#/components/schemas/Problem' },
                example: { code: expect.any(String) },
              },
            },
          });
    expect(JSON.stringify(project.paths['/me']!.get!.responses['429'])).toContain('THROTTLED');
  });

  it('types limit as the integer a client sends, and says unknown query parameters are refused', () => {
    const list = project.paths['/users']!.get! as unknown as {
      parameters: unknown[];
      description: string;
    };
    expect(list.parameters[0]).toMatchObject({
      name: 'limit',
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    });
    expect(list.description).toContain(
      'Unknown query parameters are refused (400 `invalid_request`)',
    );
  });

  it('accepts as limit exactly the integers it documents (the string pattern API Gateway sees)', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'list-users.json'), 'utf8'));
    const limit = schema.properties.queryStringParameters.properties.limit;
    const pattern = new RegExp(limit.pattern);
    const { minimum, maximum } = limit['x-openapi'];
    for (let n = -5; n <= 200; n += 1)
      expect([n, pattern.test(String(n))]).toEqual([n, n >= minimum && n <= maximum]);
  });

  it('has tags, a license, and the local stack beside the AWS server', () => {
    const document = project as unknown as {
      info: { license: unknown };
      tags: { name: string; description: string }[];
      servers: { url: string }[];
    };
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(document.tags.map((t) => t.name)).toEqual(
      readApiDescription(ROOT).tags.map((t) => t.name),
    );
    expect(document.tags.map((t) => t.name)).toContain('Users');
    expect(document.servers.map((s) => s.url)).toEqual([
      'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
      'http://127.0.0.1:3000/dev',
    ]);
  });

  it('documents 404 where the route declares it: every route with a path parameter', () => {
    for (const [path, operations] of Object.entries(project.paths))
      for (const [method, operation] of Object.entries(operations))
        expect([`${method} ${path}`, '404' in operation.responses]).toEqual([
          `${method} ${path}`,
          path.includes('{'),
        ]);
  });

  it('documents 413 and 415 on every route that accepts a body, and only there', () => {
    for (const operations of Object.values(project.paths))
      for (const operation of Object.values(operations)) {
        expect('413' in operation.responses).toBe('requestBody' in operation);
        expect('415' in operation.responses).toBe('requestBody' in operation);
      }
  });

  it('documents the Location a route declares on its 201, and none where it declares none', () => {
    expect(project.paths['/users']!.post!.responses['201']).toMatchObject({
      headers: {
        Location: { required: true, description: expect.stringContaining('/users/{userId}') },
      },
    });
    const created = documentOf({
      functions: {
        createThing: fn(
          [{ http: { method: 'post', path: 'things', authorizer: AUTHORIZER } }],
          {},
          'src/things/create.handler',
        ),
      },
      schemas: {
        'create-thing.json': {
          'x-route': 'POST /things',
          'x-scopes': [],
          'x-responses': responses('201'),
          type: 'object',
        },
      },
    });
    expect(created.paths['/things']!.post!.responses['201']).not.toHaveProperty('headers');
  });

  it('derives path parameters from the route template, a greedy {key+} included', async () => {
    const document = documentOf({
      functions: { getThing: getThing(AUTHORIZER, 'files/{key+}') },
      schemas: {
        'get-file.json': {
          'x-route': 'GET /files/{key+}',
          'x-responses': responses(),
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
    expect(document.paths['/files/{key}']!.get!.parameters).toEqual([
      { name: 'key', in: 'path', required: true, schema: { type: 'string', maxLength: 200 } },
    ]);
    expect(await openApiErrors(document)).toBeUndefined();
  });

  it('finds the errors of a document that is not valid OpenAPI', async () => {
    const document = structuredClone(project);
    delete document.paths['/users/{userId}']!.get!.parameters;
    expect(await openApiErrors(document)).toMatch(/missing path parameter\(s\) for `\{userId\}`/);
  });

  it("defaults the token URL to the local auth server's (npm start)", () => {
    expect(DEFAULT_TOKEN_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token$/);
    const document = project as unknown as {
      components: { securitySchemes: { oauth2: { flows: { clientCredentials: object } } } };
    };
    expect(document.components.securitySchemes.oauth2.flows.clientCredentials).toMatchObject({
      tokenUrl: DEFAULT_TOKEN_URL,
    });
  });

  it('refuses to generate a document for a broken route table', async () => {
    await expect(openApiFor(unschemedProjectDir())).rejects.toThrow(/route_without_schema/);
  }, 30_000);
});
