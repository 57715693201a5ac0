/**
 * A DynamoDB condition as parts that compose: an expression with the attribute names and values
 * it uses. Each guarantee a resource adds to a write (the item exists, it is at a version, a
 * role is not changed) is one part; `allOf` joins them and `conditionParams` renders them into
 * a command, so no write path spells its conditions out by hand.
 */
export interface Condition {
  /** Undefined: nothing to require. */
  readonly condition?: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
}

export const NO_CONDITION: Condition = { names: {}, values: {} };

/**
 * The item is there. DynamoDB evaluates a condition on a missing item as on an item without
 * attributes, so a condition that only asks for an attribute to be absent (`version` on an item
 * written before versions were kept) holds for it, and an UpdateItem then creates the item from
 * nothing but the attributes it sets. A write to an existing item always needs this part.
 */
export const itemExists = (keyAttribute: string): Condition => ({
  condition: 'attribute_exists(#itemKey)',
  names: { '#itemKey': keyAttribute },
  values: {},
});

export function allOf(...parts: readonly Condition[]): Condition {
  const expressions = parts.flatMap((part) => (part.condition ? [part.condition] : []));
  return {
    ...(expressions.length ? { condition: expressions.join(' AND ') } : {}),
    names: Object.assign({}, ...parts.map((part) => part.names)),
    values: Object.assign({}, ...parts.map((part) => part.values)),
  };
}

/** The fields of a command for this condition (DynamoDB refuses an empty map of values). */
export const conditionParams = ({ condition, names, values }: Condition) => ({
  ...(condition ? { ConditionExpression: condition } : {}),
  ...(Object.keys(names).length ? { ExpressionAttributeNames: { ...names } } : {}),
  ...(Object.keys(values).length ? { ExpressionAttributeValues: { ...values } } : {}),
});
