/**
 * Every error this service answers, in one catalogue: an RFC 9457 problem
 * (`application/problem+json`) with a stable `code`, whether a route handler answers it (layer 2)
 * or API Gateway does on the authorizer's behalf (layer 1 refused, or could not decide). Layer 2
 * throws `HttpProblem` (below), built from it; the OpenAPI document lists them from here, and a test
 * holds the gateway responses of serverless.yml to the templates below. Clients switch on `code`
 * (or `type`), never on `title` or `detail`.
 */
export const PROBLEM_TYPE_PREFIX = 'urn:two-layer-authz:problem:';

export interface ProblemKind {
  /** The HTTP status; undefined where the gateway answers it with several. */
  readonly status: number | undefined;
  readonly title: string;
  /** When it is answered, for the README and the OpenAPI document. */
  readonly when: string;
}

export const PROBLEMS = {
  invalid_request: {
    status: 400,
    title: 'Invalid request',
    when: 'the request does not match the route schema; `errors` lists every problem',
  },
  malformed_json: {
    status: 400,
    title: 'Malformed JSON body',
    when: 'the body is not JSON (or has a `__proto__` key)',
  },
  bad_request: { status: 400, title: 'Bad request', when: 'any other malformed request' },
  invalid_token: {
    status: 401,
    title: 'Invalid token',
    when: 'no valid bearer token: from the gateway (layer 1 refused it), or from layer 2 (no authorizer context, `exp` passed)',
  },
  insufficient_scope: {
    status: 403,
    title: 'Insufficient scope',
    when: 'the token lacks a scope the route lists',
  },
  access_denied: {
    status: 403,
    title: 'Access denied',
    when: 'from the gateway: the authorizer’s policy did not cover the request',
  },
  not_found: { status: 404, title: 'Not found', when: 'no such resource' },
  conflict: {
    status: 409,
    title: 'Conflict',
    when: 'a value that must be unique is taken (`errors` names the field), e.g. another user’s email',
  },
  request_in_progress: {
    status: 409,
    title: 'Request in progress',
    when: 'a request with the same `Idempotency-Key` is still running after a few seconds; retry after `Retry-After`',
  },
  precondition_failed: {
    status: 412,
    title: 'Precondition failed',
    when: 'the resource changed since the version `If-Match` names (its `ETag`); read it again',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    when: 'the body is larger than the route’s `x-max-body-bytes` (16 KiB by default)',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    when: 'a body route called without `application/json`',
  },
  idempotency_key_reused: {
    status: 422,
    title: 'Idempotency key reused',
    when: 'an `Idempotency-Key` already used with another request body',
  },
  throttled: {
    status: 429,
    title: 'Too many requests',
    when: 'from the gateway: the client is over its usage plan’s request rate, or the route over the stage’s; back off and retry',
  },
  quota_exceeded: {
    status: 429,
    title: 'Quota exceeded',
    when: 'from the gateway: the client has used its usage plan’s quota for the period (day, week or month); retry in the next one',
  },
  internal_error: {
    status: 500,
    title: 'Internal server error',
    when: 'unexpected; the detail is in the log only',
  },
  not_implemented: {
    status: 501,
    title: 'Not implemented',
    when: 'the route exists but its function is not written yet (the placeholder `npm run route:new` writes)',
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    when: 'the data store timed out, refused or throttled; retry after `Retry-After`',
  },
  authorizer_error: {
    status: 500,
    title: 'Authorization is unavailable',
    when: 'from the gateway: the authorizer could not decide (a JWKS outage); retry shortly',
  },
  gateway_error: {
    status: undefined,
    title: 'Gateway error',
    when: 'any other answer of the gateway itself (unknown route, integration timeout); `responseType` says which',
  },
} as const satisfies Record<string, ProblemKind>;
export type ProblemCode = keyof typeof PROBLEMS;

/** The gateway response types serverless.yml customises, and the problem each answers with. */
export const GATEWAY_PROBLEMS = {
  UNAUTHORIZED: { code: 'invalid_token', detail: 'message' },
  ACCESS_DENIED: { code: 'access_denied', detail: 'message' },
  // AWS does not say which of the two fires when the authorizer throws or times out: both
  // answer the same.
  AUTHORIZER_FAILURE: { code: 'authorizer_error', detail: 'retry' },
  AUTHORIZER_CONFIGURATION_ERROR: { code: 'authorizer_error', detail: 'retry' },
  // API Gateway's own 429s (usage plans and the stage's throttling): no Retry-After is
  // documented for either, and a template could only send a fixed one.
  THROTTLED: { code: 'throttled', detail: 'message' },
  QUOTA_EXCEEDED: { code: 'quota_exceeded', detail: 'message' },
  // The DEFAULT_* responses serve many statuses (403 unknown route, 413, 504...) and a
  // template cannot read the status code, so they leave RFC 9457's optional `status` out and
  // name the gateway's response type instead.
  DEFAULT_4XX: {
    code: 'gateway_error',
    detail: 'message',
    title: 'Request refused by the gateway',
  },
  DEFAULT_5XX: { code: 'gateway_error', detail: 'message' },
} as const satisfies Record<
  string,
  { code: ProblemCode; detail: 'message' | 'retry'; title?: string }
>;
export type GatewayProblemType = keyof typeof GATEWAY_PROBLEMS;

const RETRY = 'The token could not be checked right now; retry shortly';

/**
 * The `application/json` response template serverless.yml must declare for a gateway response
 * type. Templates are not VTL: only `$context.*` substitution, no conditionals
 * (docs/api-gateway-authorizers.md, § Gateway responses).
 */
export function gatewayResponseTemplate(type: GatewayProblemType): string {
  const spec = GATEWAY_PROBLEMS[type];
  const { status, title } = PROBLEMS[spec.code];
  const parts = [
    `"type":"${PROBLEM_TYPE_PREFIX}${spec.code}"`,
    `"title":"${'title' in spec ? spec.title : title}"`,
    ...(status === undefined ? [] : [`"status":${status}`]),
    `"code":"${spec.code}"`,
    ...(status === undefined ? ['"responseType":"$context.error.responseType"'] : []),
    spec.detail === 'message' ? '"detail":$context.error.messageString' : `"detail":"${RETRY}"`,
    '"requestId":"$context.requestId"',
  ];
  return `{${parts.join(',')}}`;
}

/**
 * The problem type every layer-2 module throws, built from the catalogue above: the codes a
 * route handler answers itself (the gateway answers the others).
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

/** `log`: for the decision line only, e.g. the refusal code of a token layer 2 refused. */
export const invalidToken = (detail: string, log?: Record<string, string>) =>
  new HttpProblem('invalid_token', detail, {
    extra: { error: 'invalid_token' },
    ...(log ? { log } : {}),
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
