import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contextVariablesOf } from '../../local/api-gateway/access-log.ts';
import { corsPreflightOf } from '../../local/api-gateway/cors-preflight.ts';
import { TABLES } from '../../local/dynamo.ts';
import { emfAuthorizerMetrics, type AuthorizerMetrics } from '../../src/shared/metrics.ts';
import type { RouteTable } from '../../tools/route-table.ts';
import { resolvedServiceConfig } from '../../tools/serverless-config.ts';
import { emfWrittenBy, type EmfDocument } from '../support/emf.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { packagedService, type PackagedState } from '../support/packaged-template.ts';
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

let resources: Record<string, CfnResource>;
let state: PackagedState;
let table: RouteTable;

beforeAll(async () => {
  const packaged = await packagedService();
  resources = packaged.template.Resources as Record<string, CfnResource>;
  state = packaged.state;
  table = projectRouteTable();
}, 120_000);

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

  /**
   * Each function's role: its grants by resource (a table, a log group, the key secret), its
   * managed policies, its own statements. Serverless's own custom-resource function (the
   * account's CloudWatch role for the API Gateway logs) is checked with the logs, below.
   */
  function rolesByFunction() {
    return Object.fromEntries(
      ofType('AWS::Lambda::Function')
        .filter(([name]) => !name.startsWith('CustomDashresource'))
        .map(([name, fn]) => {
          const roleId = (fn.Properties.Role as { 'Fn::GetAtt'?: [string] })['Fn::GetAtt']?.[0];
          const role = roleId ? resources[roleId] : undefined;
          const statements = (
            (role?.Properties.Policies ?? []) as {
              PolicyDocument: { Statement: Record<string, unknown>[] };
            }[]
          ).flatMap((p) => p.PolicyDocument.Statement);
          const grants: Record<string, string[]> = {};
          for (const statement of statements) {
            const target = resourceOf(statement);
            grants[target] = [...(grants[target] ?? []), ...actionsOf(statement)].sort();
          }
          const key = name.replace(/LambdaFunction$/, '');
          return [
            key[0]!.toLowerCase() + key.slice(1),
            { key, roleId, statements, grants, managed: role?.Properties.ManagedPolicyArns },
          ];
        }),
    );
  }
  const actionsOf = (statement: Record<string, unknown>) => [statement.Action].flat() as string[];
  const resourceOf = (statement: Record<string, unknown>) => {
    const resource = statement.Resource as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
    return resource?.['Fn::GetAtt']?.[0] ?? resource?.Ref ?? JSON.stringify(statement.Resource);
  };

  it('gives every function a role of its own, granting only writes to its own log group and DynamoDB actions on tables of this service (the authorizer also reads the key secret)', () => {
    const roles = rolesByFunction();
    expect(Object.keys(roles).sort()).toEqual(
      ['authorizer', ...table.routes.map((r) => r.function)].sort(),
    );
    const roleIds = Object.values(roles).map((r) => r.roleId);
    expect(
      roleIds.every((id) => id !== undefined && resources[id]?.Type === 'AWS::IAM::Role'),
    ).toBe(true);
    expect(new Set(roleIds).size).toBe(roleIds.length);
    // A managed policy's statements are not in the template: nothing here could check them.
    expect(
      ofType('AWS::IAM::Role').filter(([, role]) => role.Properties.ManagedPolicyArns),
    ).toEqual([]);
    const tables = new Set(ofType('AWS::DynamoDB::Table').map(([name]) => name));
    for (const [name, { key, statements }] of Object.entries(roles)) {
      for (const statement of statements) {
        const actions = actionsOf(statement);
        const target = resourceOf(statement);
        const allowed =
          target === `${key}LogGroup`
            ? actions.every((a) => ['logs:CreateLogStream', 'logs:PutLogEvents'].includes(a))
            : tables.has(target)
              ? actions.every((a) => /^dynamodb:[A-Z][A-Za-z]+$/.test(a))
              : name === 'authorizer' && target === 'ApiKeysSecret'
                ? actions.join() === 'secretsmanager:GetSecretValue'
                : false;
        expect({ name, effect: statement.Effect, actions, target, allowed }).toEqual({
          name,
          effect: 'Allow',
          actions,
          target,
          allowed: true,
        });
      }
    }
  });

  it("grants the sample API's functions exactly what their routes use: their own log group, DynamoDB actions table by table, and the key secret for the authorizer", () => {
    const writeLogs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    const expected: Record<string, Record<string, string[]>> = {
      // The usage plans' key secret, read once per container.
      authorizer: {
        AuthorizerLogGroup: writeLogs,
        ApiKeysSecret: ['secretsmanager:GetSecretValue'],
      },
      getMe: { GetMeLogGroup: writeLogs },
      listUsers: { ListUsersLogGroup: writeLogs, UsersTable: ['dynamodb:Scan'] },
      getUser: { GetUserLogGroup: writeLogs, UsersTable: ['dynamodb:GetItem'] },
      // The user and its email claim in one transaction; GetItem for a retried keyed create;
      // the idempotency records' lifecycle.
      createUser: {
        CreateUserLogGroup: writeLogs,
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
        UpdateUserLogGroup: writeLogs,
        UsersTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        UniqueValuesTable: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
      },
      deleteUser: {
        DeleteUserLogGroup: writeLogs,
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

  it("throttles the stage: every method's default limits from the stage parameters, on a Stage of its own", () => {
    const params = (table.config as unknown as { params: { default: Record<string, unknown> } })
      .params.default;
    const stages = ofType('AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    const [, stage] = stages[0]!;
    const deployments = ofType('AWS::ApiGateway::Deployment');
    expect(deployments).toHaveLength(1);
    const [deploymentId, deployment] = deployments[0]!;
    // CloudFormation takes no method settings on a stage a Deployment created once it exists:
    // the stage is a resource of its own, pointing at the deployment.
    expect(deployment.Properties).not.toHaveProperty('StageName');
    expect(stage.Properties).toMatchObject({
      DeploymentId: { Ref: deploymentId },
      RestApiId: { Ref: 'ApiGatewayRestApi' },
      StageName: 'dev',
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: params.throttleRateLimit,
          ThrottlingBurstLimit: params.throttleBurstLimit,
        },
      ],
    });
  });

  it('takes usage plan API keys from the authorizer and requires one on every method but the preflights', () => {
    const [, api] = ofType('AWS::ApiGateway::RestApi')[0]!;
    expect(api.Properties.ApiKeySourceType).toBe('AUTHORIZER');
    for (const method of deployedRoutes())
      expect([
        `${method.method} ${method.path}`,
        method.properties.ApiKeyRequired === true,
      ]).toEqual([`${method.method} ${method.path}`, method.method !== 'OPTIONS']);
  });

  it("deploys the usage plans on the stage, each key's value from the key secret by dynamic reference, none in clear", () => {
    const plans = ofType('AWS::ApiGateway::UsagePlan');
    expect(plans.map(([, plan]) => plan.Properties)).toEqual([
      expect.objectContaining({
        UsagePlanName: 'two-layer-authz-dev-default',
        ApiStages: [{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: 'dev' }],
        Throttle: { RateLimit: 50, BurstLimit: 100 },
      }),
    ]);
    const keys = ofType('AWS::ApiGateway::ApiKey');
    expect(keys).toHaveLength(1);
    for (const [, key] of keys)
      expect(key.Properties.Value).toEqual({
        'Fn::Join': [
          '',
          ['{{resolve:secretsmanager:', { Ref: 'ApiKeysSecret' }, ':SecretString}}', 'default'],
        ],
      });
    const links = ofType('AWS::ApiGateway::UsagePlanKey').map(([, link]) => link.Properties);
    expect(links).toEqual([
      { KeyId: { Ref: keys[0]![0] }, KeyType: 'API_KEY', UsagePlanId: { Ref: plans[0]![0] } },
    ]);
    const [, secret] = ofType('AWS::SecretsManager::Secret')[0]!;
    expect(secret.Properties).not.toHaveProperty('SecretString');
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 40,
      ExcludePunctuation: true,
    });
    const [, authorizer] = ofType('AWS::Lambda::Function').find(([name]) =>
      name.startsWith('Authorizer'),
    )!;
    expect(
      (authorizer.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ).toMatchObject({
      USAGE_PLANS: '{"default":{"rateLimit":50,"burstLimit":100}}',
      API_KEYS_SECRET_ID: { Ref: 'ApiKeysSecret' },
    });
  });

  it('has no orphan schema file', () => {
    const routed = new Set(table.routes.map((r) => r.schemaFile));
    expect(table.schemas.filter((s) => !routed.has(s.file)).map((s) => s.file)).toEqual([]);
  });
});

describe('API Gateway logs (sls package output)', () => {
  /** `provider.logs.restApi` as Serverless packaged it (it applies it once the stack is up). */
  const restApiLogs = () => state.service.provider.logs?.restApi ?? {};
  const format = () => String(restApiLogs().format);
  const VARIABLE = /\$context(?:\.[A-Za-z0-9_]+)+/g;

  it('writes one JSON object per request, every value one quoted variable, valid whatever API Gateway prints ("-" included)', () => {
    expect(restApiLogs()).toMatchObject({ accessLogging: true });
    expect(format()).toBe(table.config!.provider.logs!.restApi!.format);
    expect(format()).not.toMatch(/[\r\n]/);
    const keys = Object.keys(JSON.parse(format().replace(VARIABLE, 'x')) as object);
    for (const printed of ['-', '0', '200', '1796302177818', '03/Dec/2026:12:49:37 +0000']) {
      const line = JSON.parse(format().replace(VARIABLE, printed)) as Record<string, unknown>;
      expect(Object.keys(line)).toEqual(keys);
      expect(new Set(Object.values(line))).toEqual(new Set([printed]));
    }
    expect(contextVariablesOf(format())).toHaveLength(keys.length);
  });

  it('logs what tells the layers apart: the gateway’s answer, the authorizer, the authorization and the integration', () => {
    expect(contextVariablesOf(format())).toEqual(
      expect.arrayContaining([
        // API Gateway requires one of the two; extendedRequestId is the one a client cannot set.
        '$context.requestId',
        '$context.extendedRequestId',
        '$context.requestTime',
        '$context.requestTimeEpoch',
        '$context.httpMethod',
        '$context.resourcePath',
        '$context.status',
        '$context.responseLatency',
        '$context.identity.sourceIp',
        '$context.error.responseType',
        '$context.error.message',
        '$context.authorize.status',
        '$context.authorize.error',
        '$context.authorizer.status',
        '$context.authorizer.error',
        '$context.authorizer.latency',
        '$context.authorizer.integrationLatency',
        '$context.authorizer.requestId',
        '$context.authorizer.principalId',
        '$context.integration.status',
        '$context.integration.latency',
      ]),
    );
  });

  it('never logs a credential, a claim or what the client chose freely (headers, path, query, user agent)', () => {
    const variables = contextVariablesOf(format());
    const free = variables.filter((name) =>
      /^\$context\.(path|identity\.(?!sourceIp$)|requestOverride|responseOverride|domainPrefix)/.test(
        name,
      ),
    );
    expect(free).toEqual([]);
    // Of the authorizer only its step and the principal: `$context.authorizer.<key>` would
    // print the claims the context carries.
    const AUTHORIZER_STEP =
      /^\$context\.authorizer\.(status|error|latency|integrationStatus|integrationLatency|requestId|principalId)$/;
    expect(
      variables.filter(
        (name) => name.startsWith('$context.authorizer.') && !AUTHORIZER_STEP.test(name),
      ),
    ).toEqual([]);
    expect(format()).not.toMatch(/\$input|\$method|\$stageVariables|authorization/i);
  });

  it('logs only the execution’s errors, never whole requests and responses', () => {
    expect(restApiLogs()).toMatchObject({
      executionLogging: true,
      level: 'ERROR',
      fullExecutionData: false,
    });
  });

  it('keeps the access and execution logs for accessLogRetentionDays, the functions’ retention by default', () => {
    const { params } = table.config as unknown as { params: { default: Record<string, unknown> } };
    const days = params.default.accessLogRetentionDays;
    // The only values CloudWatch Logs accepts.
    expect([
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
      3288, 3653,
    ]).toContain(days);
    const functionLogs = ofType('AWS::Logs::LogGroup').filter(([, group]) =>
      String(group.Properties.LogGroupName).startsWith('/aws/lambda/'),
    );
    expect(functionLogs.length).toBeGreaterThan(0);
    for (const [, group] of functionLogs) expect(group.Properties.RetentionInDays).toBe(days);
    expect(resources.ApiGatewayLogGroup!.Properties).toEqual({
      LogGroupName: `/aws/api-gateway/${table.config!.service}-${table.config!.provider.stage}`,
      RetentionInDays: days,
    });
    // API Gateway writes execution logs to this group, and would create it without retention.
    expect(resources.ApiGatewayExecutionLogGroup!.Properties).toEqual({
      LogGroupName: {
        'Fn::Join': [
          '',
          [
            'API-Gateway-Execution-Logs_',
            { Ref: 'ApiGatewayRestApi' },
            `/${table.config!.provider.stage}`,
          ],
        ],
      },
      RetentionInDays: days,
    });
  });

  it('sets the account’s CloudWatch role through Serverless’s custom resource (these IAM actions, no others), unless apiGatewayLogsRoleManagedExternally', async () => {
    const [[, account]] = ofType('Custom::ApiGatewayAccountRole') as [[string, CfnResource]];
    const fn =
      resources[(account.Properties.ServiceToken as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
    const role = resources[(fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
    const actions = (
      role.Properties.Policies as { PolicyDocument: { Statement: { Action: string[] }[] } }[]
    )
      .flatMap((policy) => policy.PolicyDocument.Statement)
      .flatMap((statement) => statement.Action)
      .sort();
    expect(actions).toEqual([
      'apigateway:GET',
      'apigateway:PATCH',
      'iam:AttachRolePolicy',
      'iam:CreateRole',
      'iam:ListAttachedRolePolicies',
      'iam:PassRole',
    ]);
    expect(restApiLogs().roleManagedExternally).toBe(false);
    // With the stage parameter, Serverless adds no such function and leaves the account alone.
    const external = await resolvedServiceConfig(ROOT, {
      params: { apiGatewayLogsRoleManagedExternally: 'true' },
    });
    expect(external.provider.logs?.restApi?.roleManagedExternally).toBe(true);
  }, 30_000);
});
