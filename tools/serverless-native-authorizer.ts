import { join } from 'node:path';
import { ConfigError } from '../src/shared/env.ts';
import { gatewayMethods, gatewayScopeProblems } from './gateway-scopes.ts';
import { formatProblems } from './lint-rules.ts';
import {
  formatRefusal,
  gatewayScopes,
  layer1Of,
  nativeAuthorizerPlan,
  type JwtConfiguration,
} from './native-authorizer.ts';
import { loadRouteSchemas } from './schema-files.ts';
import type { IssuerRules } from '../src/issuers/issuer-config.ts';

/**
 * A Serverless plugin (listed in serverless.yml's `plugins`) for `layer1=native`: API Gateway's
 * native JWT authorizer for REST APIs on every route, in place of our Lambda TOKEN authorizer.
 * osls has no syntax for it on `http` events (its authorizer types are token, request,
 * cognito_user_pools and aws_iam), so:
 *
 * - before osls packages anything, the issuer configuration (the AUTH_* variables every function
 *   gets) and USAGE_PLANS are turned into the authorizer's configuration, or packaging fails with
 *   every refusal, one line each (tools/native-authorizer.ts). Then the routes' http events lose
 *   their authorizer and API key requirement and the authorizer function goes: osls writes no
 *   Lambda authorizer, no invoke permission for it and no function, so no method can have both;
 * - once the template is complete, it gets one AWS::ApiGateway::Authorizer of type JWT, and
 *   every method but the CORS preflights (which have no authorizer in either mode) gets
 *   `AuthorizationType: JWT`, that authorizer, its scopes (`gatewayScopes`) and no API key;
 *   the authorizer function's IAM role goes too, and so do the alarms on the metrics only our
 *   authorizer writes. The finished methods are checked against the
 *   route lint's `gateway_scopes_looser` before the template is saved.
 *
 * With `layer1=lambda` (the default) it changes nothing. It runs on `sls package` and
 * `sls deploy`; `sls print` and `sls offline` never package, so the local stack is untouched.
 */
interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

interface Serverless {
  serviceDir?: string;
  config?: { servicePath?: string };
  classes: { Error: new (message: string) => Error };
  service: {
    service: string;
    custom?: { throttling?: { usagePlans?: unknown } };
    functions: Record<string, FunctionDefinition>;
    provider: {
      stage: string;
      environment?: Record<string, unknown>;
      compiledCloudFormationTemplate: { Resources: Record<string, CfnResource> };
    };
  };
}

interface FunctionDefinition {
  handler?: string;
  role?: unknown;
  events?: Record<string, unknown>[];
}

/** The logical id of the native authorizer, in osls's naming (`<Name>ApiGatewayAuthorizer`). */
export const JWT_AUTHORIZER = 'JwtApiGatewayAuthorizer';
const REST_API = 'ApiGatewayRestApi';

/** The JWT authorizer resource for a configuration. */
export const jwtAuthorizerResource = (configuration: JwtConfiguration): CfnResource => ({
  Type: 'AWS::ApiGateway::Authorizer',
  Properties: {
    Name: 'jwt',
    RestApiId: { Ref: REST_API },
    Type: 'JWT',
    // The header our clients already send; `Bearer <token>`, as for our authorizer.
    IdentitySource: 'method.request.header.Authorization',
    JwtConfiguration: configuration,
  },
});

interface Prepared {
  readonly rules: IssuerRules;
  readonly jwtConfiguration: JwtConfiguration;
  /** The removed authorizer function's role, a logical id, when it named one. */
  readonly authorizerRole: string | undefined;
}

export default class ServerlessNativeAuthorizer {
  readonly hooks: Record<string, () => void>;
  #prepared: Prepared | undefined;

  constructor(serverless: Serverless) {
    const fail = (message: string) => new serverless.classes.Error(message);
    this.hooks = {
      // First of all, so a refused configuration fails before anything is built.
      'before:package:cleanup': () => {
        this.#prepared = prepare(serverless, fail);
      },
      // Once serverless.yml's resources are merged in (the authorizer's role is one).
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        if (this.#prepared) writeTemplate(serverless, this.#prepared, fail);
      },
    };
  }
}

function prepare(serverless: Serverless, fail: (message: string) => Error): Prepared | undefined {
  const { service } = serverless;
  const env = Object.fromEntries(
    Object.entries(service.provider.environment ?? {}).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : undefined,
    ]),
  );
  let layer1;
  try {
    layer1 = layer1Of(env.LAYER1);
  } catch (error) {
    if (error instanceof ConfigError) throw fail(error.message);
    throw error;
  }
  if (layer1 === 'lambda') return undefined;

  const usagePlans = service.custom?.throttling?.usagePlans;
  const plan = nativeAuthorizerPlan(env, typeof usagePlans === 'string' ? usagePlans : undefined);
  if (!plan.ok)
    throw fail(
      `layer1=native: API Gateway's JWT authorizer cannot express this configuration (README, Native JWT authorizer):\n${plan.refusals.map(formatRefusal).join('\n')}`,
    );

  const authorizers = new Set<string>();
  for (const fn of Object.values(service.functions))
    for (const event of fn.events ?? []) {
      const http = event.http;
      if (typeof http !== 'object' || http === null) continue;
      const spec = (http as { authorizer?: unknown }).authorizer;
      const name = typeof spec === 'string' ? spec : (spec as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string') authorizers.add(name);
      delete (http as Record<string, unknown>).authorizer;
      delete (http as Record<string, unknown>).private;
    }
  let authorizerRole: string | undefined;
  for (const name of authorizers) {
    const fn = service.functions[name];
    if (!fn) continue;
    if (fn.events?.length)
      throw fail(
        `layer1=native: function ${name} is the routes' authorizer and has events of its own; it cannot be left out`,
      );
    if (typeof fn.role === 'string') authorizerRole = fn.role;
    delete service.functions[name];
  }
  return { rules: plan.rules, jwtConfiguration: plan.jwtConfiguration, authorizerRole };
}

const AUTHORIZER_DIMENSION = JSON.stringify({ Name: 'service', Value: 'authorizer' });
const watchesAuthorizer = (alarm: CfnResource) =>
  JSON.stringify(alarm.Properties ?? {}).includes(AUTHORIZER_DIMENSION);

function writeTemplate(
  serverless: Serverless,
  prepared: Prepared,
  fail: (message: string) => Error,
): void {
  const resources = serverless.service.provider.compiledCloudFormationTemplate.Resources;
  const root = serverless.serviceDir ?? serverless.config?.servicePath ?? process.cwd();
  const routes = loadRouteSchemas(join(root, 'schemas'), root);

  for (const [id, resource] of Object.entries(resources))
    if (resource.Type === 'AWS::ApiGateway::Authorizer')
      throw fail(`layer1=native: ${id} is an API Gateway authorizer besides the JWT authorizer`);
  resources[JWT_AUTHORIZER] = jwtAuthorizerResource(prepared.jwtConfiguration);

  const methods = gatewayMethods(resources);
  for (const method of methods) {
    // CORS preflights: mock integrations osls writes without an authorizer in either mode.
    if (method.method === 'OPTIONS') continue;
    const route = routes.find((r) => r.method === method.method && r.path === method.path);
    if (!route)
      throw fail(
        `layer1=native: ${method.method} ${method.path} has no schema file to take its scopes from (npm run lint:routes)`,
      );
    const properties = resources[method.id]!.Properties!;
    const scopes = gatewayScopes(route.scopes, prepared.rules);
    properties.AuthorizationType = 'JWT';
    properties.AuthorizerId = { Ref: JWT_AUTHORIZER };
    if (scopes.length) properties.AuthorizationScopes = scopes;
    else delete properties.AuthorizationScopes;
    properties.ApiKeyRequired = false;
  }

  const role = prepared.authorizerRole;
  if (role && resources[role]?.Type === 'AWS::IAM::Role') {
    delete resources[role];
    const still = JSON.stringify(serverless.service.provider.compiledCloudFormationTemplate);
    if (still.includes(`"${role}"`))
      throw fail(
        `layer1=native: ${role}, the authorizer function's role, is still referred to by the template`,
      );
  }

  // Alarms on the metrics only our authorizer writes (service=authorizer: its failures to decide,
  // its deny rate) would watch a metric that never comes: they go with it.
  for (const [id, resource] of Object.entries(resources))
    if (resource.Type === 'AWS::CloudWatch::Alarm' && watchesAuthorizer(resource))
      delete resources[id];

  const problems = gatewayScopeProblems(routes, gatewayMethods(resources), 'the packaged template');
  if (problems.length)
    throw fail(`layer1=native: the methods' gateway scopes:\n${formatProblems(problems)}`);
}
