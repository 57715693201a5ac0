import {
  describeValue,
  finding,
  index,
  member,
  type TemplateFinding,
  type Where,
} from './template-findings.ts';
import { intrinsicChecker, isIntrinsic, isNoValue, own } from './template-intrinsics.ts';
import type { CfnTemplate } from './cfn-template.ts';
import {
  specException,
  type CfnSpec,
  type Property,
  type PropertyType,
  type SpecException,
} from './template-spec.ts';
import { isRecord } from './json-values.ts';

/**
 * A value against the type the specification gives its property: scalars by JSON type and
 * allowed values, lists element by element, maps value by value, property types property by
 * property (unknown ones refused, required ones demanded), unions by whichever member fits, and
 * intrinsic functions by what they give (tools/template-intrinsics.ts).
 */
export function valueChecker(template: CfnTemplate, spec: CfnSpec) {
  /** Values passed unjudged, by path, with the exception that let each through. */
  const unjudged = new Map<string, SpecException>();
  const intrinsics = intrinsicChecker(template, spec, checkValue);

  function checkValue(type: PropertyType, value: unknown, at: Where): TemplateFinding[] {
    if (isIntrinsic(value)) return intrinsics.checkIn(type, value, at);
    const wrong = () => [wrongType(type, value, at)];
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (typeof value !== 'string') return wrong();
        return 'allowedValues' in type && type.allowedValues && !type.allowedValues.includes(value)
          ? [notAllowed(type.allowedValues, value, at)]
          : [];
      case 'integer':
        if (!Number.isInteger(value)) return wrong();
        return type.allowedValues && !type.allowedValues.includes(value as number)
          ? [notAllowed(type.allowedValues, value, at)]
          : [];
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? [] : wrong();
      case 'boolean':
        return typeof value === 'boolean' ? [] : wrong();
      case 'null':
        return value === null ? [] : wrong();
      case 'json':
        // Free-form JSON (a policy document, a schema): only its intrinsics can be judged.
        return isRecord(value) ? intrinsics.inJson(value, at) : wrong();
      case 'tag':
        return isRecord(value) ? checkProperties(TAG, value, at, 'a tag') : wrong();
      case 'array':
        if (!Array.isArray(value)) return wrong();
        // AWS::NoValue as a list element removes the element.
        return value.flatMap((element, i) =>
          isNoValue(element) ? [] : checkValue(type.element, element, index(at, i)),
        );
      case 'map':
        if (!isRecord(value)) return wrong();
        return Object.entries(value).flatMap(([key, element]) =>
          isNoValue(element) ? [] : checkValue(type.element, element, member(at, key, false)),
        );
      case 'ref': {
        if (!isRecord(value)) return wrong();
        const definition = spec.definition(type);
        return checkProperties(definition.properties, value, at, `${definition.name}`);
      }
      case 'union':
        return checkUnion(type, value, at);
    }
  }

  /**
   * A union accepts what any of its members accepts. When none does, the findings are those of
   * the member the value's own shape chose (a list for a list), so an unknown property deep in
   * a list of objects is reported as that, not as "not a list or a string".
   */
  function checkUnion(
    type: Extract<PropertyType, { type: 'union' }>,
    value: unknown,
    at: Where,
  ): TemplateFinding[] {
    const attempts = type.types.map((member) => checkValue(member, value, at));
    if (attempts.some((found) => found.length === 0)) return [];
    const shaped = attempts.filter(
      (found) => !found.some((f) => f.path === at.path && f.code === 'wrong_type'),
    );
    if (shaped.length === 0) return [wrongType(type, value, at)];
    return shaped.reduce((fewest, found) => (found.length < fewest.length ? found : fewest));
  }

  function checkProperties(
    properties: Readonly<Record<string, Property>>,
    value: Readonly<Record<string, unknown>>,
    at: Where,
    owner: string,
  ): TemplateFinding[] {
    const out: TemplateFinding[] = [];
    for (const [name, propertyValue] of Object.entries(value)) {
      const here = member(at, name, true);
      const property = own(properties, name);
      // IGNORE marks a property the specification once listed by mistake.
      if (!property || String(property.deprecated) === 'IGNORE') {
        const exception =
          at.resourceType && specException(at.resourceType, here.propertyPath.join('.'));
        if (exception) unjudged.set(here.path, exception);
        else out.push(finding('unknown_property', here.path, `${owner} has no property ${name}`));
        continue;
      }
      if (!isNoValue(propertyValue)) out.push(...checkValue(property.type, propertyValue, here));
    }
    for (const [name, property] of Object.entries(properties)) {
      if (!property.required) continue;
      const path = member(at, name, true).path;
      if (!Object.hasOwn(value, name) || isNoValue(value[name]))
        out.push(finding('missing_property', path, `${owner} requires ${name}`));
      else if (intrinsics.mayBeRemoved(value[name]))
        out.push(
          finding('missing_property', path, `${owner} requires ${name}, which Fn::If may remove`),
        );
    }
    return out;
  }

  function wrongType(type: PropertyType, value: unknown, at: Where): TemplateFinding {
    return finding(
      'wrong_type',
      at.path,
      `expected ${describeType(type)}, found ${describeValue(value)}`,
    );
  }

  function describeType(type: PropertyType): string {
    switch (type.type) {
      case 'array':
        return `a list of ${describeType(type.element)}`;
      case 'map':
        return `a map of ${describeType(type.element)}`;
      case 'ref':
        return `an object (${spec.definition(type).name})`;
      case 'union':
        return type.types.map(describeType).join(' or ');
      case 'json':
        return 'a JSON object';
      case 'tag':
        return 'a tag ({Key, Value})';
      case 'integer':
        return 'an integer';
      default:
        return `a ${type.type}`;
    }
  }

  return { checkValue, checkProperties, intrinsics, unjudged };
}

const STRING: PropertyType = { type: 'string' };

// The legacy tag type of the specification, as a property set.
const TAG: Readonly<Record<string, Property>> = {
  Key: { type: STRING, required: true },
  Value: { type: STRING, required: true },
};

function notAllowed(allowed: readonly unknown[], value: unknown, at: Where): TemplateFinding {
  return finding(
    'value_not_allowed',
    at.path,
    `${JSON.stringify(value)} is not one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
  );
}
