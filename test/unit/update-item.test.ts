import { describe, expect, it } from '@jest/globals';
import { NO_CONDITION } from '../../src/resource/conditions.ts';
import { definedFields, updateItem } from '../../src/resource/update-item.ts';
import { atVersion } from '../../src/resource/versioning.ts';

/** The UpdateItem of a change to a versioned item, as the store sends it to DynamoDB. */
describe('the UpdateItem of a change', () => {
  const NOW = '2026-01-02T03:04:05.000Z';

  it('sets the given fields and updatedAt, bumps the version, and requires the item', () => {
    expect(
      updateItem({
        table: 'users',
        key: { userId: 'u1' },
        changes: { name: 'Ada' },
        now: NOW,
        condition: NO_CONDITION,
      }),
    ).toEqual({
      TableName: 'users',
      Key: { userId: 'u1' },
      UpdateExpression:
        'SET #updatedAt = :updatedAt, #version = if_not_exists(#version, :zero) + :one, #name = :name',
      ConditionExpression: 'attribute_exists(#itemKey)',
      ExpressionAttributeNames: {
        '#itemKey': 'userId',
        '#updatedAt': 'updatedAt',
        '#version': 'version',
        '#name': 'name',
      },
      ExpressionAttributeValues: { ':updatedAt': NOW, ':one': 1, ':zero': 0, ':name': 'Ada' },
    });
  });

  it("joins the caller's condition to the item's existence", () => {
    const command = updateItem({
      table: 'users',
      key: { userId: 'u1' },
      changes: { name: 'Ada' },
      now: NOW,
      condition: atVersion(3),
    });
    expect(command.ConditionExpression).toBe(
      'attribute_exists(#itemKey) AND #version = :atVersion',
    );
    expect(command.ExpressionAttributeValues).toMatchObject({ ':atVersion': 3 });
  });

  it('leaves out the fields a change leaves undefined', () => {
    const command = updateItem({
      table: 'users',
      key: { userId: 'u1' },
      changes: { name: undefined, email: 'a@example.com' },
      now: NOW,
      condition: NO_CONDITION,
    });
    expect(command.UpdateExpression).not.toContain('#name');
    expect(command.ExpressionAttributeNames).not.toHaveProperty('#name');
    expect(command.ExpressionAttributeValues).not.toHaveProperty(':name');
    expect(definedFields({ name: undefined, email: 'a@example.com' })).toEqual({
      email: 'a@example.com',
    });
  });
});
