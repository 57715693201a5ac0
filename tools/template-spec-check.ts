import type { CfnResource, CfnTemplate } from './cfn-template.ts';
import { finding, where, type FindingCode, type TemplateFinding } from './template-findings.ts';
import type { CfnSpec, Property, PropertyType, SpecException } from './template-spec.ts';
import { isIntrinsic } from './template-intrinsics.ts';
import { valueChecker } from './template-values.ts';
import { isRecord } from './json-values.ts';

/**
 * Every resource and property of a CloudFormation template against the resource specification
 * AWS publishes (tools/template-spec.ts): unknown resource types, unknown properties at every
 * nesting level, values of the wrong type, values outside a property's allowed values, missing
 * required properties, references to nothing (Ref, Fn::GetAtt, Fn::Sub, DependsOn, conditions),
 * the resource attributes and the template's other sections. What CloudFormation would refuse at
 * deploy time, refused at build time, without AWS credentials.
 *
 * Hand-written because no kept library does it: cfn-lint is Python (its npm namesake carries a
 * years-old specification), and the CDK's own packages generate code from the specification
 * rather than validate templates against it.
 */

export interface TemplateCheck {
  readonly findings: readonly TemplateFinding[];
  /** Values the check passed without judging, each with the exception that lets it through. */
  readonly unjudged: readonly { readonly path: string; readonly exception: SpecException }[];
}

const SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
// A custom resource (`Custom::<name>`, or AWS::CloudFormation::CustomResource) takes whatever
// properties its provider reads, so only ServiceToken (required) is CloudFormation's own. The
// legacy `Version` attribute is what Serverless writes on its own custom resources (e.g. the API
// Gateway account role for logging); CloudFormation accepts it there and nowhere else.
const CUSTOM_RESOURCE = /^(?:Custom::[A-Za-z0-9_@-]{1,60}|AWS::CloudFormation::CustomResource)$/;
const CUSTOM_RESOURCE_ATTRIBUTES = new Set([...RESOURCE_ATTRIBUTES, 'Version']);

const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const UPDATE_REPLACE_POLICIES = ['Delete', 'Retain', 'Snapshot'];
// The only types CloudFormation honours these two attributes on (its "Resource attribute
// reference": CreationPolicy attribute, UpdatePolicy attribute).
const CREATION_POLICY_TYPES = new Set([
  'AWS::AppStream::Fleet',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::EC2::Instance',
  'AWS::CloudFormation::WaitCondition',
]);
const UPDATE_POLICY_TYPES = new Set([
  'AWS::AppStream::Fleet',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::OpenSearchService::Domain',
  'AWS::Elasticsearch::Domain',
  'AWS::Lambda::Alias',
]);
const PARAMETER_KEYS = new Set([
  'Type',
  'Default',
  'Description',
  'AllowedPattern',
  'AllowedValues',
  'ConstraintDescription',
  'MaxLength',
  'MaxValue',
  'MinLength',
  'MinValue',
  'NoEcho',
]);
const PARAMETER_TYPE =
  /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|List<AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+>|AWS::SSM::Parameter::Name|AWS::SSM::Parameter::Value<.+>)$/;
const OUTPUT_KEYS = new Set(['Value', 'Description', 'Export', 'Condition']);
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
// CloudFormation quotas per template.
const MAX_RESOURCES = 500;
const MAX_OUTPUTS = 200;

const STRING: PropertyType = { type: 'string' };

export function checkTemplate(template: CfnTemplate, spec: CfnSpec): TemplateCheck {
  const { checkValue, checkProperties, intrinsics, unjudged } = valueChecker(template, spec);
  const findings: TemplateFinding[] = [];
  const report = (code: FindingCode, path: string, message: string) =>
    findings.push({ code, path, message });

  // The sections.
  for (const section of Object.keys(template))
    if (!SECTIONS.has(section))
      report('unknown_section', section, `CloudFormation has no template section ${section}`);
  if (
    template.AWSTemplateFormatVersion !== undefined &&
    template.AWSTemplateFormatVersion !== '2010-09-09'
  )
    report('value_not_allowed', 'AWSTemplateFormatVersion', 'the only version is 2010-09-09');
  if (template.Description !== undefined && typeof template.Description !== 'string')
    report('wrong_type', 'Description', 'expected a string');
  if (template.Metadata !== undefined && !isRecord(template.Metadata))
    report('wrong_type', 'Metadata', 'expected an object');
  // Fail closed on what this check does not model: a transform rewrites the template before
  // CloudFormation reads it, and rules have functions of their own.
  for (const section of ['Transform', 'Rules'])
    if (template[section] !== undefined)
      report('unknown_section', section, `the template check does not model ${section}`);

  checkParameters();
  checkMappings();
  checkConditions();
  checkResources();
  checkOutputs();
  return {
    findings,
    unjudged: [...unjudged].map(([path, exception]) => ({ path, exception })),
  };

  function checkParameters() {
    const parameters = template.Parameters;
    if (parameters === undefined) return;
    if (!isRecord(parameters)) return report('wrong_type', 'Parameters', 'expected an object');
    for (const [path, parameter] of declarations('Parameters', parameters, PARAMETER_KEYS)) {
      if (typeof parameter.Type !== 'string')
        report('missing_property', `${path}.Type`, 'a parameter requires Type');
      else if (!PARAMETER_TYPE.test(parameter.Type))
        report('value_not_allowed', `${path}.Type`, `unknown parameter type ${parameter.Type}`);
    }
  }

  function checkMappings() {
    const mappings = template.Mappings;
    if (mappings === undefined) return;
    if (!isRecord(mappings)) return report('wrong_type', 'Mappings', 'expected an object');
    for (const [name, map] of Object.entries(mappings)) {
      const path = `Mappings.${name}`;
      checkLogicalId(name, path);
      if (!isRecord(map) || !Object.values(map).every(isRecord)) {
        report('wrong_type', path, 'expected top-level keys, each an object of second-level keys');
        continue;
      }
      for (const [top, entries] of Object.entries(map))
        for (const [second, value] of Object.entries(entries as Record<string, unknown>)) {
          const at = where(`${path}.${top}.${second}`);
          if (isIntrinsic(value) || (Array.isArray(value) && value.some(isIntrinsic)))
            report('bad_intrinsic', at.path, 'a mapping holds literals, not functions');
          else findings.push(...checkValue(MAPPING_VALUE, value, at));
        }
    }
  }

  function checkConditions() {
    const conditions = template.Conditions;
    if (conditions === undefined) return;
    if (!isRecord(conditions)) return report('wrong_type', 'Conditions', 'expected an object');
    for (const [name, condition] of Object.entries(conditions)) {
      checkLogicalId(name, `Conditions.${name}`);
      findings.push(...intrinsics.condition(condition, where(`Conditions.${name}`)));
    }
  }

  function checkResources() {
    const resources: unknown = template.Resources;
    if (!isRecord(resources) || Object.keys(resources).length === 0)
      return report('missing_property', 'Resources', 'a template requires at least one resource');
    if (Object.keys(resources).length > MAX_RESOURCES)
      report('quota_exceeded', 'Resources', `more than ${MAX_RESOURCES} resources`);
    for (const [name, resource] of Object.entries(resources)) {
      const path = `Resources.${name}`;
      checkLogicalId(name, path);
      if (!isRecord(resource) || typeof resource.Type !== 'string') {
        report('missing_property', `${path}.Type`, 'a resource requires Type');
        continue;
      }
      checkResource(name, resource as CfnResource, path);
    }
  }

  function checkResource(name: string, resource: CfnResource, path: string) {
    const custom = CUSTOM_RESOURCE.test(resource.Type);
    const attributes = custom ? CUSTOM_RESOURCE_ATTRIBUTES : RESOURCE_ATTRIBUTES;
    for (const attribute of Object.keys(resource))
      if (!attributes.has(attribute))
        report('unknown_property', `${path}.${attribute}`, `no resource attribute ${attribute}`);
    checkDependsOn(name, resource.DependsOn, `${path}.DependsOn`);
    if (resource.Condition !== undefined)
      findings.push(...intrinsics.conditionName(resource.Condition, where(`${path}.Condition`)));
    checkPolicy(resource.DeletionPolicy, DELETION_POLICIES, `${path}.DeletionPolicy`);
    checkPolicy(
      resource.UpdateReplacePolicy,
      UPDATE_REPLACE_POLICIES,
      `${path}.UpdateReplacePolicy`,
    );
    if (resource.Metadata !== undefined && !isRecord(resource.Metadata))
      report('wrong_type', `${path}.Metadata`, 'expected an object');
    for (const [attribute, types] of [
      ['CreationPolicy', CREATION_POLICY_TYPES],
      ['UpdatePolicy', UPDATE_POLICY_TYPES],
    ] as const) {
      if (resource[attribute] === undefined) continue;
      if (!types.has(resource.Type))
        report(
          'unknown_property',
          `${path}.${attribute}`,
          `${resource.Type} takes no ${attribute}`,
        );
      else if (!isRecord(resource[attribute]))
        report('wrong_type', `${path}.${attribute}`, 'expected an object');
    }

    if (custom) return checkCustomResource(resource, path);
    const type = spec.resource(resource.Type);
    if (!type) {
      report(
        'unknown_resource_type',
        `${path}.Type`,
        `${resource.Type} is not a CloudFormation resource type`,
      );
      return;
    }
    const properties = resource.Properties ?? {};
    if (!isRecord(properties))
      return report('wrong_type', `${path}.Properties`, 'expected an object');
    findings.push(
      ...checkProperties(
        type.properties,
        properties,
        { path: `${path}.Properties`, resourceType: resource.Type, propertyPath: [] },
        resource.Type,
      ),
    );
  }

  function checkCustomResource(resource: CfnResource, path: string) {
    const properties = resource.Properties;
    if (!isRecord(properties) || properties.ServiceToken === undefined)
      return report(
        'missing_property',
        `${path}.Properties.ServiceToken`,
        'a custom resource requires ServiceToken',
      );
    findings.push(
      ...checkValue(STRING, properties.ServiceToken, where(`${path}.Properties.ServiceToken`)),
    );
  }

  function checkDependsOn(name: string, dependsOn: unknown, path: string) {
    if (dependsOn === undefined) return;
    const targets = typeof dependsOn === 'string' ? [dependsOn] : dependsOn;
    if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string'))
      return report('wrong_type', path, 'expected a logical id or a list of them');
    for (const target of targets as string[])
      if (target === name || !Object.hasOwn(template.Resources, target))
        report('unknown_reference', path, `DependsOn ${target}: no such other resource`);
  }

  function checkPolicy(value: unknown, allowed: readonly string[], path: string) {
    if (value === undefined) return;
    // Intrinsic functions are allowed here only under the AWS::LanguageExtensions transform,
    // which this check does not model.
    if (typeof value !== 'string')
      report('wrong_type', path, `expected one of ${allowed.join(', ')}`);
    else if (!allowed.includes(value))
      report('value_not_allowed', path, `${value} is not one of ${allowed.join(', ')}`);
  }

  function checkOutputs() {
    const outputs = template.Outputs;
    if (outputs === undefined) return;
    if (!isRecord(outputs)) return report('wrong_type', 'Outputs', 'expected an object');
    if (Object.keys(outputs).length > MAX_OUTPUTS)
      report('quota_exceeded', 'Outputs', `more than ${MAX_OUTPUTS} outputs`);
    for (const [path, output] of declarations('Outputs', outputs, OUTPUT_KEYS)) {
      // CloudFormation refuses an output whose Value is not a string (a list included).
      if (output.Value === undefined)
        report('missing_property', `${path}.Value`, 'an output requires Value');
      else findings.push(...checkValue(STRING, output.Value, where(`${path}.Value`)));
      if (output.Description !== undefined && typeof output.Description !== 'string')
        report('wrong_type', `${path}.Description`, 'expected a string');
      if (output.Export !== undefined)
        findings.push(
          ...(isRecord(output.Export)
            ? checkProperties(EXPORT, output.Export, where(`${path}.Export`), 'an output Export')
            : [finding('wrong_type', `${path}.Export`, 'expected an object')]),
        );
      if (output.Condition !== undefined)
        findings.push(...intrinsics.conditionName(output.Condition, where(`${path}.Condition`)));
    }
  }

  /**
   * The declarations of a section (a parameter, an output) that are objects, each once its
   * logical id and its keys are checked; the others are reported and left out.
   */
  function* declarations(
    section: 'Parameters' | 'Outputs',
    entries: Record<string, unknown>,
    keys: ReadonlySet<string>,
  ): Generator<[path: string, declaration: Record<string, unknown>]> {
    const noun = section === 'Parameters' ? 'a parameter' : 'an output';
    for (const [name, declaration] of Object.entries(entries)) {
      const path = `${section}.${name}`;
      checkLogicalId(name, path);
      if (!isRecord(declaration)) {
        report('wrong_type', path, 'expected an object');
        continue;
      }
      for (const key of Object.keys(declaration))
        if (!keys.has(key))
          report('unknown_property', `${path}.${key}`, `${noun} has no property ${key}`);
      yield [path, declaration];
    }
  }

  function checkLogicalId(name: string, path: string) {
    if (!LOGICAL_ID.test(name))
      report('bad_logical_id', path, 'a logical id is 1-255 letters and digits');
  }
}

// A mapping holds literals only: a string, a number, or a list of strings.
const MAPPING_VALUE: PropertyType = {
  type: 'union',
  types: [STRING, { type: 'number' }, { type: 'array', element: STRING }],
};

// An output's Export, as a property set.
const EXPORT: Readonly<Record<string, Property>> = { Name: { type: STRING, required: true } };
