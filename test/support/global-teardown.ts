import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import dynamoTeardown from './dynamo-global-teardown.ts';
import { ROUTE_TABLE_VARIABLE } from './route-table-global-setup.ts';

export default async function globalTeardown(): Promise<void> {
  await dynamoTeardown();
  const file = process.env[ROUTE_TABLE_VARIABLE];
  if (file) rmSync(dirname(file), { recursive: true, force: true });
}
