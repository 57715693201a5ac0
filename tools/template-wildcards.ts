import type { CfnTemplate } from './cfn-template.ts';
import { isRecord } from './json-values.ts';

/**
 * Every wildcard a policy of the template grants or refuses, so that none ships unless README
 * (Security, "Wildcards in the template's policies") names it with its reason. Found in each
 * policy document (an object with a Statement, wherever a resource holds one: a role's inline
 * policies and trust policy, a bucket policy...), in each Lambda permission, and in each managed
 * policy attached by ARN, whose statements are not in the template at all.
 */
export interface Wildcard {
  readonly resourceType: string;
  readonly effect: 'Allow' | 'Deny';
  /** `Action`, `NotAction`, `Resource`, `NotResource`, `Principal`, `NotPrincipal`, `SourceArn` or `ManagedPolicyArns`. */
  readonly element: string;
  /** The value as written, intrinsic functions shown in Fn::Sub's `${Name}` notation. */
  readonly value: string;
  /** Where: `Resources.<logical id>…`. */
  readonly path: string;
}

const STATEMENT_ELEMENTS = [
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
] as const;

export function policyWildcards(template: CfnTemplate): Wildcard[] {
  const found: Wildcard[] = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    const at = `Resources.${name}.Properties`;
    const add = (effect: Wildcard['effect'], element: string, value: string, path: string) =>
      found.push({ resourceType: resource.Type, effect, element, value, path });

    // A Lambda permission is one statement of the function's resource policy.
    if (resource.Type === 'AWS::Lambda::Permission') {
      for (const element of ['Principal', 'SourceArn'])
        for (const value of rendered(resource.Properties?.[element]))
          if (value.includes('*')) add('Allow', element, value, `${at}.${element}`);
      continue;
    }
    walk(resource.Properties, at, (document, path) => {
      const statements = [document.Statement].flat();
      statements.forEach((statement, i) => {
        if (!isRecord(statement)) return;
        const effect = statement.Effect === 'Deny' ? 'Deny' : 'Allow';
        for (const element of STATEMENT_ELEMENTS)
          for (const value of rendered(statement[element]))
            // NotAction, NotResource and NotPrincipal match everything but what they name.
            if (value.includes('*') || element.startsWith('Not'))
              add(effect, element, value, `${path}.Statement[${i}].${element}`);
      });
    });
    // A managed policy outside the template (by ARN) is a set of statements nobody here sees.
    for (const [i, arn] of [resource.Properties?.ManagedPolicyArns ?? []].flat().entries())
      if (!(
        isRecord(arn) &&
        typeof arn.Ref === 'string' &&
        Object.hasOwn(template.Resources, arn.Ref)
      ))
        for (const value of rendered(arn))
          add('Allow', 'ManagedPolicyArns', value, `${at}.ManagedPolicyArns[${i}]`);
  }
  return found;
}

/** Calls `visit` for every policy document (an object with a Statement) under `value`. */
function walk(
  value: unknown,
  path: string,
  visit: (document: Record<string, unknown>, path: string) => void,
): void {
  if (Array.isArray(value)) value.forEach((element, i) => walk(element, `${path}[${i}]`, visit));
  else if (isRecord(value)) {
    if ('Statement' in value) visit(value, path);
    else for (const [key, element] of Object.entries(value)) walk(element, `${path}.${key}`, visit);
  }
}

/**
 * The strings a policy element may hold, intrinsic functions written the way Fn::Sub writes
 * them: `{"Ref": "X"}` as `${X}`, `{"Fn::GetAtt": ["X", "Arn"]}` as `${X.Arn}`, Fn::Join joined,
 * each branch of Fn::If, and a principal map's values.
 */
export function rendered(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(rendered);
  if (!isRecord(value)) return [String(value)];
  if (typeof value.Ref === 'string') return [`\${${value.Ref}}`];
  const getAtt = value['Fn::GetAtt'];
  if (getAtt !== undefined)
    return [`\${${Array.isArray(getAtt) ? getAtt.join('.') : String(getAtt)}}`];
  const sub = value['Fn::Sub'];
  if (sub !== undefined) return [String(Array.isArray(sub) ? sub[0] : sub)];
  const join = value['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1]))
    return [join[1].map((part) => rendered(part).join('')).join(String(join[0]))];
  const branches = value['Fn::If'];
  if (Array.isArray(branches)) return branches.slice(1).flatMap(rendered);
  // A principal: { AWS: …, Service: … }, or any other function shown as JSON.
  if (Object.keys(value).some((key) => key.startsWith('Fn::'))) return [JSON.stringify(value)];
  return Object.values(value).flatMap(rendered);
}

/** One wildcard README allows, with its reason. */
export interface AllowedWildcard {
  readonly resourceType: string;
  readonly effect: string;
  readonly element: string;
  readonly value: string;
  readonly reason: string;
}

const ALLOWED_HEADING = "### Wildcards in the template's policies";

/**
 * README's list of allowed wildcards: the table under its heading, one row per wildcard
 * (`| resource type | effect | element | value | why |`, cells in backticks but the reason).
 */
export function allowedWildcards(readme: string): AllowedWildcard[] {
  const start = readme.indexOf(ALLOWED_HEADING);
  if (start < 0) throw new Error(`README has no section "${ALLOWED_HEADING}"`);
  // The first table between the heading and the next one: its header, separator, then rows.
  const section = readme.slice(start + ALLOWED_HEADING.length).split(/\n#/)[0]!;
  const rows = section
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|'))
    .slice(2);
  return rows.map((row) => {
    const [resourceType, effect, element, value, reason] = row
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) =>
        cell
          .trim()
          .replace(/^`(.*)`$/, '$1')
          .replaceAll('\\|', '|'),
      );
    if (!resourceType || !effect || !element || !value || !reason)
      throw new Error(`README wildcard row has an empty cell: ${row}`);
    return { resourceType, effect, element, value, reason };
  });
}

const key = (w: Omit<Wildcard, 'path'> | AllowedWildcard) =>
  [w.resourceType, w.effect, w.element, w.value].join(' ');

/** Wildcards the template has but README does not justify, and README rows nothing uses. */
export function compareWildcards(
  found: readonly Wildcard[],
  allowed: readonly AllowedWildcard[],
): { unjustified: Wildcard[]; unused: AllowedWildcard[] } {
  const allowedKeys = new Set(allowed.map(key));
  const foundKeys = new Set(found.map(key));
  return {
    unjustified: found.filter((w) => !allowedKeys.has(key(w))),
    unused: allowed.filter((a) => !foundKeys.has(key(a))),
  };
}
