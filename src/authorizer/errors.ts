import { CodedError } from '../shared/coded-error.ts';

/**
 * Every way the authorizer can fail to decide, with a stable code that lands in the log line.
 * Two families of errors, because API Gateway treats them differently and caches its answer:
 *
 * - `TokenRejected` (src/issuers/token-rejected.ts): the caller's token is bad. The handler
 *   throws exactly `Error('Unauthorized')`, which API Gateway turns into 401. Only this exact message maps to 401; anything else is a 500.
 * - `AuthorizerFailure`: we could not decide (JWKS down or slow, bad configuration, a methodArn we
 *   do not understand). The handler throws a different error and API Gateway answers 500: a JWKS
 *   blip lets nobody in and refuses no valid token as unauthorized. (Whether API Gateway caches a
 *   500 is not documented; the contract tests cover both readings.)
 */
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

export class AuthorizerFailure extends CodedError<FailureCode> {
  override readonly name = 'AuthorizerFailure';
}
