import { PROBLEM_TYPE_PREFIX, PROBLEMS, type ProblemCode } from '../src/shared/problems.ts';

/**
 * The JSON Schema of every error body this service answers (RFC 9457 problem+json), built at
 * build time from the problem catalogue (src/shared/problems.ts, which answers the errors):
 * route files refer to it as `{ "$ref": "Problem" }`, the OpenAPI document names it, and the
 * tests validate every error they see against it.
 */
export function problemJsonSchema(
  codes: readonly ProblemCode[] = Object.keys(PROBLEMS) as ProblemCode[],
) {
  return {
    $id: 'Problem',
    title: 'Problem',
    description:
      'RFC 9457 problem details. Switch on `code` (or `type`), never on `title` or `detail`.',
    type: 'object',
    required: ['type', 'title', 'code'],
    properties: {
      type: {
        type: 'string',
        description: `\`${PROBLEM_TYPE_PREFIX}<code>\``,
        pattern: `^${PROBLEM_TYPE_PREFIX.replaceAll('.', '\\.')}[a-z_]+$`,
      },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      code: {
        type: 'string',
        enum: [...codes],
        description: codes.map((code) => `\`${code}\`: ${PROBLEMS[code].when}`).join('; '),
      },
      detail: { type: ['string', 'null'] },
      error: {
        type: 'string',
        enum: ['invalid_token', 'insufficient_scope'],
        description: 'RFC 6750 error code (401 and 403 from a route)',
      },
      scope: {
        type: 'string',
        description: 'RFC 6750: the scopes the route requires, space-separated (403)',
      },
      errors: {
        type: 'array',
        description: 'Every problem of the request (invalid_request)',
        maxItems: 50,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'message'],
          properties: {
            path: { type: 'string', description: 'JSON Pointer into the request' },
            message: { type: 'string' },
          },
        },
      },
      responseType: {
        type: 'string',
        description: "The gateway's response type, on `gateway_error` (e.g. INTEGRATION_TIMEOUT)",
      },
      requestId: { type: 'string' },
    },
    examples: [
      {
        type: `${PROBLEM_TYPE_PREFIX}insufficient_scope`,
        title: PROBLEMS.insufficient_scope.title,
        status: 403,
        code: 'insufficient_scope',
        detail: 'This route requires the scope users:write',
        error: 'insufficient_scope',
        scope: 'users:write',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      },
    ],
  };
}
