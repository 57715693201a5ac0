import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLIENT_TYPES, clientTypes } from '../../tools/client-types.ts';
import { openApiFor } from '../../tools/openapi.ts';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * What a client generator makes of the OpenAPI document: openapi-typescript's types, and the
 * small openapi-fetch client of test/client/ typechecked against them on its own (no project
 * types in reach), so every success body is typed from the document alone.
 */
const ROOT = join(import.meta.dirname, '..', '..');
let types: string;
let dir: string;
beforeAll(async () => {
  types = await clientTypes(await openApiFor(ROOT, {}, projectRouteTable()));
  dir = mkdtempSync(join(tmpdir(), 'typed-client-'));
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a client generated from the OpenAPI document', () => {
  it('has its types in test/client/api.ts, up to date (npm run client:types)', () => {
    expect(readFileSync(CLIENT_TYPES, 'utf8')).toBe(types);
  });

  it('typechecks the openapi-fetch client with every success body typed, from the document alone', async () => {
    writeFileSync(join(dir, 'api.ts'), types);
    copyFileSync(join(ROOT, 'test', 'client', 'users-client.ts'), join(dir, 'users-client.ts'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2024',
          lib: ['es2024', 'dom'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: [],
          paths: { 'openapi-fetch': [join(ROOT, 'node_modules', 'openapi-fetch')] },
        },
        files: ['users-client.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const run = await promisify(execFile)(tsc, ['-p', join(dir, 'tsconfig.json')]).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(run).toEqual({ code: 0, output: '' });
  }, 60_000);
});
