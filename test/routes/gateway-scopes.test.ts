import { describe, expect, it } from '@jest/globals';
import { gatewayMethods, gatewayScopeProblems } from '../../tools/gateway-scopes.ts';

/**
 * The route lint's `gateway_scopes_looser` on a template's methods: behind API Gateway's native
 * JWT authorizer a method passes a token holding any one of its scopes, while a route requires
 * all of its `x-scopes`; a method's scopes may be its route's one required scope, or none.
 */
const ROUTES = [
  { method: 'GET', path: '/users', scopes: ['users:read'] },
  { method: 'DELETE', path: '/users/{userId}', scopes: ['users:admin', 'users:write'] },
  { method: 'GET', path: '/me', scopes: [] },
];

const method = (
  httpMethod: string,
  resource: string,
  extra: Record<string, unknown> = {},
): { Type: string; Properties: Record<string, unknown> } => ({
  Type: 'AWS::ApiGateway::Method',
  Properties: {
    HttpMethod: httpMethod,
    RestApiId: { Ref: 'ApiGatewayRestApi' },
    ResourceId: { Ref: resource },
    AuthorizationType: 'JWT',
    AuthorizerId: { Ref: 'JwtApiGatewayAuthorizer' },
    ...extra,
  },
});

/** A template of the three routes, each method with `scopes` (none when unset). */
function template(scopes: Partial<Record<'users' | 'user' | 'me', string[]>> = {}) {
  const root = { 'Fn::GetAtt': ['ApiGatewayRestApi', 'RootResourceId'] };
  const withScopes = (list?: string[]) => (list ? { AuthorizationScopes: list } : {});
  return {
    ApiGatewayResourceUsers: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { ParentId: root, PathPart: 'users' },
    },
    ApiGatewayResourceUsersUseridVar: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { ParentId: { Ref: 'ApiGatewayResourceUsers' }, PathPart: '{userId}' },
    },
    ApiGatewayResourceMe: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { ParentId: root, PathPart: 'me' },
    },
    ApiGatewayMethodUsersGet: method('GET', 'ApiGatewayResourceUsers', withScopes(scopes.users)),
    ApiGatewayMethodUsersUseridVarDelete: method(
      'DELETE',
      'ApiGatewayResourceUsersUseridVar',
      withScopes(scopes.user),
    ),
    ApiGatewayMethodMeGet: method('GET', 'ApiGatewayResourceMe', withScopes(scopes.me)),
    ApiGatewayMethodUsersOptions: method('OPTIONS', 'ApiGatewayResourceUsers', {
      AuthorizationType: 'NONE',
      AuthorizerId: undefined,
    }),
  };
}

const problems = (scopes: Parameters<typeof template>[0]) =>
  gatewayScopeProblems(ROUTES, gatewayMethods(template(scopes)), 'template.json').map(
    ({ file, code, message }) => `${file}: ${message} [${code}]`,
  );

describe('gateway_scopes_looser', () => {
  it("reads each method's route from its resource chain, its authorizer and its scopes", () => {
    expect(gatewayMethods(template({ users: ['users:read'] }))).toEqual([
      {
        id: 'ApiGatewayMethodUsersGet',
        method: 'GET',
        path: '/users',
        authorizationType: 'JWT',
        authorizer: 'JwtApiGatewayAuthorizer',
        scopes: ['users:read'],
        apiKeyRequired: false,
      },
      expect.objectContaining({ method: 'DELETE', path: '/users/{userId}', scopes: [] }),
      expect.objectContaining({ method: 'GET', path: '/me', scopes: [] }),
      expect.objectContaining({ method: 'OPTIONS', path: '/users', authorizationType: 'NONE' }),
    ]);
  });

  it("passes methods without scopes, and a method with exactly its route's one required scope", () => {
    expect(problems({})).toEqual([]);
    expect(problems({ users: ['users:read'] })).toEqual([]);
  });

  it('refuses a deliberately loosened method: a second scope the gateway would accept alone', () => {
    expect(problems({ users: ['users:read', 'users:list'] })).toEqual([
      'template.json (ApiGatewayMethodUsersGet, GET /users): has gateway scopes ["users:read","users:list"] but its route requires ["users:read"]: a method\'s scopes may only be its route\'s one required scope [gateway_scopes_looser]',
    ]);
  });

  it('refuses a scope on a method whose route requires several, which the gateway would check any-of', () => {
    expect(problems({ user: ['users:admin'] })).toEqual([
      'template.json (ApiGatewayMethodUsersUseridVarDelete, DELETE /users/{userId}): has gateway scopes ["users:admin"], which the gateway checks any-of, but its route requires all of ["users:admin","users:write"]: leave the method without scopes (layer 2 checks them all) [gateway_scopes_looser]',
    ]);
  });

  it("refuses a scope other than the route's, and a scope on a route that requires none", () => {
    expect(problems({ users: ['users:write'], me: ['profile'] })).toEqual([
      expect.stringMatching(
        /^template\.json \(ApiGatewayMethodUsersGet, GET \/users\): has gateway scopes \["users:write"\] but its route requires \["users:read"\]/,
      ),
      expect.stringMatching(
        /^template\.json \(ApiGatewayMethodMeGet, GET \/me\): has gateway scopes \["profile"\] but its route requires none/,
      ),
    ]);
  });

  it('judges only JWT methods: a Lambda authorizer (CUSTOM) method has no gateway scopes to compare', () => {
    const custom = template();
    custom.ApiGatewayMethodUsersGet.Properties.AuthorizationType = 'CUSTOM';
    custom.ApiGatewayMethodUsersGet.Properties.AuthorizationScopes = ['anything'];
    expect(gatewayScopeProblems(ROUTES, gatewayMethods(custom), 't')).toEqual([]);
  });
});
