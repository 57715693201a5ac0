import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { NewUser, Role, User, UserPage, UserPatch } from '../generated/components.ts';
import { HttpProblem } from '../route-chain/problem.ts';
import { configFromEnvironment } from '../shared/cold-start.ts';
import { loadUsersConfig, type UsersConfig } from './config.ts';

/** The types of the shared schemas (schemas/components/), generated: the one statement of a user. */
export type { NewUser, Role, User, UserPage, UserPatch };

export type UpdateResult =
  | { readonly outcome: 'updated'; readonly user: User }
  /** The stored user is an admin and the caller may not change admins. */
  | { readonly outcome: 'protected' }
  | { readonly outcome: 'not_found' };

/** The users table (partition key `userId`), through the DynamoDB document client. */
class UserStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  async create(input: NewUser, createdBy: string): Promise<User> {
    const now = new Date().toISOString();
    const user: User = {
      userId: randomUUID(),
      email: input.email,
      name: input.name,
      role: input.role,
      createdAt: now,
      updatedAt: now,
      createdBy,
    };
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: user,
        ConditionExpression: 'attribute_not_exists(userId)',
      }),
    );
    return user;
  }

  async get(userId: string): Promise<User | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: { userId }, ConsistentRead: true }),
    );
    return Item as User | undefined;
  }

  async list(limit: number, cursor: string | undefined): Promise<UserPage> {
    const { Items = [], LastEvaluatedKey } = await this.#db.send(
      new ScanCommand({
        TableName: this.#table,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor) } : {}),
      }),
    );
    return {
      items: Items as User[],
      nextCursor: LastEvaluatedKey ? encodeCursor(LastEvaluatedKey) : null,
    };
  }

  /**
   * Applies the changes in one conditional UpdateItem. With `protectAdmins`, the write also
   * requires that the stored role is not `admin` *at the moment of the write*: a check read
   * earlier could be overtaken by a concurrent promotion.
   */
  async update(
    userId: string,
    changes: UserPatch,
    { protectAdmins }: { protectAdmins: boolean },
  ): Promise<UpdateResult> {
    const fields = Object.entries(changes).filter(([, v]) => v !== undefined);
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': new Date().toISOString() };
    const sets = ['#updatedAt = :updatedAt'];
    for (const [key, value] of fields) {
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    let condition = 'attribute_exists(userId)';
    if (protectAdmins) {
      names['#storedRole'] = 'role';
      values[':admin'] = 'admin';
      condition += ' AND #storedRole <> :admin';
    }
    try {
      const { Attributes } = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { userId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'updated', user: Attributes as User };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Which half of the condition failed: read once, only on this refusal path, to answer 404
      // or 403. (DynamoDB could return the item with the failure, ReturnValuesOnConditionCheckFailure,
      // but not every DynamoDB implementation does, dynalite among them.)
      return { outcome: (await this.get(userId)) ? 'protected' : 'not_found' };
    }
  }

  /** True when a user was deleted, false when there was none. */
  async delete(userId: string): Promise<boolean> {
    try {
      await this.#db.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { userId },
          ConditionExpression: 'attribute_exists(userId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

// Keys are `randomUUID()`, which is lower case; the route schemas use the same pattern.
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The cursor is DynamoDB's LastEvaluatedKey, made opaque. Decoding accepts only the key shape
// this table has (one userId that could exist), so a forged cursor can neither steer the scan
// anywhere else nor reach DynamoDB with a key it refuses (an empty string is a 500 there).
const encodeCursor = (key: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const userId = (key as { userId?: unknown } | undefined)?.userId;
  if (
    typeof key !== 'object' ||
    key === null ||
    Object.keys(key).length !== 1 ||
    typeof userId !== 'string' ||
    !USER_ID.test(userId)
  ) {
    throw new HttpProblem('invalid_request', 'The cursor is not one this API returned', {
      extra: {
        errors: [{ path: '/queryStringParameters/cursor', message: 'is not a valid cursor' }],
      },
    });
  }
  return { userId };
}

function createUserStore(config: UsersConfig): UserStore {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.endpoint
      ? // dynalite accepts any credentials; fixed ones keep a developer's real AWS keys out of local runs.
        {
          endpoint: config.endpoint.href,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  });
  return new UserStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    config.tableName,
  );
}

let store: UserStore | undefined;
/**
 * The store for this container. Handlers call it at import, so the table configuration is read
 * and checked at cold start: a missing USERS_TABLE fails the init, not every request.
 */
export const userStore = (): UserStore =>
  (store ??= createUserStore(configFromEnvironment(loadUsersConfig)));
