import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { keyResolverFor } from '../../src/authorizer/keys/key-resolver.ts';
import { createGatewayClaimsAcceptor } from '../../src/issuers/claim-rules.ts';
import type { IssuerRules } from '../../src/issuers/issuer-config.ts';
import { silentLogger, type LogEntry } from '../../src/shared/log.ts';
import type { NativeReadings } from '../../local/api-gateway/service.ts';
import {
  createGatewayModel,
  type CacheFailures,
  type GatewayModel,
  type GatewayModelOptions,
  type GatewayRequest,
  type GatewayResponse,
  type ModelRoute,
  type TokenAuthorizerFunction,
} from '../../local/api-gateway/model.ts';
import {
  jwtConfigurationOf,
  methodScopesOf,
  NativeConfigurationError,
} from '../../local/api-gateway/jwt-configuration.ts';
import { perRouteAuthorizer } from '../../local/api-gateway/per-route-authorizer.ts';
import {
  authorizerSettings,
  loadServiceDefinition,
  nativeServiceGateway,
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
import { startTestIssuer, untilExpired, type TestIssuer } from '../support/issuer.ts';
import { publicIssuersFetch, rulesOf } from '../support/native-gateway.ts';
import { json } from '../../src/route-chain/respond.ts';
import { routeHandler } from '../../src/route-chain/route-handler.ts';

/**
 * The real service (layer 2 handlers on DynamoDB Local, serverless.yml's routes, TTL, identity
 * expression and gateway responses) through the cache-faithful gateway model, behind either
 * layer 1: our authorizer (`lambda`: the real authorizer, the result cache, the policy evaluated
 * per request) or API Gateway's native JWT authorizer (`native`: no Lambda, the method scopes,
 * the typed claims; the handlers built with LAYER1=native and the same issuer entries). This is
 * where the bug the service exists to prevent would show, in process and under a fake clock
 * (test/e2e/ shows the same over HTTP on the local API Gateway).
 *
 * Each mode is its own test file (gateway-contract.test.ts, gateway-contract-native.test.ts): a
 * route function reads LAYER1 once, when its module loads, and each test file has its own
 * modules. The same requests get the same answers in both, except where a test says which layer
 * answers in which mode (README, "What differs between the two layer 1s").
 */
export type Layer1 = 'lambda' | 'native';

// Every route of the route table with the example request of its schema file, and every scope
// the routes need: a route added to the service is checked here without editing this file.
const UNDER_TEST = routesUnderTest(projectRouteTable());
const BY_KEY = new Map(UNDER_TEST.map((r) => [r.key, r]));
const SCOPES = everyScope(projectRouteTable());
const ALL_SCOPES = SCOPES.join(' ');
// Auth0 with RBAC puts permissions in an array, the form "users:read" has in Auth0's own docs.
const AUTH0 = SHAPES.auth0;
// The native authorizer takes one list of RS/ES algorithms for every issuer (the default has EdDSA).
const NATIVE_ALGORITHMS = ['RS256', 'ES256'];

export function gatewayContract(layer1: Layer1): void {
  let issuer: TestIssuer;
  let handlers: Handlers;
  let routes: readonly ModelRoute[];
  let service: ServiceDefinition;
  /** Native: the test issuer alone, as the gateway trusts it in most tests. */
  let ownRules: IssuerRules;
  /** Native: the test issuer and an Auth0 tenant, as the route functions trust them. */
  let bothRules: IssuerRules;
  const restore: Record<string, string | undefined> = {};

  const ownEntry = () => ({
    issuer: issuer.issuer,
    audience: issuer.audience,
    algorithms: NATIVE_ALGORITHMS,
  });
  const auth0Entry = () => ({ ...AUTH0.entry, algorithms: NATIVE_ALGORITHMS });

  beforeAll(async () => {
    issuer = await startTestIssuer(['RS256', 'ES256']);
    ownRules = rulesOf([ownEntry()]);
    bothRules = rulesOf([ownEntry(), auth0Entry()]);
    if (layer1 === 'native') {
      // What serverless.yml gives every route function with `--param layer1=native`: LAYER1 and
      // the issuer entries, read when the handler modules load (next, in serviceRoutes). The
      // functions trust both issuers; a gateway may trust fewer (each test says which).
      for (const name of ['LAYER1', 'AUTH_ISSUERS']) restore[name] = process.env[name];
      process.env.LAYER1 = 'native';
      process.env.AUTH_ISSUERS = JSON.stringify([ownEntry(), auth0Entry()]);
    }
    // The handlers' DynamoDB (their modules are imported by serviceRoutes, through the service).
    handlers = await startHandlers(`contract-users-${layer1}`);
    service = await loadServiceDefinition(undefined, {}, projectRouteTable());
    // Every answer of every handler is held to its route's declared responses.
    routes = checkedRoutes(await serviceRoutes(service));
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(restore))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
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

  interface ModelOptions {
    ttl?: number;
    defaultGatewayResponses?: boolean;
    cacheFailures?: CacheFailures;
    now?: () => number;
    /** Our mode: the authorizer (default: the real one for the test issuer). */
    authorizer?: TokenAuthorizerFunction;
    /** Native mode: the issuers the gateway trusts (default: the test issuer). */
    rules?: IssuerRules;
    readings?: NativeReadings;
  }

  /** The service behind the mode's layer 1. */
  async function serviceModel(options: ModelOptions = {}): Promise<GatewayModel> {
    const rules = options.rules ?? ownRules;
    const gateway =
      layer1 === 'native'
        ? nativeServiceGateway(service, routes, {
            rules,
            readings: { fetch: publicIssuersFetch(rules, issuer), ...options.readings },
          })
        : serviceGateway(service, routes, {
            authorizer:
              options.authorizer ?? realAuthorizer(options.now ? { now: options.now } : {}),
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
    // With the gateway responses serverless.yml deploys, every answer of the gateway itself must
    // be a problem of the catalogue too (the model's own 414 and 502 bodies are AWS's, undocumented).
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
   * What a caller holding `granted` gets on the route, in this mode. Our mode: its function's
   * answer where the token holds every scope the route needs, 403 from layer 2 where it does not.
   * Native mode: the same, except that a method the gateway gives scopes (a route needing exactly
   * one, when every trusted issuer keeps scopes in scope/scp) is refused by the gateway itself
   * (403 access_denied) for a token holding none of them.
   */
  function expectedIn(r: RouteUnderTest, granted: readonly string[], rules = ownRules): string {
    const methodScopes = layer1 === 'native' ? methodScopesOf(r.route.scopes, rules) : [];
    if (methodScopes.length && !methodScopes.some((scope) => granted.includes(scope)))
      return '403 access_denied';
    return expectedOutcome(r, granted);
  }

  /**
   * What each route answered (`answered by its function`, or the status and code that show
   * something else did), and what a caller holding `granted` should get in this mode. A layer
   * that refused more than it should would show here, naming the route.
   */
  function outcomesOf(
    responses: readonly GatewayResponse[],
    granted: readonly string[],
    rules = ownRules,
  ) {
    const passes = responses.length / routes.length;
    const called = Array.from({ length: passes }, () => routes).flat();
    const key = (route: ModelRoute) => `${route.method} ${route.path}`;
    return {
      actual: responses.map((response, i) => `${key(called[i]!)}: ${outcome(response)}`),
      expected: called.map(
        (route) => `${key(route)}: ${expectedIn(underTest(route), granted, rules)}`,
      ),
    };
  }

  /** Decision lines the route functions write to stdout while `run` runs. */
  async function decisionLinesDuring(run: () => Promise<unknown>): Promise<LogEntry[]> {
    const lines: LogEntry[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      // A decision line (also the metrics document of a route): a JSON object with a decision.
      if (typeof chunk === 'string' && chunk.startsWith('{'))
        for (const line of chunk.trim().split('\n')) {
          const entry = JSON.parse(line) as LogEntry;
          if ('decision' in entry) lines.push(entry);
        }
      return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await run();
    } finally {
      process.stdout.write = write;
    }
    return lines;
  }

  describe('one token, every route, twice', () => {
    if (layer1 === 'lambda') {
      it('within one TTL, reaches every handler and invokes our authorizer once', async () => {
        const model = await serviceModel();
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
        const model = await serviceModel({
          authorizer: perRouteAuthorizer(realAuthorizer()),
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
        const model = await serviceModel({ authorizer: perRouteAuthorizer(realAuthorizer()) });
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
        const model = await serviceModel({ ttl: 0 });
        const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
        const responses = await everyRouteTwice(model, token);
        expect(responses.every((r) => r.answeredBy === 'handler')).toBe(true);
        const { actual, expected } = outcomesOf(responses, SCOPES);
        expect(actual).toEqual(expected);
        expect(responses.every((r) => r.authorizer === 'invoked')).toBe(true);
        expect(model.stats().authorizerInvocations).toBe(routes.length * 2);
      });
    }

    if (layer1 === 'native')
      it.each([
        ['not cached (the default reading)', 0],
        ['cached for 300 s (the other reading)', 300],
      ])(
        'reaches every handler without any Lambda authorizer, the JWT validated by the gateway (results %s)',
        async (_reading, resultTtlInSeconds) => {
          const model = await serviceModel({ readings: { resultTtlInSeconds } });
          const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
          const responses = await everyRouteTwice(model, token);
          expect(responses.every((response) => response.answeredBy === 'handler')).toBe(true);
          const { actual, expected } = outcomesOf(responses, SCOPES);
          expect(actual).toEqual(expected);
          expect(model.stats()).toMatchObject({
            authorizerInvocations: 0,
            jwtValidations: resultTtlInSeconds ? 1 : routes.length * 2,
            handlerInvocations: routes.length * 2,
          });
          // What each function received is the token's claims, typed, and no authorizer context.
          const event = responses[0]!.event!;
          expect(event.requestContext.authorizer).toEqual({
            claims: expect.objectContaining({ scope: ALL_SCOPES, exp: expect.any(Number) }),
          });
        },
      );
  });

  describe.each(UNDER_TEST.map((r) => [r.key, r] as const))('%s', (key, r) => {
    it(
      layer1 === 'lambda'
        ? 'reaches its function with a token holding exactly its scopes, and is refused 403 by layer 2 for a token missing one, behind a cached Allow'
        : 'reaches its function with a token holding exactly its scopes, and is refused 403 for a token missing one: by the gateway where the method has its scope, else by layer 2',
      async () => {
        const model = await serviceModel();
        const route = routes.find((m) => `${m.method} ${m.path}` === key)!;
        const exact = await issuer.sign({ claims: { scope: r.route.scopes.join(' ') } });
        const allowed = await model.request(requestFor(route, exact));
        expect([allowed.answeredBy, outcome(allowed)]).toEqual(['handler', ANSWERED_BY_FUNCTION]);
        for (const missing of r.route.scopes) {
          const others = SCOPES.filter((scope) => scope !== missing);
          const token = await issuer.sign({ claims: { scope: others.join(' ') } });
          // Another route first, so the refusal comes behind the Allow the gateway cached.
          await model.request(getMe(token));
          const refused = await model.request(requestFor(route, token));
          const byGateway = expectedIn(r, others) === '403 access_denied';
          // Native: the gateway refuses a missing scope only on a route needing exactly one.
          expect(byGateway).toBe(layer1 === 'native' && r.route.scopes.length === 1);
          if (layer1 === 'lambda') expect(refused.authorizer).toBe('cached');
          expect([refused.answeredBy, outcome(refused)]).toEqual(
            byGateway ? ['gateway', '403 access_denied'] : ['handler', '403 insufficient_scope'],
          );
          if (byGateway) expect(refused.json).toMatchObject({ detail: 'Forbidden', status: 403 });
          else expect(refused.json).toMatchObject({ scope: r.route.scopes.join(' ') });
        }
      },
    );
  });

  describe(
    layer1 === 'lambda'
      ? 'layer 2 still authorizes behind a cached gateway Allow'
      : 'layer 2 still authorizes behind the native JWT authorizer',
    () => {
      it.each(SCOPES)(
        'refuses a token without %s on exactly the routes that need it, with 403, and lets it reach the others',
        async (withheld) => {
          const model = await serviceModel();
          const granted = SCOPES.filter((scope) => scope !== withheld);
          const token = await issuer.sign({ claims: { scope: granted.join(' ') } });
          const responses: GatewayResponse[] = [];
          for (const route of routes) responses.push(await model.request(requestFor(route, token)));
          const { actual, expected } = outcomesOf(responses, granted);
          expect(actual).toEqual(expected);
          routes.forEach((route, i) => {
            if (!underTest(route).route.scopes.includes(withheld)) return;
            const response = responses[i]!;
            if (response.answeredBy === 'gateway') {
              // Native only: the gateway's 403 (ACCESS_DENIED), rendered from serverless.yml.
              expect(layer1).toBe('native');
              expect(response.json).toMatchObject({ code: 'access_denied' });
              return;
            }
            expect(response.json).toEqual(
              expect.objectContaining({ code: 'insufficient_scope', error: 'insufficient_scope' }),
            );
            // The gateway renames the integration's WWW-Authenticate: the JSON body carries the scope.
            expect(response.headers['www-authenticate']).toBeUndefined();
            expect(response.headers['x-amzn-remapped-www-authenticate']).toContain(
              'insufficient_scope',
            );
          });
          if (layer1 === 'lambda') {
            expect(responses.slice(1).every((r) => r.authorizer === 'cached')).toBe(true);
            expect(model.stats().authorizerInvocations).toBe(1);
          } else expect(model.stats().authorizerInvocations).toBe(0);
        },
      );

      if (layer1 === 'lambda')
        it('refuses a token after its exp with 401 invalid_token although the gateway cache still allows it', async () => {
          const model = await serviceModel();
          // Two to three seconds left: time for the first call on a loaded machine.
          const token = await issuer.sign({ claims: { scope: ALL_SCOPES }, expiresIn: 3 });
          const before = await model.request(getMe(token));
          expect(before.statusCode).toBe(200);
          // Real time: the handlers read the clock themselves. The TTL (300 s) is far from over.
          await untilExpired(token);
          const after = await model.request(getMe(token));
          expect(after.authorizer).toBe('cached');
          expect(after.answeredBy).toBe('handler');
          expect(after.statusCode).toBe(401);
          expect(after.json).toMatchObject({ code: 'invalid_token', error: 'invalid_token' });
          expect(model.stats().authorizerInvocations).toBe(1);
        });

      if (layer1 === 'native')
        it.each([
          ['not cached (the default reading): the gateway refuses it', 0, 'gateway'],
          ['cached for 300 s: layer 2 refuses it', 300, 'handler'],
        ] as const)(
          'refuses a token after its exp with 401 invalid_token, results %s',
          async (_reading, resultTtlInSeconds, answeredBy) => {
            const model = await serviceModel({ readings: { resultTtlInSeconds } });
            const token = await issuer.sign({ claims: { scope: ALL_SCOPES }, expiresIn: 3 });
            expect((await model.request(getMe(token))).statusCode).toBe(200);
            await untilExpired(token);
            const after = await model.request(getMe(token));
            expect([after.answeredBy, after.statusCode]).toEqual([answeredBy, 401]);
            expect(after.json).toMatchObject({ code: 'invalid_token' });
          },
        );

      it(
        layer1 === 'lambda'
          ? 'refuses an ID token that names the API in aud, at the gateway (our authorizer: 401)'
          : 'refuses an ID token that names the API in aud in layer 2 (401 invalid_token from the route), logging wrong_token_type',
        async () => {
          const model = await serviceModel();
          // OpenID Connect Core: the client in aud (here beside the API), a nonce, typ JWT.
          const idToken = await issuer.sign({
            header: { typ: 'JWT' },
            claims: {
              aud: [issuer.audience, 'web-client'],
              nonce: 'n-0S6_WzA2Mj',
              scope: undefined,
            },
          });
          const lines = await decisionLinesDuring(async () => {
            const response = await model.request(getMe(idToken));
            expect([response.answeredBy, response.statusCode]).toEqual([
              layer1 === 'lambda' ? 'gateway' : 'handler',
              401,
            ]);
            expect(response.json).toMatchObject({ code: 'invalid_token' });
            if (layer1 === 'native')
              expect(response.json).toMatchObject({
                error: 'invalid_token',
                detail: 'The access token is not accepted by this API',
              });
          });
          if (layer1 === 'native')
            expect(lines).toContainEqual(
              expect.objectContaining({
                route: 'GET /me',
                decision: 'deny',
                code: 'invalid_token',
                reason: 'wrong_token_type',
              }),
            );
          else expect(lines).toEqual([]);
        },
      );
    },
  );

  describe('presets through the gateway: the service trusting an Auth0 tenant beside its own issuer', () => {
    const trustingBoth = () =>
      serviceModel(
        layer1 === 'lambda'
          ? {
              authorizer: createAuthorizer({
                config: loadAuthorizerConfig({
                  AUTH_ISSUERS: JSON.stringify([
                    { ...AUTH0.entry, jwksUrl: issuer.jwksUrl.href },
                    {
                      issuer: issuer.issuer,
                      audience: issuer.audience,
                      jwksUrl: issuer.jwksUrl.href,
                    },
                  ]),
                }),
                log: silentLogger,
              }),
            }
          : { rules: bothRules },
      );
    const auth0Token = (permissions: string[]) =>
      issuer.signExactly(AUTH0.header, { ...AUTH0.claims(), scope: 'openid', permissions });

    it(`lets an Auth0 token with every permission reach every handler${layer1 === 'lambda' ? ' with one authorizer call' : ''}`, async () => {
      const model = await trustingBoth();
      const responses = await everyRouteTwice(model, await auth0Token(SCOPES));
      const { actual, expected } = outcomesOf(responses, SCOPES, bothRules);
      expect(actual).toEqual(expected);
      expect(model.stats().authorizerInvocations).toBe(layer1 === 'lambda' ? 1 : 0);
    });

    it('refuses an Auth0 token missing a permission on exactly the routes that need it (layer 2, 403: Auth0 permissions leave the methods without gateway scopes)', async () => {
      const model = await trustingBoth();
      if (layer1 === 'native')
        expect(
          routes.map((route) => methodScopesOf(underTest(route).route.scopes, bothRules)),
        ).toEqual(routes.map(() => []));
      const granted = SCOPES.slice(1);
      const token = await auth0Token(granted);
      const responses: GatewayResponse[] = [];
      for (const route of routes) responses.push(await model.request(requestFor(route, token)));
      const { actual, expected } = outcomesOf(responses, granted, bothRules);
      expect(actual).toEqual(expected);
      expect(expected.some((line) => line.endsWith('403 insufficient_scope'))).toBe(true);
    });

    it("still allows the service's own issuer beside it", async () => {
      const model = await trustingBoth();
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
    // A route of the user's own, as `routeHandler` builds any route, behind the mode's layer 1.
    const ordersRoute = (scope: string, entries: Record<string, unknown>[]): ModelRoute => ({
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
        {
          config: { corsOrigins: ['*'] },
          log: silentLogger,
          callerSource:
            layer1 === 'lambda'
              ? { layer1 }
              : { layer1, accept: createGatewayClaimsAcceptor(rulesOf(entries)) },
        },
      ) as unknown as ModelRoute['handler'],
    });
    const gatewayFor = (shape: IssuerShape, scope: string) => {
      const entries = [
        { ...shape.entry, jwksUrl: issuer.jwksUrl.href, algorithms: NATIVE_ALGORITHMS },
      ];
      const route = ordersRoute(scope, entries);
      const rules = rulesOf(entries);
      const authorizer: GatewayModelOptions['authorizer'] =
        layer1 === 'lambda'
          ? {
              handler: createAuthorizer({
                config: loadAuthorizerConfig({
                  AUTH_ISSUERS: JSON.stringify([{ ...shape.entry, jwksUrl: issuer.jwksUrl.href }]),
                }),
                log: silentLogger,
              }),
              ...authorizerSettings(service),
            }
          : {
              type: 'JWT',
              configuration: jwtConfigurationOf(rules),
              fetch: publicIssuersFetch(rules, issuer),
            };
      return createGatewayModel({
        routes: [
          layer1 === 'lambda'
            ? route
            : { ...route, authorizationScopes: methodScopesOf([scope], rules) },
        ],
        authorizer,
        gatewayResponses: service.gatewayResponses,
      });
    };
    const get = (model: GatewayModel, token: string) =>
      model.request({ method: 'GET', path: '/orders', headers: bearer(token) });

    if (layer1 === 'lambda') {
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
    }

    if (layer1 === 'native')
      it('a Cognito pool cannot stand behind the native authorizer: its configuration is refused, naming the entry', () => {
        expect(() => gatewayFor(SHAPES.cognito, 'orders-api/orders.read')).toThrow(
          NativeConfigurationError,
        );
        expect(() => gatewayFor(SHAPES.cognito, 'orders-api/orders.read')).toThrow(
          /^AUTH_ISSUERS\[0\]\.preset: Cognito access tokens carry no aud/,
        );
      });

    it('an Entra ID app-only token passes a route whose x-scopes names its role', async () => {
      const model = gatewayFor(SHAPES.entra, 'Orders.ReadWrite.All');
      const { scp: _delegated, ...claims } = SHAPES.entra.claims();
      const appOnly = await issuer.signExactly(SHAPES.entra.header, {
        ...claims,
        roles: ['Orders.ReadWrite.All'],
      });
      expect((await get(model, appOnly)).statusCode).toBe(200);
      // A delegated token without that role is authenticated, then refused by the route (403):
      // Entra's roles keep the method without gateway scopes in native mode too.
      const delegated = await issuer.signExactly(SHAPES.entra.header, SHAPES.entra.claims());
      const refused = await get(model, delegated);
      expect([refused.answeredBy, refused.statusCode]).toEqual(['handler', 403]);
    });
  });

  describe('JWKS outage', () => {
    if (layer1 === 'lambda') {
      // The key resolver's production pacing: after a failed fetch it leaves the network alone for
      // 2 s (src/authorizer/keys/key-resolver.ts). It runs on the model's clock, so the test
      // advances time instead of turning the backoff off.
      const RESOLVER_BACKOFF_MS = 2000;

      // Whether API Gateway caches a 500 (or a 401) is unknown (docs/api-gateway-authorizers.md
      // C9): the outage must be safe under every reading. Without cached failures the first call
      // after recovery gets in; with them, the cached 500 holds for the TTL. A JWKS outage is a
      // 500, never a 401, so caching 401s alone changes nothing.
      it.each([
        ['none', false],
        ['unauthorized', false],
        ['all', true],
      ] as [CacheFailures, boolean][])(
        "during a cache miss, with cacheFailures '%s': 500 and never an Allow during the outage; after recovery the token gets in only once the TTL has passed: %s",
        async (cacheFailures, waitsForTtl) => {
          let clock = Date.now();
          const now = () => clock;
          const model = await serviceModel({ cacheFailures, now });
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
          // Nothing cached: every call ran the authorizer. Cached: the first call and the one
          // after the TTL.
          expect(model.stats().authorizerInvocations).toBe(waitsForTtl ? 2 : 3);
        },
      );
    }

    if (layer1 === 'native')
      // What the native authorizer answers when it cannot fetch an issuer's keys is not
      // documented: the model refuses the token (401), never lets it in. Keys it already holds
      // keep serving (AWS keeps them up to an hour).
      it('before any key was fetched: 401 and never an Allow during the outage; the same token gets in once the JWKS answers', async () => {
        const model = await serviceModel();
        const token = await issuer.sign({ claims: { scope: ALL_SCOPES } });
        try {
          issuer.setJwksBehaviour({ kind: 'status', status: 503 });
          for (let i = 0; i < 2; i += 1) {
            const refused = await model.request(getMe(token));
            expect([refused.answeredBy, refused.statusCode]).toEqual(['gateway', 401]);
            expect(refused.json).toMatchObject({ code: 'invalid_token' });
          }
        } finally {
          issuer.setJwksBehaviour({ kind: 'keys' });
        }
        const next = await model.request(getMe(token));
        expect([next.statusCode, next.answeredBy]).toEqual([200, 'handler']);
        expect(model.stats()).toMatchObject({ handlerInvocations: 1, authorizerInvocations: 0 });
      });
  });

  describe("the gateway's own answers, as serverless.yml declares them", () => {
    if (layer1 === 'lambda')
      it('answers a missing token 401 problem+json with a bare Bearer challenge (RFC 6750 §3.1), without invoking the authorizer', async () => {
        const model = await serviceModel();
        const response = await model.request({ method: 'GET', path: '/me' });
        expect(response.statusCode).toBe(401);
        // No credentials: no error code in the challenge.
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.headers['content-type']).toBe('application/problem+json');
        expect(response.json).toMatchObject({ code: 'invalid_token', status: 401 });
        expect(model.stats().authorizerInvocations).toBe(0);
      });

    if (layer1 === 'native')
      // The native authorizer's 401 has no documented response type: under UNAUTHORIZED it is
      // the same answer as our authorizer's; under DEFAULT_4XX, serverless.yml's default 4XX
      // problem (gateway_error, no WWW-Authenticate), with the 401 status.
      it.each([
        ['UNAUTHORIZED', { code: 'invalid_token', status: 401 }, 'Bearer'],
        ['DEFAULT_4XX', { code: 'gateway_error', responseType: 'DEFAULT_4XX' }, undefined],
      ] as const)(
        'answers a missing token, and a token it refuses, with 401 problem+json under the %s reading, without validating the missing one',
        async (unauthorizedType, body, challenge) => {
          const model = await serviceModel({ readings: { unauthorizedType } });
          const stranger = await startTestIssuer(['ES256']);
          try {
            const forged = await stranger.sign({ claims: { iss: issuer.issuer } });
            for (const request of [{ method: 'GET', path: '/me' }, getMe(forged)]) {
              const response = await model.request(request);
              expect([response.answeredBy, response.statusCode]).toEqual(['gateway', 401]);
              expect(response.headers['content-type']).toBe('application/problem+json');
              expect(response.headers['www-authenticate']).toBe(challenge);
              expect(response.json).toMatchObject({ ...body, detail: 'Unauthorized' });
            }
            expect(model.stats()).toMatchObject({ jwtValidations: 1, authorizerInvocations: 0 });
          } finally {
            await stranger.close();
          }
        },
      );

    if (layer1 === 'lambda')
      // C3: the cache key is the header value, so each spelling of the header that passes is one
      // more cache entry and one more authorizer invocation for the same token.
      it('gives one token at most 64 cache entries: the letter cases of Bearer with exactly one space', async () => {
        const model = await serviceModel();
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
          for (const scheme of casings)
            expect((await me(`${scheme} ${token}`)).statusCode).toBe(200);
        expect(model.stats().authorizerInvocations).toBe(64);
      });

    if (layer1 === 'native')
      // Not documented for REST APIs: whether the token needs `Bearer ` before it.
      it.each([
        ['optional', 200],
        ['required', 401],
      ] as const)(
        'takes Bearer in any case with one space; a bare token under the %s reading: %i',
        async (bearerReading, bare) => {
          const model = await serviceModel({ readings: { bearer: bearerReading } });
          const token = await issuer.sign();
          const me = (authorization: string) =>
            model.request({
              method: 'GET',
              path: '/me',
              headers: { Authorization: authorization },
            });
          for (const scheme of ['Bearer', 'bearer', 'BEARER'])
            expect((await me(`${scheme} ${token}`)).statusCode).toBe(200);
          for (const refused of [`Bearer  ${token}`, `Bearer\t${token}`])
            expect((await me(refused)).statusCode).toBe(401);
          expect((await me(token)).statusCode).toBe(bare);
        },
      );

    it('answers a token signed by a stranger 401 problem+json', async () => {
      const model = await serviceModel();
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

    const answerOf = async (type: string): Promise<GatewayResponse> => {
      const route: ModelRoute = {
        method: 'GET',
        path: '/me',
        handler: async () => ({ statusCode: 200, body: '' }),
        authorizationScopes: ['users:admin'],
      };
      const path = type === 'MISSING_AUTHENTICATION_TOKEN' ? '/nowhere' : '/me';
      if (layer1 === 'native') {
        const rules = ownRules;
        const model = createGatewayModel({
          routes: [route],
          authorizer: { type: 'JWT', configuration: jwtConfigurationOf(rules) },
          gatewayResponses: service.gatewayResponses,
        });
        const token =
          type === 'ACCESS_DENIED' ? await issuer.sign({ claims: { scope: 'users:read' } }) : 'x';
        return model.request({
          method: 'GET',
          path,
          headers: { Authorization: `Bearer ${token}` },
        });
      }
      const model = createGatewayModel({
        routes: [route],
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
        gatewayResponses: service.gatewayResponses,
        authorizerErrorType:
          type === 'AUTHORIZER_FAILURE' ? 'AUTHORIZER_FAILURE' : 'AUTHORIZER_CONFIGURATION_ERROR',
      });
      return model.request({ method: 'GET', path, headers: { Authorization: 'Bearer x' } });
    };

    it.each(
      layer1 === 'lambda'
        ? [
            'UNAUTHORIZED',
            'ACCESS_DENIED',
            'AUTHORIZER_CONFIGURATION_ERROR',
            'AUTHORIZER_FAILURE',
            'MISSING_AUTHENTICATION_TOKEN',
          ]
        : ['UNAUTHORIZED', 'ACCESS_DENIED', 'MISSING_AUTHENTICATION_TOKEN'],
    )('renders %s as valid problem+json with the status it answers', async (type) => {
      const response = await answerOf(type);
      expect(response.responseType).toBe(type);
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
}
