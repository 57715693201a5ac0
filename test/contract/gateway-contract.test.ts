import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { keyResolverFor } from '../../src/authorizer/keys/key-resolver.ts';
import { silentLogger } from '../../src/shared/log.ts';
import {
  createGatewayModel,
  type CacheFailures,
  type GatewayModel,
  type GatewayRequest,
  type GatewayResponse,
  type ModelRoute,
  type TokenAuthorizerFunction,
} from '../../local/api-gateway/model.ts';
import { perRouteAuthorizer } from '../../local/api-gateway/per-route-authorizer.ts';
import {
  authorizerSettings,
  loadServiceDefinition,
  serviceGateway,
  serviceRoutes,
  type ServiceDefinition,
} from '../../local/api-gateway/service.ts';
import { startHandlers, type Handlers } from '../support/handlers.ts';
import {
  GATEWAY_PROBLEMS,
  gatewayResponseTemplate,
  PROBLEMS,
  type GatewayProblemType,
} from '../../src/shared/problems.ts';
import { SHAPES, type IssuerShape } from '../support/issuer-tokens.ts';
import { checkedRoutes, expectDeclaredGatewayAnswer } from '../support/response-contract.ts';
import {
  ANSWERED_BY_FUNCTION,
  everyScope,
  expectedOutcome,
  gatewayRequest,
  outcome,
  routesUnderTest,
  type RouteUnderTest,
} from '../support/route-examples.ts';
import { projectRouteTable } from '../support/route-table.ts';
import { startTestIssuer, type TestIssuer } from '../support/issuer.ts';
import { json } from '../../src/route-chain/respond.ts';
import { routeHandler } from '../../src/route-chain/route-handler.ts';

/**
 * The real service (layer 1 authorizer, layer 2 handlers on DynamoDB Local, serverless.yml's routes,
 * TTL, identity expression and gateway responses) through the cache-faithful gateway model.
 * This is where the bug the service exists to prevent would show, in process and under a fake clock
 * (test/e2e/local-gateway.test.ts shows it over HTTP on the local API Gateway).
 */

let issuer: TestIssuer;
let handlers: Handlers;
let routes: readonly ModelRoute[];
let service: ServiceDefinition;

// Every route of the route table with the example request of its schema file, and every scope
// the routes need: a route added to the service is checked here without editing this file.
const UNDER_TEST = routesUnderTest(projectRouteTable());
const BY_KEY = new Map(UNDER_TEST.map((r) => [r.key, r]));
const SCOPES = everyScope(projectRouteTable());
const ALL_SCOPES = SCOPES.join(' ');

beforeAll(async () => {
  issuer = await startTestIssuer(['RS256', 'ES256']);
  // The handlers' DynamoDB (their modules are imported by serviceRoutes, through the service).
  handlers = await startHandlers('contract-users');
  service = await loadServiceDefinition(undefined, {}, projectRouteTable());
  // Every answer of every handler is held to its route's declared responses.
  routes = checkedRoutes(await serviceRoutes(service));
});
afterAll(async () => {
  await issuer.close();
  await handlers.close();
});

/** Our layer 1, configured for the test issuer, with a key resolver of its own (cold container). */
function realAuthorizer(jwks: { now?: () => number } = {}): TokenAuthorizerFunction {
  const config = loadAuthorizerConfig({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: issuer.jwksUrl.href,
  });
  return createAuthorizer({
    config,
    keysFor: (trusted) => keyResolverFor(trusted, config, jwks),
    log: silentLogger,
  });
}

async function serviceModel(
  authorizer: TokenAuthorizerFunction,
  options: {
    ttl?: number;
    defaultGatewayResponses?: boolean;
    cacheFailures?: CacheFailures;
    now?: () => number;
  } = {},
): Promise<GatewayModel> {
  const gateway = serviceGateway(service, routes, {
    authorizer,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
  });
  const model = createGatewayModel({
    ...gateway,
    // The classic blueprint deploys no gateway responses: AWS's defaults answer.
    ...(options.defaultGatewayResponses ? { gatewayResponses: {} } : {}),
    ...(options.cacheFailures ? { cacheFailures: options.cacheFailures } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  if (options.defaultGatewayResponses) return model;
  // With the gateway responses serverless.yml deploys, every answer of the gateway itself must be
  // a problem of the catalogue too (the model's own 414 and 502 bodies are AWS's, undocumented).
  return {
    ...model,
    request: async (request) => {
      const response = await model.request(request);
      if (response.answeredBy === 'gateway' && response.responseType)
        expectDeclaredGatewayAnswer(response);
      return response;
    },
  };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The example request of the route's schema file, with the token. */
function requestFor(route: ModelRoute, token: string): GatewayRequest {
  return gatewayRequest(underTest(route), bearer(token));
}

const underTest = (route: ModelRoute): RouteUnderTest => {
  const found = BY_KEY.get(`${route.method} ${route.path}`);
  if (!found) throw new Error(`${route.method} ${route.path} is not in the route table`);
  return found;
};

/** GET /me: who the token says the caller is (the route answers any authenticated caller). */
const getMe = (token: string): GatewayRequest => ({
  method: 'GET',
  path: '/me',
  headers: bearer(token),
});

async function everyRouteTwice(model: GatewayModel, token: string): Promise<GatewayResponse[]> {
  const responses: GatewayResponse[] = [];
  for (let pass = 0; pass < 2; pass += 1)
    for (const route of routes) responses.push(await model.request(requestFor(route, token)));
  return responses;
}

/**
 * What each route answered (`answered by its function`, or the status and code that show
 * something else did), and what a caller holding `granted` should get: its function's answer
 * where the token holds every scope the route needs, 403 from layer 2 where it does not. A
 * layer 2 that refused more than it should would show here, naming the route.
 */
function outcomesOf(responses: readonly GatewayResponse[], granted: readonly string[]) {
  const passes = responses.length / routes.length;
  const called = Array.from({ length: passes }, () => routes).flat();
  const key = (route: ModelRoute) => `${route.method} ${route.path}`;
  return {
    actual: responses.map((response, i) => `${key(called[i]!)}: ${outcome(response)}`),
    expected: called.map((route) => `${key(route)}: ${expectedOutcome(underTest(route), granted)}`),
  };
}

describe('one token, every route, twice, within one TTL', () => {
  it('reaches every handler and invokes our authorizer once', async () => {
    const model = await serviceModel(realAuthorizer());
    const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
    const responses = await everyRouteTwice(model, token);
    expect(responses).toHaveLength(routes.length * 2);
    // Every answer is its function's (outcomesOf): a 501 of a route not written yet included.
    expect(responses.every((response) => response.answeredBy === 'handler')).toBe(true);
    const { actual, expected } = outcomesOf(responses, SCOPES);
    expect(actual).toEqual(expected);
    expect(responses.map((r) => r.authorizer)).toEqual([
      'invoked',
      ...Array(routes.length * 2 - 1).fill('cached'),
    ]);
    expect(model.stats().authorizerInvocations).toBe(1);
  });

  it('catches the per-route Allow: an Allow for event.methodArn answers 403 on the second route', async () => {
    const model = await serviceModel(perRouteAuthorizer(realAuthorizer()), {
      defaultGatewayResponses: true,
    });
    const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
    const [first, second] = [
      await model.request(requestFor(routes[0]!, token)),
      await model.request(requestFor(routes[1]!, token)),
    ];
    expect(first.answeredBy).toBe('handler');
    expect(second.answeredBy).toBe('gateway');
    expect(second.statusCode).toBe(403);
    expect(second.body).toBe('{"Message":"User is not authorized to access this resource"}');
    expect(second.authorizer).toBe('cached');
    expect(model.stats().authorizerInvocations).toBe(1);
  });

  it("with our gateway responses the naive authorizer's 403 is still a refusal, now problem+json", async () => {
    const model = await serviceModel(perRouteAuthorizer(realAuthorizer()));
    const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
    await model.request(requestFor(routes[0]!, token));
    const second = await model.request(requestFor(routes[1]!, token));
    expect(second.statusCode).toBe(403);
    expect(second.headers['content-type']).toBe('application/problem+json');
    expect(second.json).toMatchObject({
      code: 'access_denied',
      detail: 'User is not authorized to access this resource',
    });
  });

  it('with TTL 0 the authorizer runs once per request', async () => {
    const model = await serviceModel(realAuthorizer(), { ttl: 0 });
    const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
    const responses = await everyRouteTwice(model, token);
    expect(responses.every((r) => r.answeredBy === 'handler')).toBe(true);
    const { actual, expected } = outcomesOf(responses, SCOPES);
    expect(actual).toEqual(expected);
    expect(responses.every((r) => r.authorizer === 'invoked')).toBe(true);
    expect(model.stats().authorizerInvocations).toBe(routes.length * 2);
  });
});

describe.each(UNDER_TEST.map((r) => [r.key, r] as const))('%s', (key, r) => {
  it('reaches its function with a token holding exactly its scopes, and is refused 403 by layer 2 for a token missing one, behind a cached Allow', async () => {
    const model = await serviceModel(realAuthorizer());
    const route = routes.find((m) => `${m.method} ${m.path}` === key)!;
    const exact = await issuer.sign({ claims: { scope: r.route.scopes.join(' ') } });
    const allowed = await model.request(requestFor(route, exact));
    expect([allowed.answeredBy, outcome(allowed)]).toEqual(['handler', ANSWERED_BY_FUNCTION]);
    for (const missing of r.route.scopes) {
      const others = SCOPES.filter((scope) => scope !== missing).join(' ');
      const token = await issuer.sign({ claims: { scope: others } });
      // Another route first, so the refusal comes behind the Allow the gateway cached.
      await model.request(getMe(token));
      const refused = await model.request(requestFor(route, token));
      expect([refused.authorizer, refused.answeredBy, outcome(refused)]).toEqual([
        'cached',
        'handler',
        '403 insufficient_scope',
      ]);
      expect(refused.json).toMatchObject({ scope: r.route.scopes.join(' ') });
    }
  });
});

describe('layer 2 still authorizes behind a cached gateway Allow', () => {
  it.each(SCOPES)(
    'refuses a token without %s on exactly the routes that need it, with 403 insufficient_scope, and lets it reach the others',
    async (withheld) => {
      const model = await serviceModel(realAuthorizer());
      const granted = SCOPES.filter((scope) => scope !== withheld);
      const token = await issuer.sign({ claims: { scope: granted.join(' ') } });
      const responses: GatewayResponse[] = [];
      for (const route of routes) responses.push(await model.request(requestFor(route, token)));
      const { actual, expected } = outcomesOf(responses, granted);
      expect(actual).toEqual(expected);
      routes.forEach((route, i) => {
        if (!underTest(route).route.scopes.includes(withheld)) return;
        const response = responses[i]!;
        expect([response.answeredBy, response.json]).toEqual([
          'handler',
          expect.objectContaining({ code: 'insufficient_scope', error: 'insufficient_scope' }),
        ]);
        // The gateway renames the integration's WWW-Authenticate: the JSON body carries the scope.
        expect(response.headers['www-authenticate']).toBeUndefined();
        expect(response.headers['x-amzn-remapped-www-authenticate']).toContain(
          'insufficient_scope',
        );
      });
      expect(responses.slice(1).every((r) => r.authorizer === 'cached')).toBe(true);
      expect(model.stats().authorizerInvocations).toBe(1);
    },
  );

  it('refuses a token after its exp with 401 invalid_token although the gateway cache still allows it', async () => {
    const model = await serviceModel(realAuthorizer());
    const token = await issuer.sign({ claims: { scope: ALL_SCOPES }, expiresIn: 1 });
    const before = await model.request(getMe(token));
    expect(before.statusCode).toBe(200);
    // Real time: the handlers read the clock themselves. The TTL (300 s) is far from over.
    await sleep(1100);
    const after = await model.request(getMe(token));
    expect(after.authorizer).toBe('cached');
    expect(after.answeredBy).toBe('handler');
    expect(after.statusCode).toBe(401);
    expect(after.json).toMatchObject({ code: 'invalid_token', error: 'invalid_token' });
    expect(model.stats().authorizerInvocations).toBe(1);
  });
});

describe('presets through the gateway: the service trusting an Auth0 tenant beside its own issuer', () => {
  // Auth0 with RBAC puts permissions in an array, the form "users:read" has in Auth0's own docs.
  const AUTH0 = SHAPES.auth0;
  const trustingBoth = () => {
    const config = loadAuthorizerConfig({
      AUTH_ISSUERS: JSON.stringify([
        { ...AUTH0.entry, jwksUrl: issuer.jwksUrl.href },
        { issuer: issuer.issuer, audience: issuer.audience, jwksUrl: issuer.jwksUrl.href },
      ]),
    });
    return createAuthorizer({ config, log: silentLogger });
  };
  const auth0Token = (permissions: string[]) =>
    issuer.signExactly(AUTH0.header, { ...AUTH0.claims(), scope: 'openid', permissions });

  it('lets an Auth0 token with every permission reach every handler with one authorizer call', async () => {
    const model = await serviceModel(trustingBoth());
    const responses = await everyRouteTwice(model, await auth0Token(SCOPES));
    const { actual, expected } = outcomesOf(responses, SCOPES);
    expect(actual).toEqual(expected);
    expect(model.stats().authorizerInvocations).toBe(1);
  });

  it('refuses an Auth0 token missing a permission on exactly the routes that need it (layer 2, 403)', async () => {
    const model = await serviceModel(trustingBoth());
    const granted = SCOPES.slice(1);
    const token = await auth0Token(granted);
    const responses: GatewayResponse[] = [];
    for (const route of routes) responses.push(await model.request(requestFor(route, token)));
    const { actual, expected } = outcomesOf(responses, granted);
    expect(actual).toEqual(expected);
    expect(expected.some((line) => line.endsWith('403 insufficient_scope'))).toBe(true);
  });

  it("still allows the service's own issuer beside it", async () => {
    const model = await serviceModel(trustingBoth());
    const response = await model.request(
      getMe(await issuer.sign({ claims: { scope: ALL_SCOPES } })),
    );
    expect([response.statusCode, (response.json as { issuer?: string }).issuer]).toEqual([
      200,
      issuer.issuer,
    ]);
  });
});

describe('presets through the gateway: a route that names the issuer’s own scope or role', () => {
  // A route of the user's own, as `routeHandler` builds any route, behind the real authorizer.
  const ordersRoute = (scope: string): ModelRoute => ({
    method: 'GET',
    path: '/orders',
    name: 'listOrders',
    handler: routeHandler(
      {
        name: 'list-orders',
        method: 'GET',
        path: '/orders',
        scopes: [scope],
        hasBody: false,
        maxBodyBytes: 16_384,
        validate: () => true,
      },
      async (_event, caller) => json(200, { sub: caller.sub }),
      { config: { corsOrigins: ['*'] }, log: silentLogger },
    ) as unknown as ModelRoute['handler'],
  });
  const gatewayFor = (shape: IssuerShape, scope: string) =>
    createGatewayModel({
      routes: [ordersRoute(scope)],
      authorizer: {
        handler: createAuthorizer({
          config: loadAuthorizerConfig({
            AUTH_ISSUERS: JSON.stringify([{ ...shape.entry, jwksUrl: issuer.jwksUrl.href }]),
          }),
          log: silentLogger,
        }),
        ...authorizerSettings(service),
      },
      gatewayResponses: service.gatewayResponses,
    });
  const get = (model: GatewayModel, token: string) =>
    model.request({ method: 'GET', path: '/orders', headers: bearer(token) });

  it('a Cognito access token with the configured client id reaches a route needing its scope', async () => {
    const model = gatewayFor(SHAPES.cognito, 'orders-api/orders.read');
    const token = await issuer.signExactly(SHAPES.cognito.header, SHAPES.cognito.claims());
    const response = await get(model, token);
    expect([response.answeredBy, response.statusCode]).toEqual(['handler', 200]);
  });

  it('a Cognito ID token is refused at the gateway (401)', async () => {
    const model = gatewayFor(SHAPES.cognito, 'orders-api/orders.read');
    const token = await issuer.signExactly(SHAPES.cognito.header, {
      ...SHAPES.cognito.claims(),
      token_use: 'id',
      aud: '3k9vq2mexample7h1n0d4r5s6t',
    });
    const response = await get(model, token);
    expect([response.answeredBy, response.statusCode]).toEqual(['gateway', 401]);
  });

  it('an Entra ID app-only token passes a route whose x-scopes names its role', async () => {
    const model = gatewayFor(SHAPES.entra, 'Orders.ReadWrite.All');
    const { scp: _delegated, ...claims } = SHAPES.entra.claims();
    const appOnly = await issuer.signExactly(SHAPES.entra.header, {
      ...claims,
      roles: ['Orders.ReadWrite.All'],
    });
    expect((await get(model, appOnly)).statusCode).toBe(200);
    // A delegated token without that role is authenticated, then refused by the route (403).
    const delegated = await issuer.signExactly(SHAPES.entra.header, SHAPES.entra.claims());
    const refused = await get(model, delegated);
    expect([refused.answeredBy, refused.statusCode]).toEqual(['handler', 403]);
  });
});

describe('JWKS outage during a cache miss', () => {
  // The key resolver's production pacing: after a failed fetch it leaves the network alone for
  // 2 s (src/authorizer/keys/key-resolver.ts). It runs on the model's clock, so the test advances
  // time instead of turning the backoff off.
  const RESOLVER_BACKOFF_MS = 2000;

  // Whether API Gateway caches a 500 (or a 401) is unknown (docs/api-gateway-authorizers.md C9): the outage must be
  // safe under every reading. Without cached failures the first call after recovery gets in;
  // with them, the cached 500 holds for the TTL. A JWKS outage is a 500, never a 401, so
  // caching 401s alone changes nothing.
  it.each([
    ['none', false],
    ['unauthorized', false],
    ['all', true],
  ] as [CacheFailures, boolean][])(
    "with cacheFailures '%s': 500 and never an Allow during the outage; after recovery the token gets in only once the TTL has passed: %s",
    async (cacheFailures, waitsForTtl) => {
      let clock = Date.now();
      const now = () => clock;
      const model = await serviceModel(realAuthorizer({ now }), { cacheFailures, now });
      const ttlMs = service.authorizer.resultTtlInSeconds * 1000;
      const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
      const started = clock;
      const callMe = () => model.request(getMe(token));
      const refusedAsOutage = (response: GatewayResponse) => {
        expect(response.answeredBy).toBe('gateway');
        expect(response.statusCode).toBe(500);
        expect(response.headers['content-type']).toBe('application/problem+json');
        expect(response.json).toMatchObject({ code: 'authorizer_error', status: 500 });
      };
      try {
        issuer.setJwksBehaviour({ kind: 'status', status: 503 });
        const fetchesBefore = issuer.jwksRequests();
        // A call whose fetch fails, then one inside the resolver's backoff: no second fetch
        // (with failures cached, not even an authorizer call).
        for (const at of [0, RESOLVER_BACKOFF_MS / 2]) {
          clock = started + at;
          refusedAsOutage(await callMe());
        }
        expect(issuer.jwksRequests() - fetchesBefore).toBe(1);
        expect(model.cacheSize()).toBe(waitsForTtl ? 1 : 0);
      } finally {
        issuer.setJwksBehaviour({ kind: 'keys' });
      }
      // The JWKS is back as the backoff ends.
      clock = started + RESOLVER_BACKOFF_MS;
      const next = await callMe();
      if (waitsForTtl) {
        refusedAsOutage(next);
        expect(next.authorizer).toBe('cached');
        clock = started + ttlMs - 1;
        refusedAsOutage(await callMe());
        clock = started + ttlMs;
        const afterTtl = await callMe();
        expect([afterTtl.statusCode, afterTtl.authorizer]).toEqual([200, 'invoked']);
      } else {
        expect([next.statusCode, next.answeredBy, next.authorizer]).toEqual([
          200,
          'handler',
          'invoked',
        ]);
      }
      expect(model.stats().handlerInvocations).toBe(1);
      // Nothing cached: every call ran the authorizer. Cached: the first call and the one after
      // the TTL.
      expect(model.stats().authorizerInvocations).toBe(waitsForTtl ? 2 : 3);
    },
  );
});

describe("the gateway's own answers, as serverless.yml declares them", () => {
  it('answers a missing token 401 problem+json with a bare Bearer challenge (RFC 6750 §3.1), without invoking the authorizer', async () => {
    const model = await serviceModel(realAuthorizer());
    const response = await model.request({ method: 'GET', path: '/me' });
    expect(response.statusCode).toBe(401);
    // No credentials: no error code in the challenge.
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ code: 'invalid_token', status: 401 });
    expect(model.stats().authorizerInvocations).toBe(0);
  });

  // C3: the cache key is the header value, so each spelling of the header that passes is one
  // more cache entry and one more authorizer invocation for the same token.
  it('gives one token at most 64 cache entries: the letter cases of Bearer with exactly one space', async () => {
    const model = await serviceModel(realAuthorizer());
    const token = await issuer.sign();
    const me = (authorization: string) =>
      model.request({ method: 'GET', path: '/me', headers: { Authorization: authorization } });
    for (const refused of [`Bearer  ${token}`, `bearer   ${token}`, `Bearer\t${token}`])
      expect((await me(refused)).statusCode).toBe(401);
    expect(model.stats().authorizerInvocations).toBe(0);
    const casings = Array.from({ length: 64 }, (_, bits) =>
      [...'bearer'].map((c, i) => (bits & (1 << i) ? c.toUpperCase() : c)).join(''),
    );
    for (let pass = 0; pass < 2; pass += 1)
      for (const scheme of casings) expect((await me(`${scheme} ${token}`)).statusCode).toBe(200);
    expect(model.stats().authorizerInvocations).toBe(64);
  });

  it('answers a token signed by a stranger 401 problem+json', async () => {
    const model = await serviceModel(realAuthorizer());
    const stranger = await startTestIssuer(['ES256']);
    try {
      const token = await stranger.sign({ claims: { iss: issuer.issuer } });
      const response = await model.request(getMe(token));
      expect(response.statusCode).toBe(401);
      expect(response.json).toMatchObject({ code: 'invalid_token', detail: 'Unauthorized' });
    } finally {
      await stranger.close();
    }
  });

  it.each(Object.keys(GATEWAY_PROBLEMS) as GatewayProblemType[])(
    'deploys the %s gateway response the problem catalogue describes, with CORS',
    (type) => {
      const declared = service.gatewayResponses[type];
      expect(declared?.template).toBe(gatewayResponseTemplate(type));
      const { status } = PROBLEMS[GATEWAY_PROBLEMS[type].code];
      expect(declared?.statusCode).toBe(status);
      expect(declared?.headers).toMatchObject({
        'Content-Type': 'application/problem+json',
        'Access-Control-Allow-Origin': '*',
        ...(type === 'UNAUTHORIZED' ? { 'WWW-Authenticate': 'Bearer' } : {}),
      });
    },
  );

  it('deploys no gateway response the problem catalogue does not describe', () => {
    expect(Object.keys(service.gatewayResponses).sort()).toEqual(
      Object.keys(GATEWAY_PROBLEMS).sort(),
    );
  });

  it.each([
    'UNAUTHORIZED',
    'ACCESS_DENIED',
    'AUTHORIZER_CONFIGURATION_ERROR',
    'AUTHORIZER_FAILURE',
    'MISSING_AUTHENTICATION_TOKEN',
  ] as const)('renders %s as valid problem+json with the status it answers', async (type) => {
    const declared = service.gatewayResponses;
    const model = createGatewayModel({
      routes: [
        { method: 'GET', path: '/me', handler: async () => ({ statusCode: 200, body: '' }) },
      ],
      authorizer: {
        handler: async () => {
          if (type === 'UNAUTHORIZED') throw new Error('Unauthorized');
          if (type === 'ACCESS_DENIED')
            return {
              principalId: 'x',
              policyDocument: {
                Version: '2012-10-17',
                Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: '*' }],
              },
            };
          throw new Error('AuthorizerFailure: jwks_unavailable');
        },
        resultTtlInSeconds: 0,
      },
      gatewayResponses: declared,
      authorizerErrorType:
        type === 'AUTHORIZER_FAILURE' ? 'AUTHORIZER_FAILURE' : 'AUTHORIZER_CONFIGURATION_ERROR',
    });
    const path = type === 'MISSING_AUTHENTICATION_TOKEN' ? '/nowhere' : '/me';
    const response = await model.request({
      method: 'GET',
      path,
      headers: { Authorization: 'Bearer x' },
    });
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.json).toMatchObject({
      type: expect.stringMatching(/^urn:two-layer-authz:problem:/),
      code: expect.any(String),
      requestId: response.headers['x-amzn-requestid'],
    });
    const status = (response.json as { status?: unknown }).status;
    if (status !== undefined) expect(status).toBe(response.statusCode);
  });
});
