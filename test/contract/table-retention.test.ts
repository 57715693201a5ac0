import { beforeAll, describe, expect, it } from '@jest/globals';
import type { CfnTemplate } from '../../tools/cfn-template.ts';
import { packagedTemplate } from '../support/packaged-template.ts';

/**
 * The data outlives the stack. CloudFormation deletes a resource with the stack (`sls remove`)
 * and deletes the old copy when a change replaces it, unless DeletionPolicy and
 * UpdateReplacePolicy say Retain; DynamoDB's deletion protection then refuses any DeleteTable,
 * by hand or by CloudFormation, until a deploy turns it off.
 */
let byDefault: CfnTemplate;
let throwaway: CfnTemplate;

beforeAll(async () => {
  [byDefault, throwaway] = await Promise.all([
    packagedTemplate(),
    packagedTemplate({ deletionProtection: 'false' }),
  ]);
}, 120_000);

const tables = (template: CfnTemplate) =>
  Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table')
      .map(([name, resource]) => [name, resource]),
  );

describe('the tables outlive the stack (sls package output)', () => {
  it('keeps every table, users and idempotency records included, when the stack is removed or the table replaced', () => {
    const deployed = tables(byDefault);
    expect(Object.keys(deployed).sort()).toEqual([
      'IdempotencyTable',
      'UniqueValuesTable',
      'UsersTable',
    ]);
    for (const [name, table] of Object.entries(deployed))
      expect([name, table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual([
        name,
        'Retain',
        'Retain',
      ]);
  });

  it('turns deletion protection on for every table by default', () => {
    for (const [name, table] of Object.entries(tables(byDefault)))
      expect([name, table.Properties?.DeletionProtectionEnabled]).toEqual([name, true]);
  });

  it('turns deletion protection off with --param deletionProtection=false, and still retains the tables', () => {
    const deployed = tables(throwaway);
    expect(Object.keys(deployed)).toHaveLength(3);
    for (const [name, table] of Object.entries(deployed))
      expect([
        name,
        table.Properties?.DeletionProtectionEnabled,
        table.DeletionPolicy,
        table.UpdateReplacePolicy,
      ]).toEqual([name, false, 'Retain', 'Retain']);
  });
});
