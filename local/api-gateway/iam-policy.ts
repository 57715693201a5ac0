import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { isRecord } from '../../tools/json-values.ts';

/**
 * How API Gateway REST evaluates the policy a Lambda authorizer returned, against one request's
 * methodArn (docs/api-gateway-authorizers.md, § Policy evaluation). Where AWS documents nothing,
 * the model picks the behaviour that grants less: a test that passes here cannot pass only
 * because the model was lenient. Our authorizer returns one plain Allow; the rest (Deny,
 * wildcards, Conditions, NotAction) stays because the local gateway and the contract tests also
 * run the per-route Allow, and whatever authorizer a user writes must not look better locally
 * than it would on AWS.
 */
export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** Thrown when the authorizer output is not something API Gateway accepts (it answers 500). */
export class InvalidAuthorizerOutput extends Error {
  override readonly name = 'InvalidAuthorizerOutput';
}

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: unknown;
}

const INVOKE = 'execute-api:Invoke';

/**
 * IAM resource/action wildcards: `*` is any run of characters (slashes and the empty string
 * included), `?` exactly one character, everything else literal (docs/api-gateway-authorizers.md P5, P6).
 */
export function globMatches(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's').test(value);
}

/**
 * Checks the authorizer output the way API Gateway does before it caches or applies it, and
 * returns its statements. Disputed cases (missing principalId, `null` context values, an Effect
 * in another casing) are treated as invalid: the stricter reading (docs/api-gateway-authorizers.md P9, P10, X1).
 */
export function parseAuthorizerOutput(output: unknown): readonly Statement[] {
  if (!isRecord(output)) throw new InvalidAuthorizerOutput('output is not an object');
  const result = output as Partial<APIGatewayAuthorizerResult>;
  if (typeof result.principalId !== 'string' || result.principalId === '')
    throw new InvalidAuthorizerOutput('no principalId');
  const document = result.policyDocument as unknown;
  if (!isRecord(document)) throw new InvalidAuthorizerOutput('no policyDocument');
  const raw = (document as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : isRecord(raw) ? [raw] : undefined;
  if (!statements) throw new InvalidAuthorizerOutput('policyDocument has no Statement');
  for (const statement of statements) checkStatement(statement);
  if (result.context !== undefined) {
    if (!isRecord(result.context)) throw new InvalidAuthorizerOutput('context is not a map');
    for (const [key, value] of Object.entries(result.context)) {
      if (!['string', 'number', 'boolean'].includes(typeof value))
        throw new InvalidAuthorizerOutput(`context value "${key}" is not a string/number/boolean`);
    }
  }
  return statements as Statement[];
}

// docs/api-gateway-authorizers.md P11: a Resource ARN in the returned policy is at most 512 characters.
const MAX_RESOURCE_LENGTH = 512;

/**
 * An IAM statement needs an Effect, an Action (or NotAction) and a Resource (or NotResource),
 * each a string or a non-empty list of strings. A statement missing one is malformed, Deny
 * included: a Deny that silently applied to nothing would let the Allow beside it through.
 */
function checkStatement(statement: unknown): void {
  if (!isRecord(statement) || (statement.Effect !== 'Allow' && statement.Effect !== 'Deny'))
    throw new InvalidAuthorizerOutput('a statement has no Effect Allow or Deny');
  for (const [key, not] of [
    ['Action', 'NotAction'],
    ['Resource', 'NotResource'],
  ] as const) {
    const present = [key, not].filter((k) => statement[k] !== undefined);
    if (present.length !== 1)
      throw new InvalidAuthorizerOutput(`a statement needs exactly one of ${key} and ${not}`);
    const value = statement[present[0]!];
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (values.length === 0 || !values.every((v) => typeof v === 'string' && v !== ''))
      throw new InvalidAuthorizerOutput(
        `a statement's ${present[0]} is not a string or a non-empty list of strings`,
      );
    if (key === 'Resource') for (const resource of values as string[]) checkResource(resource);
  }
}

/**
 * docs/api-gateway-authorizers.md P6: the service segment of an ARN (`execute-api`) cannot be wildcarded; P11: at most
 * 512 characters. Whether API Gateway then refuses the whole output or only ignores that
 * resource is unknown: refusing the output (500, nothing allowed) is the stricter reading, and
 * the model takes it. A Resource is `*` or an ARN; anything else is malformed too.
 */
function checkResource(resource: string): void {
  if (resource.length > MAX_RESOURCE_LENGTH)
    throw new InvalidAuthorizerOutput(
      `a Resource is longer than ${MAX_RESOURCE_LENGTH} characters`,
    );
  if (resource === '*') return;
  const service = resource.startsWith('arn:') ? resource.split(':')[2] : undefined;
  if (service === undefined || service === '' || /[*?]/.test(service))
    throw new InvalidAuthorizerOutput(
      `Resource "${resource}" is not "*" or an ARN with a literal service segment`,
    );
}

/** Explicit Deny wins over any Allow; no matching Allow is an implicit deny (docs/api-gateway-authorizers.md P8). */
export function evaluatePolicy(
  statements: readonly Statement[],
  methodArn: string,
): PolicyDecision {
  let allowed = false;
  for (const statement of statements) {
    if (statement.Effect === 'Deny' && denyApplies(statement, methodArn)) return 'explicit-deny';
    if (statement.Effect === 'Allow' && allowApplies(statement, methodArn)) allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

function allowApplies(statement: Statement, methodArn: string): boolean {
  // Conditions, NotAction and NotResource: whether API Gateway honours them is not documented
  // (P10). An Allow that carries one grants nothing here.
  if (statement.Condition !== undefined || statement.NotAction !== undefined) return false;
  if (statement.NotResource !== undefined) return false;
  // The casing of Action is not documented (P9): an Allow must spell it exactly.
  return (
    list(statement.Action).some((action) => globMatches(action, INVOKE)) &&
    list(statement.Resource).some((resource) => globMatches(resource, methodArn))
  );
}

function denyApplies(statement: Statement, methodArn: string): boolean {
  // The stricter reading for a Deny is the broader one: it applies whatever it carries.
  if (statement.Condition !== undefined || statement.NotAction !== undefined) return true;
  if (statement.NotResource !== undefined) return true;
  return (
    list(statement.Action).some((action) => globMatches(action, INVOKE, true)) &&
    list(statement.Resource).some((resource) => globMatches(resource, methodArn))
  );
}

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;
