import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The service as Serverless itself resolves it: `sls print --format json`, with `${param:…}`,
 * `${env:…}`, `${file(…)}`, YAML anchors and merge keys resolved exactly as `sls deploy` would.
 * The one reader of serverless.yml: the route lint, the route table, the OpenAPI writer, the
 * contract tests and the API Gateway model all start from here, and none of them re-implements
 * Serverless's variable resolution.
 */
export interface ServiceConfig {
  readonly service: string;
  readonly provider: {
    readonly stage: string;
    readonly region: string;
    readonly environment?: Readonly<Record<string, string>>;
    /** `logs.restApi`: the stage's access and execution logging. */
    readonly logs?: { readonly restApi?: { readonly format?: string } & Record<string, unknown> };
  };
  readonly functions: Readonly<Record<string, FunctionConfig>>;
  readonly custom?: Readonly<Record<string, unknown>>;
  readonly resources?: { readonly Resources?: Readonly<Record<string, CfnResource>> };
}

export interface FunctionConfig {
  /** The deployed function name Serverless gives it: `<service>-<stage>-<key>`. */
  readonly name?: string;
  readonly handler?: string;
  readonly timeout?: number;
  readonly url?: unknown;
  /** The IAM role: a logical id of resources (`GetUserRole`), an ARN, or a CloudFormation function. */
  readonly role?: unknown;
  readonly events?: readonly Readonly<Record<string, unknown>>[];
  readonly environment?: Readonly<Record<string, string>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Readonly<Record<string, unknown>>;
}

export interface PrintOptions {
  /** `--param key=value`, as `sls deploy --param` takes them. */
  readonly params?: Readonly<Record<string, string>>;
  readonly stage?: string;
}

const TOOLS_ROOT = join(import.meta.dirname, '..');

export class ServerlessConfigError extends Error {
  override readonly name = 'ServerlessConfigError';
}

/** Runs `sls print --format json` in `root` (about a second: Serverless loads its plugins). */
export async function resolvedServiceConfig(
  root: string,
  { params = {}, stage }: PrintOptions = {},
): Promise<ServiceConfig> {
  const args = [
    'print',
    '--format',
    'json',
    ...(stage ? ['--stage', stage] : []),
    ...Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
  ];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(join(TOOLS_ROOT, 'node_modules', '.bin', 'sls'), args, {
      cwd: root,
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        FORCE_COLOR: '0',
      },
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const { stderr, stdout: out } = error as { stderr?: string; stdout?: string };
    // Serverless prints `Error:`, the reason over a few lines, then its environment and docs.
    const reason = `${out ?? ''}\n${stderr ?? ''}`
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && line !== 'Error:' && !/^(Environment|Docs):/.test(line))
      .join(' ');
    throw new ServerlessConfigError(reason || (error as Error).message);
  }
  const config = JSON.parse(stdout) as ServiceConfig;
  return { ...config, functions: config.functions ?? {} };
}
