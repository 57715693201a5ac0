/**
 * `npm run lint:routes` (run by CI): every route of serverless.yml, as Serverless resolves it,
 * against the schema files; fails with one line per problem, naming the file and the rule. This
 * is what stops a route from shipping without its scopes, or public. `--rules` lists the rules
 * (tools/lint-rules.ts). `--template <file>` also checks the methods of a packaged template
 * against the routes (the scopes API Gateway's native JWT authorizer checks, `layer1=native`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayMethods, gatewayScopeProblems } from './gateway-scopes.ts';
import { formatProblems, LINT_RULES } from './lint-rules.ts';
import { loadRouteTable } from './route-table.ts';

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args.includes('--rules')) {
    const width = Math.max(...Object.keys(LINT_RULES).map((code) => code.length));
    for (const [code, rule] of Object.entries(LINT_RULES))
      process.stdout.write(`${code.padEnd(width)}  ${rule}\n`);
  } else {
    const table = await loadRouteTable(process.env.ROUTES_ROOT ?? join(import.meta.dirname, '..'));
    const templateAt = args.indexOf('--template');
    const template = templateAt >= 0 ? args[templateAt + 1] : undefined;
    if (templateAt >= 0 && !template) throw new Error('--template needs a file');
    const problems = [...table.problems];
    if (template) {
      const { Resources } = JSON.parse(readFileSync(template, 'utf8')) as {
        Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
      };
      problems.push(...gatewayScopeProblems(table.routes, gatewayMethods(Resources), template));
    }
    if (problems.length) {
      process.stderr.write(`${formatProblems(problems)}\n`);
      process.stderr.write(`lint:routes: ${problems.length} problem(s)\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write(
        `lint:routes: ${table.routes.length} routes, each with one schema, its scopes and the authorizer${template ? `; the template's methods match them` : ''}\n`,
      );
    }
  }
}
