import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import type { ModelJwtAuthorizer } from '../../local/api-gateway/jwt-authorizer.ts';
import { jwtConfigurationOf } from '../../local/api-gateway/jwt-configuration.ts';
import { createGatewayModel, type ModelRoute } from '../../local/api-gateway/model.ts';
import { generateSigningKey, startTestIssuer, type TestIssuer } from '../support/issuer.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { publicIssuersFetch, rulesOf } from '../support/native-gateway.ts';

/**
 * API Gateway's native JWT authorizer as the local model emulates it, on its own: what AWS
 * documents (exact issuer, discovery naming the same issuer, keys refetched for an unknown kid,
 * algorithms, audience any-of, additional claims, method scopes any-of from scope or scp, typed
 * claims in the proxy event, no Lambda), and each undocumented behaviour under each reading the
 * model offers (Bearer prefix, clock skew, 401 response type, result caching).
 */
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer(['RS256', 'ES256']);
});
afterAll(() => issuer.close());

const echoAuthorizer: ModelRoute['handler'] = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify((event as APIGatewayProxyEvent).requestContext.authorizer),
});

const ROUTES: ModelRoute[] = [
  { method: 'GET', path: '/me', handler: echoAuthorizer },
  { method: 'GET', path: '/users', handler: echoAuthorizer, authorizationScopes: ['users:read'] },
  {
    method: 'DELETE',
    path: '/users/{id}',
    handler: echoAuthorizer,
    authorizationScopes: ['users:admin', 'users:owner'],
  },
];

const testEntry = () => ({
  issuer: issuer.issuer,
  audience: issuer.audience,
  algorithms: ['RS256', 'ES256'],
});

function gateway(
  options: Partial<Omit<ModelJwtAuthorizer, 'type'>> & {
    entries?: readonly Record<string, unknown>[];
    responses?: Parameters<typeof createGatewayModel>[0]['gatewayResponses'];
  } = {},
) {
  let clock = Date.now();
  const { entries = [testEntry()], responses, ...readings } = options;
  const rules = rulesOf(entries);
  const model = createGatewayModel({
    routes: ROUTES,
    authorizer: {
      type: 'JWT',
      configuration: jwtConfigurationOf(rules),
      fetch: publicIssuersFetch(rules, issuer),
      ...readings,
    },
    ...(responses ? { gatewayResponses: responses } : {}),
    now: () => clock,
  });
  const call = (path: string, authorization?: string, method = 'GET') =>
    model.request({
      method,
      path,
      headers: authorization === undefined ? {} : { Authorization: authorization },
    });
  return {
    model,
    call,
    now: () => clock,
    advance: (seconds: number) => (clock += seconds * 1000),
  };
}

const bearer = (token: string) => `Bearer ${token}`;
const claimsOf = (json: unknown) => (json as { claims: JWTPayload }).claims;

describe('what reaches the integration', () => {
  it('passes the claims with their JSON types under requestContext.authorizer.claims, and nothing else (no principalId)', async () => {
    const { call } = gateway();
    const token = await issuer.sign({
      claims: { n: 42, s: '42', roles: ['a', 'b'], address: { city: 'Zürich' }, ok: true },
    });
    const response = await call('/me', bearer(token));
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json as object)).toEqual(['claims']);
    expect(claimsOf(response.json)).toMatchObject({
      iss: issuer.issuer,
      aud: issuer.audience,
      sub: 'user-1',
      n: 42,
      s: '42',
      roles: ['a', 'b'],
      address: { city: 'Zürich' },
      ok: true,
      exp: expect.any(Number),
    });
  });

  it('runs no Lambda: the stats count validations, never an authorizer invocation', async () => {
    const { call, model } = gateway();
    const token = await issuer.sign();
    await call('/me', bearer(token));
    await call('/me', bearer(token));
    expect(model.stats()).toMatchObject({ authorizerInvocations: 0, jwtValidations: 2 });
  });
});

describe('issuers, discovery and keys', () => {
  it('matches the issuer exactly: the same URL with a trailing slash is another issuer (401)', async () => {
    const { call } = gateway();
    const token = await issuer.sign({ claims: { iss: `${issuer.issuer}/` } });
    const response = await call('/me', bearer(token));
    expect([response.statusCode, response.responseType]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('refuses every token of an issuer whose discovery document names another issuer', async () => {
    const rules = rulesOf([testEntry()]);
    const lying = (async (input: string | URL | Request) =>
      String(input).endsWith('/.well-known/openid-configuration')
        ? Response.json({ issuer: 'https://elsewhere.example', jwks_uri: issuer.jwksUrl.href })
        : fetch(input)) as typeof fetch;
    const model = createGatewayModel({
      routes: ROUTES,
      authorizer: { type: 'JWT', configuration: jwtConfigurationOf(rules), fetch: lying },
    });
    const response = await model.request({
      method: 'GET',
      path: '/me',
      headers: { Authorization: bearer(await issuer.sign()) },
    });
    expect([response.statusCode, response.answeredBy]).toEqual([401, 'gateway']);
    expect(response.trace?.authorizer?.error).toMatch(/discovery names issuer/);
  });

  it('fetches the JWKS again for an unknown kid, at once (a key published since the last fetch)', async () => {
    const { call } = gateway();
    expect((await call('/me', bearer(await issuer.sign()))).statusCode).toBe(200);
    const fetched = issuer.jwksRequests();
    const added = await generateSigningKey('ES256');
    issuer.keys.push(added);
    try {
      const response = await call('/me', bearer(await issuer.sign({ key: added })));
      expect(response.statusCode).toBe(200);
      expect(issuer.jwksRequests()).toBe(fetched + 1);
    } finally {
      issuer.keys.splice(issuer.keys.indexOf(added), 1);
    }
  });

  it('keeps serving the keys it holds while the JWKS endpoint fails, and refuses (401, never lets in) a token it has no key for', async () => {
    const { call, model } = gateway();
    const token = await issuer.sign();
    expect((await call('/me', bearer(token))).statusCode).toBe(200);
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    try {
      expect((await call('/me', bearer(token))).statusCode).toBe(200);
      const stranger = await generateSigningKey('RS256');
      const unknown = await call('/me', bearer(await issuer.sign({ key: stranger })));
      expect([unknown.statusCode, unknown.answeredBy]).toEqual([401, 'gateway']);
    } finally {
      issuer.setJwksBehaviour({ kind: 'keys' });
    }
    expect(model.stats().handlerInvocations).toBe(2);
  });

  it("refuses a token signed with a key the issuer never published (another key under the issuer's kid)", async () => {
    const { call } = gateway();
    const forged = await issuer.sign({
      key: await generateSigningKey('RS256', issuer.keys[0]!.kid),
    });
    expect((await call('/me', bearer(forged))).statusCode).toBe(401);
  });
});

describe('the checks the configuration holds', () => {
  it('accepts a token naming any one of the audiences, and refuses one naming none', async () => {
    const { call } = gateway({ entries: [{ ...testEntry(), audience: ['api-a', 'api-b'] }] });
    const one = await issuer.sign({ claims: { aud: ['elsewhere', 'api-b'] } });
    const none = await issuer.sign({ claims: { aud: 'api-c' } });
    expect((await call('/me', bearer(one))).statusCode).toBe(200);
    expect((await call('/me', bearer(none))).statusCode).toBe(401);
  });

  it('accepts only the algorithms of the one list (DefaultAlgorithms)', async () => {
    const { call } = gateway({ entries: [{ ...testEntry(), algorithms: ['ES256'] }] });
    const es = issuer.keys.find((k) => k.alg === 'ES256')!;
    const rs = issuer.keys.find((k) => k.alg === 'RS256')!;
    expect((await call('/me', bearer(await issuer.sign({ key: es })))).statusCode).toBe(200);
    expect((await call('/me', bearer(await issuer.sign({ key: rs })))).statusCode).toBe(401);
  });

  it("refuses a token missing a required additional claim, or holding another value or type (Keycloak's typ: Bearer)", async () => {
    const shape = SHAPES.keycloak;
    const { call } = gateway({ entries: [{ ...shape.entry, algorithms: ['RS256', 'ES256'] }] });
    const sign = (claims: Record<string, unknown>) =>
      issuer.signExactly(shape.header, claims).then(bearer);
    const { typ: _typ, ...untyped } = shape.claims();
    expect((await call('/me', await sign(shape.claims()))).statusCode).toBe(200);
    for (const claims of [untyped, { ...untyped, typ: 'ID' }, { ...untyped, typ: 1 }])
      expect((await call('/me', await sign(claims))).statusCode).toBe(401);
  });

  it('refuses a token without exp', async () => {
    const { call } = gateway();
    const token = await issuer.sign({ claims: { exp: undefined } });
    expect((await call('/me', bearer(token))).statusCode).toBe(401);
  });
});

describe('exp and nbf, by the clock skew reading (not documented; default 0)', () => {
  it('with no skew: refused from the second of exp, and while nbf is ahead', async () => {
    const { call, now } = gateway();
    const at = Math.floor(now() / 1000);
    const expired = await issuer.sign({ claims: { exp: at } });
    const early = await issuer.sign({ claims: { nbf: at + 2 } });
    const valid = await issuer.sign({ claims: { exp: at + 1 } });
    expect((await call('/me', bearer(expired))).statusCode).toBe(401);
    expect((await call('/me', bearer(early))).statusCode).toBe(401);
    expect((await call('/me', bearer(valid))).statusCode).toBe(200);
  });

  it('with clockSkewSeconds 5: accepted up to 5 s past exp and 5 s before nbf, not beyond', async () => {
    const { call, now } = gateway({ clockSkewSeconds: 5 });
    const at = Math.floor(now() / 1000);
    const cases: [Record<string, number>, number][] = [
      [{ exp: at - 4 }, 200],
      [{ exp: at - 6 }, 401],
      [{ nbf: at + 4 }, 200],
      [{ nbf: at + 6 }, 401],
    ];
    for (const [claims, status] of cases) {
      const response = await call('/me', bearer(await issuer.sign({ claims })));
      expect([claims, response.statusCode]).toEqual([claims, status]);
    }
  });
});

describe('the Bearer prefix (not documented for REST: the bearer reading)', () => {
  it("'optional' (default): the token with Bearer in any case and one space, or bare", async () => {
    const { call } = gateway();
    const token = await issuer.sign();
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, token])
      expect((await call('/me', header)).statusCode).toBe(200);
    for (const header of [`Bearer  ${token}`, `Bearer\t${token}`, `Basic ${token}`])
      expect((await call('/me', header)).statusCode).toBe(401);
  });

  it("'required': a bare token is refused without being validated", async () => {
    const { call, model } = gateway({ bearer: 'required' });
    const token = await issuer.sign();
    expect((await call('/me', token)).statusCode).toBe(401);
    expect(model.stats().jwtValidations).toBe(0);
    expect((await call('/me', bearer(token))).statusCode).toBe(200);
  });
});

describe('method scopes: any one of them, from scope or scp', () => {
  it.each([
    ['a scope string naming one of them', 200, { scope: 'openid users:owner' }],
    ['an scp array naming one', 200, { scope: undefined, scp: ['users:admin'] }],
    ['an scp string naming one', 200, { scope: undefined, scp: 'x users:owner' }],
    ['scope without them, scp with one (both are read)', 200, { scope: 'x', scp: ['users:admin'] }],
    ['scopes, but none of them', 403, { scope: 'users:read users:write' }],
    ['the scope only in another claim (roles)', 403, { scope: undefined, roles: ['users:admin'] }],
    ['no scope claim at all', 403, { scope: undefined }],
  ] as [string, number, Record<string, unknown>][])('%s: %i', async (_name, status, claims) => {
    const { call } = gateway();
    const response = await call('/users/1', bearer(await issuer.sign({ claims })), 'DELETE');
    expect(response.statusCode).toBe(status);
    if (status === 403)
      expect([response.responseType, response.errorMessage, response.answeredBy]).toEqual([
        'ACCESS_DENIED',
        'Forbidden',
        'gateway',
      ]);
  });

  it('checks no scope on a method that has none', async () => {
    const { call } = gateway();
    const token = await issuer.sign({ claims: { scope: undefined } });
    expect((await call('/me', bearer(token))).statusCode).toBe(200);
  });

  it('answers 401, not 403, for an invalid token on a method with scopes', async () => {
    const { call } = gateway();
    const response = await call('/users', bearer('not-a-jwt'));
    expect(response.statusCode).toBe(401);
  });
});

describe('the 401 response type (not documented: the unauthorizedType reading)', () => {
  const responses = {
    UNAUTHORIZED: { statusCode: 401, template: '{"type":"$context.error.responseType"}' },
    DEFAULT_4XX: { template: '{"type":"$context.error.responseType"}' },
  };

  it.each([
    ['UNAUTHORIZED', 'UNAUTHORIZED'],
    ['DEFAULT_4XX', 'DEFAULT_4XX'],
  ] as const)(
    'under %s, a missing and an invalid token are answered 401 through %s',
    async (unauthorizedType, rendered) => {
      const { call, model } = gateway({ unauthorizedType, responses });
      for (const header of [undefined, bearer('not-a-jwt')]) {
        const response = await call('/me', header);
        expect([response.statusCode, response.responseType, response.json]).toEqual([
          401,
          rendered,
          { type: rendered },
        ]);
      }
      // The missing token is refused before any validation.
      expect(model.stats().jwtValidations).toBe(1);
    },
  );
});

describe('result caching (not documented: off unless resultTtlInSeconds is set)', () => {
  it('off (default): every request validates the token', async () => {
    const { call, model } = gateway();
    const token = await issuer.sign();
    const answers = [await call('/me', bearer(token)), await call('/users', bearer(token))];
    expect(answers.map((a) => [a.statusCode, a.authorizer])).toEqual([
      [200, 'invoked'],
      [200, 'invoked'],
    ]);
    expect(model.stats().jwtValidations).toBe(2);
  });

  it('on: the claims are kept per token for the TTL, the method scopes still checked per request, and an expired token passes the gateway until the TTL ends', async () => {
    const { call, model, advance, now } = gateway({ resultTtlInSeconds: 300 });
    const token = await issuer.sign({
      claims: { scope: 'users:read', exp: Math.floor(now() / 1000) + 60 },
    });
    expect((await call('/me', bearer(token))).authorizer).toBe('invoked');
    const cached = await call('/users', bearer(token));
    expect([cached.statusCode, cached.authorizer]).toEqual([200, 'cached']);
    const forbidden = await call('/users/1', bearer(token), 'DELETE');
    expect([forbidden.statusCode, forbidden.authorizer]).toEqual([403, 'cached']);
    advance(120);
    // Past exp, inside the TTL: layer 2 must refuse it (it checks exp itself).
    expect((await call('/me', bearer(token))).statusCode).toBe(200);
    advance(181);
    expect((await call('/me', bearer(token))).statusCode).toBe(401);
    expect(model.stats().jwtValidations).toBe(2);
  });
});
