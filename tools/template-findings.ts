/** What the template check reports, and where in the template it points. */

/** Stable codes: tests and readers switch on these, never on the message. */
export type FindingCode =
  | 'unknown_section'
  | 'unknown_resource_type'
  | 'unknown_property'
  | 'missing_property'
  | 'wrong_type'
  | 'value_not_allowed'
  | 'unknown_reference'
  | 'bad_intrinsic'
  | 'bad_logical_id'
  | 'quota_exceeded';

export interface TemplateFinding {
  readonly code: FindingCode;
  /** Where in the template, e.g. `Resources.UsersTable.Properties.KeySchema[0].KeyType`. */
  readonly path: string;
  readonly message: string;
}

/** Where a value sits: its path for messages, and its property path for the exceptions list. */
export interface Where {
  readonly path: string;
  /** The resource type whose Properties hold the value, if any. */
  readonly resourceType?: string;
  /** Property names from the resource's Properties down to the value (lists and maps skipped). */
  readonly propertyPath: readonly string[];
}

export function where(path: string): Where {
  return { path, propertyPath: [] };
}

/** One step down: a property (`isProperty`) or a map key, or a list element (`index`). */
export function member(at: Where, name: string, isProperty: boolean): Where {
  return {
    ...at,
    path: `${at.path}.${name}`,
    propertyPath: isProperty ? [...at.propertyPath, name] : at.propertyPath,
  };
}

export function index(at: Where, i: number): Where {
  return { ...at, path: `${at.path}[${i}]` };
}

export function finding(code: FindingCode, path: string, message: string): TemplateFinding {
  return { code, path, message };
}

export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** One line per finding, for a terminal. */
export function formatFindings(findings: readonly TemplateFinding[]): string {
  return findings.map((f) => `${f.path}: ${f.code}: ${f.message}`).join('\n');
}
