/**
 * A CloudFormation template as JSON (what `sls package` writes), as the template checks read
 * it: its resources by logical id, and its other sections unchecked until a check looks.
 */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: unknown;
  readonly [attribute: string]: unknown;
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly [section: string]: unknown;
}
