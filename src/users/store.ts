import {
  GetCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { NewUser, Role, User, UserPage, UserPatch } from '../generated/components.ts';
import {
  allOf,
  conditionParams,
  itemExists,
  NO_CONDITION,
  type Condition,
} from '../resource/conditions.ts';
import { perContainer, resourceContainer } from '../resource/container.ts';
import { keyCursor } from '../resource/cursor.ts';
import { callOptions, type DynamoClients } from '../resource/dynamo-client.ts';
import { IdempotencyKeyReused } from '../resource/errors.ts';
import { withFaults } from '../resource/faults.ts';
import { contention, transactWrite } from '../resource/transactions.ts';
import {
  sameValue,
  uniqueConflict,
  uniqueValues,
  type TransactItem,
  type UniqueField,
  type UniqueValues,
} from '../resource/unique-values.ts';
import { definedFields, updateItem } from '../resource/update-item.ts';
import {
  atVersion,
  matchesVersion,
  VERSION_ATTRIBUTE,
  versionCondition,
  type IfMatch,
} from '../resource/versioning.ts';
import { loadUsersConfig, type UsersConfig } from './users-config.ts';

/** The types of the shared schemas (schemas/components/), generated: the one statement of a user. */
export type { NewUser, Role, User, UserPage, UserPatch };

/** A user with the version its ETag publishes. */
export interface VersionedUser {
  readonly user: User;
  readonly version: number;
}

export type UpdateResult =
  | { readonly outcome: 'updated'; readonly user: User; readonly version: number }
  /** The stored user is an admin and the caller may not change admins. */
  | { readonly outcome: 'protected' }
  | { readonly outcome: 'not_found' }
  /** `If-Match` named another version. */
  | { readonly outcome: 'precondition_failed' };

export type DeleteResult = 'deleted' | 'not_found' | 'precondition_failed';

/** Emails are unique, compared without regard to case. */
export const EMAIL: UniqueField = { field: 'email', normalise: (email) => email.toLowerCase() };

// A write that read the item first and found it changed before its own conditional write
// (another writer in between) reads again; past this many tries it answers 503.
const MAX_TRIES = 3;

/** The item as stored: the user and its version. */
type Item = User & { [VERSION_ATTRIBUTE]: number };

/**
 * A user with its fields in the schema's order: DynamoDB hands attributes back in no particular
 * order, and a replayed answer (Idempotency-Key) must be the same bytes as the first.
 */
export const inSchemaOrder = (user: User): User => ({
  userId: user.userId,
  email: user.email,
  name: user.name,
  role: user.role,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
  createdBy: user.createdBy,
});

const split = (item: Item): VersionedUser => ({
  user: inSchemaOrder(item),
  version: item[VERSION_ATTRIBUTE] ?? 0,
});

/**
 * The users table (partition key `userId`) and the emails taken (unique-values table), through
 * the DynamoDB document client. Every call runs under the clients' time budget and turns a
 * DynamoDB fault into 503 (src/resource/faults.ts).
 */
class UserStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tables: UsersConfig['tables'];
  readonly #emails: UniqueValues;

  constructor(clients: DynamoClients, tables: UsersConfig['tables']) {
    this.#db = clients.doc;
    this.#tables = tables;
    this.#emails = uniqueValues(tables.uniqueValues, EMAIL);
  }

  /**
   * Writes the user and its email claim in one transaction: a taken email answers 409 and
   * nothing is written. `userId` is given on a keyed (idempotent) create: if an earlier attempt
   * with the same key did commit, that user is this create's result.
   */
  async create(
    input: NewUser,
    createdBy: string,
    userId: string = randomUUID(),
  ): Promise<VersionedUser> {
    const now = new Date().toISOString();
    const item: Item = {
      userId,
      email: input.email,
      name: input.name,
      role: input.role,
      createdAt: now,
      updatedAt: now,
      createdBy,
      [VERSION_ATTRIBUTE]: 1,
    };
    const failed = await transactWrite(this.#db, [
      {
        Put: {
          TableName: this.#tables.users,
          Item: item,
          ConditionExpression: 'attribute_not_exists(userId)',
        },
      },
      this.#emails.claim(input.email, userId),
    ]);
    if (!failed) return split(item);
    if (failed.includes(0)) {
      // The id is taken: only a keyed create (its id derived from the key) gets here. The user
      // an earlier attempt with the same key made is this create's result; anything else is
      // the key reused for another request.
      const earlier = await this.get(userId);
      if (earlier && sameCreate(earlier.user, input, createdBy)) return earlier;
      throw new IdempotencyKeyReused(
        'This Idempotency-Key was used for another user; use a new key for a new request',
      );
    }
    throw uniqueConflict(EMAIL, '/body/email');
  }

  async get(userId: string): Promise<VersionedUser | undefined> {
    const { Item } = await withFaults(() =>
      this.#db.send(
        new GetCommand({ TableName: this.#tables.users, Key: { userId }, ConsistentRead: true }),
        callOptions(),
      ),
    );
    return Item ? split(Item as Item) : undefined;
  }

  async list(limit: number, cursor: string | undefined): Promise<UserPage> {
    const { Items = [], LastEvaluatedKey } = await withFaults(() =>
      this.#db.send(
        new ScanCommand({
          TableName: this.#tables.users,
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: CURSOR.decode(cursor) } : {}),
        }),
        callOptions(),
      ),
    );
    return {
      items: (Items as Item[]).map((item) => split(item).user),
      nextCursor: LastEvaluatedKey ? CURSOR.encode(LastEvaluatedKey) : null,
    };
  }

  /**
   * Applies the changes. With `protectAdmins`, the write also requires that the stored role is
   * not `admin` *at the moment of the write*: a check read earlier could be overtaken by a
   * concurrent promotion. With `ifMatch`, it requires the version named. Without an email
   * change it is one conditional UpdateItem; with one, the new email is claimed and the old one
   * released in the same transaction as the change.
   */
  async update(
    userId: string,
    changes: UserPatch,
    options: { protectAdmins: boolean; ifMatch?: IfMatch | undefined },
  ): Promise<UpdateResult> {
    if (changes.email === undefined) return this.#updateInPlace(userId, changes, options);
    let releaseOld = true;
    for (let tries = 0; tries < MAX_TRIES; tries += 1) {
      const current = await this.get(userId);
      const refused = refusal(current, options);
      if (refused) return refused;
      const { user, version } = current!;
      const now = new Date().toISOString();
      const update = updateItem({
        table: this.#tables.users,
        key: { userId },
        changes,
        now,
        condition: allOf(atVersion(version), notAdmin(options.protectAdmins)),
      });
      const moving = !sameValue(EMAIL, user.email, changes.email);
      const items: TransactItem[] = [
        { Update: update },
        ...(moving ? [this.#emails.claim(changes.email, userId)] : []),
        ...(moving && releaseOld ? [this.#emails.release(user.email, userId)] : []),
      ];
      const failed = await transactWrite(this.#db, items);
      if (!failed) {
        // What this write stored, not a later read: another writer may already be at work.
        const written = inSchemaOrder({ ...user, ...definedFields(changes), updatedAt: now });
        return { outcome: 'updated', user: written, version: version + 1 };
      }
      if (failed.includes(1)) throw uniqueConflict(EMAIL, '/body/email');
      // The old email's claim is someone else's: the user predates unique emails and another
      // user has taken its email since. Move on without releasing what is not ours.
      if (failed.includes(2)) releaseOld = false;
      // Else the user changed after we read it: read again, and decide again.
    }
    throw contention();
  }

  /**
   * Deletes the user and releases its email in one transaction. `ifMatch`: only the version
   * named.
   */
  async delete(
    userId: string,
    { ifMatch }: { ifMatch?: IfMatch | undefined } = {},
  ): Promise<DeleteResult> {
    let releaseClaim = true;
    for (let tries = 0; tries < MAX_TRIES; tries += 1) {
      const current = await this.get(userId);
      if (!current) return 'not_found';
      if (!matchesVersion(ifMatch, current.version)) return 'precondition_failed';
      const failed = await transactWrite(this.#db, [
        {
          Delete: {
            TableName: this.#tables.users,
            Key: { userId },
            // Deleting a missing item succeeds in DynamoDB: without EXISTS, a user deleted by
            // someone else since the read would be "deleted" twice, with 204 both times.
            ...conditionParams(allOf(EXISTS, atVersion(current.version))),
          },
        },
        ...(releaseClaim ? [this.#emails.release(current.user.email, userId)] : []),
      ]);
      if (!failed) return 'deleted';
      // The email's claim is someone else's (the user predates unique emails): not ours to free.
      if (failed.includes(1)) releaseClaim = false;
    }
    throw contention();
  }

  async #updateInPlace(
    userId: string,
    changes: UserPatch,
    { protectAdmins, ifMatch }: { protectAdmins: boolean; ifMatch?: IfMatch | undefined },
  ): Promise<UpdateResult> {
    const version = versionCondition(ifMatch);
    if (version.impossible) return refusal(await this.get(userId), { protectAdmins, ifMatch })!;
    try {
      const { Attributes } = await withFaults(() =>
        this.#db.send(
          new UpdateCommand({
            ...updateItem({
              table: this.#tables.users,
              key: { userId },
              changes,
              now: new Date().toISOString(),
              condition: allOf(notAdmin(protectAdmins), version),
            }),
            ReturnValues: 'ALL_NEW',
          }),
          callOptions(),
        ),
      );
      return { outcome: 'updated', ...split(Attributes as Item) };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      // Which part of the condition failed: read once, only on this refusal path. In the
      // order HTTP wants: a missing user is 404 and an admin 403 whatever If-Match says
      // (RFC 9110 §13.2.1: preconditions count only where the answer would otherwise be 2xx).
      const current = await this.get(userId);
      return refusal(current, { protectAdmins, ifMatch }) ?? { outcome: 'precondition_failed' };
    }
  }
}

/** The refusal a write gets on the user as read, in HTTP's order: 404, 403, then 412; or none. */
function refusal(
  current: VersionedUser | undefined,
  { protectAdmins, ifMatch }: { protectAdmins: boolean; ifMatch?: IfMatch | undefined },
): UpdateResult | undefined {
  if (!current) return { outcome: 'not_found' };
  if (protectAdmins && current.user.role === 'admin') return { outcome: 'protected' };
  if (!matchesVersion(ifMatch, current.version)) return { outcome: 'precondition_failed' };
  return undefined;
}

const EXISTS = itemExists('userId');

/** Without `users:admin`: the stored role must not be admin at the moment of the write. */
const notAdmin = (protect: boolean): Condition =>
  protect
    ? {
        condition: '#storedRole <> :admin',
        names: { '#storedRole': 'role' },
        values: { ':admin': 'admin' },
      }
    : NO_CONDITION;

/** An earlier attempt of the same keyed create: same caller, same fields. */
const sameCreate = (user: User, input: NewUser, createdBy: string) =>
  user.createdBy === createdBy &&
  user.email === input.email &&
  user.name === input.name &&
  user.role === input.role;

// Keys are `randomUUID()` or idFor(), both lower case; the route schemas use the same pattern.
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The users table's key is one userId that could exist: a forged cursor of that shape is a
// valid position (the scan starts after it), any other is refused with 400.
const CURSOR = keyCursor({ userId: USER_ID }, '/queryStringParameters/cursor');

const container = resourceContainer(loadUsersConfig);
/** The users resource's configuration (tables, DynamoDB settings), read once at cold start. */
export const usersConfig = container.config;
/** This container's DynamoDB clients (one connection pool for the store and the idempotency records). */
export const usersDynamo = container.dynamo;

/**
 * The store for this container. Handlers call it at import, so the table configuration is read
 * and checked at cold start: a missing USERS_TABLE fails the init, not every request.
 */
export const userStore = perContainer(() => new UserStore(usersDynamo(), usersConfig().tables));
