import dynamoSetup from './dynamo-global-setup.ts';
import routeTableSetup from './route-table-global-setup.ts';

/**
 * What every test run starts once: DynamoDB Local, then the route table (one after the other:
 * both are CPU-bound at start, and DynamoDB Local must answer within its start-up bound). A run
 * started inside a test (the scaffold test runs the route-table suites on a copy of the project)
 * uses the DynamoDB Local of the run around it.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.TEST_DYNAMODB_ENDPOINT) await dynamoSetup();
  await routeTableSetup();
}
