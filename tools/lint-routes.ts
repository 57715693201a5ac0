/**
 * `npm run lint:routes` (run by CI): fails, naming the file, when a route in serverless.yml has
 * no schema, a schema has no route or its path parameters differ from its x-route's, a schema
 * lacks its scopes or is not a valid JSON Schema (ajv strict), a route lacks our TOKEN authorizer,
 * the authorizer's TTL is not set explicitly (in a form Serverless reads the same way), the routes
 * of one authorizer disagree on its settings, a route's method is `any`, one function serves
 * several routes, or a function is reachable over HTTP some other way (function URL, httpApi,
 * alb, websocket, cloudFront). This is what stops a route from shipping without its scopes, or
 * public.
 */
import { join } from 'node:path';
import { loadRouteTable, type RouteProblem } from './route-table.ts';

export function formatProblems(problems: readonly RouteProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.message} [${p.code}]`).join('\n');
}

if (import.meta.main) {
  const table = loadRouteTable(process.env.ROUTES_ROOT ?? join(import.meta.dirname, '..'));
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
