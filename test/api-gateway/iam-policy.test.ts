import { describe, expect, it } from '@jest/globals';
import {
  evaluatePolicy,
  globMatches,
  InvalidAuthorizerOutput,
  parseAuthorizerOutput,
  type PolicyDecision,
} from '../../local/api-gateway/iam-policy.ts';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/a1b2';
const ROOT_ARN = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/Prod/GET/';
const POST_CHILD = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/test/POST/mydemoresource/x/y';

const allow = (Resource: string | string[], Action: string | string[] = 'execute-api:Invoke') => ({
  Effect: 'Allow' as const,
  Action,
  Resource,
});
const deny = (Resource: string | string[], Action: string | string[] = 'execute-api:Invoke') => ({
  Effect: 'Deny' as const,
  Action,
  Resource,
});

type Case = [string, ReturnType<typeof allow | typeof deny>[], string, PolicyDecision];

describe('IAM policy evaluation against a methodArn', () => {
  const cases: Case[] = [
    ['the exact methodArn allows that request', [allow(ARN)], ARN, 'allow'],
    [
      'the exact methodArn of another path does not allow this one (the per-route Allow)',
      [allow(ARN.replace('a1b2', 'zz99'))],
      ARN,
      'implicit-deny',
    ],
    [
      'the exact methodArn of another verb does not allow this one',
      [allow(ARN.replace('/GET/', '/DELETE/'))],
      ARN,
      'implicit-deny',
    ],
    [
      'a stage-wide resource allows every verb and path',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/*')],
      ARN,
      'allow',
    ],
    [
      'a stage-wide resource of another stage does not allow',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/dev/*')],
      ARN,
      'implicit-deny',
    ],
    [
      'a stage-wide resource of another API does not allow',
      [allow('arn:aws:execute-api:us-east-1:123456789012:zzzzzz/prod/*')],
      ARN,
      'implicit-deny',
    ],
    [
      'AWS example: Prod/*/* allows the root resource GET /',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/Prod/*/*')],
      ROOT_ARN,
      'allow',
    ],
    [
      'AWS example: test/POST/mydemoresource/* covers every child path',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/test/POST/mydemoresource/*')],
      POST_CHILD,
      'allow',
    ],
    [
      'AWS example: region, account and API id as wildcards',
      [allow('arn:aws:execute-api:*:*:*')],
      ARN,
      'allow',
    ],
    [
      'AWS example: any account of one API in one region',
      [allow('arn:aws:execute-api:us-east-1:*:a1b2c3/*')],
      ARN,
      'allow',
    ],
    ['a bare * Resource allows', [allow('*')], ARN, 'allow'],
    ['arn:aws:execute-api:* allows', [allow('arn:aws:execute-api:*')], ARN, 'allow'],
    [
      '? matches exactly one character',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/a1b?')],
      ARN,
      'allow',
    ],
    [
      '? does not match two characters',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/a1?')],
      ARN,
      'implicit-deny',
    ],
    [
      'resource matching is case-sensitive',
      [allow(ARN.replace('pets', 'PETS'))],
      ARN,
      'implicit-deny',
    ],
    [
      'regex characters in a resource are literal',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/a1b.')],
      ARN,
      'implicit-deny',
    ],
    [
      'a Resource list allows when one entry matches',
      [allow(['arn:aws:execute-api:us-east-1:123456789012:other/*', ARN])],
      ARN,
      'allow',
    ],
    ['Action execute-api:* allows', [allow(ARN, 'execute-api:*')], ARN, 'allow'],
    ['Action * allows', [allow(ARN, '*')], ARN, 'allow'],
    [
      'an Action list with Invoke allows',
      [allow(ARN, ['s3:GetObject', 'execute-api:Invoke'])],
      ARN,
      'allow',
    ],
    [
      'Action execute-api:InvalidateCache does not allow Invoke',
      [allow(ARN, 'execute-api:InvalidateCache')],
      ARN,
      'implicit-deny',
    ],
    [
      'an Allow whose Action is cased differently grants nothing (unknown on AWS: stricter)',
      [allow(ARN, 'execute-api:invoke')],
      ARN,
      'implicit-deny',
    ],
    ['an empty statement list denies', [], ARN, 'implicit-deny'],
    [
      'an explicit Deny wins over a stage-wide Allow',
      [allow('arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/*'), deny(ARN)],
      ARN,
      'explicit-deny',
    ],
    ['an explicit Deny listed first still wins', [deny('*'), allow('*')], ARN, 'explicit-deny'],
    [
      'a Deny of another path leaves the Allow in force',
      [allow('*'), deny(ARN.replace('a1b2', 'zz99'))],
      ARN,
      'allow',
    ],
    [
      'a Deny whose Action is cased differently still applies (stricter)',
      [allow('*'), deny(ARN, 'EXECUTE-API:INVOKE')],
      ARN,
      'explicit-deny',
    ],
  ];

  it.each(cases)('%s', (_name, statements, methodArn, expected) => {
    expect(evaluatePolicy(statements, methodArn)).toBe(expected);
  });

  it('an Allow with a Condition grants nothing (whether AWS evaluates it is unknown)', () => {
    expect(evaluatePolicy([{ ...allow('*'), Condition: { Bool: {} } }], ARN)).toBe('implicit-deny');
  });

  it('a Deny with NotResource applies (the broader reading refuses more)', () => {
    expect(evaluatePolicy([allow('*'), { Effect: 'Deny', NotResource: 'x' }], ARN)).toBe(
      'explicit-deny',
    );
  });

  it('a * in a resource matches across slashes and the empty string', () => {
    expect(globMatches('a/*', 'a/')).toBe(true);
    expect(globMatches('a/*/c', 'a/b/x/c')).toBe(true);
    expect(globMatches('a/*', 'b/')).toBe(false);
  });
});

const LONGEST = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/'.padEnd(512, 'x');

/** Statements API Gateway cannot apply: each makes the whole output invalid (500). */
const malformedStatements: [string, unknown][] = [
  ['a Resource that is a number', allow(123 as never)],
  ['a Resource list with a null', allow([null, ARN] as never)],
  ['an empty Resource list', allow([])],
  ['an empty Resource string', allow('')],
  ['an Action that is an object', allow(ARN, { a: 1 } as never)],
  ['an Action list with a number', allow(ARN, ['execute-api:Invoke', 1] as never)],
  ['an empty Action list', allow(ARN, [])],
  ['a Deny without Resource', { Effect: 'Deny', Action: 'execute-api:Invoke' }],
  ['a Deny without Action', { Effect: 'Deny', Resource: ARN }],
  ['an Allow without Action', { Effect: 'Allow', Resource: ARN }],
  ['both Action and NotAction', { ...deny(ARN), NotAction: 's3:*' }],
  ['both Resource and NotResource', { ...deny(ARN), NotResource: ARN }],
  // docs/api-gateway-authorizers.md P6: the service segment cannot be wildcarded. Whether AWS refuses the output or only
  // ignores the resource is unknown: refusing the output grants less.
  ['a Resource whose service segment is *', allow('arn:aws:*')],
  ['a Resource whose service segment has a ?', allow('arn:aws:execute-ap?:*')],
  ['a Resource whose service segment is cut off by *', allow('arn:*')],
  ['a Resource that is neither * nor an ARN', allow('execute-api*')],
  // docs/api-gateway-authorizers.md P11: at most 512 characters (same unknown, same stricter reading).
  ['a Resource of 513 characters', allow(`${LONGEST}x`)],
];

describe('authorizer output validation (API Gateway answers 500 for these)', () => {
  const valid = {
    principalId: 'user-1',
    policyDocument: { Version: '2012-10-17', Statement: [allow('*')] },
    context: { sub: 'user-1', exp: 1, admin: false },
  };

  it('accepts a policy with a Statement list and a flat context', () => {
    expect(parseAuthorizerOutput(valid)).toHaveLength(1);
  });

  it.each([
    ['a Resource of exactly 512 characters', allow(LONGEST)],
    ['a NotResource in place of Resource', { Effect: 'Deny', Action: '*', NotResource: ARN }],
    ['a NotAction in place of Action', { Effect: 'Deny', NotAction: 's3:*', Resource: '*' }],
    ['a wildcarded region, account and API id', allow('arn:aws:execute-api:*:*:*')],
  ])('accepts a statement with %s', (_name, statement) => {
    expect(
      parseAuthorizerOutput({ ...valid, policyDocument: { Statement: [statement] } }),
    ).toHaveLength(1);
  });

  it('accepts a single Statement object', () => {
    expect(
      parseAuthorizerOutput({ ...valid, policyDocument: { Statement: allow('*') } }),
    ).toHaveLength(1);
  });

  it.each([
    ['a string', 'Allow'],
    ['null', null],
    ['no principalId', { ...valid, principalId: undefined }],
    ['an empty principalId', { ...valid, principalId: '' }],
    ['no policyDocument', { ...valid, policyDocument: undefined }],
    ['no Statement', { ...valid, policyDocument: { Version: '2012-10-17' } }],
    [
      'an Effect in lower case',
      { ...valid, policyDocument: { Statement: [{ ...allow('*'), Effect: 'allow' }] } },
    ],
    ['a context value that is an object', { ...valid, context: { claims: { a: 1 } } }],
    ['a context value that is an array', { ...valid, context: { scopes: ['a'] } }],
    [
      'a context value that is null (disputed on AWS: stricter)',
      { ...valid, context: { a: null } },
    ],
    ['a context that is not a map', { ...valid, context: 'x' }],
    ...malformedStatements.map(
      ([name, statement]) =>
        [name, { ...valid, policyDocument: { Statement: [allow('*'), statement] } }] as [
          string,
          unknown,
        ],
    ),
  ])('refuses %s', (_name, output) => {
    expect(() => parseAuthorizerOutput(output)).toThrow(InvalidAuthorizerOutput);
  });
});
