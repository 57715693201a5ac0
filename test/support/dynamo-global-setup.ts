import { startDynamoLocal } from '../../local/dynamo.ts';

/**
 * One DynamoDB Local for the whole test run (a JVM starts in about 1.5 s and holds about 200 MB):
 * every suite and every local stack takes a namespace of its own on it (local/dynamo.ts). Its
 * endpoint reaches the test workers through the environment, which they inherit.
 */
export default async function globalSetup(): Promise<void> {
  const server = await startDynamoLocal(0);
  process.env.TEST_DYNAMODB_ENDPOINT = server.endpoint;
  (globalThis as { dynamoLocal?: typeof server }).dynamoLocal = server;
}
