/**
 * `npm run openapi` writes the OpenAPI 3.1 document generated from schemas/ and serverless.yml
 * (to `--out <file>`, else stdout). It refuses while `npm run lint:routes` finds problems: a
 * document for a broken route table would publish routes that are not what the API enforces.
 * It also refuses a document that a real OpenAPI validator (@readme/openapi-parser) rejects, so
 * no client generator is handed an invalid file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { formatProblems } from './lint-rules.ts';
import { LOCAL_TOKEN_URL } from './local-endpoints.ts';
import { buildOpenApiDocument } from './openapi-document.ts';
import { loadRouteTable, type RouteTable } from './route-table.ts';
import { readApiDescription } from './schema-files.ts';

// The local auth server's token endpoint (`npm start`); set OPENAPI_TOKEN_URL for yours.
export const DEFAULT_TOKEN_URL = LOCAL_TOKEN_URL;

/** Where the local endpoints are when the stack runs on other ports than `npm start`'s defaults. */
export interface LocalEndpoints {
  readonly tokenUrl?: string;
  readonly localApiUrl?: string;
}

export async function openApiFor(
  root: string,
  { tokenUrl = DEFAULT_TOKEN_URL, localApiUrl }: LocalEndpoints = {},
  /** The route table, when the caller has already read it (`sls print` takes a second). */
  loaded?: RouteTable,
) {
  const table = loaded ?? (await loadRouteTable(root));
  if (table.problems.length) throw new Error(formatProblems(table.problems));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return buildOpenApiDocument(table.routes, table.schemas, table.components, {
    version: pkg.version,
    tokenUrl,
    ...(localApiUrl ? { localApiUrl } : {}),
    api: readApiDescription(root),
  });
}

/** The validator's errors for this document, or undefined when it is valid OpenAPI. */
export async function openApiErrors(
  document: Record<string, unknown>,
): Promise<string | undefined> {
  // The validator dereferences (mutates) what it is given.
  const result = await validate(structuredClone(document) as never);
  return result.valid ? undefined : compileErrors(result);
}

if (import.meta.main) {
  const root = process.env.ROUTES_ROOT ?? join(import.meta.dirname, '..');
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  try {
    const tokenUrl = process.env.OPENAPI_TOKEN_URL || undefined;
    const document = await openApiFor(root, tokenUrl ? { tokenUrl } : {});
    const errors = await openApiErrors(document);
    if (errors) {
      process.stderr.write(`${errors}\nopenapi: the generated document is not valid OpenAPI\n`);
      process.exitCode = 1;
    } else {
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (out) {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, text);
        process.stdout.write(`wrote ${relative(process.cwd(), out) || out}\n`);
      } else process.stdout.write(text);
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nopenapi: fix the route table first\n`);
    process.exitCode = 1;
  }
}
