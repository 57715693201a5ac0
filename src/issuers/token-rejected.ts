import { CodedError } from '../shared/coded-error.ts';

/**
 * Every way a token is refused, with a stable code that lands in the log line. The same codes
 * whichever layer refuses: our Lambda authorizer (layer 1, which API Gateway turns into 401), or
 * layer 2 behind API Gateway's native JWT authorizer (401 `invalid_token`, the code in the log).
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

export class TokenRejected extends CodedError<RejectCode> {
  override readonly name = 'TokenRejected';
}
