import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * `npm run route:new` on a copy of the project, as a user runs it, so the scaffold cannot rot:
 * the route it adds passes the route lint, the typecheck, eslint and prettier as written, and
 * the suites that check every route take it in without being edited (the gateway contract
 * names it and its new scope, the OpenAPI document and README's tables have it). Bounded: the
 * copy links node_modules, each step runs alone, and the inner jest runs three suites, one at a
 * time, on this run's DynamoDB Local. The slowest of test/routes.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const NODE = process.execPath;
// A route no project would have (the one README's walk-through adds may well be there), below
// the users' {userId} so that its shared UserId schema is used.
const ROUTE = 'GET /users/{userId}/scaffold-probe';
const SCOPE = 'users:scaffold-probe';
const LEFT_OUT = new Set([
  'node_modules',
  '.git',
  'dist',
  '.serverless',
  '.esbuild',
  'coverage',
  '.local',
]);
const SUITES = [
  'test/contract/gateway-contract.test.ts',
  'test/routes/openapi.test.ts',
  'test/routes/readme-tables.test.ts',
];

let copy: string;

interface Run {
  readonly code: number;
  readonly out: string;
}

async function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(NODE, args, {
      cwd: copy,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: `${failed.stdout}${failed.stderr}` };
  }
}

const bin = (path: string) => join(copy, 'node_modules', path);

beforeAll(() => {
  const routes = projectRouteTable().routes.map((r) => `${r.method} ${r.path}`);
  if (routes.includes(ROUTE)) throw new Error(`${ROUTE} is a route of the project: pick another`);
  copy = mkdtempSync(join(tmpdir(), 'route-scaffold-'));
  cpSync(ROOT, copy, {
    recursive: true,
    filter: (source) => !LEFT_OUT.has(relative(ROOT, source).split(sep)[0]!),
  });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run route:new, on a copy of the project', () => {
  it(`adds ${ROUTE} that the lints, the typecheck and the route-table suites take in as written`, async () => {
    const scaffold = await run([join(copy, 'tools', 'route-new.ts'), ROUTE, '--scope', SCOPE]);
    expect(scaffold).toMatchObject({ code: 0 });
    expect(scaffold.out).toContain(
      `route:new: ${ROUTE} (scope ${SCOPE}), function getUserScaffoldProbe`,
    );
    expect(scaffold.out).toMatch(
      /Left to you:\n {2}1\. src\/users\/get-user-scaffold-probe\.ts: write the function/,
    );
    const written = [
      'schemas/get-user-scaffold-probe.json',
      'src/users/get-user-scaffold-probe.ts',
      'serverless.yml',
      'test/client/api.ts',
      'README.md',
    ];
    for (const file of written) expect(scaffold.out).toContain(`  ${file}`);

    // One at a time: the other suites of this run share the machine.
    const lint = await run([join(copy, 'tools', 'lint-routes.ts')]);
    const typecheck = await run([
      bin('typescript/bin/tsc'),
      '--noEmit',
      '-p',
      join(copy, 'tsconfig.json'),
    ]);
    const eslint = await run([bin('eslint/bin/eslint.js'), 'src/users/get-user-scaffold-probe.ts']);
    const prettier = await run([bin('prettier/bin/prettier.cjs'), '--check', ...written]);
    expect(lint).toEqual({
      code: 0,
      out: `lint:routes: ${projectRouteTable().routes.length + 1} routes, each with one schema, its scopes and the authorizer\n`,
    });
    expect(typecheck).toEqual({ code: 0, out: '' });
    expect(eslint).toEqual({ code: 0, out: '' });
    expect(prettier.code).toBe(0);

    // The route-table suites of the copy, unedited: they must find the new route by themselves.
    const { JEST_WORKER_ID: _worker, ...env } = process.env;
    const results = join(copy, 'jest-results.json');
    const suites = await run(
      // One suite at a time: this run's own workers are busy beside it.
      [bin('jest/bin/jest.js'), '--runInBand', '--json', `--outputFile=${results}`, ...SUITES],
      { ...env, NODE_OPTIONS: '--experimental-vm-modules' },
    );
    const report = JSON.parse(readFileSync(results, 'utf8')) as {
      numFailedTests: number;
      testResults: {
        assertionResults: { ancestorTitles: string[]; title: string; status: string }[];
      }[];
    };
    const tests = report.testResults.flatMap((suite) => suite.assertionResults);
    const failed = tests.filter((t) => t.status !== 'passed').map((t) => t.title);
    // The inner run's own report, when it failed, says why.
    const output = failed.length || suites.code ? suites.out.slice(-4000) : '';
    expect({ failed, code: suites.code, output }).toEqual({ failed: [], code: 0, output: '' });
    expect(report.testResults).toHaveLength(SUITES.length);
    const passedNaming = (text: string) =>
      tests.filter(
        (t) => t.status === 'passed' && [...t.ancestorTitles, t.title].join(' ').includes(text),
      ).length;
    expect(passedNaming(ROUTE)).toBeGreaterThan(0);
    expect(passedNaming(SCOPE)).toBeGreaterThan(0);
    expect(readFileSync(join(copy, 'README.md'), 'utf8')).toContain(`\`${ROUTE}\``);

    const again = await run([join(copy, 'tools', 'route-new.ts'), ROUTE, '--scope', SCOPE]);
    expect(again).toEqual({
      code: 1,
      out: expect.stringContaining(
        `route:new: ${ROUTE} already exists (schemas/get-user-scaffold-probe.json`,
      ),
    });
  }, 300_000);
});
