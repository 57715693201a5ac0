import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildOpenApiDocument } from '../../tools/openapi-document.ts';
import { DEFAULT_TOKEN_URL, openApiErrors, openApiFor } from '../../tools/openapi.ts';
import { AUTHORIZER, fn, getThing, lint, projectDir, type Fixture } from './fixture-service.ts';

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
  return buildOpenApiDocument(table.routes, table.schemas, {
    title: 'fixture',
    version: '1.0.0',
    tokenUrl: 'https://auth.example/token',
  }) as OpenApi;
}

/** A serverless.yml whose route has no schema (the project folder gets none). */
const FIXTURE_YML = `service: fixture
provider: { name: aws, runtime: nodejs24.x }
functions:
  authorizer: { handler: src/authorizer/handler.handler }
  getThing:
    handler: src/things/get.handler
    events:
      - http: { method: get, path: 'things/{id}', authorizer: { name: authorizer, resultTtlInSeconds: 300 } }
`;

let project: OpenApi;
beforeAll(async () => {
  project = (await openApiFor(ROOT)) as OpenApi;
}, 30_000);

describe("this project's OpenAPI document", () => {
  it('generates an OpenAPI 3.1 document that a real OpenAPI validator accepts', async () => {
    const document = await openApiFor(ROOT, 'https://auth.example/oauth2/token');
    const result = await validate(structuredClone(document) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.specification).toBe('OpenAPI');
    expect(document).toMatchObject({ openapi: '3.1.0' });
  });

  it("gives each operation its route's scopes, parameters and body", async () => {
    const document = (await openApiFor(ROOT, 'https://auth.example/oauth2/token')) as {
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
    const document = structuredClone(project);
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
    const document = structuredClone(project);
    for (const operations of Object.values(document.paths))
      for (const operation of Object.values(operations)) {
        expect('413' in operation.responses).toBe('requestBody' in operation);
        expect('415' in operation.responses).toBe('requestBody' in operation);
      }
    expect(document.paths['/users/{userId}']!.patch!.responses['413']).toBeDefined();
  });

  it('documents Location on the 201 of a POST whose collection has a GET item route', () => {
    const document = structuredClone(project);
    expect(document.paths['/users']!.post!.responses['201']).toMatchObject({
      headers: { Location: { description: expect.stringContaining('/users/{userId}') } },
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
        'create-thing.json': { 'x-route': 'POST /things', 'x-scopes': [], type: 'object' },
      },
    });
    // No GET /things/{id} to read the created thing back from: no Location to promise.
    expect(created.paths['/things']!.post!.responses['201']).not.toHaveProperty('headers');
  });

  it('derives path parameters from the route template, a greedy {key+} included', async () => {
    const document = documentOf({
      functions: { getThing: getThing(AUTHORIZER, 'files/{key+}') },
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
    await expect(openApiFor(projectDir({}, FIXTURE_YML))).rejects.toThrow(/route_without_schema/);
  }, 30_000);
});
