import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FindingCode } from '../../tools/template-findings.ts';
import type { CfnTemplate } from '../../tools/cfn-template.ts';
import { checkTemplate } from '../../tools/template-spec-check.ts';
import {
  loadCfnSpec,
  SPEC_EXCEPTIONS,
  staleExceptions,
  type CfnSpec,
} from '../../tools/template-spec.ts';
import {
  allowedWildcards,
  compareWildcards,
  policyWildcards,
} from '../../tools/template-wildcards.ts';
import { packagedTemplate } from '../support/packaged-template.ts';

/**
 * The packaged CloudFormation template against the resource specification AWS publishes, and
 * its policies' wildcards against README's list. Tampered copies prove each rule bites.
 */
const ROOT = join(import.meta.dirname, '..', '..');

let template: CfnTemplate;
let spec: CfnSpec;

beforeAll(async () => {
  template = await packagedTemplate();
  spec = loadCfnSpec();
}, 120_000);

type Path = readonly (string | number)[];
const REMOVE = Symbol('remove');

/** A copy of the packaged template with the value at `path` replaced (or removed). */
function tampered(...edits: readonly [Path, unknown][]): CfnTemplate {
  const copy = structuredClone(template) as unknown as Record<string, unknown>;
  for (const [path, value] of edits) {
    const parent = path
      .slice(0, -1)
      .reduce<Record<string | number, unknown>>(
        (node, key) => node[key] as Record<string | number, unknown>,
        copy,
      );
    const last = path.at(-1)!;
    if (value === REMOVE) delete parent[last];
    else parent[last] = value;
  }
  return copy as unknown as CfnTemplate;
}

const codesAt = (checked: CfnTemplate) =>
  checkTemplate(checked, spec).findings.map(({ code, path }) => ({ code, path }));

const props = (resource: string, ...rest: (string | number)[]): Path => [
  'Resources',
  resource,
  'Properties',
  ...rest,
];
const at = (path: Path) =>
  path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i ? `.${key}` : key)).join('');

describe('the packaged template against the CloudFormation resource specification', () => {
  it('matches it: every resource type, property, value type, allowed value and required property', () => {
    const { findings, unjudged } = checkTemplate(template, spec);
    expect(findings).toEqual([]);
    expect(unjudged).toEqual([]);
    expect(Object.keys(template.Resources).length).toBeGreaterThan(50);
  });

  const noValue = { Ref: 'AWS::NoValue' };
  const mappings: [Path, unknown] = [
    ['Mappings'],
    { Stage: { dev: { Memory: 256, Zones: ['a', 'b'] } } },
  ];
  const refused: readonly {
    readonly what: string;
    readonly edit: [Path, unknown];
    readonly also?: [Path, unknown];
    readonly code: FindingCode;
    readonly path?: Path;
  }[] = [
    {
      what: 'an unknown property, nested in a property type',
      edit: [props('UsersTable', 'PointInTimeRecoverySpecification', 'Enabled'), true],
      code: 'unknown_property',
    },
    {
      what: 'an unknown top-level property',
      edit: [props('AuthorizerLambdaFunction', 'MemorySizeMb'), 256],
      code: 'unknown_property',
    },
    {
      what: 'a string where an integer is expected',
      edit: [props('AuthorizerLambdaFunction', 'MemorySize'), '256'],
      code: 'wrong_type',
    },
    {
      what: 'a number where a string is expected, inside a list of objects',
      edit: [props('UsersTable', 'KeySchema', 0, 'AttributeName'), 5],
      code: 'wrong_type',
    },
    {
      what: 'a string where a boolean is expected',
      edit: [props('UsersTable', 'DeletionProtectionEnabled'), 'true'],
      code: 'wrong_type',
    },
    {
      what: 'an object where a list is expected',
      edit: [props('AuthorizerLambdaFunction', 'Architectures'), { arm64: true }],
      code: 'wrong_type',
    },
    {
      what: 'an unknown resource type',
      edit: [['Resources', 'UsersTable', 'Type'], 'AWS::DynamoDB::Tabel'],
      code: 'unknown_resource_type',
    },
    {
      what: 'a missing required property',
      edit: [props('UsersTable', 'KeySchema'), REMOVE],
      code: 'missing_property',
    },
    {
      what: 'a required property removed with AWS::NoValue',
      edit: [props('AuthorizerLambdaFunction', 'Role'), noValue],
      code: 'missing_property',
    },
    {
      what: 'a required property Fn::If may remove',
      edit: [
        props('AuthorizerLambdaFunction', 'Role'),
        { 'Fn::If': ['HasAlarmTopic', 'arn', noValue] },
      ],
      code: 'missing_property',
    },
    {
      what: 'a value outside the allowed values',
      edit: [props('AuthorizerLogGroup', 'RetentionInDays'), 31],
      code: 'value_not_allowed',
    },
    {
      what: 'a list function (Fn::Split) where a string is expected',
      edit: [props('AuthorizerLambdaFunction', 'Handler'), { 'Fn::Split': [',', 'a,b'] }],
      code: 'wrong_type',
    },
    {
      what: 'a scalar function (Ref) where a list is expected',
      edit: [props('AuthorizerLambdaFunction', 'Architectures'), { Ref: 'AWS::Region' }],
      code: 'wrong_type',
    },
    {
      what: 'an Fn::If branch of the wrong type',
      edit: [
        props('AuthorizerLambdaFunction', 'Architectures'),
        { 'Fn::If': ['HasAlarmTopic', ['arm64'], 'arm64'] },
      ],
      code: 'wrong_type',
      path: [...props('AuthorizerLambdaFunction', 'Architectures'), 'Fn::If', 2],
    },
    {
      what: 'an Fn::GetAtt of an attribute the resource type lacks',
      edit: [
        props('AuthorizerLambdaFunction', 'Role'),
        { 'Fn::GetAtt': ['AuthorizerRole', 'Name'] },
      ],
      code: 'unknown_reference',
      path: [...props('AuthorizerLambdaFunction', 'Role'), 'Fn::GetAtt'],
    },
    {
      what: 'a Ref to no resource, inside a policy document',
      edit: [
        props('GetUserRole', 'Policies', 0, 'PolicyDocument', 'Statement', 1, 'Resource'),
        { 'Fn::GetAtt': ['UserTable', 'Arn'] },
      ],
      code: 'unknown_reference',
      path: [
        ...props('GetUserRole', 'Policies', 0, 'PolicyDocument', 'Statement', 1, 'Resource'),
        'Fn::GetAtt',
      ],
    },
    {
      what: "a Ref to a name only Object.prototype has (no lookup falls through to JavaScript's)",
      edit: [props('AuthorizerLambdaFunction', 'Description'), { Ref: 'constructor' }],
      code: 'unknown_reference',
    },
    {
      what: 'an Fn::Sub naming no parameter or resource',
      edit: [
        props('AuthorizerLambdaFunction', 'Description'),
        { 'Fn::Sub': '${AWS::Region} ${Nothing}' },
      ],
      code: 'unknown_reference',
      path: [...props('AuthorizerLambdaFunction', 'Description'), 'Fn::Sub'],
    },
    {
      what: 'an Fn::If naming no condition',
      edit: [
        props('AuthorizerLambdaFunction', 'Description'),
        { 'Fn::If': ['HasNoSuchCondition', 'a', 'b'] },
      ],
      code: 'unknown_reference',
      path: [...props('AuthorizerLambdaFunction', 'Description'), 'Fn::If', 0],
    },
    {
      what: 'a condition function in a property',
      edit: [props('AuthorizerLambdaFunction', 'Description'), { 'Fn::Equals': ['a', 'b'] }],
      code: 'bad_intrinsic',
    },
    {
      what: 'an unknown intrinsic function',
      edit: [props('AuthorizerLambdaFunction', 'Description'), { 'Fn::Concat': ['a', 'b'] }],
      code: 'bad_intrinsic',
    },
    {
      what: 'a misspelt resource attribute',
      edit: [['Resources', 'UsersTable', 'Propertes'], {}],
      code: 'unknown_property',
    },
    {
      what: 'a DeletionPolicy CloudFormation does not have',
      edit: [['Resources', 'UsersTable', 'DeletionPolicy'], 'Keep'],
      code: 'value_not_allowed',
    },
    {
      what: 'a DependsOn naming no resource',
      edit: [['Resources', 'UsersTable', 'DependsOn'], ['UsersTableRole']],
      code: 'unknown_reference',
    },
    {
      what: 'a resource Condition naming no condition',
      edit: [['Resources', 'UsersTable', 'Condition'], 'IsProd'],
      code: 'unknown_reference',
    },
    {
      what: 'an output whose value is a list',
      edit: [['Outputs', 'Zones'], { Value: { 'Fn::GetAZs': '' } }],
      code: 'wrong_type',
      path: ['Outputs', 'Zones', 'Value'],
    },
    {
      what: 'a condition with the wrong number of arguments',
      edit: [['Conditions', 'HasAlarmTopic'], { 'Fn::Not': [{ Condition: 'HasAlarmTopic' }, 'x'] }],
      code: 'bad_intrinsic',
    },
    {
      what: 'an Fn::FindInMap of a key the mapping lacks',
      edit: [
        props('AuthorizerLambdaFunction', 'MemorySize'),
        { 'Fn::FindInMap': ['Stage', 'prod', 'Memory'] },
      ],
      also: mappings,
      code: 'unknown_reference',
      path: [...props('AuthorizerLambdaFunction', 'MemorySize'), 'Fn::FindInMap', 1],
    },
    {
      what: 'an Fn::FindInMap giving a list where a scalar is expected',
      edit: [
        props('AuthorizerLambdaFunction', 'Handler'),
        { 'Fn::FindInMap': ['Stage', 'dev', 'Zones'] },
      ],
      also: mappings,
      code: 'wrong_type',
    },
    {
      what: 'an unknown template section',
      edit: [['Output'], {}],
      code: 'unknown_section',
    },
    {
      what: 'a transform, which rewrites the template before CloudFormation reads it',
      edit: [['Transform'], 'AWS::Serverless-2016-10-31'],
      code: 'unknown_section',
    },
  ];

  it.each(refused)('refuses $what', ({ edit, also, code, path }) => {
    expect(codesAt(tampered(edit, ...(also ? [also] : [])))).toEqual([
      { code, path: at(path ?? edit[0]) },
    ]);
  });

  it('accepts what CloudFormation accepts: list functions and Fn::If with AWS::NoValue where a list is expected, string functions where a string is', () => {
    const architectures = props('AuthorizerLambdaFunction', 'Architectures');
    expect(
      codesAt(
        tampered(
          [architectures, { 'Fn::If': ['HasAlarmTopic', ['arm64'], noValue] }],
          [props('GetMeLambdaFunction', 'Architectures'), { 'Fn::Split': [',', 'arm64'] }],
          [
            props('AuthorizerLambdaFunction', 'Description'),
            { 'Fn::Sub': ['${AWS::StackName} ${Role} ${UsersTable.Arn}', { Role: 'authorizer' }] },
          ],
          [
            props('GetMeLambdaFunction', 'Description'),
            {
              'Fn::Join': [
                '-',
                [{ Ref: 'AWS::Region' }, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
              ],
            },
          ],
          [props('UsersTable', 'Tags'), [{ Key: 'data', Value: 'users' }, noValue]],
          mappings,
          [
            props('GetUserLambdaFunction', 'MemorySize'),
            { 'Fn::FindInMap': ['Stage', 'dev', 'Memory'] },
          ],
          [
            props('ListUsersLambdaFunction', 'Architectures'),
            { 'Fn::FindInMap': ['Stage', { Ref: 'AWS::StackName' }, 'Zones'] },
          ],
        ),
      ),
    ).toEqual([]);
  });

  it('passes a property newer than the specification unjudged only where the exceptions list names it, with its reference page', () => {
    const jwt = { DefaultAlgorithms: ['RS256'], Issuers: [] };
    const authorizer = tampered([props('AuthorizerApiGatewayAuthorizer', 'JwtConfiguration'), jwt]);
    const { findings, unjudged } = checkTemplate(authorizer, spec);
    expect(findings).toEqual([]);
    expect(unjudged).toEqual([
      {
        path: at(props('AuthorizerApiGatewayAuthorizer', 'JwtConfiguration')),
        exception: SPEC_EXCEPTIONS[0],
      },
    ]);
    // The same property on another type is judged, and refused.
    expect(codesAt(tampered([props('ApiGatewayMethodMeGet', 'JwtConfiguration'), jwt]))).toEqual([
      { code: 'unknown_property', path: at(props('ApiGatewayMethodMeGet', 'JwtConfiguration')) },
    ]);
  });

  it('lists as exceptions only properties the specification still lacks, each with its CloudFormation reference page', () => {
    expect(staleExceptions(spec)).toEqual([]);
    for (const exception of SPEC_EXCEPTIONS)
      expect(exception.documentedAt).toMatch(
        /^https:\/\/docs\.aws\.amazon\.com\/AWSCloudFormation\/latest\/TemplateReference\/[a-z0-9-]+\.html$/,
      );
  });
});

describe("the packaged template's policy wildcards against README", () => {
  const readme = () => readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('has no wildcard in any policy but those README lists, each with its reason, and README lists none it does not have', () => {
    const allowed = allowedWildcards(readme());
    expect(allowed.length).toBeGreaterThan(0);
    for (const row of allowed) expect(row.reason.length).toBeGreaterThan(20);
    expect(compareWildcards(policyWildcards(template), allowed)).toEqual({
      unjustified: [],
      unused: [],
    });
  });

  it('finds a wildcard README does not list: every DynamoDB action on every resource', () => {
    const statement = props('GetUserRole', 'Policies', 0, 'PolicyDocument', 'Statement', 1);
    const widened = tampered(
      [[...statement, 'Action'], 'dynamodb:*'],
      [[...statement, 'Resource'], '*'],
    );
    const { unjustified } = compareWildcards(policyWildcards(widened), allowedWildcards(readme()));
    expect(unjustified.map((w) => [w.effect, w.element, w.value, w.path])).toEqual([
      ['Allow', 'Action', 'dynamodb:*', at([...statement, 'Action'])],
      ['Allow', 'Resource', '*', at([...statement, 'Resource'])],
    ]);
  });

  it('finds a managed policy attached by ARN, whose statements the template does not show', () => {
    const arn = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
    const managed = tampered([props('GetUserRole', 'ManagedPolicyArns'), [arn]]);
    const { unjustified } = compareWildcards(policyWildcards(managed), allowedWildcards(readme()));
    expect(unjustified.map((w) => [w.element, w.value])).toEqual([['ManagedPolicyArns', arn]]);
  });
});

describe('npm run template:check', () => {
  const run = promisify(execFile);
  const check = (file: string) =>
    run(join(ROOT, 'node_modules', '.bin', 'node'), [
      join(ROOT, 'tools', 'template-check.ts'),
      file,
    ]);

  it('passes the packaged template and fails a tampered one, one line per problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'template-check-'));
    try {
      writeFileSync(join(dir, 'good.json'), JSON.stringify(template));
      const good = await check(join(dir, 'good.json'));
      expect(good.stdout).toMatch(/^template:check: \d+ resources match/m);

      const bad = tampered([props('UsersTable', 'BillingModes'), 'PAY_PER_REQUEST']);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
      const failed = await check(join(dir, 'bad.json')).then(
        () => undefined,
        (error: unknown) => error as { code: number; stderr: string },
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain(
        'Resources.UsersTable.Properties.BillingModes: unknown_property: AWS::DynamoDB::Table has no property BillingModes',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
