import { existsSync, readFileSync } from 'node:fs';
import type { RouteTable } from '../../tools/route-table.ts';
import { ROUTE_TABLE_VARIABLE } from './route-table-global-setup.ts';

/**
 * This project's route table, as `npm run routes` prints it, read once per test run by jest's
 * global setup (`sls print` takes seconds). Tests that check every route take their list from
 * here, never from a list of their own, and can name a test after each route.
 */
let table: RouteTable | undefined;

export function projectRouteTable(): RouteTable {
  if (table) return table;
  const file = process.env[ROUTE_TABLE_VARIABLE];
  if (!file || !existsSync(file))
    throw new Error(
      `no route table: run the tests through jest, whose global setup reads it (test/support/global-setup.ts; ${ROUTE_TABLE_VARIABLE} is unset)`,
    );
  const loaded = JSON.parse(readFileSync(file, 'utf8')) as RouteTable;
  if (loaded.problems.length)
    throw new Error(
      `the route table has problems (npm run lint:routes):\n${loaded.problems.map((p) => `${p.file}: ${p.message}`).join('\n')}`,
    );
  table = loaded;
  return table;
}
