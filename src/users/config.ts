import { readOptionalString, readString, readUrl, type Env } from '../shared/env.ts';

export interface UsersConfig {
  readonly tableName: string;
  readonly region: string;
  /** Local DynamoDB (dynalite) for `npm start` and tests; unset in AWS. */
  readonly endpoint: URL | undefined;
}

export function loadUsersConfig(env: Env): UsersConfig {
  const endpoint = readOptionalString(env, 'DYNAMODB_ENDPOINT');
  return Object.freeze({
    tableName: readString(env, 'USERS_TABLE'),
    region: readString(env, 'AWS_REGION', 'us-east-1'),
    endpoint: endpoint === undefined ? undefined : readUrl('DYNAMODB_ENDPOINT', endpoint),
  });
}
