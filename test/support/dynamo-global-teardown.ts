import type { startDynamoLocal } from '../../local/dynamo.ts';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { dynamoLocal?: Awaited<ReturnType<typeof startDynamoLocal>> })
    .dynamoLocal;
  await server?.close();
}
