import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { keyCursor } from '../../src/resource/cursor.ts';
import { InvalidCursor } from '../../src/resource/errors.ts';

/** The page cursor: DynamoDB's LastEvaluatedKey made opaque, and only a key of the table's shape back. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PATH = '/queryStringParameters/cursor';
const cursor = keyCursor({ userId: UUID }, PATH);
const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const USER_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('a page cursor', () => {
  it('gives back the key it was made from', () => {
    expect(cursor.decode(cursor.encode({ userId: USER_ID }))).toEqual({ userId: USER_ID });
  });

  it('is opaque: base64url, no JSON showing', () => {
    expect(cursor.encode({ userId: USER_ID })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('takes keys of several attributes, in the shape of the table', () => {
    const pair = keyCursor({ pk: /^t#[a-z]+$/, sk: /^\d+$/ }, PATH);
    expect(pair.decode(encoded({ sk: '7', pk: 't#a' }))).toEqual({ pk: 't#a', sk: '7' });
  });

  it.each([
    ['not base64url JSON', '<x>'],
    ['JSON that is not an object', encoded('x')],
    ['null', encoded(null)],
    ['an array', encoded([USER_ID])],
    ['another attribute', encoded({ pk: USER_ID })],
    ['an attribute more', encoded({ userId: USER_ID, role: 'admin' })],
    ['no attribute', encoded({})],
    ['a value of another type', encoded({ userId: 42 })],
    ['an empty value (DynamoDB answers it 500)', encoded({ userId: '' })],
    ['a value the key never holds', encoded({ userId: USER_ID.toUpperCase() })],
  ])('refuses %s with InvalidCursor naming where the cursor is', (_name, forged) => {
    let thrown: unknown;
    try {
      cursor.decode(forged);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidCursor);
    expect(thrown).toMatchObject({ code: 'invalid_cursor', path: PATH });
  });

  it('answers any string with a key of the shape or InvalidCursor, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map(encoded)), (text) => {
        try {
          const key = cursor.decode(text);
          expect(Object.keys(key)).toEqual(['userId']);
          expect(key.userId).toMatch(UUID);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidCursor);
        }
      }),
      { numRuns: 500 },
    );
  });
});
