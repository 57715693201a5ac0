import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { corsPreflightOf } from '../../local/api-gateway/cors-preflight.ts';
import { TABLES } from '../../local/dynamo.ts';
import { emfAuthorizerMetrics, type AuthorizerMetrics } from '../../src/shared/metrics.ts';
import type { RouteTable } from '../../tools/route-table.ts';
import { emfWrittenBy, type EmfDocument } from '../support/emf.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * The route contract, read from what would be deployed: `sls package` builds the CloudFormation
 * template, and every API Gateway method in it must sit behind our TOKEN authorizer with an
 * explicit TTL, and match exactly one schema file that declares its scopes. This is what stops a
 * route from shipping without its scopes, or without the authorizer.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
type Ref = { Ref: string };

// What `sls package` reads: it bundles src/ with esbuild, configured by these files.
const PACKAGED = ['serverless.yml', 'package.json', 'tsconfig.json', 'src'];

let work: string;
let resources: Record<string, CfnResource>;
let table: RouteTable;

beforeAll(async () => {
  // Package a copy: `sls package` deletes the service's .serverless/ and .esbuild/ folders
  // whatever --package says, and .esbuild/ is where a concurrently running `sls offline` (the
  // e2e suite, another jest worker) loads its handlers from.
  work = mkdtempSync(join(tmpdir(), 'route-contract-'));
  for (const entry of PACKAGED) cpSync(join(ROOT, entry), join(work, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  const out = join(work, 'out');
  await promisify(execFile)(
    join(ROOT, 'node_modules', '.bin', 'sls'),
    ['package', '--package', out],
    {
      cwd: work,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    },
  );
  const template = JSON.parse(
    readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: Record<string, CfnResource> };
  resources = template.Resources;
  table = projectRouteTable();
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The EMF documents the real metrics writer produces for what `record` does. */
async function emfDocuments(
  namespace: string,
  record: (metrics: AuthorizerMetrics) => void,
): Promise<EmfDocument[]> {
  const saved = process.env.POWERTOOLS_METRICS_NAMESPACE;
  process.env.POWERTOOLS_METRICS_NAMESPACE = namespace;
  try {
    return (await emfWrittenBy(() => record(emfAuthorizerMetrics()))).documents;
  } finally {
    if (saved === undefined) delete process.env.POWERTOOLS_METRICS_NAMESPACE;
    else process.env.POWERTOOLS_METRICS_NAMESPACE = saved;
  }
}

const ofType = (type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** `/users/{userId}` from the chain of AWS::ApiGateway::Resource parents. */
function resourcePath(id: Ref | unknown): string {
  if (typeof id !== 'object' || id === null || !('Ref' in id)) return '';
  const resource = resources[(id as Ref).Ref]!;
  return `${resourcePath(resource.Properties.ParentId)}/${String(resource.Properties.PathPart)}`;
}

function deployedRoutes() {
  return ofType('AWS::ApiGateway::Method').map(([name, method]) => ({
    name,
    method: String(method.Properties.HttpMethod),
    path: resourcePath(method.Properties.ResourceId) || '/',
    properties: method.Properties,
  }));
}

describe('route contract (sls package output)', () => {
  it('puts every non-preflight method behind the TOKEN authorizer (CUSTOM)', () => {
    const methods = deployedRoutes().filter((m) => m.method !== 'OPTIONS');
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) {
      expect({
        route: `${method.method} ${method.path}`,
        type: method.properties.AuthorizationType,
      }).toEqual({
        route: `${method.method} ${method.path}`,
        type: 'CUSTOM',
      });
      const authorizer = resources[(method.properties.AuthorizerId as Ref).Ref]!;
      expect(authorizer.Type).toBe('AWS::ApiGateway::Authorizer');
      expect(authorizer.Properties.Type).toBe('TOKEN');
    }
  });

  it('leaves only CORS preflights without the authorizer, and they reach no Lambda', () => {
    for (const method of deployedRoutes().filter(
      (m) => m.properties.AuthorizationType !== 'CUSTOM',
    )) {
      expect(method.method).toBe('OPTIONS');
      expect((method.properties.Integration as { Type: string }).Type).toBe('MOCK');
    }
  });

  it('answers each CORS preflight locally with the headers of the OPTIONS mock it deploys', () => {
    const deployed = Object.fromEntries(
      deployedRoutes()
        .filter((m) => m.method === 'OPTIONS')
        .map((m) => {
          const [response] = (
            m.properties.Integration as {
              IntegrationResponses: { ResponseParameters: Record<string, string> }[];
            }
          ).IntegrationResponses;
          const headers = Object.entries(response!.ResponseParameters).map(([key, value]) => [
            key.replace('method.response.header.', ''),
            // A static value is quoted in CloudFormation (G5).
            value.replace(/^'|'$/g, ''),
          ]);
          return [m.path, Object.fromEntries(headers)];
        }),
    );
    expect(corsPreflightOf(table.config!)).toEqual(deployed);
    expect(Object.keys(deployed).length).toBeGreaterThan(0);
  });

  it('sets the authorizer TTL explicitly (unset means 300 s on AWS), with the identity checks', () => {
    const authorizers = ofType('AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [, authorizer] = authorizers[0]!;
    expect(authorizer.Properties.AuthorizerResultTtlInSeconds).toBe(table.routes[0]!.authorizerTtl);
    expect(Number.isInteger(authorizer.Properties.AuthorizerResultTtlInSeconds)).toBe(true);
    expect(authorizer.Properties.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.Properties.IdentityValidationExpression).toEqual(expect.any(String));
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      'AuthorizerLambdaFunction',
    );
  });

  it('deploys exactly the routes of the route table, each with one schema file and its scopes', () => {
    expect(table.problems).toEqual([]);
    const deployed = deployedRoutes()
      .filter((m) => m.method !== 'OPTIONS')
      .map((m) => `${m.method} ${m.path}`)
      .sort();
    const declared = table.schemas.map((s) => `${s.method} ${s.path}`).sort();
    expect(deployed).toEqual(declared);
    expect(new Set(declared).size).toBe(declared.length);
    for (const route of table.routes) {
      expect(route.schemaFile).toBeDefined();
      expect(Array.isArray(route.scopes)).toBe(true);
    }
  });

  it('exposes no function over HTTP but through the REST API (no function URL, HTTP/WebSocket API or load balancer)', () => {
    // Each of these reaches a Lambda without the REST API's TOKEN authorizer: a function URL
    // (AuthType NONE by default), an HTTP or WebSocket API (API Gateway v2), an ALB target.
    const otherDoors = Object.entries(resources)
      .filter(([, resource]) =>
        /^AWS::(Lambda::Url|ApiGatewayV2::|ElasticLoadBalancingV2::)/.test(resource.Type),
      )
      .map(([name, resource]) => `${name} (${resource.Type})`);
    expect(otherDoors).toEqual([]);
    expect(ofType('AWS::ApiGateway::RestApi')).toHaveLength(1);
  });

  it("builds each deployed function's handler for its own route, so it checks that route's scopes", async () => {
    // Importing a handler reads its configuration at cold start; no request is made.
    process.env.USERS_TABLE ??= 'route-contract';
    process.env.UNIQUE_VALUES_TABLE ??= 'route-contract-unique';
    process.env.IDEMPOTENCY_TABLE ??= 'route-contract-idempotency';
    for (const route of table.routes) {
      const dot = route.handler.lastIndexOf('.');
      const module = (await import(
        pathToFileURL(join(ROOT, `${route.handler.slice(0, dot)}.ts`)).href
      )) as Record<string, { route?: { method: string; path: string } }>;
      expect([route.function, module[route.handler.slice(dot + 1)]?.route]).toEqual([
        route.function,
        { method: route.method, path: route.path },
      ]);
    }
  });

  /** Each function's role: its DynamoDB grants by table, its managed policies, its own statements. */
  function rolesByFunction() {
    return Object.fromEntries(
      ofType('AWS::Lambda::Function').map(([name, fn]) => {
        const roleId = (fn.Properties.Role as { 'Fn::GetAtt'?: [string] })['Fn::GetAtt']?.[0];
        const role = roleId ? resources[roleId] : undefined;
        const statements = (
          (role?.Properties.Policies ?? []) as {
            PolicyDocument: { Statement: Record<string, unknown>[] };
          }[]
        ).flatMap((p) => p.PolicyDocument.Statement);
        const grants: Record<string, string[]> = {};
        for (const statement of statements) {
          const resource = statement.Resource as { 'Fn::GetAtt'?: [string, string] } | undefined;
          const table = resource?.['Fn::GetAtt']?.[0] ?? JSON.stringify(statement.Resource);
          const actions = [statement.Action].flat() as string[];
          grants[table] = [...(grants[table] ?? []), ...actions].sort();
        }
        const key = name.replace(/LambdaFunction$/, '');
        return [
          key[0]!.toLowerCase() + key.slice(1),
          { roleId, role, statements, grants, managed: role?.Properties.ManagedPolicyArns },
        ];
      }),
    );
  }

  it('gives every function a role of its own, granting only DynamoDB actions on tables of this service', () => {
    const roles = rolesByFunction();
    expect(Object.keys(roles).sort()).toEqual(
      ['authorizer', ...table.routes.map((r) => r.function)].sort(),
    );
    const roleIds = Object.values(roles).map((r) => r.roleId);
    expect(
      roleIds.every((id) => id !== undefined && resources[id]?.Type === 'AWS::IAM::Role'),
    ).toBe(true);
    expect(new Set(roleIds).size).toBe(roleIds.length);
    const tables = new Set(ofType('AWS::DynamoDB::Table').map(([name]) => name));
    for (const [name, { statements, managed }] of Object.entries(roles)) {
      expect([name, managed]).toEqual([
        name,
        ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      ]);
      for (const statement of statements) {
        const actions = [statement.Action].flat() as string[];
        const resource = (statement.Resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        expect({ name, effect: statement.Effect, actions, table: resource?.[0] }).toEqual({
          name,
          effect: 'Allow',
          actions: actions.map(() => expect.stringMatching(/^dynamodb:[A-Z][A-Za-z]+$/)),
          table: expect.any(String),
        });
        expect([name, tables.has(resource![0])]).toEqual([name, true]);
      }
    }
  });

  it("grants the sample API's functions exactly the DynamoDB actions their routes use, table by table", () => {
    const expected: Record<string, Record<string, string[]>> = {
      authorizer: {},
      getMe: {},
      listUsers: { UsersTable: ['dynamodb:Scan'] },
      getUser: { UsersTable: ['dynamodb:GetItem'] },
      // The user and its email claim in one transaction; GetItem for a retried keyed create;
      // the idempotency records' lifecycle.
      createUser: {
        UsersTable: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        UniqueValuesTable: ['dynamodb:PutItem'],
        IdempotencyTable: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
      },
      // GetItem for the version and email a change is conditional on; an email change moves
      // the claim.
      updateUser: {
        UsersTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        UniqueValuesTable: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
      },
      deleteUser: {
        UsersTable: ['dynamodb:DeleteItem', 'dynamodb:GetItem'],
        UniqueValuesTable: ['dynamodb:DeleteItem'],
      },
    };
    const roles = rolesByFunction();
    expect(
      Object.fromEntries(Object.keys(expected).map((name) => [name, roles[name]?.grants])),
    ).toEqual(expected);
  });

  it('deploys alarms on the metrics the functions publish, with the stage parameters as thresholds', async () => {
    const alarms = Object.fromEntries(
      ofType('AWS::CloudWatch::Alarm').map(([name, alarm]) => [name, alarm.Properties]),
    );
    expect(Object.keys(alarms).sort()).toEqual([
      'ApiErrorRateAlarm',
      'AuthorizerFailuresAlarm',
      'DenyRateAlarm',
    ]);
    const { params } = table.config as unknown as { params: { default: Record<string, unknown> } };
    expect(alarms.AuthorizerFailuresAlarm!.Threshold).toBe(params.default.alarmAuthorizerFailures);
    expect(alarms.ApiErrorRateAlarm!.Threshold).toBe(params.default.alarm5xxRate);
    expect(alarms.DenyRateAlarm!.Threshold).toBe(params.default.alarmDenyRatePercent);

    // What the authorizer really writes, as CloudWatch reads it: each alarm's metric must be one
    // of its metrics under one of its dimension sets, in the namespace the functions are given.
    const namespace = (
      ofType('AWS::Lambda::Function')[0]![1].Properties.Environment as {
        Variables: Record<string, string>;
      }
    ).Variables.POWERTOOLS_METRICS_NAMESPACE!;
    const published = await emfDocuments(namespace, (metrics) => {
      metrics.decision('allow', 'token_valid', 1);
      metrics.decision('deny', 'token_expired', 1);
      metrics.decision('error', 'jwks_unavailable', 1);
    });
    const isPublished = (metric: {
      Namespace: string;
      MetricName: string;
      Dimensions: { Name: string; Value: string }[];
    }) =>
      published.some((doc) =>
        doc._aws.CloudWatchMetrics.some(
          (m) =>
            m.Namespace === metric.Namespace &&
            m.Metrics.some((x) => x.Name === metric.MetricName) &&
            m.Dimensions.some(
              (set) =>
                set.length === metric.Dimensions.length &&
                metric.Dimensions.every((d) => set.includes(d.Name) && doc[d.Name] === d.Value),
            ),
        ),
      );
    const failures = alarms.AuthorizerFailuresAlarm as unknown as Parameters<typeof isPublished>[0];
    expect(isPublished(failures)).toBe(true);
    const denyRate = (
      alarms.DenyRateAlarm!.Metrics as {
        MetricStat?: { Metric: Parameters<typeof isPublished>[0] };
      }[]
    ).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(denyRate).toHaveLength(2);
    for (const metric of denyRate) expect(isPublished(metric)).toBe(true);
    // The 5xx alarm reads API Gateway's own metric for this API and stage.
    expect(alarms.ApiErrorRateAlarm).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [
        { Name: 'ApiName', Value: `${table.config!.service}-${table.config!.provider.stage}` },
        { Name: 'Stage', Value: table.config!.provider.stage },
      ],
    });
    const api = ofType('AWS::ApiGateway::RestApi')[0]![1];
    expect(api.Properties.Name).toBe(`${table.config!.service}-${table.config!.provider.stage}`);
  });

  it('creates locally the tables serverless.yml deploys, with the same keys', () => {
    const deployed = ofType('AWS::DynamoDB::Table').map(([, table]) => ({
      name: String(table.Properties.TableName).replace(/^two-layer-authz-[^-]+-/, ''),
      key: (table.Properties.KeySchema as { AttributeName: string }[])[0]!.AttributeName,
    }));
    const local = Object.values(TABLES).map((table) => ({ name: table.suffix, key: table.key }));
    expect(local.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      deployed.sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("leaves room in Lambda's 4 KB of environment for the authorizer trusting five issuers", () => {
    // Lambda refuses a function whose environment variables, names and values, exceed 4 KB.
    const [, authorizer] = ofType('AWS::Lambda::Function').find(([name]) =>
      name.startsWith('Authorizer'),
    )!;
    const variables = (authorizer.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    const five = Object.values(SHAPES)
      .slice(0, 5)
      .map((shape) => ({ ...shape.entry, jwksUrl: `${String(shape.entry.issuer)}/keys` }));
    const deployed = { ...variables, AUTH_ISSUERS: JSON.stringify(five) };
    const bytes = Object.entries(deployed).reduce(
      (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(value)),
      0,
    );
    expect(bytes).toBeLessThan(4096);
  });

  it('has no orphan schema file', () => {
    const routed = new Set(table.routes.map((r) => r.schemaFile));
    expect(table.schemas.filter((s) => !routed.has(s.file)).map((s) => s.file)).toEqual([]);
  });
});
