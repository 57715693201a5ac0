import { PROBLEM_TYPE_PREFIX, PROBLEMS, type ProblemCode } from '../shared/problems.ts';
import type { ValidationError } from './compiled-route.ts';

/**
 * Layer 2's problems, built from the catalogue (src/shared/problems.ts): the ones a route
 * handler answers itself (the gateway answers the others).
 *
 * 401 and 403 also carry RFC 6750's `error` (and `scope` for insufficient_scope) in the body:
 * API Gateway REST renames a `WWW-Authenticate` header returned by an integration to
 * `X-Amzn-Remapped-WWW-Authenticate`, so the header alone would not reach clients intact.
 */
export type RouteProblemCode = Exclude<
  ProblemCode,
  'access_denied' | 'authorizer_error' | 'gateway_error' | 'throttled' | 'quota_exceeded'
>;

export interface FieldProblem {
  /** JSON Pointer into the request event, e.g. `/body/email` or `/queryStringParameters/limit`. */
  readonly path: string;
  readonly message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: RouteProblemCode;
  detail?: string;
  /** RFC 6750 error code, on 401 and 403. */
  error?: 'invalid_token' | 'insufficient_scope';
  /** RFC 6750: the scopes the route requires, space-separated, on 403. */
  scope?: string;
  errors?: FieldProblem[];
  requestId?: string;
}

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly code: RouteProblemCode;
  readonly status: number;
  readonly extra: Partial<ProblemBody>;
  readonly headers: Readonly<Record<string, string>>;
  /** Fields for the decision log line only (never sent): e.g. which fault it was. */
  readonly log: Readonly<Record<string, string>>;
  constructor(
    code: RouteProblemCode,
    detail?: string,
    {
      extra = {},
      headers = {},
      log = {},
      cause,
    }: {
      extra?: Partial<ProblemBody>;
      headers?: Record<string, string>;
      log?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(detail ?? PROBLEMS[code].title, { cause });
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.extra = extra;
    this.headers = headers;
    this.log = log;
  }

  body(requestId?: string): ProblemBody {
    const { status, title } = PROBLEMS[this.code];
    return {
      type: `${PROBLEM_TYPE_PREFIX}${this.code}`,
      title,
      status,
      code: this.code,
      detail: this.message,
      ...this.extra,
      ...(requestId ? { requestId } : {}),
    };
  }
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

export const invalidToken = (detail: string) =>
  new HttpProblem('invalid_token', detail, {
    extra: { error: 'invalid_token' },
    headers: {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description=${quoted(detail)}`,
    },
  });

export const insufficientScope = (required: readonly string[], missing: readonly string[]) =>
  new HttpProblem(
    'insufficient_scope',
    `This route requires the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    {
      extra: { error: 'insufficient_scope', scope: required.join(' ') },
      headers: {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope=${quoted(required.join(' '))}`,
      },
    },
  );

/** ajv's errors as `{ path, message }`, pointing at the offending property itself. */
export function fieldProblems(
  errors: readonly ValidationError[] | null | undefined,
): FieldProblem[] {
  return (errors ?? []).slice(0, 50).map((e) => {
    if (e.keyword === 'required')
      return {
        path: `${e.instancePath}/${String(e.params.missingProperty)}`,
        message: 'is required',
      };
    if (e.keyword === 'additionalProperties')
      return {
        path: `${e.instancePath}/${String(e.params.additionalProperty)}`,
        message: 'is not allowed',
      };
    return { path: e.instancePath || '/', message: e.message ?? `fails ${e.keyword}` };
  });
}
