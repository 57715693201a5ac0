/**
 * An error with a stable `code` that callers and the log switch on, never the message: the base
 * of a family of refusals or failures whose codes are listed in one place (TokenRejected's
 * REJECT_CODES, AuthorizerFailure's FAILURE_CODES). Without a detail, the message is the code.
 */
export abstract class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, detail?: string, options?: ErrorOptions) {
    super(detail ?? code, options);
    this.code = code;
  }
}
