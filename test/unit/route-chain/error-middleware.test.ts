import { describe, expect, it } from '@jest/globals';
import { createError } from '@middy/util';
import fc from 'fast-check';
import {
  IdempotencyKeyReused,
  InvalidCursor,
  RequestInProgress,
  StoreUnavailable,
  UniqueValueTaken,
  VersionMismatch,
} from '../../../src/resource/errors.ts';
import { errorMiddleware } from '../../../src/route-chain/error-middleware.ts';
import type { RouteInternal } from '../../../src/route-chain/route-context.ts';
import { HttpProblem, PROBLEMS } from '../../../src/shared/problems.ts';

/** Whatever failed, mapped to the one problem+json answer, without internals. */
function mapped(error: unknown) {
  const request = { error, context: { awsRequestId: 'req-9' }, internal: {} } as never as {
    error: Error & { statusCode: number; message: string; headers: Record<string, string> };
    internal: RouteInternal;
  };
  errorMiddleware().onError!(request as never);
  const body = JSON.parse(request.error.message) as Record<string, unknown>;
  return {
    status: request.error.statusCode,
    headers: request.error.headers,
    body,
    log: request.internal.problem?.log,
    cause: request.internal.problem?.cause,
  };
}
const middyError = (status: number, message: string, pkg: string, data?: unknown) =>
  createError(status, message, { cause: { package: pkg, data } });

describe('problem mapping', () => {
  it.each([
    [new HttpProblem('not_found', 'No user x'), 404, 'not_found'],
    [
      middyError(400, 'Event object failed validation', '@middy/validator', [
        { instancePath: '/body', keyword: 'required', params: { missingProperty: 'email' } },
      ]),
      400,
      'invalid_request',
    ],
    [
      middyError(415, 'Unsupported Media Type', '@middy/http-json-body-parser'),
      415,
      'unsupported_media_type',
    ],
    [
      middyError(422, 'Invalid or malformed JSON', '@middy/http-json-body-parser'),
      400,
      'malformed_json',
    ],
    [createError(404, 'Gone'), 404, 'not_found'],
    [createError(413, 'Too big'), 413, 'payload_too_large'],
    [new Error('connect ECONNREFUSED 10.0.0.7:8000'), 500, 'internal_error'],
  ] as [unknown, number, string][])('maps %p to %d %s', (error, status, code) => {
    const { status: actual, headers, body } = mapped(error);
    expect([actual, body.code]).toEqual([status, code]);
    expect(headers['Content-Type']).toBe('application/problem+json');
    expect(body).toMatchObject({ type: `urn:two-layer-authz:problem:${code}`, requestId: 'req-9' });
  });

  it('lists the validator’s problems as JSON pointers into the event', () => {
    const { body } = mapped(
      middyError(400, 'x', '@middy/validator', [
        { instancePath: '/body', keyword: 'required', params: { missingProperty: 'email' } },
        {
          instancePath: '/body',
          keyword: 'additionalProperties',
          params: { additionalProperty: 'admin' },
        },
      ]),
    );
    expect(body.errors).toEqual([
      { path: '/body/email', message: 'is required' },
      { path: '/body/admin', message: 'is not allowed' },
    ]);
  });

  it('answers anything thrown with a catalogued problem, never with its message when unexpected', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string({ minLength: 8 }), (thrown, secret) => {
        const error =
          thrown instanceof Error ? thrown : Object.assign(new Error(secret), { thrown });
        const { status, body, headers } = mapped(error);
        expect(Object.keys(PROBLEMS)).toContain(body.code);
        expect(status).toBe(PROBLEMS[body.code as keyof typeof PROBLEMS].status);
        expect(headers['Content-Type']).toBe('application/problem+json');
        if (body.code === 'internal_error') expect(JSON.stringify(body)).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the mapped problem in the request's internal state for the decision log", () => {
    const request = { error: new Error('boom'), context: {}, internal: {} } as never as {
      internal: RouteInternal;
    };
    errorMiddleware().onError!(request as never);
    expect(request.internal.problem?.code).toBe('internal_error');
  });
});

describe("the storage toolkit's domain errors as problems", () => {
  const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
  it.each([
    [
      'a taken unique value: 409 conflict naming the field',
      new UniqueValueTaken('email', '/body/email'),
      409,
      {
        code: 'conflict',
        detail: 'Another resource already has this email',
        errors: [{ path: '/body/email', message: 'is already taken' }],
      },
      {},
      {},
    ],
    [
      'a version mismatch: 412 precondition_failed',
      new VersionMismatch(),
      412,
      {
        code: 'precondition_failed',
        detail:
          'The resource has changed since the version If-Match names; read it again and retry',
      },
      {},
      {},
    ],
    [
      'a store fault: 503 service_unavailable with Retry-After, the fault for the log only',
      new StoreUnavailable('timeout', 1, 'The data store did not answer in time; retry shortly', {
        cause: timeout,
      }),
      503,
      {
        code: 'service_unavailable',
        detail: 'The data store did not answer in time; retry shortly',
      },
      { 'Retry-After': '1' },
      { fault: 'timeout' },
    ],
    [
      'contention: 503 service_unavailable with Retry-After, fault contention',
      new StoreUnavailable('contention', 2, 'The resource is being changed by other requests'),
      503,
      { code: 'service_unavailable' },
      { 'Retry-After': '2' },
      { fault: 'contention' },
    ],
    [
      'a request still in progress: 409 request_in_progress with Retry-After',
      new RequestInProgress(1),
      409,
      {
        code: 'request_in_progress',
        detail: 'A request with this Idempotency-Key is still being processed; retry shortly',
      },
      { 'Retry-After': '1' },
      {},
    ],
    [
      'a reused idempotency key: 422 idempotency_key_reused',
      new IdempotencyKeyReused('This Idempotency-Key was used for another user'),
      422,
      {
        code: 'idempotency_key_reused',
        detail: 'This Idempotency-Key was used for another user',
      },
      {},
      {},
    ],
    [
      'a cursor this API never returned: 400 invalid_request naming the parameter',
      new InvalidCursor('/queryStringParameters/cursor'),
      400,
      {
        code: 'invalid_request',
        detail: 'The cursor is not one this API returned',
        errors: [{ path: '/queryStringParameters/cursor', message: 'is not a valid cursor' }],
      },
      {},
      {},
    ],
  ])('maps %s', (_name, error, status, body, headers, log) => {
    const answer = mapped(error);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ ...body, status, requestId: 'req-9' });
    expect(answer.body).not.toHaveProperty('fault');
    expect(answer.headers).toEqual({ ...headers, 'Content-Type': 'application/problem+json' });
    expect(answer.log).toEqual(log);
  });

  it('logs what failed underneath a store fault, not the domain error', () => {
    const timeout2 = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    const { cause } = mapped(new StoreUnavailable('timeout', 1, 'retry', { cause: timeout2 }));
    expect(cause).toBe(timeout2);
  });
});
