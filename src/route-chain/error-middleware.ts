import type { MiddlewareObj } from '@middy/core';
import { createError } from '@middy/util';
import type { Context } from 'aws-lambda';
import { ResourceError } from '../resource/errors.ts';
import { HttpProblem } from '../shared/problems.ts';
import type { ValidationError } from './compiled-route.ts';
import { domainProblem } from './domain-problems.ts';
import { fieldProblems } from './field-problems.ts';
import type { RouteInternal } from './route-context.ts';

interface MiddyHttpError extends Error {
  statusCode?: number;
  expose?: boolean;
  cause?: { package?: string; data?: unknown };
}

/**
 * Turns whatever failed into an `HttpProblem`: our own problems pass through, the storage
 * toolkit's domain errors are mapped (domain-problems.ts), middy's errors are mapped (the validator's details surfaced, the body parser's 422 made a 400), and anything
 * unexpected becomes a generic 500 whose detail stays in the log. The problem is then handed to
 * @middy/http-error-handler as an exposed HTTP error carrying the problem+json body.
 */
function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ResourceError) {
    const problem = domainProblem(error);
    if (problem) return problem;
  }
  const e = error as MiddyHttpError;
  const pkg = e?.cause?.package;
  if (pkg === '@middy/validator' && e.statusCode === 400) {
    const errors = fieldProblems(e.cause?.data as ValidationError[] | undefined);
    return new HttpProblem('invalid_request', 'The request does not match the route schema', {
      extra: { errors },
      cause: error,
    });
  }
  if (pkg === '@middy/http-json-body-parser') {
    if (e.statusCode === 415)
      return new HttpProblem('unsupported_media_type', 'Send the body as application/json', {
        cause: error,
      });
    const detail =
      e.message === 'Forbidden key in JSON body'
        ? 'The body contains a forbidden key (__proto__ or constructor.prototype)'
        : 'The body is not valid JSON';
    return new HttpProblem('malformed_json', detail, { cause: error });
  }
  if (
    typeof e?.statusCode === 'number' &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    e.expose !== false
  ) {
    return new HttpProblem(
      e.statusCode === 404
        ? 'not_found'
        : e.statusCode === 413
          ? 'payload_too_large'
          : 'bad_request',
      e.message,
      { cause: error },
    );
  }
  return new HttpProblem('internal_error', 'An unexpected error occurred', { cause: error });
}

/** The route chain's error middleware: every failure answered as one problem+json response. */
export function errorMiddleware(): MiddlewareObj<unknown, unknown, Error, Context, RouteInternal> {
  return {
    onError: (request) => {
      const problem = toProblem(request.error);
      const httpError = createError(
        problem.status,
        JSON.stringify(problem.body(request.context?.awsRequestId)),
        { expose: true },
      );
      // http-error-handler copies `error.headers` onto the response after its own Content-Type.
      Object.assign(httpError, {
        headers: { ...problem.headers, 'Content-Type': 'application/problem+json' },
      });
      // The mapped problem (and through its cause, the original error) stays for the decision log.
      request.internal.problem = problem;
      request.error = httpError;
    },
  };
}
