/**
 * Every way the authorizer can refuse, with a stable code that lands in the log line.
 * Two families, because API Gateway treats them differently and caches its answer:
 *
 * - `TokenRejected`: the caller's token is bad. The handler throws exactly `Error('Unauthorized')`,
 *   which API Gateway turns into 401. Only this exact message maps to 401; anything else is a 500.
 * - `AuthorizerFailure`: we could not decide (JWKS down or slow, bad configuration, a methodArn we
 *   do not understand). The handler throws a different error and API Gateway answers 500: a JWKS
 *   blip lets nobody in and refuses no valid token as unauthorized. (Whether API Gateway caches a
 *   500 is not documented; the contract tests cover both readings.)
 */
export const REJECT_CODES = [
  'missing_token',
  'invalid_scheme',
  'malformed_token',
  'noncanonical_encoding',
  'unsupported_token',
  'alg_not_allowed',
  'unknown_kid',
  'bad_signature',
  'ambiguous_key',
  'token_expired',
  'token_not_yet_valid',
  'issued_in_future',
  'lifetime_too_long',
  'unknown_issuer',
  'tenant_not_allowed',
  'wrong_audience',
  'client_not_allowed',
  'wrong_token_type',
  'graph_token',
  'missing_claim',
  'invalid_claim',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

export const FAILURE_CODES = [
  'jwks_unavailable',
  'jwks_timeout',
  'jwks_invalid',
  'discovery_failed',
  'malformed_method_arn',
  // The usage plans' key secret could not be read: without a key API Gateway would refuse the
  // request (403) anyway, so this is a failure to decide, not a refusal.
  'api_keys_unavailable',
  'internal_error',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
  readonly code: RejectCode;
  constructor(code: RejectCode, detail?: string, options?: ErrorOptions) {
    super(detail ?? code, options);
    this.code = code;
  }
}

export class AuthorizerFailure extends Error {
  override readonly name = 'AuthorizerFailure';
  readonly code: FailureCode;
  constructor(code: FailureCode, detail?: string, options?: ErrorOptions) {
    super(detail ?? code, options);
    this.code = code;
  }
}
