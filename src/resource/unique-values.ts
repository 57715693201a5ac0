import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { UniqueValueTaken } from './errors.ts';

/**
 * Values that must be unique across a resource (a user's email), enforced by DynamoDB itself:
 * each taken value is an item of the unique-values table, keyed `<field>#<normalised value>` and
 * naming its owner, written in the same TransactWriteItems as the owner's own item. Of two
 * concurrent writes of one value, the transaction of one fails its `attribute_not_exists`
 * condition, atomically with the owner item: there is never an owner without its claim, nor a
 * claim half-written. Releasing a value (delete, change) is in the owner's transaction too.
 */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const UNIQUE_KEY_ATTRIBUTE = 'uniqueValue';

export interface UniqueField {
  /** The field's name, also the prefix of its claims: `email`. */
  readonly field: string;
  /** How values are compared: e.g. lower case for emails. */
  readonly normalise: (value: string) => string;
}

export const claimKey = (unique: UniqueField, value: string) =>
  `${unique.field}#${unique.normalise(value)}`;

/** The claims of one unique field in one table, as items of the owner's transaction. */
export function uniqueValues(table: string, unique: UniqueField) {
  const key = (value: string) => ({ [UNIQUE_KEY_ATTRIBUTE]: claimKey(unique, value) });
  return {
    /** Takes `value` for `owner`; the transaction fails (ConditionalCheckFailed) if it is taken. */
    claim: (value: string, owner: string): TransactItem => ({
      Put: {
        TableName: table,
        Item: { ...key(value), owner, field: unique.field },
        ConditionExpression: 'attribute_not_exists(#key)',
        ExpressionAttributeNames: { '#key': UNIQUE_KEY_ATTRIBUTE },
      },
    }),
    /**
     * Gives `value` up. Only the owner's claim is removed; a missing claim (an item written
     * before the field was unique) is no reason to fail the owner's write.
     */
    release: (value: string, owner: string): TransactItem => ({
      Delete: {
        TableName: table,
        Key: key(value),
        ConditionExpression: 'attribute_not_exists(#key) OR #owner = :owner',
        ExpressionAttributeNames: { '#key': UNIQUE_KEY_ATTRIBUTE, '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      },
    }),
  };
}

export type UniqueValues = ReturnType<typeof uniqueValues>;

/** Whether two values are the same for the field (a change of case keeps the claim). */
export const sameValue = (unique: UniqueField, a: string, b: string) =>
  unique.normalise(a) === unique.normalise(b);

/** The field whose value is taken (`path`: where it is in the request). */
export const uniqueConflict = (unique: UniqueField, path: string) =>
  new UniqueValueTaken(unique.field, path);
