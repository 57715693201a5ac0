import { InvalidCursor } from './errors.ts';

/** Each attribute of a table's key, and the values it can hold. */
export type KeyShape = Readonly<Record<string, RegExp>>;

/**
 * The cursor of a paged scan or query: DynamoDB's LastEvaluatedKey, made opaque. Decoding
 * accepts only the key shape the table has (each attribute of `shape`, a string it matches, and
 * nothing else), so a forged cursor can neither steer the scan anywhere else nor reach DynamoDB
 * with a key it refuses (an empty string is a 500 there). `path` says where the cursor is in the
 * request (a JSON Pointer: `/queryStringParameters/cursor`), for the error.
 */
export function keyCursor(shape: KeyShape, path: string) {
  const attributes = Object.keys(shape);
  return {
    encode: (key: Record<string, unknown>): string =>
      Buffer.from(JSON.stringify(key)).toString('base64url'),

    /** The key a cursor of ours stands for; `InvalidCursor` for anything else. */
    decode(cursor: string): Record<string, string> {
      let key: unknown;
      try {
        key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        key = undefined;
      }
      const record = key as Record<string, unknown> | undefined;
      if (
        typeof key !== 'object' ||
        key === null ||
        Object.keys(key).length !== attributes.length ||
        !attributes.every((name) => {
          const value = record![name];
          return typeof value === 'string' && shape[name]!.test(value);
        })
      )
        throw new InvalidCursor(path);
      return Object.fromEntries(attributes.map((name) => [name, record![name] as string]));
    },
  };
}
