import { beforeAll, describe, expect, it } from '@jest/globals';
import { createGatewayModel } from '../../local/api-gateway/model.ts';
import {
  loadServiceDefinition,
  nativeServiceGateway,
  type ServiceDefinition,
} from '../../local/api-gateway/service.ts';
import { projectRouteTable } from '../support/route-table.ts';
import { startTestIssuer } from '../support/issuer.ts';
import {
  jwtConfigurationOf,
  methodScopesOf,
  NativeConfigurationError,
} from '../../local/api-gateway/jwt-configuration.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { rulesOf } from '../support/native-gateway.ts';

/**
 * The native JWT authorizer's configuration the local gateway derives from AUTH_ISSUERS: what
 * it can express goes into it (packaging's own translation, tools/native-authorizer.ts), what
 * it cannot is refused naming the entry, and the method scopes
 * a route gets (the gateway's any-of never looser than the route's all-of).
 */
const RS_ES = ['RS256', 'ES256'];

describe('the configuration of AUTH_ISSUERS entries', () => {
  it('names each issuer exactly with its audiences, and one algorithm list for all', () => {
    const configuration = jwtConfigurationOf(
      rulesOf([
        { issuer: 'https://a.example/', audience: ['api', 'api2'], algorithms: ['ES256', 'RS256'] },
        { issuer: 'https://b.example', audience: 'api', algorithms: RS_ES },
      ]),
    );
    expect(configuration).toEqual({
      defaultAlgorithms: ['RS256', 'ES256'],
      issuers: [
        expect.objectContaining({
          issuer: 'https://a.example/',
          audiences: ['api', 'api2'],
          additionalClaims: [],
          source: 'AUTH_ISSUERS[0]',
        }),
        expect.objectContaining({ issuer: 'https://b.example', audiences: ['api'] }),
      ],
    });
  });

  it("puts a preset's exact string mark of an access token into AdditionalClaims (Keycloak's typ: Bearer), required", () => {
    const { issuers } = jwtConfigurationOf(
      rulesOf([{ ...SHAPES.keycloak.entry, algorithms: RS_ES }]),
    );
    expect(issuers[0]!.additionalClaims).toEqual([
      { claimName: 'typ', format: 'SINGLE_STRING', expectedValues: ['Bearer'], required: true },
    ]);
  });

  it('takes the default algorithm list without EdDSA, which the gateway cannot verify', () => {
    const configuration = jwtConfigurationOf(
      rulesOf([{ issuer: 'https://a.example', audience: 'api' }]),
    );
    expect(configuration.defaultAlgorithms).toEqual(['RS256', 'ES256']);
  });

  it('accepts a preset whose typ rule layer 2 covers by claims (auth0: azp or client_id)', () => {
    expect(() =>
      jwtConfigurationOf(rulesOf([{ ...SHAPES.auth0.entry, algorithms: RS_ES }])),
    ).not.toThrow();
  });

  it.each([
    [
      'a Cognito pool (its access tokens carry no aud)',
      [{ ...SHAPES.cognito.entry, algorithms: RS_ES }],
      /AUTH_ISSUERS\[0\]\.preset: Cognito access tokens carry no aud/,
    ],
    [
      'an Entra ID {tenantid} template',
      [
        {
          issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          preset: 'entra',
          audience: 'api://orders',
          tenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
          algorithms: RS_ES,
        },
      ],
      /AUTH_ISSUERS\[0\]\.issuer: is a multi-tenant template/,
    ],
    [
      'PS256',
      [{ issuer: 'https://a.example', audience: 'api', algorithms: ['PS256'] }],
      /AUTH_ISSUERS\[0\]\.algorithms: has none of/,
    ],
    [
      'two entries with different algorithm lists',
      [
        { issuer: 'https://a.example', audience: 'api', algorithms: RS_ES },
        { issuer: 'https://b.example', audience: 'api', algorithms: ['RS256'] },
      ],
      /AUTH_ISSUERS\[1\]\.algorithms: .*one algorithm list for every issuer/,
    ],
    [
      'an RFC 9068 issuer (it tells an ID token by its typ header only)',
      [{ ...SHAPES.rfc9068.entry, algorithms: RS_ES }],
      /AUTH_ISSUERS\[0\]\.preset: requires the typ header at\+jwt/,
    ],
    [
      'a generic issuer with a tokenType',
      [{ issuer: 'https://a.example', audience: 'api', algorithms: RS_ES, tokenType: 'at+jwt' }],
      /typ header/,
    ],
  ])('refuses %s, naming the entry', (_name, entries, message) => {
    const configure = () => jwtConfigurationOf(rulesOf(entries));
    expect(configure).toThrow(NativeConfigurationError);
    expect(configure).toThrow(message);
  });
});

describe('the method scopes of a route', () => {
  const scopeIssuers = rulesOf([
    { issuer: 'https://a.example', audience: 'api', algorithms: RS_ES },
    { issuer: 'https://b.example', audience: 'api', algorithms: RS_ES, scopeClaims: ['scp'] },
  ]);

  it('are the route’s one scope when every issuer keeps its scopes in scope or scp', () => {
    expect(methodScopesOf(['users:read'], scopeIssuers)).toEqual(['users:read']);
  });

  it('are none for a route needing several scopes (the gateway would let any one through)', () => {
    expect(methodScopesOf(['users:read', 'users:audit'], scopeIssuers)).toEqual([]);
  });

  it('are none for a route any caller may call', () => {
    expect(methodScopesOf([], scopeIssuers)).toEqual([]);
  });

  it('are none when an issuer keeps scopes in roles or permissions (the gateway reads scope and scp only)', () => {
    for (const shape of [SHAPES.auth0, SHAPES.entra, SHAPES.keycloak])
      expect(methodScopesOf(['users:read'], rulesOf([shape.entry]))).toEqual([]);
  });
});

describe('the service as a stage with layer1 native deploys it', () => {
  let service: ServiceDefinition;
  beforeAll(async () => {
    service = await loadServiceDefinition(undefined, {}, projectRouteTable());
  });
  const rules = rulesOf([{ issuer: 'https://a.example', audience: 'api', algorithms: RS_ES }]);
  const stubs = () =>
    service.routes.map(({ method, path, name, apiKeyRequired }) => ({
      method,
      path,
      name,
      apiKeyRequired,
      handler: async () => ({ statusCode: 200, body: '{}' }),
    }));

  it('puts every method behind the JWT authorizer with the scopes of the mapping, and none requires an API key', () => {
    expect(service.routes.some((route) => route.apiKeyRequired)).toBe(true);
    const gateway = nativeServiceGateway(service, stubs(), { rules });
    expect(gateway.authorizer).toMatchObject({
      type: 'JWT',
      configuration: jwtConfigurationOf(rules),
      identityHeader: service.authorizer.identityHeader,
    });
    expect(
      gateway.routes.map(({ method, path, authorizationScopes, apiKeyRequired }) => ({
        route: `${method} ${path}`,
        authorizationScopes,
        apiKeyRequired,
      })),
    ).toEqual(
      service.routes.map((route) => ({
        route: `${route.method} ${route.path}`,
        authorizationScopes: route.scopes.length === 1 ? route.scopes : [],
        apiKeyRequired: undefined,
      })),
    );
  });

  it("keeps the stage's throttling: 429 THROTTLED past a method's burst, no usage plan key asked", async () => {
    const issuer = await startTestIssuer(['ES256']);
    try {
      const own = rulesOf([
        { issuer: issuer.issuer, audience: issuer.audience, algorithms: RS_ES },
      ]);
      const gateway = nativeServiceGateway(service, stubs(), { rules: own, throttled: true });
      expect(gateway.throttling).toEqual({ stage: service.throttling.stage });
      const model = createGatewayModel({ ...gateway, now: () => 0 });
      const token = await issuer.sign();
      const { burstLimit } = service.throttling.stage!;
      const statuses: number[] = [];
      for (let i = 0; i <= burstLimit; i += 1)
        statuses.push(
          (
            await model.request({
              method: 'GET',
              path: '/me',
              headers: { Authorization: `Bearer ${token}` },
            })
          ).statusCode,
        );
      expect(statuses).toEqual([...Array(burstLimit).fill(200), 429]);
    } finally {
      await issuer.close();
    }
  });
});
