/**
 * `npm run docs` writes the API reference page: the OpenAPI document (dist/openapi.json) rendered
 * by Redoc through `redocly build-docs` (dist/reference.html). The page is one self-contained
 * file: `--inlineBundle` puts Redoc inside it, so it renders with no network at all (without it,
 * the page loads Redoc from a CDN and shows no operations offline). The local stack serves the
 * same page at /reference.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { openApiFor } from './openapi.ts';

const ROOT = join(import.meta.dirname, '..');
const REDOCLY = join(ROOT, 'node_modules', '.bin', 'redocly');

/** The reference page (HTML) Redoc makes of a document. */
export async function referencePage(document: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'reference-'));
  try {
    const input = join(dir, 'openapi.json');
    const output = join(dir, 'reference.html');
    writeFileSync(input, JSON.stringify(document));
    const info = document.info as { title: string };
    await promisify(execFile)(
      REDOCLY,
      ['build-docs', input, '--inlineBundle', '--title', info.title, '-o', output],
      {
        // redocly.yaml (telemetry off, the lint rules) is read from the working directory.
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    return readFileSync(output, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const out = join(ROOT, 'dist');
  mkdirSync(out, { recursive: true });
  const document = await openApiFor(ROOT);
  writeFileSync(join(out, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  const page = join(out, 'reference.html');
  writeFileSync(page, await referencePage(document));
  process.stdout.write(
    `wrote ${relative(process.cwd(), join(out, 'openapi.json'))} and ${relative(process.cwd(), page)} (open it in a browser; it needs no network)\n`,
  );
}
