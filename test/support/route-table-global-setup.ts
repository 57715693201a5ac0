import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRouteTable } from '../../tools/route-table.ts';

/**
 * The route table of this project, read once for the whole test run (`sls print` takes a few
 * seconds) and handed to the workers as a file named in the environment, which they inherit:
 * every suite that checks "all routes" takes its list from here (test/support/route-table.ts).
 */
export const ROUTE_TABLE_VARIABLE = 'TEST_ROUTE_TABLE_FILE';

export default async function routeTableSetup(): Promise<void> {
  const table = await loadRouteTable(join(import.meta.dirname, '..', '..'));
  const file = join(mkdtempSync(join(tmpdir(), 'route-table-')), 'route-table.json');
  writeFileSync(file, JSON.stringify(table));
  process.env[ROUTE_TABLE_VARIABLE] = file;
}
