import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Format, type Metafile, type Platform } from 'esbuild';
import { parse } from 'yaml';
import { AUTHORIZER_ENV, RUNTIME_NO_NETWORK } from './cold-start.ts';
import { summarise, type Stats } from './measure.ts';

/**
 * What the authorizer's cold start loads, part by part: each part bundled alone with
 * serverless.yml's esbuild settings and imported in fresh processes (after node:http, which the
 * Lambda runtime loads first), its import timed inside the process; and how many bytes of the
 * authorizer bundle each source contributes. The parts nest: the authorizer's modules include
 * jose and node:crypto, the whole handler includes the modules and the init (configuration, the
 * key prefetch, its log lines), so the differences are what each layer adds.
 */
export interface ImportPart {
  readonly name: string;
  readonly stats: Stats;
}

export interface ImportBreakdown {
  readonly parts: ImportPart[];
  /** Bytes of the minified authorizer bundle by origin (jose, src/authorizer, …). */
  readonly bytes: Record<string, number>;
}

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, '.serverless', 'bench-cold', 'import-breakdown');
const src = (path: string) => JSON.stringify(join(ROOT, 'src', path));

const PARTS: Record<string, string> = {
  'an empty module': '',
  'node:crypto': `export * from 'node:crypto';`,
  'jose (what the authorizer imports of it)': `export { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify } from 'jose';`,
  'the authorizer’s modules (src/authorizer/authorizer.ts and its imports)': `export * from ${src('authorizer/authorizer.ts')};`,
  'the whole handler, init included (network failing at once)': `export * from ${src('authorizer/handler.ts')};`,
};

// As cold-start.ts: the runtime's node:http first, and a key prefetch refused at once.
const RUNTIME = RUNTIME_NO_NETWORK;
const ENV = AUTHORIZER_ENV;

interface EsbuildSettings {
  readonly minify: boolean;
  readonly format: Format;
  readonly platform: Platform;
  readonly target: string;
  readonly exclude: string[];
  readonly banner: Record<string, string>;
}

export async function benchImportBreakdown(runs: number): Promise<ImportBreakdown> {
  const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
    custom: { esbuild: EsbuildSettings };
  };
  const settings = yml.custom.esbuild;
  mkdirSync(OUT, { recursive: true });
  const files: Record<string, string> = {};
  let metafile: Metafile | undefined;
  for (const [name, code] of Object.entries(PARTS)) {
    const outfile = join(OUT, `part-${Object.keys(files).length}.mjs`);
    const result = await build({
      stdin: { contents: code, resolveDir: ROOT, loader: 'ts' },
      outfile,
      bundle: true,
      minify: settings.minify,
      format: settings.format,
      platform: settings.platform,
      target: settings.target,
      external: settings.exclude,
      banner: settings.banner,
      metafile: true,
      absWorkingDir: ROOT,
      logLevel: 'warning',
    });
    files[name] = outfile;
    metafile = result.metafile;
  }
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(PARTS).map((n) => [n, []]),
  );
  for (let run = 0; run < runs; run += 1)
    for (const [name, file] of Object.entries(files)) {
      const script = `${RUNTIME}const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write('\\n'+String(performance.now()-t))`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, ...ENV },
        encoding: 'utf8',
        cwd: ROOT,
      });
      if (child.status !== 0) throw new Error(`import of ${name} failed: ${child.stderr}`);
      samples[name]!.push(Number(child.stdout.split('\n').at(-1)) * 1e6);
    }
  // The last part built is the whole handler: its bytes by origin.
  const bytes: Record<string, number> = {};
  for (const [path, input] of Object.entries(Object.values(metafile!.outputs)[0]!.inputs)) {
    const inModules = path.split('node_modules/')[1];
    const origin = inModules
      ? inModules
          .split('/')
          .slice(0, inModules.startsWith('@') ? 2 : 1)
          .join('/')
      : path.split('/').slice(0, 2).join('/');
    bytes[origin] = (bytes[origin] ?? 0) + input.bytesInOutput;
  }
  return {
    parts: Object.entries(samples).map(([name, values]) => ({
      name,
      stats: summarise(name, values),
    })),
    bytes,
  };
}
