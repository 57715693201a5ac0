/**
 * `npm run lint:routes` (run by CI): every route of serverless.yml, as Serverless resolves it,
 * against the schema files; fails with one line per problem, naming the file and the rule. This
 * is what stops a route from shipping without its scopes, or public. `--rules` lists the rules
 * (tools/lint-rules.ts).
 */
import { join } from 'node:path';
import { formatProblems, LINT_RULES } from './lint-rules.ts';
import { loadRouteTable } from './route-table.ts';

if (import.meta.main) {
  if (process.argv.includes('--rules')) {
    const width = Math.max(...Object.keys(LINT_RULES).map((code) => code.length));
    for (const [code, rule] of Object.entries(LINT_RULES))
      process.stdout.write(`${code.padEnd(width)}  ${rule}\n`);
  } else {
    const table = await loadRouteTable(process.env.ROUTES_ROOT ?? join(import.meta.dirname, '..'));
    if (table.problems.length) {
      process.stderr.write(`${formatProblems(table.problems)}\n`);
      process.stderr.write(`lint:routes: ${table.problems.length} problem(s)\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write(
        `lint:routes: ${table.routes.length} routes, each with one schema, its scopes and the authorizer\n`,
      );
    }
  }
}
