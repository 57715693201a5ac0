import { describe, expect, it } from '@jest/globals';
import { dynamoFault, withFaults } from '../../src/resource/faults.ts';
import { StoreUnavailable, VersionMismatch } from '../../src/resource/errors.ts';

/** Which errors are DynamoDB misbehaving (503 with Retry-After) and which are ours (500). */
const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...extra });

describe('telling a DynamoDB fault from a bug', () => {
  it.each([
    ['a request timeout', named('TimeoutError'), 'timeout'],
    ['the call budget running out', named('AbortError'), 'timeout'],
    [
      'a refused connection',
      Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      'unreachable',
    ],
    ['throttling', named('ProvisionedThroughputExceededException'), 'throttled'],
    [
      'a transaction cancelled for throttling',
      named('TransactionCanceledException', {
        CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
      }),
      'throttled',
    ],
    ['a 500 from DynamoDB', named('InternalServerError'), 'unavailable'],
    ['any 5xx answer', named('Whatever', { $metadata: { httpStatusCode: 503 } }), 'unavailable'],
    [
      "the SDK's wrapper of a socket error from another realm",
      new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9'),
      'unreachable',
    ],
    [
      "the SDK's wrapper of a timeout from another realm",
      new Error('AWS SDK error wrapper for TimeoutError: socket hang up'),
      'timeout',
    ],
    [
      'a fault wrapped by a library',
      new Error('persistence failed', { cause: named('TimeoutError') }),
      'timeout',
    ],
  ])('calls %s a fault', (_name, error, kind) => {
    expect(dynamoFault(error)).toBe(kind);
  });

  it.each([
    [
      'a validation error (our request is wrong)',
      named('ValidationException', { $metadata: { httpStatusCode: 400 } }),
    ],
    ['a missing table (our configuration is wrong)', named('ResourceNotFoundException')],
    ['a failed condition', named('ConditionalCheckFailedException')],
    [
      'a transaction cancelled by a condition',
      named('TransactionCanceledException', {
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    ],
    ['a TypeError', new TypeError('x is undefined')],
    ['a string', 'boom'],
  ])('does not call %s a fault', (_name, error) => {
    expect(dynamoFault(error)).toBeUndefined();
  });

  it('turns a fault into StoreUnavailable naming the fault and the seconds to wait, the SDK error its cause', async () => {
    const fault = named('TimeoutError');
    const error = await withFaults(() => Promise.reject(fault)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).toMatchObject({
      code: 'unavailable',
      fault: 'timeout',
      retryAfterSeconds: 1,
      cause: fault,
    });
  });

  it('lets everything else through unchanged, domain errors included', async () => {
    const own = new VersionMismatch();
    await expect(withFaults(() => Promise.reject(own))).rejects.toBe(own);
    const bug = new TypeError('x');
    await expect(withFaults(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
