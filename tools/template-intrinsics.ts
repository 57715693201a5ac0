import { finding, index, type TemplateFinding, type Where } from './template-findings.ts';
import type { CfnTemplate } from './cfn-template.ts';
import type { CfnSpec, PropertyType } from './template-spec.ts';
import { isRecord } from './json-values.ts';

/**
 * CloudFormation's intrinsic functions, as the template check sees them: what each one gives
 * (a scalar, a list, an object, or nothing at all: AWS::NoValue), whether its arguments have
 * the shape CloudFormation's "Intrinsic function reference" gives them, and whether what it
 * names exists (a parameter, resource, attribute, mapping or condition). A function is
 * accepted in a property only where what it gives fits: Fn::Split or Fn::GetAZs (lists) in a
 * list, Fn::Join or Fn::Sub (strings) in a scalar, never an object where a list is expected.
 */
export type Kind = 'scalar' | 'list' | 'object' | 'absent';

type CheckValue = (type: PropertyType, value: unknown, at: Where) => TemplateFinding[];

const STRING: PropertyType = { type: 'string' };
const STRINGS: PropertyType = { type: 'array', element: STRING };
// Fn::Select's index and Fn::Cidr's counts: CloudFormation's own examples write them as
// numbers and as strings of digits.
const COUNT: PropertyType = { type: 'union', types: [{ type: 'integer' }, STRING] };

// What Ref gives for each pseudo parameter (CloudFormation's "Pseudo parameters reference").
const PSEUDO_PARAMETERS: Readonly<Record<string, Kind>> = {
  'AWS::AccountId': 'scalar',
  'AWS::NotificationARNs': 'list',
  'AWS::NoValue': 'absent',
  'AWS::Partition': 'scalar',
  'AWS::Region': 'scalar',
  'AWS::StackId': 'scalar',
  'AWS::StackName': 'scalar',
  'AWS::URLSuffix': 'scalar',
};
const CONDITION_FUNCTIONS = new Set(['Fn::And', 'Fn::Or', 'Fn::Not', 'Fn::Equals']);

// The functions that take a list of a fixed length: what each argument must be, how the list
// reads in a message, and what the function gives (CloudFormation's "Intrinsic function reference").
const FIXED_LIST_FUNCTIONS: Readonly<
  Record<string, { args: readonly PropertyType[]; usage: string; gives: Kind }>
> = {
  'Fn::Join': { args: [STRING, STRINGS], usage: '[delimiter, list]', gives: 'scalar' },
  'Fn::Select': { args: [COUNT, STRINGS], usage: '[index, list]', gives: 'scalar' },
  'Fn::Split': { args: [STRING, STRING], usage: '[delimiter, string]', gives: 'list' },
  'Fn::Cidr': { args: [STRING, COUNT, COUNT], usage: '[ipBlock, count, cidrBits]', gives: 'list' },
};

/**
 * `record[key]` only if the record has it: a template may name `constructor` or `__proto__`,
 * which a plain lookup would find on Object.prototype.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An object whose key is `Ref` or `Fn::…`: CloudFormation evaluates it. */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'));
}

/** `{ "Ref": "AWS::NoValue" }`: the property, or the list element, is removed. */
export function isNoValue(value: unknown): boolean {
  return isRecord(value) && value.Ref === 'AWS::NoValue' && Object.keys(value).length === 1;
}

/** The kinds of value a property of `type` takes. */
export function acceptedKinds(type: PropertyType): Set<Kind> {
  switch (type.type) {
    case 'array':
      return new Set(['list']);
    case 'map':
    case 'ref':
    case 'json':
    case 'tag':
      return new Set(['object']);
    case 'union':
      return new Set(type.types.flatMap((t) => [...acceptedKinds(t)]));
    default:
      return new Set(['scalar']);
  }
}

interface Evaluated {
  readonly kinds: ReadonlySet<Kind>;
  readonly findings: readonly TemplateFinding[];
}

export function intrinsicChecker(template: CfnTemplate, spec: CfnSpec, checkValue: CheckValue) {
  const parameters = isRecord(template.Parameters) ? template.Parameters : {};
  const conditions = isRecord(template.Conditions) ? template.Conditions : {};
  const mappings = isRecord(template.Mappings) ? template.Mappings : undefined;
  const resources = template.Resources;

  const gives =
    (...kinds: Kind[]) =>
    (findings: readonly TemplateFinding[]) => ({
      kinds: new Set(kinds),
      findings,
    });
  const bad = (at: Where, message: string): Evaluated => ({
    kinds: new Set(),
    findings: [finding('bad_intrinsic', at.path, message)],
  });
  const unknown = (at: Where, message: string): Evaluated => ({
    kinds: new Set(),
    findings: [finding('unknown_reference', at.path, message)],
  });
  const argAt = (at: Where, fn: string, i?: number): Where => {
    const here = { ...at, path: `${at.path}.${fn}` };
    return i === undefined ? here : index(here, i);
  };

  /** What an intrinsic gives, with any finding about its arguments or what it names. */
  function evaluate(call: Record<string, unknown>, at: Where): Evaluated {
    const keys = Object.keys(call);
    if (keys.length !== 1)
      return bad(at, `an intrinsic function is an object with one key, found ${keys.join(', ')}`);
    const fn = keys[0]!;
    const args = call[fn];
    const list: unknown[] = Array.isArray(args) ? args : [];
    const arity = (n: number) => Array.isArray(args) && args.length === n;
    const fixed = own(FIXED_LIST_FUNCTIONS, fn);
    if (fixed) {
      if (!arity(fixed.args.length)) return bad(at, `${fn} takes ${fixed.usage}`);
      return gives(fixed.gives)(
        fixed.args.flatMap((type, i) => checkValue(type, list[i], argAt(at, fn, i))),
      );
    }
    switch (fn) {
      case 'Ref':
        return ref(args, at);
      case 'Fn::GetAtt':
        return getAtt(args, argAt(at, fn));
      case 'Fn::Sub':
        return sub(args, argAt(at, fn));
      case 'Fn::Base64':
      case 'Fn::ImportValue':
        return gives('scalar')(checkValue(STRING, args, argAt(at, fn)));
      case 'Fn::GetAZs':
        return gives('list')(checkValue(STRING, args, argAt(at, fn)));
      case 'Fn::FindInMap':
        if (!arity(3)) return bad(at, 'Fn::FindInMap takes [map, top-level key, second-level key]');
        return findInMap(list, argAt(at, fn));
      case 'Fn::If': {
        const form = ifForm(args, at);
        if (form.findings.length) return { kinds: new Set(), findings: form.findings };
        const branches = form.branches.map((branch, i) => kindsOf(branch, argAt(at, fn, i + 1)));
        return {
          kinds: new Set(branches.flatMap((b) => [...b.kinds])),
          findings: branches.flatMap((b) => b.findings),
        };
      }
      default:
        return bad(
          at,
          CONDITION_FUNCTIONS.has(fn)
            ? `${fn} is a condition function: it belongs in Conditions, and Fn::If names the condition`
            : `${fn} is not an intrinsic function this check knows (transforms and macros are not modelled)`,
        );
    }
  }

  function kindsOf(value: unknown, at: Where): Evaluated {
    if (isIntrinsic(value)) return evaluate(value, at);
    if (Array.isArray(value)) return gives('list')(inJson(value, at));
    if (isRecord(value)) return gives('object')(inJson(value, at));
    return gives('scalar')([]);
  }

  function ref(name: unknown, at: Where): Evaluated {
    if (typeof name !== 'string')
      return bad(at, 'Ref takes the logical id of a parameter or resource');
    const pseudo = own(PSEUDO_PARAMETERS, name);
    if (pseudo) return gives(pseudo)([]);
    const parameter = own(parameters, name);
    if (isRecord(parameter)) {
      const type = String(parameter.Type);
      const list =
        /^(List<|CommaDelimitedList$|AWS::SSM::Parameter::Value<(List<|CommaDelimitedList>))/;
      return gives(list.test(type) ? 'list' : 'scalar')([]);
    }
    if (own(resources, name)) return gives('scalar')([]);
    return unknown(at, `Ref ${name}: no such parameter or resource`);
  }

  function getAtt(args: unknown, at: Where): Evaluated {
    const [name, attribute] =
      typeof args === 'string'
        ? [args.slice(0, args.indexOf('.')), args.slice(args.indexOf('.') + 1)]
        : Array.isArray(args) && args.length === 2
          ? args
          : [];
    // The attribute name may come from a parameter (Ref), so any of the type's attributes.
    if (
      typeof name === 'string' &&
      isRecord(attribute) &&
      Object.keys(attribute).join() === 'Ref'
    ) {
      const named = ref(attribute.Ref, at);
      if (named.findings.length) return named;
      const resource = own(resources, name);
      if (!resource) return unknown(at, `${name}: no such resource`);
      const attributes = Object.values(spec.resource(resource.Type)?.attributes ?? {});
      return gives(...attributes.flatMap((a) => [...acceptedKinds(a.type)]))([]);
    }
    if (typeof name !== 'string' || typeof attribute !== 'string' || !name || !attribute)
      return bad(at, 'Fn::GetAtt takes [logical id, attribute name]');
    return attributeOf(name, attribute, at);
  }

  function attributeOf(name: string, attribute: string, at: Where): Evaluated {
    const resource = own(resources, name);
    if (!resource) return unknown(at, `${name}.${attribute}: no such resource`);
    const type = spec.resource(resource.Type);
    // An unknown resource type is reported on the resource itself.
    if (!type) return gives('scalar', 'list', 'object')([]);
    const found = own(type.attributes, attribute);
    if (!found)
      return unknown(at, `${name}.${attribute}: ${resource.Type} has no attribute ${attribute}`);
    return gives(...acceptedKinds(found.type))([]);
  }

  function sub(args: unknown, at: Where): Evaluated {
    const [text, variables] = Array.isArray(args) ? args : [args, {}];
    if (
      typeof text !== 'string' ||
      !isRecord(variables) ||
      (Array.isArray(args) && args.length !== 2)
    )
      return bad(at, 'Fn::Sub takes a string, or [string, {name: value}]');
    const findings = Object.entries(variables).flatMap(([key, value]) =>
      checkValue(STRING, value, { ...at, path: `${at.path}[1].${key}` }),
    );
    // `${Name}` and `${Resource.Attribute}` are substituted; `${!Literal}` is written as `${Literal}`.
    for (const [, expression] of text.matchAll(/\$\{([^}]*)\}/g)) {
      const name = expression!.trim();
      if (name.startsWith('!') || Object.hasOwn(variables, name)) continue;
      const dot = name.indexOf('.');
      const found =
        dot > 0 && !own(PSEUDO_PARAMETERS, name)
          ? attributeOf(name.slice(0, dot), name.slice(dot + 1), at)
          : ref(name, at);
      findings.push(...found.findings);
      if (found.kinds.has('list') || found.kinds.has('object'))
        findings.push(finding('wrong_type', at.path, `Fn::Sub \${${name}} is not a scalar`));
    }
    return gives('scalar')(findings);
  }

  function findInMap(args: unknown[], at: Where): Evaluated {
    const findings = args.flatMap((arg, i) => checkValue(STRING, arg, index(at, i)));
    if (findings.length) return { kinds: new Set(), findings };
    if (!mappings) return bad(at, 'Fn::FindInMap with no Mappings section');
    // Literal keys pick one value; a key given by a function may pick any at its level.
    let values: unknown[] = [mappings];
    for (const [i, key] of args.entries()) {
      const next: unknown[] = [];
      for (const level of values.filter(isRecord))
        if (typeof key !== 'string') next.push(...Object.values(level));
        else if (Object.hasOwn(level, key)) next.push(level[key]);
      if (next.length === 0) return unknown(index(at, i), `no mapping entry ${String(key)}`);
      values = next;
    }
    return gives(...new Set(values.map((v): Kind => (Array.isArray(v) ? 'list' : 'scalar'))))([]);
  }

  function ifForm(
    args: unknown,
    at: Where,
  ): { branches: readonly unknown[]; findings: TemplateFinding[] } {
    if (!Array.isArray(args) || args.length !== 3)
      return {
        branches: [],
        findings: [...bad(at, 'Fn::If takes [condition, then, else]').findings],
      };
    return {
      branches: args.slice(1),
      findings: conditionName(args[0], argAt(at, 'Fn::If', 0)),
    };
  }

  function conditionName(name: unknown, at: Where): TemplateFinding[] {
    if (typeof name === 'string' && Object.hasOwn(conditions, name)) return [];
    return [
      finding('unknown_reference', at.path, `no condition ${JSON.stringify(name)} in Conditions`),
    ];
  }

  /** Every intrinsic inside free-form JSON, where only they can be judged. */
  function inJson(value: unknown, at: Where): TemplateFinding[] {
    if (isIntrinsic(value)) return [...evaluate(value, at).findings];
    if (Array.isArray(value)) return value.flatMap((element, i) => inJson(element, index(at, i)));
    if (isRecord(value))
      return Object.entries(value).flatMap(([key, element]) =>
        inJson(element, { ...at, path: `${at.path}.${key}` }),
      );
    return [];
  }

  /** An intrinsic where a property of `type` is expected. */
  function checkIn(
    type: PropertyType,
    call: Record<string, unknown>,
    at: Where,
  ): TemplateFinding[] {
    if ('Fn::If' in call && Object.keys(call).length === 1) {
      // Each branch must fit the property on its own.
      const form = ifForm(call['Fn::If'], at);
      if (form.findings.length) return form.findings;
      return form.branches.flatMap((branch, i) =>
        isNoValue(branch) ? [] : checkValue(type, branch, argAt(at, 'Fn::If', i + 1)),
      );
    }
    const evaluated = evaluate(call, at);
    if (evaluated.findings.length) return [...evaluated.findings];
    const accepted = acceptedKinds(type);
    const misfit = [...evaluated.kinds].filter((k) => k !== 'absent' && !accepted.has(k));
    if (misfit.length === 0) return [];
    return [
      finding(
        'wrong_type',
        at.path,
        `${Object.keys(call)[0]} gives ${[...evaluated.kinds].join(' or ')}, where ${[...accepted].join(' or ')} is expected`,
      ),
    ];
  }

  /** A value Fn::If may turn into AWS::NoValue. */
  function mayBeRemoved(value: unknown): boolean {
    if (!isRecord(value) || !Array.isArray(value['Fn::If'])) return false;
    return value['Fn::If'].slice(1).some((branch) => isNoValue(branch) || mayBeRemoved(branch));
  }

  /** A condition: Fn::And, Fn::Or, Fn::Not, Fn::Equals or `{ Condition: name }`. */
  function condition(expression: unknown, at: Where): TemplateFinding[] {
    const keys = isRecord(expression) ? Object.keys(expression) : [];
    if (keys.length !== 1)
      return [finding('bad_intrinsic', at.path, 'a condition is one condition function')];
    const fn = keys[0]!;
    const args = (expression as Record<string, unknown>)[fn];
    const here = argAt(at, fn);
    const list = Array.isArray(args) ? args : undefined;
    switch (fn) {
      case 'Condition':
        return conditionName(args, here);
      case 'Fn::Not':
        if (list?.length !== 1) break;
        return condition(list[0], index(here, 0));
      case 'Fn::And':
      case 'Fn::Or':
        if (!list || list.length < 2 || list.length > 10) break;
        return list.flatMap((c, i) => condition(c, index(here, i)));
      case 'Fn::Equals':
        if (list?.length !== 2) break;
        return list.flatMap((v, i) => checkValue(EQUALS_OPERAND, v, index(here, i)));
      default:
        return [finding('bad_intrinsic', at.path, `${fn} is not a condition function`)];
    }
    return [finding('bad_intrinsic', at.path, `${fn} has the wrong number of arguments`)];
  }

  return { checkIn, inJson, mayBeRemoved, condition, conditionName };
}

// Fn::Equals compares two scalars, written as strings, numbers or booleans.
const EQUALS_OPERAND: PropertyType = {
  type: 'union',
  types: [STRING, { type: 'number' }, { type: 'boolean' }],
};
