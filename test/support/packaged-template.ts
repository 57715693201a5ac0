import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CfnTemplate } from '../../tools/cfn-template.ts';

/** The part of `serverless-state.json` tests read. */
export interface PackagedState {
  readonly service: {
    readonly provider: { readonly logs?: { readonly restApi?: Record<string, unknown> } };
  };
}

const ROOT = join(import.meta.dirname, '..', '..');

// What `sls package` reads: it bundles src/ with esbuild, configured by these files, and runs
// the plugins in tools/ (the native authorizer's reads each route's scopes from schemas/).
const PACKAGED = ['serverless.yml', 'package.json', 'tsconfig.json', 'src', 'tools', 'schemas'];

export interface PackageOptions {
  /** serverless.yml as packaged, from the project's own (e.g. without one of its plugins). */
  readonly serverlessYml?: (yml: string) => string;
}

/**
 * The CloudFormation template `sls package` writes for this service, with `--param key=value`
 * as `sls deploy --param` takes them. It packages a copy: `sls package` deletes the service's
 * .serverless/ and .esbuild/ folders whatever --package says, and .esbuild/ is where a
 * concurrently running `sls offline` (the e2e suite, another jest worker) loads its handlers from.
 */
export async function packagedTemplate(
  params: Readonly<Record<string, string>> = {},
  options: PackageOptions = {},
): Promise<CfnTemplate> {
  return (await packagedService(params, options)).template;
}

/**
 * The packaged template and Serverless's own state file beside it (`serverless-state.json`: the
 * resolved service, e.g. `provider.logs.restApi`, which Serverless applies after the stack is up).
 */
export async function packagedService(
  params: Readonly<Record<string, string>> = {},
  { serverlessYml }: PackageOptions = {},
): Promise<{ template: CfnTemplate; state: PackagedState }> {
  const work = mkdtempSync(join(tmpdir(), 'packaged-template-'));
  try {
    for (const entry of PACKAGED) cpSync(join(ROOT, entry), join(work, entry), { recursive: true });
    if (serverlessYml)
      writeFileSync(
        join(work, 'serverless.yml'),
        serverlessYml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')),
      );
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    const out = join(work, 'out');
    await promisify(execFile)(
      join(ROOT, 'node_modules', '.bin', 'sls'),
      [
        'package',
        '--package',
        out,
        ...Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
      ],
      {
        cwd: work,
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      },
    );
    const read = (file: string): unknown => JSON.parse(readFileSync(join(out, file), 'utf8'));
    return {
      template: read('cloudformation-template-update-stack.json') as CfnTemplate,
      state: read('serverless-state.json') as PackagedState,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
