import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/** dynalite (DynamoDB implemented in JavaScript, in process) on loopback, with the users table. */
export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** 0 picks a free port. */
export async function startLocalDynamo(port: number, tableName: string): Promise<LocalDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  try {
    await createUsersTable(endpoint, tableName);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, close };
}

/** The table serverless.yml declares (UsersTable): partition key `userId`. */
async function createUsersTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      }),
    );
  } finally {
    client.destroy();
  }
}
