import type { DynamoSettings } from '../resource/dynamo-client.ts';
import { readOptionalString, readString, readUrl, type Env } from '../shared/env.ts';

export interface UsersConfig extends DynamoSettings {
  readonly tables: {
    readonly users: string;
    /** The emails taken (src/resource/unique-values.ts). */
    readonly uniqueValues: string;
    /** The records of idempotent creates (src/resource/idempotency.ts). */
    readonly idempotency: string;
  };
}

export function loadUsersConfig(env: Env): UsersConfig {
  const endpoint = readOptionalString(env, 'DYNAMODB_ENDPOINT');
  return Object.freeze({
    tables: Object.freeze({
      users: readString(env, 'USERS_TABLE'),
      uniqueValues: readString(env, 'UNIQUE_VALUES_TABLE'),
      idempotency: readString(env, 'IDEMPOTENCY_TABLE'),
    }),
    region: readString(env, 'AWS_REGION', 'us-east-1'),
    // DynamoDB Local for `npm start` and tests (the access key id in AWS_ACCESS_KEY_ID selects
    // the namespace there); unset in AWS.
    endpoint: endpoint === undefined ? undefined : readUrl('DYNAMODB_ENDPOINT', endpoint),
  });
}
