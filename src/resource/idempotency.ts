import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdempotencyKeyReused, RequestInProgress } from './errors.ts';
import { RETRY_AFTER_SECONDS } from './faults.ts';

/**
 * Safe retries of a create, with the `Idempotency-Key` request header (IETF httpapi draft
 * "The Idempotency-Key HTTP Header Field"): the first request with a key runs the operation and
 * its result is kept for 24 h under (caller, key); a retry with the same key and the same body
 * gets that result again, without running the operation. Built on Powertools for AWS Lambda's
 * idempotency utility (its record lifecycle in DynamoDB: in progress, completed, expired), used
 * as a function wrapper: its middy middleware deletes records it never acquired on some errors
 * (powertools-lambda-typescript#5675, fixed after 2.35.0).
 *
 * What the draft leaves to us, and what we chose:
 * - the same key with another body: 422 `idempotency_key_reused` (the draft's status);
 * - the same key while the first request still runs: the draft answers 409 at once; we wait for
 *   the first to finish (up to WAIT_FOR_FIRST_MS) and answer what it answered, so a client
 *   that retries early, or fires twice, gets one answer; past the wait, 409 with Retry-After;
 * - a failed first attempt keeps nothing (the next request with the key runs again);
 * - keys are per caller (issuer and `sub`: a subject is unique only within its issuer, and the
 *   service trusts several): two clients never share one by accident.
 */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const WAIT_FOR_FIRST_MS = 3000;

export interface IdempotentRequest<Body> {
  /** The caller: its token's issuer and subject. */
  readonly iss: string;
  readonly sub: string;
  readonly key: string;
  readonly body: Body;
}

export type IdempotentOperation<Body, Result> = (
  request: IdempotentRequest<Body>,
  context: Context,
) => Promise<Result>;

/** `fn` made idempotent per (sub, key), its results kept in `tableName`. */
export function idempotentOperation<Body, Result>(
  fn: (request: IdempotentRequest<Body>) => Promise<Result>,
  options: {
    readonly tableName: string;
    readonly client: DynamoDBClient;
    /** Names the operation in the record keys, e.g. `POST /users`. */
    readonly operation: string;
  },
): IdempotentOperation<Body, Result> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[iss, sub, key]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
  });
  const once = makeIdempotent(fn, {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      awsSdkV3Client: options.client,
    }),
    config,
    keyPrefix: options.operation,
  });
  return async (request, context) => {
    // An in-progress record expires with this invocation's remaining time: a request that died
    // (timeout, crash) does not hold its key for the whole window.
    config.registerLambdaContext(context);
    const giveUpAt = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      try {
        return await once(request);
      } catch (error) {
        if (error instanceof IdempotencyValidationError)
          throw new IdempotencyKeyReused(
            'This Idempotency-Key was used with another request body; use a new key for a new request',
            { cause: error },
          );
        if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
        if (Date.now() >= giveUpAt)
          throw new RequestInProgress(RETRY_AFTER_SECONDS, { cause: error });
        await sleep(25 + Math.random() * 50);
      }
    }
  };
}

/**
 * The key as the header carries it: the draft makes it a Structured Field string (`"abc"`,
 * RFC 8941), and many clients send it bare (`abc`); both mean `abc`. The route schema has
 * already refused anything else (schemas/components/IdempotencyKey.json).
 */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  return value.startsWith('"') ? value.slice(1, -1).replace(/\\(["\\])/g, '$1') : value;
}

/**
 * The id a create with this (caller, key) gives its new item: the same on every retry, so a
 * retry after an attempt whose answer was lost (it did commit) finds that item instead of
 * making a second one. A UUID in form (RFC 9562 version 8, name-based by our own hash).
 */
export function idFor(
  { iss, sub, key }: Pick<IdempotentRequest<unknown>, 'iss' | 'sub' | 'key'>,
  operation: string,
): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([operation, iss, sub, key]))
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
