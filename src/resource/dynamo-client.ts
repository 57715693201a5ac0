import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB clients every resource uses, sized so that a DynamoDB that hangs, refuses or
 * throttles ends a request in about two seconds, well inside the 10 s function timeout, rather
 * than at it: the SDK's defaults have no connection or request timeout at all, so a socket that
 * never answers would hold the caller until Lambda kills the function.
 *
 * - Each attempt: 200 ms to connect (a regional endpoint connects in a few), 800 ms to answer
 *   (single-item calls and small transactions answer in tens of ms).
 * - Two attempts in all (one retry, with the SDK's jittered backoff): a blip is absorbed, an
 *   outage is not retried into the timeout.
 * - Each call of ours also carries an abort signal at CALL_BUDGET_MS, the hard cap whatever the
 *   retry strategy does (`send(command, callOptions())`).
 */
export const CALL_BUDGET_MS = 2000;
const CONNECTION_TIMEOUT_MS = 200;
const REQUEST_TIMEOUT_MS = 800;
const MAX_ATTEMPTS = 2;

export interface DynamoSettings {
  readonly region: string;
  /** A local DynamoDB (DynamoDB Local for `npm start` and tests); unset in AWS. */
  readonly endpoint: URL | undefined;
}

export interface DynamoClients {
  /** The plain client (for libraries that take one, e.g. the idempotency store). */
  readonly client: DynamoDBClient;
  /** The document client: plain JavaScript values in and out. */
  readonly doc: DynamoDBDocumentClient;
}

export function dynamoClients(settings: DynamoSettings): DynamoClients {
  const client = new DynamoDBClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint.href } : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      // Without it the handler only logs a warning when requestTimeout passes, and waits on.
      throwOnRequestTimeout: true,
    },
  });
  return {
    client,
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  };
}

/** The options for one `send`: the call's hard time budget. */
export const callOptions = () => ({ abortSignal: AbortSignal.timeout(CALL_BUDGET_MS) });
