import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRouteTable } from '../support/route-table.ts';
import { unschemedProjectDir } from './fixture-service.ts';

/**
 * One smoke test per command, through the CLI wrappers as npm runs them (Node 24 from
 * node_modules, ROUTES_ROOT pointing at a fixture): the exit code and output CI and users see.
 * The behaviour behind them is tested through the library functions in route-table.test.ts.
 */
/** A service whose one route has no schema file. */
const ROOT = join(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(tool: string, args: string[] = [], root = ROOT): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      NODE,
      [join(ROOT, 'tools', tool), ...args],
      { cwd: ROOT, env: { ...process.env, ROUTES_ROOT: root } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('route CLIs', () => {
  it('lint:routes exits 0 on this project and 1 with one line per problem on a broken one', async () => {
    const ok = await run('lint-routes.ts');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(
      new RegExp(`^lint:routes: ${projectRouteTable().routes.length} routes`),
    );

    const broken = await run('lint-routes.ts', [], unschemedProjectDir());
    expect(broken.code).toBe(1);
    expect(broken.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^serverless\.yml \(function getThing, GET \/things\/\{id\}\): no file in schemas\/ .* \[route_without_schema\]$/,
      ),
      'lint:routes: 1 problem(s)',
    ]);
  });

  it('lint:routes --rules lists every rule with its code', async () => {
    const rules = await run('lint-routes.ts', ['--rules']);
    expect(rules.code).toBe(0);
    expect(rules.stdout).toMatch(
      /^authorizer_ttl_not_explicit +the authorizer TTL is an explicit integer 0–3600$/m,
    );
  });

  it('routes prints the table, and the same rows as JSON with --json', async () => {
    const text = await run('routes.ts');
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^METHOD +PATH +FUNCTION/);
    const json = await run('routes.ts', ['--json']);
    expect(JSON.parse(json.stdout)).toEqual(projectRouteTable().routes);
    // A header, a rule, and one line per route.
    expect(lines).toHaveLength(projectRouteTable().routes.length + 2);
  });

  it('openapi writes the document to --out, and refuses a broken route table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const out = join(dir, 'nested', 'openapi.json');
      const written = await run('openapi.ts', ['--out', out]);
      expect(written.code).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ openapi: '3.1.0' });

      const refused = await run('openapi.ts', [], unschemedProjectDir());
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toMatch(
        /\[route_without_schema\]\nopenapi: fix the route table first/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
