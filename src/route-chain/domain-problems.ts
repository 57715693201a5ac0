import {
  IdempotencyKeyReused,
  InvalidCursor,
  RequestInProgress,
  ResourceError,
  StoreUnavailable,
  UniqueValueTaken,
  VersionMismatch,
} from '../resource/errors.ts';
import { HttpProblem } from '../shared/problems.ts';

const retryAfter = (seconds: number) => ({ 'Retry-After': String(seconds) });

/**
 * The one place the storage toolkit's domain errors become HTTP: status and code from the
 * catalogue, the error's message as the detail, its data as `errors`, `Retry-After` and the
 * log's `fault`. The problem's cause is the domain error's own (the SDK error behind a fault), so
 * a 5xx logs what failed underneath. An error of a kind not listed here is a bug: undefined, and
 * it answers 500.
 */
export function domainProblem(error: ResourceError): HttpProblem | undefined {
  if (error instanceof UniqueValueTaken)
    return new HttpProblem('conflict', error.message, {
      extra: { errors: [{ path: error.path, message: 'is already taken' }] },
      cause: error.cause,
    });
  if (error instanceof VersionMismatch)
    return new HttpProblem('precondition_failed', error.message, { cause: error.cause });
  if (error instanceof StoreUnavailable)
    return new HttpProblem('service_unavailable', error.message, {
      headers: retryAfter(error.retryAfterSeconds),
      log: { fault: error.fault },
      cause: error.cause,
    });
  if (error instanceof RequestInProgress)
    return new HttpProblem('request_in_progress', error.message, {
      headers: retryAfter(error.retryAfterSeconds),
      cause: error.cause,
    });
  if (error instanceof IdempotencyKeyReused)
    return new HttpProblem('idempotency_key_reused', error.message, { cause: error.cause });
  if (error instanceof InvalidCursor)
    return new HttpProblem('invalid_request', error.message, {
      extra: { errors: [{ path: error.path, message: 'is not a valid cursor' }] },
      cause: error.cause,
    });
  return undefined;
}
