import { afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Minimal projects for the route lint: one authorizer, one route, one schema file, written to a
 * temporary folder. Each broken fixture overrides one part of the valid one, so the test shows
 * the one thing that is wrong. Folders are removed after the test file.
 */
export const AUTHORIZER = `
  authorizer: &authorizer
    name: authorizer
    type: token
    resultTtlInSeconds: \${param:authorizerTtl}`;

export interface Fixture {
  /** Lines under `params.default`. */
  readonly params?: string;
  /** Lines under `custom:` (the authorizer anchor). */
  readonly custom?: string;
  /** serverless.yml `functions:` entries besides the authorizer. */
  readonly functions?: string;
  /** File name → JSON value, or raw text for files that are not JSON. */
  readonly schemas?: Record<string, unknown>;
}

export const GET_THING = {
  'x-route': 'GET /things/{id}',
  'x-scopes': ['things:read'],
  type: 'object',
  properties: {
    pathParameters: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
  },
};

export const VALID: Required<Fixture> = {
  params: 'authorizerTtl: 300',
  custom: AUTHORIZER,
  functions: `
  getThing:
    handler: src/things/get.handler
    events:
      - http: { method: get, path: 'things/{id}', authorizer: *authorizer }`,
  schemas: { 'get-thing.json': GET_THING },
};

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project folder: the valid fixture with `fixture`'s parts replaced. */
export function project(fixture: Fixture = {}): string {
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
