import { ResourceError, StoreUnavailable, type FaultKind } from './errors.ts';

/**
 * DynamoDB misbehaving, told apart from our own bugs: a fault becomes `StoreUnavailable` (the
 * route chain answers it 503 `service_unavailable` with `Retry-After`: the client may retry; with
 * an `Idempotency-Key` a create is safe to retry), anything else stays a bug (500). The kind
 * names the fault in the log line.
 */
export type { FaultKind };

// DynamoDB's own names for "too much, slow down" and "not now".
const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
]);
const UNAVAILABLE = new Set(['InternalServerError', 'ServiceUnavailable', 'InternalFailure']);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Seconds a client should wait before retrying after a fault. */
export const RETRY_AFTER_SECONDS = 1;

// A transaction cancelled because an item it touches was throttled answers
// TransactionCanceledException (HTTP 400) with these reasons, not a throttling error.
const THROTTLED_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

// The SDK's retry layer replaces a value that is not `instanceof Error` in its own realm (a
// socket error crossing a VM context, as under jest) by `Error('AWS SDK error wrapper for
// <name>: <message>')`: the original's name and code survive only in the message.
const WRAPPED = /^AWS SDK error wrapper for (\w+)?:?\s*(.*)$/s;
const NETWORK_MESSAGE = new RegExp(`\\b(${[...NETWORK].join('|')})\\b|socket hang up`);

/** The fault behind an error, looking through its causes (libraries wrap SDK errors); or none. */
export function dynamoFault(error: unknown): FaultKind | undefined {
  let e = error as ErrorLike | undefined;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth += 1) {
    const { name, code, message } = e;
    if (name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT') return 'timeout';
    if (typeof code === 'string' && NETWORK.has(code)) return 'unreachable';
    const wrapped = typeof message === 'string' ? WRAPPED.exec(message) : null;
    if (wrapped) {
      if (wrapped[1] === 'TimeoutError' || wrapped[1] === 'AbortError') return 'timeout';
      if (NETWORK_MESSAGE.test(wrapped[2] ?? '')) return 'unreachable';
    }
    if (typeof name === 'string' && THROTTLED.has(name)) return 'throttled';
    const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (reasons?.some((reason) => THROTTLED_REASONS.has(reason.Code ?? ''))) return 'throttled';
    if (typeof name === 'string' && UNAVAILABLE.has(name)) return 'unavailable';
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined && status >= 500) return 'unavailable';
    e = e.cause as ErrorLike | undefined;
  }
  return undefined;
}

/** Runs a DynamoDB step, turning a fault into `StoreUnavailable` and letting everything else through. */
export async function withFaults<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ResourceError) throw error;
    const fault = dynamoFault(error);
    if (!fault) throw error;
    throw new StoreUnavailable(
      fault,
      RETRY_AFTER_SECONDS,
      'The data store did not answer in time; retry shortly',
      { cause: error },
    );
  }
}
