import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/ports.ts';
import { stopChild } from '../../local/processes.ts';

/**
 * Stoplight Prism's validation proxy (`prism proxy`) in front of a running API: every request
 * is forwarded upstream, and Prism checks the request and the response against the OpenAPI
 * document, reporting what does not match in an `sl-violations` header. A contract check with a
 * tool nobody here wrote: it reads the published document, not our schema files.
 *
 * Started without `--errors`: with it Prism answers request violations and a missing token
 * itself (422, 401) instead of forwarding, so the API's own refusals would never be checked.
 */
export interface PrismViolation {
  readonly location: readonly string[];
  readonly severity: string;
  readonly code: string | number;
  readonly message: string;
}

export interface PrismProxy {
  readonly url: string;
  /** Prism's log, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..');
const PRISM = join(ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
const READY_TIMEOUT_MS = 30_000;

export async function startPrismProxy(
  document: Record<string, unknown>,
  upstream: string,
): Promise<PrismProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'prism-'));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [PRISM, 'proxy', file, upstream, '-h', '127.0.0.1', '-p', String(port), '--cors', 'false'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', SCARF_ANALYTICS: 'false' },
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`prism did not start in ${READY_TIMEOUT_MS} ms:\n${output}`)),
        READY_TIMEOUT_MS,
      );
      child.stdout.on('data', () => {
        if (output.includes('Prism is listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`prism exited (${code}):\n${output}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
}

/** What Prism found wrong with one exchange, split into the request's and the response's part. */
export function prismViolations(headers: Headers): {
  request: PrismViolation[];
  response: PrismViolation[];
} {
  const header = headers.get('sl-violations');
  const all = header ? (JSON.parse(header) as PrismViolation[]) : [];
  return {
    request: all.filter((v) => v.location[0] === 'request'),
    response: all.filter((v) => v.location[0] !== 'request'),
  };
}
