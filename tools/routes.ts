/**
 * `npm run routes` prints every route of the service: method, path, function, required scopes
 * (all of them), schema file, authorizer TTL. `--json` prints the same rows for tools,
 * `--markdown` README's route and scope tables, `--readme` writes those into README.md.
 */
import { join } from 'node:path';
import { readmeTables, writeReadmeTables } from './route-docs.ts';
import { loadRouteTable, type RouteRow } from './route-table.ts';
import { textTable } from './text-table.ts';

const ANY_CALLER = '(any authenticated caller)';

export function formatRouteTable(routes: readonly RouteRow[]): string {
  const header = ['METHOD', 'PATH', 'FUNCTION', 'SCOPES (all of)', 'SCHEMA', 'AUTHORIZER TTL'];
  const rows = routes.map((r) => [
    r.method,
    r.path,
    r.function,
    r.scopes.length ? r.scopes.join(' ') : ANY_CALLER,
    r.schemaFile ?? '(none)',
    r.authorizer ? (r.authorizerTtl === undefined ? 'not set' : `${r.authorizerTtl} s`) : '(none)',
  ]);
  return textTable(header, rows);
}

if (import.meta.main) {
  const root = process.env.ROUTES_ROOT ?? join(import.meta.dirname, '..');
  const table = await loadRouteTable(root);
  if (process.argv.includes('--json'))
    process.stdout.write(`${JSON.stringify(table.routes, null, 2)}\n`);
  else if (process.argv.includes('--markdown'))
    process.stdout.write(`${Object.values(await readmeTables(table)).join('\n\n')}\n`);
  else if (process.argv.includes('--readme'))
    process.stdout.write(
      (await writeReadmeTables(join(root, 'README.md'), table))
        ? "wrote README.md's route and scope tables\n"
        : "README.md's route and scope tables are up to date\n",
    );
  else process.stdout.write(`${formatRouteTable(table.routes)}\n`);
  if (table.problems.length)
    process.stderr.write(`\n${table.problems.length} problem(s): run npm run lint:routes\n`);
}
