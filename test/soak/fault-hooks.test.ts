import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { startAuthServer, type AuthServer } from '../../local/auth-server.ts';
import {
  createTables,
  dynamoClient,
  newNamespace,
  startDynamoLocal,
  tableNames,
} from '../../local/dynamo.ts';
import { freePort } from '../../local/ports.ts';
import { requestToken } from '../../local/stack.ts';

/**
 * The local stack's fault hooks the soak drives, each on its own: a key retired from the JWKS,
 * the issuer's keys out of reach two ways, DynamoDB Local killed and started again on its files.
 */
let dir: string;
let auth: AuthServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fault-hooks-'));
  auth = await startAuthServer({ port: 0, keysFile: join(dir, 'jwks.json') });
});

afterAll(async () => {
  await auth.close();
  rmSync(dir, { recursive: true, force: true });
});

const jwksKids = async () => {
  const response = await fetch(`${auth.issuer}/jwks`);
  return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
};
const jwksStatus = () =>
  fetch(`${auth.issuer}/jwks`).then(
    (r) => r.status,
    (error: Error) => (error.cause as { code?: string }).code,
  );

describe('the auth server’s key hooks', () => {
  it('signs with the new key after a rotation, publishes both, and publishes only the new one once the old is retired', async () => {
    const oldKid = auth.currentKid();
    const newKid = await auth.rotateKeys();
    expect(await jwksKids()).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(decodeProtectedHeader(await requestToken(auth, 'reader')).kid).toBe(newKid);
    await auth.retireKey(oldKid);
    expect(await jwksKids()).not.toContain(oldKid);
    expect(await jwksKids()).toContain(newKid);
    expect(auth.publishedKids()).toEqual(await jwksKids());
  });

  it('refuses to retire the key new tokens are signed with', async () => {
    await expect(auth.retireKey(auth.currentKid())).rejects.toThrow(/signs new tokens/);
  });

  it('fails the JWKS with 503 while tokens are still issued, and serves it again after', async () => {
    await auth.jwksOutage('failing');
    expect(await jwksStatus()).toBe(503);
    await expect(requestToken(auth, 'reader')).resolves.toMatch(/\./);
    await auth.jwksOutage(undefined);
    expect(await jwksStatus()).toBe(200);
  });

  it('takes the whole host down (connections refused, token endpoint too), then brings it back on the same port', async () => {
    await auth.jwksOutage('down');
    expect(await jwksStatus()).toBe('ECONNREFUSED');
    await expect(requestToken(auth, 'reader')).rejects.toThrow();
    await auth.jwksOutage(undefined);
    expect(await jwksStatus()).toBe(200);
    await expect(requestToken(auth, 'reader')).resolves.toMatch(/\./);
  });
});

describe('DynamoDB Local on data files', () => {
  it('keeps what was written across a kill (SIGKILL) and a start on the same port and files', async () => {
    const port = await freePort();
    const dbPath = join(dir, 'dynamo');
    mkdirSync(dbPath);
    let server = await startDynamoLocal(port, { dbPath });
    const namespace = newNamespace(server.endpoint);
    await createTables(namespace, 'hooks');
    const table = tableNames('hooks').users;
    const client = dynamoClient(namespace);
    try {
      await client.send(new PutItemCommand({ TableName: table, Item: { userId: { S: 'kept' } } }));
      await server.crash();
      await expect(
        client.send(new GetItemCommand({ TableName: table, Key: { userId: { S: 'kept' } } })),
      ).rejects.toThrow();
      server = await startDynamoLocal(port, { dbPath });
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: { userId: { S: 'kept' } } }),
      );
      expect(Item?.userId?.S).toBe('kept');
    } finally {
      client.destroy();
      await server.close();
    }
  }, 60_000);
});
