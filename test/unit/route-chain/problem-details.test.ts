import { describe, expect, it } from '@jest/globals';
import { createError } from '@middy/util';
import fc from 'fast-check';
import { PROBLEM_KEY, problemDetails } from '../../../src/route-chain/problem-details.ts';
import { HttpProblem } from '../../../src/route-chain/problem.ts';
import { PROBLEMS } from '../../../src/shared/problems.ts';

/** Whatever failed, mapped to the one problem+json answer, without internals. */
function mapped(error: unknown) {
  const request = { error, context: { awsRequestId: 'req-9' } } as never as {
    error: Error & { statusCode: number; message: string; headers: Record<string, string> };
  };
  problemDetails().onError!(request as never);
  const body = JSON.parse(request.error.message) as Record<string, unknown>;
  return { status: request.error.statusCode, headers: request.error.headers, body };
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

  it('keeps the mapped problem on the error for the decision log', () => {
    const request = { error: new Error('boom'), context: {} } as never as { error: Error };
    problemDetails().onError!(request as never);
    expect((request.error as never as Record<symbol, HttpProblem>)[PROBLEM_KEY]?.code).toBe(
      'internal_error',
    );
  });
});
