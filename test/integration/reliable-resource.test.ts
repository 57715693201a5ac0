import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { dynamoClient } from '../../local/dynamo.ts';
import { defaultContext, type EventOptions } from '../support/events.ts';
import { startHandlers, type Handlers, type Reply } from '../support/handlers.ts';

/**
 * The users resource as a model of a reliable REST resource, through the real handlers on
 * DynamoDB Local: unique emails (a transaction with the user), idempotent creates
 * (Idempotency-Key), no lost updates (ETag / If-Match), each with its races.
 */
let handlers: Handlers;
// Another writer's request, run once right after the handlers' next read of a user (GetItem)
// has its answer: it lands exactly between that read and the write the read decides.
let afterNextRead: (() => Promise<unknown>) | undefined;
beforeAll(async () => {
  handlers = await startHandlers('reliable');
  // The handlers' own DynamoDB client (this suite's module registry, as startHandlers loaded it).
  const { usersDynamo } = await import('../../src/users/store.ts');
  usersDynamo().client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const action = context.commandName === 'GetItemCommand' ? afterNextRead : undefined;
      if (action) {
        afterNextRead = undefined;
        await action();
      }
      return result;
    },
    { step: 'initialize', name: 'afterNextRead' },
  );
}, 60_000);
afterAll(() => handlers.close());

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const email = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;

function create(
  body: Record<string, unknown>,
  { key, sub = 'writer-1', iss }: { key?: string; sub?: string; iss?: string } = {},
): Promise<Reply> {
  return handlers.invoke('create-user', {
    method: 'POST',
    path: '/users',
    headers: { ...JSON_HEADERS, ...(key === undefined ? {} : { 'Idempotency-Key': key }) },
    body: JSON.stringify(body),
    authorizer: defaultContext({ sub, ...(iss ? { iss } : {}) }),
  });
}

const byId = (userId: string, options: EventOptions = {}) => ({
  path: `/users/${userId}`,
  pathParameters: { userId },
  ...options,
});
const get = (userId: string) => handlers.invoke('get-user', byId(userId));
const patch = (userId: string, body: Record<string, unknown>, ifMatch?: string) =>
  handlers.invoke(
    'update-user',
    byId(userId, {
      method: 'PATCH',
      headers: { ...JSON_HEADERS, ...(ifMatch === undefined ? {} : { 'If-Match': ifMatch }) },
      body: JSON.stringify(body),
    }),
  );
const remove = (userId: string, ifMatch?: string) =>
  handlers.invoke(
    'delete-user',
    byId(userId, {
      method: 'DELETE',
      headers: ifMatch === undefined ? {} : { 'If-Match': ifMatch },
    }),
  );

async function scan(table: 'users' | 'uniqueValues' | 'idempotency') {
  const client = dynamoClient(handlers.dynamo);
  try {
    const { Items = [] } = await client.send(
      new ScanCommand({ TableName: handlers.tables[table], ConsistentRead: true }),
    );
    return Items.map((item) => unmarshall(item));
  } finally {
    client.destroy();
  }
}
async function dropIdempotencyRecords(): Promise<void> {
  const client = dynamoClient(handlers.dynamo);
  try {
    for (const record of await scan('idempotency'))
      await client.send(
        new DeleteItemCommand({
          TableName: handlers.tables.idempotency,
          Key: { id: { S: String(record.id) } },
        }),
      );
  } finally {
    client.destroy();
  }
}

/** A user as the store wrote it before versions and unique emails: no version, no claim. */
async function legacyUser(address: string): Promise<string> {
  const userId = randomUUID();
  const client = dynamoClient(handlers.dynamo);
  const now = new Date().toISOString();
  try {
    await client.send(
      new PutItemCommand({
        TableName: handlers.tables.users,
        Item: marshall({
          userId,
          email: address,
          name: 'Legacy',
          role: 'member',
          createdAt: now,
          updatedAt: now,
          createdBy: 'old',
        }),
      }),
    );
  } finally {
    client.destroy();
  }
  return userId;
}

const usersWithEmail = async (address: string) =>
  (await scan('users')).filter((u) => String(u.email).toLowerCase() === address.toLowerCase());
const claimsOf = async (address: string) =>
  (await scan('uniqueValues')).filter((c) => c.uniqueValue === `email#${address.toLowerCase()}`);

describe('unique emails', () => {
  it('refuses a second user with the same email, in any case, with 409 conflict naming the field', async () => {
    const address = email('ada');
    expect((await create({ email: address, name: 'Ada' })).statusCode).toBe(201);
    const again = await create({ email: address.toUpperCase(), name: 'Other Ada' });
    expect([again.statusCode, again.json.code]).toEqual([409, 'conflict']);
    expect(again.json.errors).toEqual([{ path: '/body/email', message: 'is already taken' }]);
    expect(await usersWithEmail(address)).toHaveLength(1);
    expect(await claimsOf(address)).toHaveLength(1);
  });

  it('lets exactly one of 20 concurrent creates with one email win, and writes nothing for the others', async () => {
    const address = email('race');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => create({ email: address, name: `Racer ${i}` })),
    );
    const statuses = replies.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const [user] = await usersWithEmail(address);
    expect(await usersWithEmail(address)).toHaveLength(1);
    expect(await claimsOf(address)).toEqual([
      expect.objectContaining({ owner: user!.userId, field: 'email' }),
    ]);
  });

  it('moves the claim on an email change: the old email is free again, a taken one is refused', async () => {
    const [first, second] = [email('first'), email('second')];
    const a = (await create({ email: first, name: 'A' })).json.userId as string;
    const b = (await create({ email: second, name: 'B' })).json.userId as string;
    const taken = await patch(a, { email: second.toUpperCase() });
    expect([taken.statusCode, taken.json.code]).toEqual([409, 'conflict']);
    expect((await get(a)).json.email).toBe(first);

    const renamed = email('renamed');
    expect((await patch(a, { email: renamed })).statusCode).toBe(200);
    expect(await claimsOf(first)).toEqual([]);
    expect(await claimsOf(renamed)).toEqual([expect.objectContaining({ owner: a })]);
    expect((await create({ email: first, name: 'New owner' })).statusCode).toBe(201);
    // A change of case keeps the same claim.
    expect((await patch(b, { email: second.toUpperCase() })).statusCode).toBe(200);
    expect(await claimsOf(second)).toEqual([expect.objectContaining({ owner: b })]);
  });

  it('frees the email when the user is deleted', async () => {
    const address = email('gone');
    const id = (await create({ email: address, name: 'Gone' })).json.userId as string;
    expect((await remove(id)).statusCode).toBe(204);
    expect(await claimsOf(address)).toEqual([]);
    expect((await create({ email: address, name: 'Back' })).statusCode).toBe(201);
  });
});

describe('idempotent creates (Idempotency-Key)', () => {
  it('answers a retry with the same key and body exactly as the first time, without a second user', async () => {
    const key = randomUUID();
    const body = { email: email('idem'), name: 'Idem' };
    const first = await create(body, { key });
    const retry = await create(body, { key });
    expect(first.statusCode).toBe(201);
    expect(retry).toEqual(first);
    expect(retry.headers?.Location).toBe(`/users/${first.json.userId}`);
    expect(await usersWithEmail(body.email)).toHaveLength(1);
  });

  it('treats the quoted form of the key (a Structured Field string) as the same key', async () => {
    const key = randomUUID();
    const body = { email: email('quoted'), name: 'Q' };
    const bare = await create(body, { key });
    expect(await create(body, { key: `"${key}"` })).toEqual(bare);
  });

  it('refuses the same key with another body with 422 idempotency_key_reused', async () => {
    const key = randomUUID();
    expect((await create({ email: email('one'), name: 'One' }, { key })).statusCode).toBe(201);
    const other = await create({ email: email('two'), name: 'Two' }, { key });
    expect([other.statusCode, other.json.code]).toEqual([422, 'idempotency_key_reused']);
  });

  it.each([
    ['another subject of the same auth server', { sub: 'writer-1' }, { sub: 'writer-2' }],
    [
      'the same subject at another auth server',
      { iss: 'https://a.example' },
      { iss: 'https://b.example' },
    ],
  ])(
    'keeps keys per caller: the same key from %s is another request',
    async (_name, mine, theirs) => {
      const key = randomUUID();
      const first = await create({ email: email('mine'), name: 'Mine' }, { key, ...mine });
      const second = await create({ email: email('theirs'), name: 'Theirs' }, { key, ...theirs });
      expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
      expect(second.json.userId).not.toBe(first.json.userId);
    },
  );

  it('refuses a key whose user was changed since, once its record is gone, with 422 (not a 409 on a free email)', async () => {
    const key = randomUUID();
    const body = { email: email('changed'), name: 'Before' };
    const first = await create(body, { key });
    await patch(first.json.userId, { name: 'After' });
    await dropIdempotencyRecords();
    const retry = await create(body, { key });
    expect([retry.statusCode, retry.json.code]).toEqual([422, 'idempotency_key_reused']);
  });

  it('creates one user for 20 concurrent requests with one key, and gives all 20 the same answer', async () => {
    const key = randomUUID();
    const body = { email: email('burst'), name: 'Burst' };
    const replies = await Promise.all(Array.from({ length: 20 }, () => create(body, { key })));
    expect(replies.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    expect(new Set(replies.map((r) => JSON.stringify([r.body, r.headers])))).toHaveProperty(
      'size',
      1,
    );
    expect(await usersWithEmail(body.email)).toHaveLength(1);
  });

  it('finds the user an earlier attempt made when that attempt committed but its answer was lost', async () => {
    const key = randomUUID();
    const body = { email: email('lost'), name: 'Lost' };
    const first = await create(body, { key });
    // What a lost answer leaves behind: the user and its claim, but no completed record.
    await dropIdempotencyRecords();
    const retry = await create(body, { key });
    expect([retry.statusCode, retry.json]).toEqual([201, first.json]);
    expect(await usersWithEmail(body.email)).toHaveLength(1);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['with spaces and no quotes', 'two words'],
    ['an unterminated quoted string', '"abc'],
  ])('refuses a key that is %s with 400', async (_name, key) => {
    const reply = await create({ email: email('badkey'), name: 'K' }, { key });
    expect([reply.statusCode, reply.json.code]).toEqual([400, 'invalid_request']);
    expect(reply.json.errors.map((e: { path: string }) => e.path)).toContain(
      '/headers/idempotency-key',
    );
  });
});

describe('no lost updates (ETag / If-Match)', () => {
  it('publishes the version as a strong ETag that each write bumps', async () => {
    const created = await create({ email: email('etag'), name: 'E' });
    const id = created.json.userId as string;
    expect(created.headers?.ETag).toBe('"1"');
    expect((await get(id)).headers?.ETag).toBe('"1"');
    const changed = await patch(id, { name: 'E2' });
    expect(changed.headers?.ETag).toBe('"2"');
    expect((await get(id)).headers?.ETag).toBe('"2"');
  });

  it('applies a change sent with the current ETag and refuses one with a stale ETag with 412', async () => {
    const id = (await create({ email: email('stale'), name: 'S' })).json.userId as string;
    expect((await patch(id, { name: 'S2' }, '"1"')).statusCode).toBe(200);
    const stale = await patch(id, { name: 'S3' }, '"1"');
    expect([stale.statusCode, stale.json.code]).toEqual([412, 'precondition_failed']);
    expect((await get(id)).json.name).toBe('S2');
    const deleteStale = await remove(id, '"1"');
    expect([deleteStale.statusCode, deleteStale.json.code]).toEqual([412, 'precondition_failed']);
    expect((await remove(id, '"2"')).statusCode).toBe(204);
  });

  it('matches * and any tag of a list; never a weak tag or a tag that is not ours', async () => {
    const id = (await create({ email: email('list'), name: 'L' })).json.userId as string;
    expect((await patch(id, { name: 'L2' }, '*')).statusCode).toBe(200);
    expect((await patch(id, { name: 'L3' }, '"7", "2"')).statusCode).toBe(200);
    expect((await patch(id, { name: 'L4' }, 'W/"3"')).statusCode).toBe(412);
    expect((await patch(id, { name: 'L4' }, '"abc"')).statusCode).toBe(412);
    // An email change goes through the transaction path: the same rules.
    expect((await patch(id, { email: email('list2') }, '"2"')).statusCode).toBe(412);
    expect((await patch(id, { email: email('list3') }, '"3"')).statusCode).toBe(200);
  });

  it('keeps last-writer-wins without If-Match, as documented', async () => {
    const id = (await create({ email: email('lww'), name: 'W' })).json.userId as string;
    expect((await patch(id, { name: 'W1' })).statusCode).toBe(200);
    expect((await patch(id, { name: 'W2' })).statusCode).toBe(200);
    expect((await get(id)).json.name).toBe('W2');
  });

  it('answers 404 for a missing user and 403 for a protected admin whatever If-Match says', async () => {
    const missing = randomUUID();
    expect((await patch(missing, { name: 'x' }, '"1"')).statusCode).toBe(404);
    expect((await remove(missing, '"1"')).statusCode).toBe(404);
    const admin = (await create({ email: email('admin'), name: 'A', role: 'admin' })).json
      .userId as string;
    const byWriter = await handlers.invoke(
      'update-user',
      byId(admin, {
        method: 'PATCH',
        headers: { ...JSON_HEADERS, 'If-Match': '"9"' },
        body: JSON.stringify({ name: 'x' }),
        authorizer: defaultContext({ scope: 'users:read users:write' }),
      }),
    );
    expect([byWriter.statusCode, byWriter.json.code]).toEqual([403, 'insufficient_scope']);
  });

  it.each([
    ['no quotes', '1'],
    ['garbage', '"1" junk'],
    ['too long', `"${'1'.repeat(1100)}"`],
  ])('refuses an If-Match with %s with 400', async (_name, header) => {
    const id = (await create({ email: email('badmatch'), name: 'B' })).json.userId as string;
    const reply = await patch(id, { name: 'x' }, header);
    expect([reply.statusCode, reply.json.code]).toEqual([400, 'invalid_request']);
  });

  it('lets one of two concurrent changes with the same If-Match win and refuses the other with 412', async () => {
    for (const change of [{ name: 'racer' }, { email: email('racer') }]) {
      const id = (await create({ email: email('pair'), name: 'P' })).json.userId as string;
      const [one, two] = await Promise.all([
        patch(id, { ...change }, '"1"'),
        patch(id, 'email' in change ? { email: email('racer2') } : { name: 'other' }, '"1"'),
      ]);
      expect([one.statusCode, two.statusCode].sort()).toEqual([200, 412]);
      expect((await get(id)).headers?.ETag).toBe('"2"');
    }
  });

  it('treats a user written before versions were kept as version 0, for If-Match, email changes and deletes', async () => {
    const address = email('legacy');
    const id = await legacyUser(address);
    expect((await get(id)).headers?.ETag).toBe('"0"');
    expect((await patch(id, { name: 'x' }, '"1"')).statusCode).toBe(412);
    const changed = await patch(id, { name: 'Renamed' }, '"0"');
    expect([changed.statusCode, changed.headers?.ETag]).toEqual([200, '"1"']);
    const moved = await patch(id, { email: email('legacy-moved') });
    expect([moved.statusCode, moved.headers?.ETag]).toEqual([200, '"2"']);
    expect((await remove(id, '"2"')).statusCode).toBe(204);
  });

  it("does not free another user's claim when a user written before unique emails changes its email or is deleted", async () => {
    const address = email('shared');
    const legacy = await legacyUser(address);
    // Nothing held the legacy user's email, so another user took it.
    const owner = (await create({ email: address, name: 'Owner' })).json.userId as string;
    expect((await patch(legacy, { email: email('elsewhere') })).statusCode).toBe(200);
    expect(await claimsOf(address)).toEqual([expect.objectContaining({ owner })]);
    const another = await legacyUser(email('other'));
    await patch(another, { name: 'x' });
    const second = await legacyUser(address);
    expect((await remove(second)).statusCode).toBe(204);
    expect(await claimsOf(address)).toEqual([expect.objectContaining({ owner })]);
  });
});

describe('a user deleted between the read and the write', () => {
  // An email change and a delete read the user, then write on a condition. Whatever that
  // condition says about the version, DynamoDB evaluates it on a missing item as on one without
  // attributes (and an UpdateItem creates what is missing), so the write must also require the
  // user to be there.
  const kinds = {
    'written before versions were kept': (address: string) => legacyUser(address),
    'with a version': async (address: string) =>
      (await create({ email: address, name: 'Versioned' })).json.userId as string,
  };
  const writes = {
    'an email change': (id: string, address: string) => patch(id, { email: address }),
    'an email change with If-Match *': (id: string, address: string) =>
      patch(id, { email: address }, '*'),
    'a delete': (id: string) => remove(id),
  };
  const cases = Object.keys(writes).flatMap((write) =>
    Object.keys(kinds).map((kind) => [write, kind] as [keyof typeof writes, keyof typeof kinds]),
  );

  it.each(cases)(
    'answers %s to a user %s with 404 and writes nothing: no partial user, no email claim',
    async (write, kind) => {
      const id = await kinds[kind](email('raced'));
      const address = email('raced-new');
      let concurrentDelete: Reply | undefined;
      afterNextRead = async () => {
        concurrentDelete = await remove(id);
      };
      const reply = await writes[write](id, address);
      expect(concurrentDelete?.statusCode).toBe(204);
      expect([reply.statusCode, reply.json?.code]).toEqual([404, 'not_found']);
      expect((await scan('users')).filter((user) => user.userId === id)).toEqual([]);
      expect(await claimsOf(address)).toEqual([]);
    },
  );

  // A change without an email is one conditional UpdateItem, with no read before it: the same
  // guarantee, for a user already gone when it arrives.
  it.each([
    ['without If-Match', undefined],
    ['with If-Match "0"', '"0"'],
    ['with If-Match *', '*'],
  ])(
    'answers a name change %s to a user deleted before it with 404 and writes nothing',
    async (_name, ifMatch) => {
      const id = await legacyUser(email('gone'));
      expect((await remove(id)).statusCode).toBe(204);
      const reply = await patch(id, { name: 'Late' }, ifMatch);
      expect([reply.statusCode, reply.json?.code]).toEqual([404, 'not_found']);
      expect((await scan('users')).filter((user) => user.userId === id)).toEqual([]);
    },
  );
});
