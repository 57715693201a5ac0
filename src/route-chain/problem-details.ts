import type { MiddlewareObj } from '@middy/core';
import { createError } from '@middy/util';
import type { Context } from 'aws-lambda';
import type { ValidationError } from './compiled-route.ts';
import { fieldProblems, HttpProblem } from './problem.ts';

interface MiddyHttpError extends Error {
  statusCode?: number;
  expose?: boolean;
  cause?: { package?: string; data?: unknown };
}

/**
 * Turns whatever failed into an `HttpProblem`: our own problems pass through, middy's errors
 * are mapped (the validator's details surfaced, the body parser's 422 made a 400), and anything
 * unexpected becomes a generic 500 whose detail stays in the log. The problem is then handed to
 * @middy/http-error-handler as an exposed HTTP error carrying the problem+json body.
 */
function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
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

export const PROBLEM_KEY = Symbol('problem');

export function problemDetails(): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    onError: (request) => {
      const problem = toProblem(request.error);
      const httpError = createError(
        problem.status,
        JSON.stringify(problem.body(request.context?.awsRequestId)),
        { expose: true },
      );
      // http-error-handler copies `error.headers` onto the response after its own Content-Type.
      // The mapped problem (and through its cause, the original error) stays for the decision log.
      Object.assign(httpError, {
        headers: { ...problem.headers, 'Content-Type': 'application/problem+json' },
        [PROBLEM_KEY]: problem,
      });
      request.error = httpError;
    },
  };
}
