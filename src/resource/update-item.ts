import { allOf, conditionParams, itemExists, type Condition } from './conditions.ts';
import { VERSION_ATTRIBUTE } from './versioning.ts';

/** The fields a change sets: an undefined field is one the change leaves as it is. */
export const definedFields = <T extends object>(changes: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(changes).filter(([, value]) => value !== undefined),
  ) as Partial<T>;

/**
 * The UpdateItem of a change to a versioned item: the given fields, `updatedAt`, and the version
 * bumped, on an item that exists. UpdateItem creates a missing item, and `condition` may hold on
 * one (version 0 is `attribute_not_exists(version)`): every change requires the item, so one
 * deleted since it was read fails the condition and nothing is written, neither a partial item
 * nor, in the same transaction, a claim of its new unique value. `changes` holds the resource's
 * own fields: not the key, `updatedAt` or the version, which this write sets.
 */
export function updateItem<T extends object>({
  table,
  key,
  changes,
  now,
  condition,
}: {
  table: string;
  /** The item's key: its partition key attribute first (`{ userId }`). */
  key: Readonly<Record<string, string>>;
  changes: T;
  now: string;
  condition: Condition;
}) {
  const set = definedFields(changes) as Record<string, unknown>;
  const fields = Object.keys(set);
  const sets = [
    '#updatedAt = :updatedAt',
    '#version = if_not_exists(#version, :zero) + :one',
    ...fields.map((field) => `#${field} = :${field}`),
  ];
  // The SET's own names and values are one more part of the same expression maps.
  const assignments: Condition = {
    names: {
      '#updatedAt': 'updatedAt',
      '#version': VERSION_ATTRIBUTE,
      ...Object.fromEntries(fields.map((field) => [`#${field}`, field])),
    },
    values: {
      ':updatedAt': now,
      ':one': 1,
      ':zero': 0,
      ...Object.fromEntries(fields.map((field) => [`:${field}`, set[field]])),
    },
  };
  return {
    TableName: table,
    Key: { ...key },
    UpdateExpression: `SET ${sets.join(', ')}`,
    ...conditionParams(allOf(itemExists(Object.keys(key)[0]!), condition, assignments)),
  };
}
