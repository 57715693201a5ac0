/**
 * What the storage toolkit refuses, as domain errors that know nothing of HTTP: each has a
 * stable `code` and its facts as data (the field, the fault, how long to wait). The route chain
 * maps them to problems in one place (src/route-chain/domain-problems.ts), as an edge does.
 */
export type FaultKind = 'timeout' | 'unreachable' | 'throttled' | 'unavailable';

export type ResourceErrorCode =
  | 'conflict'
  | 'precondition_failed'
  | 'unavailable'
  | 'request_in_progress'
  | 'idempotency_key_reused'
  | 'invalid_cursor';

export abstract class ResourceError extends Error {
  abstract readonly code: ResourceErrorCode;
}

/** A value that must be unique is another resource's already. */
export class UniqueValueTaken extends ResourceError {
  override readonly name = 'UniqueValueTaken';
  readonly code = 'conflict';
  /** The field's name: `email`. */
  readonly field: string;
  /** Where the value is in the request (a JSON Pointer): `/body/email`. */
  readonly path: string;
  constructor(field: string, path: string) {
    super(`Another resource already has this ${field}`);
    this.field = field;
    this.path = path;
  }
}

/** The stored version is not one the write was conditioned on. */
export class VersionMismatch extends ResourceError {
  override readonly name = 'VersionMismatch';
  readonly code = 'precondition_failed';
  constructor() {
    super('The resource has changed since the version If-Match names; read it again and retry');
  }
}

/**
 * The data store could not do it now, through no fault of the request: a DynamoDB fault, or
 * other requests that keep changing the same item (`contention`). Worth a retry after
 * `retryAfterSeconds`.
 */
export class StoreUnavailable extends ResourceError {
  override readonly name = 'StoreUnavailable';
  readonly code = 'unavailable';
  readonly fault: FaultKind | 'contention';
  readonly retryAfterSeconds: number;
  constructor(
    fault: FaultKind | 'contention',
    retryAfterSeconds: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.fault = fault;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request with the same idempotency key is still running. */
export class RequestInProgress extends ResourceError {
  override readonly name = 'RequestInProgress';
  readonly code = 'request_in_progress';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, options?: { cause?: unknown }) {
    super('A request with this Idempotency-Key is still being processed; retry shortly', options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** An idempotency key sent again for a different request. */
export class IdempotencyKeyReused extends ResourceError {
  override readonly name = 'IdempotencyKeyReused';
  readonly code = 'idempotency_key_reused';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
  }
}

/** A page cursor this API never returned (forged, or of another table's key shape). */
export class InvalidCursor extends ResourceError {
  override readonly name = 'InvalidCursor';
  readonly code = 'invalid_cursor';
  /** Where the cursor is in the request (a JSON Pointer): `/queryStringParameters/cursor`. */
  readonly path: string;
  constructor(path: string) {
    super('The cursor is not one this API returned');
    this.path = path;
  }
}
