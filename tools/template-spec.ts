import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type {
  Attribute,
  Property,
  PropertyType,
  Resource,
  TypeDefinition,
} from '@aws-cdk/service-spec-types';

export type { Attribute, Property, PropertyType, Resource, TypeDefinition };

/**
 * The CloudFormation resource specification as AWS publishes it, in the form the AWS CDK ships
 * it (`@aws-cdk/aws-service-spec`: every resource type, its properties and attributes, each
 * property's type, required flag and allowed values, built from CloudFormation's registry
 * schemas). The template check (tools/template-spec-check.ts) reads nothing else about AWS.
 */
export interface CfnSpec {
  /** The resource type, or undefined when the specification has no such type. */
  resource(type: string): Resource | undefined;
  /** The property type a `ref` points to. */
  definition(type: Extract<PropertyType, { type: 'ref' }>): TypeDefinition;
}

/** Loads the specification (a gzipped JSON database, about 0.5 s). */
export function loadCfnSpec(): CfnSpec {
  const db = loadAwsServiceSpecSync();
  return {
    resource: (type) => db.lookup('resource', 'cloudFormationType', 'equals', type)[0],
    definition: (type) => db.get('typeDefinition', type.reference),
  };
}

/**
 * A property AWS documents but the published specification does not know yet (it lags AWS by
 * weeks). The check cannot judge its value: it passes it, and names it with the page that
 * documents it, so a reader knows what went unchecked and why.
 */
export interface SpecException {
  readonly resourceType: string;
  /** The property's path from the resource's Properties, nested names joined by dots. */
  readonly property: string;
  /** The CloudFormation reference page that documents the property. */
  readonly documentedAt: string;
}

/**
 * The one list of what the check passes without judging. Each entry stays only while the
 * specification lacks it (`staleExceptions` fails the check once it learns it: then delete the
 * entry and the property is judged like any other).
 */
export const SPEC_EXCEPTIONS: readonly SpecException[] = [
  // API Gateway's native JWT authorizer for REST APIs (`layer1=native`). The exception passes
  // the whole value, its JwtIssuer and JwtAdditionalClaim items included: the specification has
  // none of the three types. tools/native-authorizer.ts builds it, and its tests pin its shape.
  // `Type: JWT` on the authorizer and `AuthorizationType: JWT` on its methods need no exception:
  // the specification lists no allowed values for either (its descriptions predate JWT), so they
  // are judged as the strings they are.
  {
    resourceType: 'AWS::ApiGateway::Authorizer',
    property: 'JwtConfiguration',
    documentedAt:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtconfiguration.html',
  },
];

/** The exception for `property` of `resourceType`, if the list has one. */
export function specException(resourceType: string, property: string): SpecException | undefined {
  return SPEC_EXCEPTIONS.find((e) => e.resourceType === resourceType && e.property === property);
}

/** Exceptions the specification has caught up with: each should now be deleted from the list. */
export function staleExceptions(spec: CfnSpec): SpecException[] {
  return SPEC_EXCEPTIONS.filter((exception) => {
    const resource = spec.resource(exception.resourceType);
    if (!resource) return false;
    let properties: Readonly<Record<string, Property>> | undefined = resource.properties;
    for (const name of exception.property.split('.')) {
      const property: Property | undefined = properties?.[name];
      if (!property) return false;
      properties = definitionOf(spec, property.type)?.properties;
    }
    return true;
  });
}

/** The property type behind `type`, through arrays, maps and unions, if there is exactly one. */
function definitionOf(spec: CfnSpec, type: PropertyType): TypeDefinition | undefined {
  switch (type.type) {
    case 'ref':
      return spec.definition(type);
    case 'array':
    case 'map':
      return definitionOf(spec, type.element);
    case 'union': {
      const found = type.types.map((t) => definitionOf(spec, t)).filter((d) => d !== undefined);
      return found.length === 1 ? found[0] : undefined;
    }
    default:
      return undefined;
  }
}
