import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gatewayMethods, type GatewayMethod } from '../../tools/gateway-scopes.ts';
import { JWT_AUTHORIZER } from '../../tools/serverless-native-authorizer.ts';
import type { CfnTemplate } from '../../tools/cfn-template.ts';
import { checkTemplate } from '../../tools/template-spec-check.ts';
import { loadCfnSpec, SPEC_EXCEPTIONS } from '../../tools/template-spec.ts';
import {
  allowedWildcards,
  compareWildcards,
  policyWildcards,
} from '../../tools/template-wildcards.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { packagedTemplate } from '../support/packaged-template.ts';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * Layer 1 as a choice, in the packaged CloudFormation template: `sls package` once per mode
 * (`--param layer1=lambda`, the default, and `--param layer1=native`), and once without the
 * native authorizer plugin, as the template was before the choice existed. Every route method
 * sits behind the selected authorizer and only it; the native authorizer's configuration is the
 * AUTH_ISSUERS given; the gateway's own error answers are problem+json either way.
 */
const ROOT = join(import.meta.dirname, '..', '..');

// Three issuers the native authorizer can express: a Keycloak realm reading scopes from `scope`
// alone, so that every issuer's scopes are where the gateway reads them and methods get scopes.
const KEYCLOAK = { ...SHAPES.keycloak.entry, scopeClaims: ['scope'] };
const NATIVE_ISSUERS = [SHAPES.okta.entry, KEYCLOAK, SHAPES.hydra.entry];
const NATIVE_PARAMS = { layer1: 'native', authIssuers: JSON.stringify(NATIVE_ISSUERS) };

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let lambda: CfnTemplate;
let native: CfnTemplate;
let withoutPlugin: CfnTemplate;

beforeAll(async () => {
  [lambda, native, withoutPlugin] = await Promise.all([
    packagedTemplate({ layer1: 'lambda' }),
    packagedTemplate(NATIVE_PARAMS),
    packagedTemplate(
      { layer1: 'lambda' },
      {
        serverlessYml: (yml) => {
          const without = yml.replace(/^ {2}- \.\/tools\/serverless-native-authorizer\.ts\n/m, '');
          if (without === yml) throw new Error('serverless.yml lists no native authorizer plugin');
          return without;
        },
      },
    ),
  ]);
}, 180_000);

const resourcesOf = (template: CfnTemplate) => template.Resources as Resources;
const ofType = (template: CfnTemplate, type: string) =>
  Object.entries(resourcesOf(template)).filter(([, r]) => r.Type === type);
const routeMethods = (template: CfnTemplate): GatewayMethod[] =>
  gatewayMethods(resourcesOf(template)).filter((m) => m.method !== 'OPTIONS');
const routeKey = (m: { method: string; path: string }) => `${m.method} ${m.path}`;

/** The template with what differs between two builds of the same code blanked out. */
function buildIndependent(template: CfnTemplate): unknown {
  return JSON.parse(
    JSON.stringify(template)
      // Artifact locations name the packaging time; logical ids of function versions and the
      // deployment name a hash of the code and the time.
      .replace(/"S3Key":"[^"]*"/g, '"S3Key":""')
      .replace(/(LambdaVersion)[A-Za-z0-9]+/g, '$1')
      .replace(/(ApiGatewayDeployment)\d+/g, '$1'),
  );
}

describe('layer1=lambda (the default): our Lambda TOKEN authorizer', () => {
  it('is the template osls and serverless.yml write without the native authorizer plugin: the plugin changes nothing', () => {
    expect(buildIndependent(lambda)).toEqual(buildIndependent(withoutPlugin));
  });

  it('puts every route method behind the TOKEN authorizer and only it, with a usage plan API key required', () => {
    const methods = routeMethods(lambda);
    expect(methods.map(routeKey).sort()).toEqual(projectRouteTable().routes.map(routeKey).sort());
    const authorizers = ofType(lambda, 'AWS::ApiGateway::Authorizer');
    expect(authorizers.map(([, a]) => a.Properties.Type)).toEqual(['TOKEN']);
    for (const method of methods)
      expect({ route: routeKey(method), ...method }).toMatchObject({
        route: routeKey(method),
        authorizationType: 'CUSTOM',
        authorizer: authorizers[0]![0],
        scopes: [],
        apiKeyRequired: true,
      });
    expect(resourcesOf(lambda)).not.toHaveProperty(JWT_AUTHORIZER);
  });
});

describe('layer1=native: API Gateway’s JWT authorizer', () => {
  it('puts every route method behind the JWT authorizer and only it, with no API key; preflights have no authorizer', () => {
    const methods = routeMethods(native);
    expect(methods.map(routeKey).sort()).toEqual(projectRouteTable().routes.map(routeKey).sort());
    expect(ofType(native, 'AWS::ApiGateway::Authorizer').map(([id]) => id)).toEqual([
      JWT_AUTHORIZER,
    ]);
    for (const method of methods)
      expect({ route: routeKey(method), ...method }).toMatchObject({
        route: routeKey(method),
        authorizationType: 'JWT',
        authorizer: JWT_AUTHORIZER,
        apiKeyRequired: false,
      });
    for (const preflight of gatewayMethods(resourcesOf(native)).filter(
      (m) => m.method === 'OPTIONS',
    ))
      expect(preflight).toMatchObject({ authorizationType: 'NONE', authorizer: undefined });
  });

  it('configures the authorizer from the AUTH_ISSUERS given: exact issuers, their audiences, the kind claims, the common algorithms', () => {
    expect(resourcesOf(native)[JWT_AUTHORIZER]).toEqual({
      Type: 'AWS::ApiGateway::Authorizer',
      Properties: {
        Name: 'jwt',
        RestApiId: { Ref: 'ApiGatewayRestApi' },
        Type: 'JWT',
        IdentitySource: 'method.request.header.Authorization',
        JwtConfiguration: {
          DefaultAlgorithms: ['RS256', 'ES256'],
          Issuers: [
            { Issuer: 'https://acme.okta.com/oauth2/default', Audiences: ['api://default'] },
            {
              Issuer: 'https://sso.acme.example/realms/acme',
              Audiences: ['orders-api'],
              AdditionalClaims: [
                {
                  ClaimName: 'typ',
                  Format: 'SINGLE_STRING',
                  ExpectedValues: ['Bearer'],
                  Required: true,
                },
              ],
            },
            { Issuer: 'https://auth.acme.example', Audiences: ['https://api.acme.example/orders'] },
          ],
        },
      },
    });
  });

  it("gives each method its route's one required scope, and none to a route requiring none", () => {
    const routes = new Map(projectRouteTable().routes.map((r) => [routeKey(r), r.scopes]));
    for (const method of routeMethods(native)) {
      const required = routes.get(routeKey(method))!;
      expect({ route: routeKey(method), scopes: method.scopes }).toEqual({
        route: routeKey(method),
        scopes: required.length === 1 ? required : [],
      });
    }
    expect(routeMethods(native).some((m) => m.scopes.length === 1)).toBe(true);
  });

  it('has no Lambda authorizer left: no TOKEN authorizer, no invoke permission for one, no authorizer function, role or log group', () => {
    const resources = resourcesOf(native);
    for (const id of [
      'AuthorizerApiGatewayAuthorizer',
      'AuthorizerLambdaFunction',
      'AuthorizerRole',
      'AuthorizerLogGroup',
      'AuthorizerLambdaPermissionApiGateway',
    ])
      expect(resources).not.toHaveProperty(id);
    expect(JSON.stringify(native)).not.toMatch(/authorizers\/|"TOKEN"|AuthorizerLambda/);
    // Each remaining invoke permission is a route function's.
    const functions = new Set(ofType(native, 'AWS::Lambda::Function').map(([id]) => id));
    for (const [, permission] of ofType(native, 'AWS::Lambda::Permission'))
      expect(functions).toContain(
        (permission.Properties.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
      );
    expect(ofType(native, 'AWS::Lambda::Function').length).toBe(
      ofType(lambda, 'AWS::Lambda::Function').length - 1,
    );
  });

  it('keeps no alarm on a metric only our authorizer writes, and the 5xx rate alarm', () => {
    const alarms = Object.entries(native.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm',
    );
    expect(alarms.map(([id]) => id)).toContain('ApiErrorRateAlarm');
    for (const [, alarm] of alarms)
      expect(JSON.stringify(alarm.Properties)).not.toContain('"Value":"authorizer"');
    const ours = Object.keys(lambda.Resources);
    expect(ours).toEqual(expect.arrayContaining(['AuthorizerFailuresAlarm', 'DenyRateAlarm']));
  });

  it('requires an API key on no method', () => {
    expect(JSON.stringify(native)).not.toMatch(/"ApiKeyRequired":true/);
  });

  it('passes the template check: the resource specification (JwtConfiguration, newer than it, named as such) and README’s policy wildcards', () => {
    const spec = loadCfnSpec();
    const { findings, unjudged } = checkTemplate(native, spec);
    expect(findings).toEqual([]);
    // The whole JwtConfiguration, its issuers and claims included, is the one value not judged.
    expect(unjudged).toEqual([
      {
        path: `Resources.${JWT_AUTHORIZER}.Properties.JwtConfiguration`,
        exception: SPEC_EXCEPTIONS[0],
      },
    ]);
    // `Type: JWT` and `AuthorizationType: JWT` are judged: the specification lists no allowed
    // values for either (its descriptions predate JWT), so any string passes.
    expect(spec.resource('AWS::ApiGateway::Authorizer')!.properties.Type!.type).toEqual({
      type: 'string',
    });
    expect(spec.resource('AWS::ApiGateway::Method')!.properties.AuthorizationType!.type).toEqual({
      type: 'string',
    });
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(compareWildcards(policyWildcards(native), allowedWildcards(readme))).toEqual({
      unjustified: [],
      unused: [],
    });
  });
});

describe('what both modes share', () => {
  const responses = (template: CfnTemplate): Record<string, Record<string, unknown>> =>
    Object.fromEntries(
      ofType(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        String(r.Properties.ResponseType),
        r.Properties,
      ]),
    );

  it("answers the gateway's own refusals (UNAUTHORIZED, ACCESS_DENIED, DEFAULT_4XX, …) with the same problem+json in both modes", () => {
    const own = responses(lambda);
    expect(responses(native)).toEqual(own);
    expect(Object.keys(own)).toEqual(
      expect.arrayContaining(['UNAUTHORIZED', 'ACCESS_DENIED', 'DEFAULT_4XX', 'DEFAULT_5XX']),
    );
    for (const [type, response] of Object.entries(own)) {
      expect({
        type,
        contentType: (response.ResponseParameters as Record<string, string>)[
          'gatewayresponse.header.Content-Type'
        ],
      }).toEqual({ type, contentType: "'application/problem+json'" });
      expect((response.ResponseTemplates as Record<string, string>)['application/json']).toMatch(
        /^\{"type":"urn:two-layer-authz:problem:[a-z_]+","title":"[^"]+",/,
      );
    }
    expect(own.UNAUTHORIZED).toMatchObject({
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" },
    });
    expect(own.ACCESS_DENIED).toMatchObject({ StatusCode: '403' });
  });

  it("gives every function LAYER1 and the authorizer's AUTH_* issuer variables, under Lambda's 4 KB with five issuers", () => {
    const five = JSON.stringify(
      [SHAPES.cognito, SHAPES.auth0, SHAPES.okta, SHAPES.entra, SHAPES.keycloak].map(
        (shape) => shape.entry,
      ),
    );
    for (const [mode, template, issuers] of [
      ['lambda', lambda, ''],
      ['native', native, NATIVE_PARAMS.authIssuers],
    ] as const)
      for (const [id, fn] of ofType(template, 'AWS::Lambda::Function')) {
        if (id.startsWith('CustomDashresource')) continue; // Serverless's own, no environment
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        expect({ id, LAYER1: variables.LAYER1, AUTH_ISSUERS: variables.AUTH_ISSUERS }).toEqual({
          id,
          LAYER1: mode,
          AUTH_ISSUERS: issuers,
        });
        for (const name of [
          'AUTH_ISSUER',
          'AUTH_AUDIENCE',
          'AUTH_JWKS_URL',
          'AUTH_ALGORITHMS',
          'AUTH_TOKEN_TYPE',
          'AUTH_CLOCK_TOLERANCE_SECONDS',
          'AUTH_MAX_TOKEN_LIFETIME_SECONDS',
        ])
          expect(variables).toHaveProperty(name);
        // Lambda counts names and values; a CloudFormation function (the key secret's ARN)
        // counts as a long ARN would.
        const deployed = { ...variables, AUTH_ISSUERS: five };
        const bytes = Object.entries(deployed).reduce(
          (sum, [name, value]) =>
            sum +
            Buffer.byteLength(name) +
            (typeof value === 'string' ? Buffer.byteLength(value) : 128),
          0,
        );
        expect({ id, mode, under4k: bytes < 4096 }).toEqual({ id, mode, under4k: true });
      }
  });
});

describe('packaging and linting in native mode', () => {
  const run = promisify(execFile);

  it('npm run lint:routes -- --template passes the native template and refuses a deliberately loosened copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'native-template-'));
    try {
      const node = join(ROOT, 'node_modules', '.bin', 'node');
      const lint = (file: string) =>
        run(node, [join(ROOT, 'tools', 'lint-routes.ts'), '--template', file]).then(
          ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
          (error: { code: number; stdout: string; stderr: string }) => error,
        );
      writeFileSync(join(dir, 'good.json'), JSON.stringify(native));
      expect(await lint(join(dir, 'good.json'))).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/the template's methods match them/),
      });

      const loosened = structuredClone(native) as { Resources: Resources };
      const post = routeMethods(native).find((m) => routeKey(m) === 'POST /users')!;
      loosened.Resources[post.id]!.Properties.AuthorizationScopes = ['users:write', 'users:read'];
      writeFileSync(join(dir, 'loosened.json'), JSON.stringify(loosened));
      const refused = await lint(join(dir, 'loosened.json'));
      expect(refused.code).toBe(1);
      expect(refused.stderr.trimEnd().split('\n')).toEqual([
        `${join(dir, 'loosened.json')} (${post.id}, POST /users): has gateway scopes ["users:write","users:read"] but its route requires ["users:write"]: a method's scopes may only be its route's one required scope [gateway_scopes_looser]`,
        'lint:routes: 1 problem(s)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses to package what the native authorizer cannot express, every refusal on a line of its own', async () => {
    const failed = await packagedTemplate({
      layer1: 'native',
      authIssuers: JSON.stringify([
        SHAPES.okta.entry,
        { issuer: 'http://127.0.0.1:3001', preset: 'rfc9068', audience: 'api' },
        SHAPES.cognito.entry,
      ]),
    }).then(
      () => undefined,
      (error: { stdout?: string; stderr?: string }) => `${error.stdout}\n${error.stderr}`,
    );
    expect(failed).toBeDefined();
    const lines = failed!.split('\n').filter((line) => /^(AUTH_ISSUERS|USAGE_PLANS)/.test(line));
    expect(failed).toMatch(
      /layer1=native: API Gateway's JWT authorizer cannot express this configuration/,
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /^AUTH_ISSUERS\[1\]\.issuer: http:\/\/127\.0\.0\.1:3001 is this machine/,
      ),
      expect.stringMatching(/^AUTH_ISSUERS\[1\]\.preset: requires the typ header at\+jwt;/),
      expect.stringMatching(/^AUTH_ISSUERS\[2\]\.preset: Cognito access tokens carry no aud/),
    ]);
  }, 60_000);
});
