import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { dynamoClient } from '../../local/dynamo.ts';
import type { LogEntry } from '../../src/shared/log.ts';
import { faultyDynamo, type FaultMode, type FaultyDynamo } from '../support/dynamo-faults.ts';
import type { EventOptions } from '../support/events.ts';
import { startHandlers, type Handlers, type RouteName } from '../support/handlers.ts';

/**
 * DynamoDB misbehaving under the real handlers: hanging, refusing connections, throttling, or
 * failing in the middle of a request. Every route answers 503 `service_unavailable` with
 * Retry-After within the stated bound (2 s per DynamoDB call: src/resource/dynamo-client.ts),
 * logs one line naming the fault, and leaves nothing half-written.
 */
const BOUND_MS = 2000;
// What a test may add around the bound on a shared 2-core machine (scheduling, jest).
const SLACK_MS = 700;

let handlers: Handlers;
let dynamo: FaultyDynamo;
beforeAll(async () => {
  handlers = await startHandlers('faults', {
    endpointFor: async (endpoint) => {
      dynamo = await faultyDynamo(endpoint);
      return dynamo.endpoint;
    },
  });
}, 60_000);
afterAll(async () => {
  await handlers?.close();
  await dynamo?.close();
});
beforeEach(() => dynamo.set({ mode: 'pass' }));

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const someId = () => randomUUID();
/** The routes of the users resource, each of which calls DynamoDB. */
type DynamoRoute = 'list-users' | 'get-user' | 'create-user' | 'update-user' | 'delete-user';
const requests: Record<DynamoRoute, () => EventOptions> = {
  'list-users': () => ({ path: '/users', query: { limit: '5' } }),
  'get-user': () => {
    const userId = someId();
    return { path: `/users/${userId}`, pathParameters: { userId } };
  },
  'create-user': () => ({
    method: 'POST',
    path: '/users',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email: `fault-${someId()}@example.com`, name: 'F' }),
  }),
  'update-user': () => {
    const userId = someId();
    return {
      method: 'PATCH',
      path: `/users/${userId}`,
      pathParameters: { userId },
      headers: JSON_HEADERS,
      body: JSON.stringify({ name: 'F' }),
    };
  },
  'delete-user': () => {
    const userId = someId();
    return { method: 'DELETE', path: `/users/${userId}`, pathParameters: { userId } };
  },
};

/** Calls a route under a fault: its answer, how long it took, and the decision line it logged. */
async function underFault(route: RouteName, options: EventOptions) {
  const write = jest.spyOn(process.stdout, 'write');
  const started = performance.now();
  try {
    const reply = await handlers.invoke(route, options);
    const ms = performance.now() - started;
    const lines = write.mock.calls
      .map(([chunk]) => String(chunk))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogEntry)
      // The decision lines (in Lambda, each one is also its metrics document).
      .filter((entry) => entry.route !== undefined && entry.decision !== undefined);
    return { reply, ms, lines };
  } finally {
    write.mockRestore();
  }
}

async function count(table: 'users' | 'uniqueValues'): Promise<number> {
  const client = dynamoClient(handlers.dynamo);
  try {
    const { Count = 0 } = await client.send(
      new ScanCommand({ TableName: handlers.tables[table], Select: 'COUNT', ConsistentRead: true }),
    );
    return Count;
  } finally {
    client.destroy();
  }
}

const FAULTS: [string, FaultMode, string][] = [
  ['a DynamoDB that accepts the connection and never answers', { mode: 'hang' }, 'timeout'],
  ['a DynamoDB that refuses connections', { mode: 'refuse' }, 'unreachable'],
  ['a DynamoDB that throttles every call', { mode: 'throttle' }, 'throttled'],
];

describe.each(FAULTS)('%s', (_name, mode, fault) => {
  it.each(Object.keys(requests) as (keyof typeof requests)[])(
    '%s answers 503 service_unavailable with Retry-After within the bound, and logs the fault',
    async (route) => {
      await dynamo.set(mode);
      const { reply, ms, lines } = await underFault(route, requests[route]());
      expect([reply.statusCode, reply.json.code]).toEqual([503, 'service_unavailable']);
      expect(reply.headers?.['Retry-After']).toBe('1');
      expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
      expect(lines).toEqual([
        expect.objectContaining({ code: 'service_unavailable', status: 503, fault }),
      ]);
      expect(JSON.stringify(reply.json)).not.toMatch(/Timeout|ECONN|Throughput|stack/i);
    },
    15_000,
  );
});

describe('a fault in the middle of a request', () => {
  it('leaves no user and no email claim when the transaction of a create hangs', async () => {
    const [users, claims] = [await count('users'), await count('uniqueValues')];
    await dynamo.set({ mode: 'fail', target: 'TransactWriteItems' });
    const { reply } = await underFault('create-user', requests['create-user']());
    expect(reply.statusCode).toBe(503);
    await dynamo.set({ mode: 'pass' });
    expect([await count('users'), await count('uniqueValues')]).toEqual([users, claims]);
  });

  it('leaves the user and its email as they were when the transaction of an email change hangs', async () => {
    const address = `before-${someId()}@example.com`;
    const created = await handlers.invoke('create-user', {
      method: 'POST',
      path: '/users',
      headers: JSON_HEADERS,
      body: JSON.stringify({ email: address, name: 'Before' }),
    });
    const userId = created.json.userId as string;
    await dynamo.set({ mode: 'fail', target: 'TransactWriteItems' });
    const { reply } = await underFault('update-user', {
      method: 'PATCH',
      path: `/users/${userId}`,
      pathParameters: { userId },
      headers: JSON_HEADERS,
      body: JSON.stringify({ email: `after-${someId()}@example.com` }),
    });
    expect(reply.statusCode).toBe(503);
    await dynamo.set({ mode: 'pass' });
    const after = await handlers.invoke('get-user', {
      path: `/users/${userId}`,
      pathParameters: { userId },
    });
    expect([after.json.email, after.headers?.ETag]).toEqual([address, '"1"']);
    // The old email is still held, so a second user cannot take it.
    const taken = await handlers.invoke('create-user', {
      method: 'POST',
      path: '/users',
      headers: JSON_HEADERS,
      body: JSON.stringify({ email: address, name: 'Thief' }),
    });
    expect(taken.statusCode).toBe(409);
  });

  it('answers a keyed create whose idempotency record cannot be written with 503, and the retry creates the user once', async () => {
    const key = someId();
    const body = JSON.stringify({ email: `keyed-${someId()}@example.com`, name: 'K' });
    const keyed: EventOptions = {
      method: 'POST',
      path: '/users',
      headers: { ...JSON_HEADERS, 'Idempotency-Key': key },
      body,
    };
    await dynamo.set({ mode: 'fail', target: 'PutItem' });
    const { reply, lines } = await underFault('create-user', keyed);
    expect([reply.statusCode, reply.json.code]).toEqual([503, 'service_unavailable']);
    expect(lines[0]).toMatchObject({ fault: 'timeout' });
    await dynamo.set({ mode: 'pass' });
    const users = await count('users');
    const retry = await handlers.invoke('create-user', keyed);
    expect(retry.statusCode).toBe(201);
    expect(await count('users')).toBe(users + 1);
    expect((await handlers.invoke('create-user', keyed)).json).toEqual(retry.json);
  }, 15_000);

  it('finds the user a keyed create made when its transaction committed but the answer was lost', async () => {
    const keyed: EventOptions = {
      method: 'POST',
      path: '/users',
      headers: { ...JSON_HEADERS, 'Idempotency-Key': someId() },
      body: JSON.stringify({ email: `lost-${someId()}@example.com`, name: 'Lost' }),
    };
    const users = await count('users');
    await dynamo.set({ mode: 'lose-answer', target: 'TransactWriteItems' });
    const { reply } = await underFault('create-user', keyed);
    expect([reply.statusCode, reply.json.code]).toEqual([503, 'service_unavailable']);
    await dynamo.set({ mode: 'pass' });
    // It did commit: the user and its claim are there, once.
    expect(await count('users')).toBe(users + 1);
    const retry = await handlers.invoke('create-user', keyed);
    expect(retry.statusCode).toBe(201);
    expect(await count('users')).toBe(users + 1);
  }, 15_000);

  it('answers a retried create without a key 409 when the lost attempt did commit (what the key is for)', async () => {
    const unkeyed = requests['create-user']();
    await dynamo.set({ mode: 'lose-answer', target: 'TransactWriteItems' });
    expect((await underFault('create-user', unkeyed)).reply.statusCode).toBe(503);
    await dynamo.set({ mode: 'pass' });
    const retry = await handlers.invoke('create-user', unkeyed);
    expect([retry.statusCode, retry.json.code]).toEqual([409, 'conflict']);
  }, 15_000);

  it('answers a retried PATCH with the same If-Match 412 when the lost attempt did commit', async () => {
    const created = await handlers.invoke('create-user', requests['create-user']());
    const userId = created.json.userId as string;
    const patch: EventOptions = {
      method: 'PATCH',
      path: `/users/${userId}`,
      pathParameters: { userId },
      headers: { ...JSON_HEADERS, 'If-Match': '"1"' },
      body: JSON.stringify({ name: 'Changed' }),
    };
    await dynamo.set({ mode: 'lose-answer', target: 'UpdateItem' });
    expect((await underFault('update-user', patch)).reply.statusCode).toBe(503);
    await dynamo.set({ mode: 'pass' });
    const retry = await handlers.invoke('update-user', patch);
    expect([retry.statusCode, retry.json.code]).toEqual([412, 'precondition_failed']);
    const now = await handlers.invoke('get-user', {
      path: `/users/${userId}`,
      pathParameters: { userId },
    });
    expect([now.json.name, now.headers?.ETag]).toEqual(['Changed', '"2"']);
  }, 15_000);
});
