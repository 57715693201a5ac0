/**
 * What a generated route module (`src/generated/routes/<name>.js`, written by
 * `npm run schemas` from `schemas/<name>.json`) exports by default: the route's metadata and its
 * event validator, compiled ahead of time to plain JavaScript by ajv's standalone generator so a
 * cold start compiles nothing.
 */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}

/** The subset of an ajv error object we read. */
export interface ValidationError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * `Event` is the type of the event the validator lets through (generated from the schema), so a
 * route function reads `event.body` and `event.pathParameters` as the schema describes them.
 */
export interface CompiledRoute<Event = unknown> {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  /** All of these are required (all-of). Empty: any authenticated caller. */
  readonly scopes: readonly string[];
  readonly hasBody: boolean;
  /** The largest body the route reads, in bytes; a larger one is a 413. */
  readonly maxBodyBytes: number;
  readonly validate: SchemaValidator;
  /** Carries the event type only; there is no such value at run time. */
  readonly event?: Event;
}
