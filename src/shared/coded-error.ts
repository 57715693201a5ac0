/**
 * An error with a stable code from a closed list: the code is what lands in the log line and the
 * metrics (a bounded set), the message is the detail for people. Layer 1's refusals and failures
 * to decide both are one.
 */
export abstract class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, detail?: string, options?: ErrorOptions) {
    super(detail ?? code, options);
    this.code = code;
  }
}
