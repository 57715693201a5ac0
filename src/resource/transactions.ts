import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { callOptions } from './dynamo-client.ts';
import { StoreUnavailable } from './errors.ts';
import { RETRY_AFTER_SECONDS, withFaults } from './faults.ts';
import type { TransactItem } from './unique-values.ts';

/**
 * One TransactWriteItems, as every resource runs it: under the clients' time budget, faults as
 * `StoreUnavailable`, and a transaction that lost to a concurrent one on the same item (DynamoDB cancels one of
 * them, `TransactionConflict`) run again after a short jittered pause, a few times. The answer
 * is which items failed their condition (by index), or undefined when it committed.
 */
const MAX_TRIES = 3;

export async function transactWrite(
  db: DynamoDBDocumentClient,
  items: TransactItem[],
): Promise<number[] | undefined> {
  for (let tries = 1; ; tries += 1) {
    try {
      await withFaults(() =>
        db.send(new TransactWriteCommand({ TransactItems: items }), callOptions()),
      );
      return undefined;
    } catch (error) {
      if (lostToConcurrentTransaction(error)) {
        if (tries >= MAX_TRIES) throw contention();
        await sleep(10 * tries + Math.random() * 20);
        continue;
      }
      const failed = failedConditions(error);
      if (failed?.length) return failed;
      throw error;
    }
  }
}

/** A resource that other requests keep changing under this one: retry shortly. */
export const contention = () =>
  new StoreUnavailable(
    'contention',
    RETRY_AFTER_SECONDS,
    'The resource is being changed by other requests; retry shortly',
  );

/**
 * Which items of a cancelled transaction failed their condition, by index: DynamoDB lists a
 * reason per item, `None` for the ones that were fine.
 */
export function failedConditions(error: unknown): number[] | undefined {
  const reasons = cancellationReasons(error);
  return reasons?.flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  );
}

/** True when a cancelled transaction lost to a concurrent one on the same item: worth a retry. */
const lostToConcurrentTransaction = (error: unknown) =>
  cancellationReasons(error)?.some((reason) => reason.Code === 'TransactionConflict') ?? false;

// By name, not instanceof: the error class may come from another realm (the SDK under jest).
function cancellationReasons(error: unknown): { Code?: string }[] | undefined {
  const e = error as { name?: unknown; CancellationReasons?: { Code?: string }[] } | null;
  if (typeof e !== 'object' || e === null || e.name !== 'TransactionCanceledException')
    return undefined;
  return e.CancellationReasons ?? [];
}
