import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarise, type Stats } from './measure.ts';

/**
 * Cold start of the bundles exactly as `sls package` builds them: zipped and unzipped size, and
 * the time a fresh Node process takes to import the bundle (the function's init phase), with the
 * cost of an empty process subtracted.
 */
export interface ColdStartResult {
  readonly fn: string;
  /** The unzipped .mjs bundle, for the benches that run it further (first-decision.ts). */
  readonly bundle: string;
  readonly zipBytes: number;
  readonly unzippedBytes: number;
  /** Wall time of `node -e import(bundle)` minus a process that only loads what the runtime has, ns. */
  readonly importWall: Stats;
  /** performance.now() around the import inside the child, ns. */
  readonly importInProcess: Stats;
}

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, '.serverless', 'bench-cold');

/**
 * The authorizer's environment for an import measured on its own. Its init fetches every issuer's
 * keys (its key prefetch); the network work is measured in first-decision.ts. Here the request
 * fails at once (NO_NETWORK), as with no route to the issuer, and the init goes on without keys,
 * so the figure stays the bundle's own import and init.
 */
export const AUTHORIZER_ENV = {
  AUTH_ISSUER: 'https://issuer.example',
  AUTH_AUDIENCE: 'https://api.example',
  AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
};

/**
 * The runtime's own preamble, then a node:http whose requests fail before anything is sent (the
 * key host above is plain HTTP on loopback, so the key fetch goes through node:http; ESM imports
 * of it see the stub once syncBuiltinESMExports has run). The Lambda Node.js runtime's interface
 * client loads node:http itself to talk to the Runtime API (RAPIDClient: `require('http')`)
 * before it imports the handler; both the baseline and the measured process load it first, so
 * its cost is not charged to bundles that use it.
 */
export const RUNTIME_NO_NETWORK = `const http=(await import('node:http')).default;http.request=()=>{throw Object.assign(new Error('connect ECONNREFUSED'),{code:'ECONNREFUSED'})};(await import('node:module')).syncBuiltinESMExports();`;

// Environment each function needs at init.
const ENV: Record<string, Record<string, string>> = {
  authorizer: AUTHORIZER_ENV,
  getMe: { CORS_ALLOWED_ORIGINS: '*' },
  createUser: {
    USERS_TABLE: 'users',
    UNIQUE_VALUES_TABLE: 'unique-values',
    IDEMPOTENCY_TABLE: 'idempotency',
    AWS_REGION: 'eu-west-1',
    CORS_ALLOWED_ORIGINS: '*',
  },
};

/**
 * What the DynamoDB handlers import from the AWS SDK v3, measured alone: the runtime provides the
 * SDK, so this part of their init is the SDK's, not ours.
 */
export function benchSdkImport(runs: number): Stats {
  const script = `await import('node:http');const t=performance.now();await import('@aws-sdk/client-dynamodb');await import('@aws-sdk/lib-dynamodb');process.stdout.write(String(performance.now()-t))`;
  const inside: number[] = [];
  for (let i = 0; i < runs; i += 1) inside.push(Number(timeNode(script, process.env).stdout) * 1e6);
  return summarise('AWS SDK v3 DynamoDB clients import (in process)', inside);
}

export function packageService(): number {
  const started = Date.now();
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'sls'), ['package'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  if (result.status !== 0)
    throw new Error(`sls package failed:\n${result.stdout}\n${result.stderr}`);
  return Date.now() - started;
}

export function benchColdStart(fn: string, runs: number): ColdStartResult {
  const zip = join(ROOT, '.serverless', `${fn}.zip`);
  const dir = join(OUT, fn);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const unzip = spawnSync('unzip', ['-q', '-o', zip, '-d', dir], { encoding: 'utf8' });
  if (unzip.status !== 0) throw new Error(`unzip ${zip}: ${unzip.stderr}`);
  const files = listFiles(dir);
  const bundle = files.find((file) => file.endsWith('.mjs'));
  if (!bundle) throw new Error(`${zip} holds no .mjs bundle`);

  const url = pathToFileURL(bundle).href;
  const runtime = RUNTIME_NO_NETWORK;
  // The figure goes last on stdout, after whatever the bundle logs while it loads.
  const importScript = `${runtime}const t=performance.now();await import(${JSON.stringify(url)});process.stdout.write('\\n'+String(performance.now()-t))`;
  const env = { ...process.env, ...ENV[fn] };
  const wall: number[] = [];
  const inside: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    empty.push(timeNode(runtime, env).wall);
    const measured = timeNode(importScript, env);
    wall.push(measured.wall);
    inside.push(Number(measured.stdout.split('\n').at(-1)) * 1e6);
  }
  const emptyMedian = summarise('empty', empty).median;
  return {
    fn,
    bundle,
    zipBytes: statSync(zip).size,
    unzippedBytes: files.reduce((sum, file) => sum + statSync(file).size, 0),
    importWall: summarise(
      'import (wall, empty process subtracted)',
      wall.map((ns) => ns - emptyMedian),
    ),
    importInProcess: summarise('import (in process)', inside),
  };
}

function timeNode(script: string, env: NodeJS.ProcessEnv): { wall: number; stdout: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    // Bundles resolve the excluded @aws-sdk/* from the project's node_modules, as the Lambda
    // runtime resolves them from its own.
    cwd: ROOT,
  });
  const wall = Number(process.hrtime.bigint() - started);
  if (result.status !== 0) throw new Error(`node -e failed: ${result.stderr}`);
  return { wall, stdout: result.stdout };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
