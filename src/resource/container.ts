import { configFromEnvironment } from '../shared/cold-start.ts';
import type { Env } from '../shared/env.ts';
import { dynamoClients, type DynamoClients, type DynamoSettings } from './dynamo-client.ts';

/**
 * A value made once per Lambda container, on first use. Handlers call it at import, which Lambda
 * runs once per container (cold start): the value then serves every request the container takes.
 */
export function perContainer<T>(make: () => T): () => T {
  let made: { readonly value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * A resource's configuration and DynamoDB clients for this container: the configuration read and
 * checked once at cold start (a missing table name fails the init, not every request), and one
 * connection pool shared by the resource's store and its idempotency records.
 */
export function resourceContainer<Config extends DynamoSettings>(
  load: (env: Env) => Config,
): { config: () => Config; dynamo: () => DynamoClients } {
  const config = perContainer(() => configFromEnvironment(load));
  return { config, dynamo: perContainer(() => dynamoClients(config())) };
}
