import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import getMeRoute from '../../src/generated/routes/get-me.js';
import listUsersRoute from '../../src/generated/routes/list-users.js';
import { json } from '../../src/route-chain/respond.ts';
import { routeHandler } from '../../src/route-chain/route-handler.ts';
import type { Logger } from '../../src/shared/log.ts';
import { silentAuthorizerMetrics, silentRouteMetrics } from '../../src/shared/metrics.ts';
import {
  accessLogFormatOf,
  accessLogWriter,
  contextVariablesOf,
  UnknownContextVariable,
} from '../../local/api-gateway/access-log.ts';
import {
  createGatewayModel,
  type GatewayRequest,
  type ModelRoute,
} from '../../local/api-gateway/model.ts';
import {
  authorizerSettings,
  loadServiceDefinition,
  type ServiceDefinition,
} from '../../local/api-gateway/service.ts';
import { QUERIES, readLog } from '../../tools/access-log-queries.ts';
import { startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * The local gateway's access log (`npm start -- --verbose`): serverless.yml's own access-log
 * format, as `sls print` resolves it, filled in from what the gateway model knows of each
 * request. Our authorizer and the real chain of two routes (GET /me for any caller, GET /users
 * needing users:read) run in process under a fake clock.
 */
const ROOT = join(import.meta.dirname, '..', '..');
let service: ServiceDefinition;
let format: string;
let issuer: TestIssuer;

beforeAll(async () => {
  service = await loadServiceDefinition(ROOT);
  format = accessLogFormatOf(service.config);
  issuer = await startTestIssuer(['ES256']);
}, 60_000);
afterAll(() => issuer.close());

/** The deployed format's keys, in order (its values are all `$context` variables). */
const formatKeys = () =>
  Object.keys(JSON.parse(format.replace(/\$context(?:\.[A-Za-z0-9_]+)+/g, 'x')) as object);

interface Harness {
  /** Sends a request; returns its access-log line, parsed. */
  send(request: Partial<GatewayRequest> & { token?: string }): Promise<Record<string, string>>;
  /** Advances the model's clock. */
  tick(ms: number): void;
  /** Every line written so far: the access log's and the functions' decision lines. */
  readonly lines: string[];
}

function harness(options: { ttl?: number; failing?: boolean } = {}): Harness {
  const lines: string[] = [];
  const log: Logger = (entry) => lines.push(JSON.stringify(entry));
  let clock = Date.UTC(2026, 11, 3, 10, 0, 0);
  const http = { config: { corsOrigins: ['*'] }, log, metrics: silentRouteMetrics };
  const routes: ModelRoute[] = [
    {
      method: 'GET',
      path: '/me',
      name: 'getMe',
      handler: routeHandler(
        getMeRoute,
        async (_event, caller) => {
          clock += 7;
          return json(200, { sub: caller.sub });
        },
        http,
      ) as unknown as ModelRoute['handler'],
    },
    {
      method: 'GET',
      path: '/users',
      name: 'listUsers',
      handler: routeHandler(
        listUsersRoute,
        async () => json(200, { items: [], nextCursor: null }),
        http,
      ) as unknown as ModelRoute['handler'],
    },
    {
      // A function that crashes before its chain runs (a module that fails to load).
      method: 'GET',
      path: '/users/{userId}',
      name: 'getUser',
      handler: async () => {
        throw new Error('Cannot find module');
      },
    },
  ];
  const config = loadAuthorizerConfig({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    // A JWKS nobody serves (the connection is refused): the authorizer cannot decide (500).
    AUTH_JWKS_URL: options.failing ? 'http://127.0.0.1:9/jwks.json' : issuer.jwksUrl.href,
  });
  const verify = createAuthorizer({ config, log, metrics: silentAuthorizerMetrics });
  const model = createGatewayModel({
    routes,
    authorizer: {
      ...authorizerSettings(service),
      ...(options.ttl === undefined ? {} : { resultTtlInSeconds: options.ttl }),
      // The authorizer's run takes 12 ms on the model's clock.
      handler: async (event) => {
        clock += 12;
        return verify(event);
      },
    },
    gatewayResponses: service.gatewayResponses,
    now: () => clock,
  });
  const write = accessLogWriter(format);
  return {
    lines,
    tick: (ms) => (clock += ms),
    async send({ token, ...request }) {
      const response = await model.request({
        method: 'GET',
        path: '/me',
        ...request,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...request.headers },
      });
      const line = write({ response, trace: response.trace!, sourceIp: '203.0.113.7' });
      lines.push(line);
      return JSON.parse(line) as Record<string, string>;
    },
  };
}

describe('the local access log writes the deployed format', () => {
  it('writes exactly the keys of serverless.yml’s format, in its order, for every kind of answer', async () => {
    const gateway = harness();
    const token = await issuer.sign();
    const answers = [
      await gateway.send({ token }),
      await gateway.send({ token, path: '/users' }),
      await gateway.send({}),
      await gateway.send({ token, path: '/nowhere' }),
      await gateway.send({
        token: await issuer.sign({ claims: { scope: undefined } }),
        path: '/users',
      }),
    ];
    for (const line of answers) expect(Object.keys(line)).toEqual(formatKeys());
  });

  it('an allowed request (a cache miss): the authorizer ran, the route answered 200', async () => {
    const gateway = harness();
    const line = await gateway.send({ token: await issuer.sign({ claims: { sub: 'alice' } }) });
    expect(line).toMatchObject({
      httpMethod: 'GET',
      resourcePath: '/me',
      status: '200',
      sourceIp: '203.0.113.7',
      errorResponseType: '-',
      errorMessage: '-',
      authorizeStatus: '200',
      authorizerStatus: '200',
      authorizerError: '-',
      authorizerLatency: '12',
      authorizerIntegrationStatus: '200',
      authorizerIntegrationLatency: '12',
      principalId: 'alice',
      integrationStatus: '200',
      integrationServiceStatus: '200',
      integrationError: '-',
      integrationLatency: '7',
      responseLatency: '19',
    });
    expect(line.authorizerRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.integrationRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.extendedRequestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(line.requestTime).toBe('03/Dec/2026:10:00:00 +0000');
    expect(line.requestTimeEpoch).toBe(String(Date.UTC(2026, 11, 3, 10, 0, 0)));
  });

  it('a cache hit: the authorizer step answered with no run (authorizerRequestId "-"), a miss with one', async () => {
    const gateway = harness();
    const token = await issuer.sign({ claims: { sub: 'alice' } });
    const miss = await gateway.send({ token });
    gateway.tick(1000);
    const hit = await gateway.send({ token, path: '/users' });
    expect(miss.authorizerRequestId).not.toBe('-');
    expect(hit).toMatchObject({
      status: '200',
      authorizeStatus: '200',
      authorizerStatus: '200',
      authorizerLatency: '0',
      authorizerRequestId: '-',
      authorizerIntegrationStatus: '-',
      authorizerIntegrationLatency: '-',
      principalId: 'alice',
    });
    // With the cache off, every request runs the authorizer.
    const uncached = harness({ ttl: 0 });
    await uncached.send({ token });
    expect((await uncached.send({ token })).authorizerRequestId).not.toBe('-');
  });

  it('a layer-1 refusal of a token: 401 UNAUTHORIZED from the authorizer, no integration', async () => {
    const gateway = harness();
    const expired = await issuer.sign({ claims: { exp: Math.floor(Date.now() / 1000) - 3600 } });
    expect(await gateway.send({ token: expired })).toMatchObject({
      status: '401',
      errorResponseType: 'UNAUTHORIZED',
      errorMessage: 'Unauthorized',
      authorizeStatus: '401',
      authorizerStatus: '401',
      authorizerError: 'Unauthorized',
      authorizerIntegrationStatus: '200',
      principalId: '-',
      integrationStatus: '-',
      integrationLatency: '-',
      integrationRequestId: '-',
    });
    // The reason code is in the authorizer's own line, under the id the access log names.
    const decision = gateway.lines.map((l) => JSON.parse(l)).find((l) => l.decision === 'deny');
    expect(decision).toMatchObject({ code: 'token_expired' });
  });

  it('a layer-1 refusal before the authorizer (no token): 401 with every authorizer field "-"', async () => {
    const line = await harness().send({});
    expect(line).toMatchObject({
      status: '401',
      errorResponseType: 'UNAUTHORIZED',
      authorizeStatus: '401',
      authorizerStatus: '-',
      authorizerLatency: '-',
      authorizerRequestId: '-',
      integrationStatus: '-',
    });
  });

  it('a layer-2 refusal: 403 from the route function, no gateway response type', async () => {
    const gateway = harness();
    const noScope = await issuer.sign({ claims: { scope: undefined } });
    const line = await gateway.send({ token: noScope, path: '/users' });
    expect(line).toMatchObject({
      resourcePath: '/users',
      status: '403',
      errorResponseType: '-',
      authorizeStatus: '200',
      authorizerStatus: '200',
      integrationStatus: '403',
      integrationServiceStatus: '200',
    });
    // The function's decision line carries the code, under the access log's requestId.
    const decision = gateway.lines.map((l) => JSON.parse(l)).find((l) => l.route === 'GET /users');
    expect(decision).toMatchObject({
      decision: 'deny',
      code: 'insufficient_scope',
      status: 403,
      requestId: line.requestId,
    });
  });

  it('an authorizer that cannot decide: 500 with its error, and the authorize step’s', async () => {
    const line = await harness({ failing: true }).send({ token: await issuer.sign() });
    expect(line).toMatchObject({
      status: '500',
      errorResponseType: 'AUTHORIZER_CONFIGURATION_ERROR',
      authorizeStatus: '500',
      authorizerStatus: '500',
      authorizerError: expect.stringMatching(/^AuthorizerFailure: jwks_/),
      integrationStatus: '-',
    });
  });

  it('a route function that crashes: 502 from the gateway, the integration’s error, Lambda’s own 200', async () => {
    const token = await issuer.sign();
    expect(await harness().send({ token, path: '/users/42' })).toMatchObject({
      resourcePath: '/users/{userId}',
      status: '502',
      errorResponseType: '-',
      authorizeStatus: '200',
      integrationStatus: '-',
      integrationServiceStatus: '200',
      integrationError: 'Cannot find module',
    });
  });

  it('an unknown route: 403 MISSING_AUTHENTICATION_TOKEN before any authorization', async () => {
    expect(await harness().send({ token: await issuer.sign(), path: '/nowhere' })).toMatchObject({
      status: '403',
      errorResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      resourcePath: '-',
      authorizeStatus: '-',
      authorizerStatus: '-',
    });
  });

  it('refuses a format with a variable the local gateway cannot fill, naming it', () => {
    expect(() =>
      accessLogWriter('{"ip":"$context.identity.userAgent","id":"$context.requestId"}'),
    ).toThrow(UnknownContextVariable);
    expect(() => accessLogWriter('{"x":"$context.identity.userAgent"}')).toThrow(
      /\$context\.identity\.userAgent/,
    );
  });

  it('fills every variable the deployed format uses', () => {
    expect(() => accessLogWriter(format)).not.toThrow();
    expect(contextVariablesOf(format).length).toBeGreaterThan(20);
  });
});

describe('README’s access-log queries, run on a local log', () => {
  it('compute latency, cache hits, refusals by layer and 5xx from the lines the local stack writes', async () => {
    const gateway = harness();
    const alice = await issuer.sign({ claims: { sub: 'alice' } });
    await gateway.send({ token: alice }); // miss: the authorizer runs (12 ms)
    await gateway.send({ token: alice, path: '/users' }); // hit
    await gateway.send({ token: alice }); // hit
    await gateway.send({
      token: await issuer.sign({ claims: { scope: undefined } }),
      path: '/users',
    }); // run, then 403
    await gateway.send({}); // 401 before the authorizer
    await gateway.send({ token: await issuer.sign({ claims: { exp: 1 } }) }); // run, 401
    const log = readLog(gateway.lines.join('\n'));
    expect(log.access).toHaveLength(6);

    const [latency] = QUERIES.authorizerLatency.local(log);
    expect(latency).toMatchObject({ runs: 3, p50: 12, p99: 12, lambdaP99: 12 });
    const [cache] = QUERIES.authorizerCache.local(log);
    expect(cache).toMatchObject({ authorized: 5, runs: 3, hitPercent: 40 });
    expect(QUERIES.layer1Refusals.local(log)).toEqual([
      expect.objectContaining({
        errorResponseType: 'UNAUTHORIZED',
        authorizerStatus: '-',
        refusals: 1,
      }),
      expect.objectContaining({
        errorResponseType: 'UNAUTHORIZED',
        authorizerStatus: '401',
        refusals: 1,
      }),
    ]);
    expect(QUERIES.layer1Reasons.local(log)).toEqual([
      { decision: 'deny', code: 'token_expired', decisions: 1 },
    ]);
    expect(QUERIES.layer2Refusals.local(log)).toEqual([
      { route: 'GET /users', status: 403, code: 'insufficient_scope', refusals: 1 },
    ]);
    expect(QUERIES.serverErrors.local(log)).toEqual([]);

    const failing = harness({ failing: true });
    await failing.send({ token: alice });
    expect(QUERIES.serverErrors.local(readLog(failing.lines.join('\n')))).toEqual([
      expect.objectContaining({
        httpMethod: 'GET',
        resourcePath: '/me',
        status: '500',
        errorResponseType: 'AUTHORIZER_CONFIGURATION_ERROR',
        answers: 1,
      }),
    ]);
  });
});

describe('README’s access-log queries', () => {
  const KEYWORDS = ['filter', 'stats', 'count', 'pct', 'by', 'bin', 'as', 'sort', 'desc', 'asc'];
  const MORE_KEYWORDS = ['parse', 'in', 'and', 'or', 'like', 'fields'];
  const DECISION_FIELDS = ['decision', 'code', 'route', 'status', 'requestId', 'lambdaRequestId'];

  it('are in README, Operating it, exactly as `npm run access-log` computes them', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [name, { query }] of Object.entries(QUERIES))
      expect([name, readme.includes(`\`\`\`\n${query}\n\`\`\``)]).toEqual([name, true]);
  });

  it('read only fields the deployed format, or the functions’ decision lines, write', () => {
    const accessFields = formatKeys();
    for (const [name, { query, logGroups }] of Object.entries(QUERIES)) {
      const made = [
        ...[...query.matchAll(/\(\?<(\w+)>/g)].map((m) => m[1]!),
        ...[...query.matchAll(/\bas (\w+)/g)].map((m) => m[1]!),
      ];
      const fields =
        logGroups === 'access'
          ? accessFields
          : logGroups === 'all'
            ? [...accessFields, ...DECISION_FIELDS]
            : DECISION_FIELDS;
      const known = new Set([...KEYWORDS, ...MORE_KEYWORDS, ...made, ...fields]);
      const words =
        query
          .replace(/\/[^/\n]*\//g, '') // regular expressions
          .replace(/"[^"]*"/g, '')
          .replace(/@\w+/g, '') // Logs Insights' own fields
          .match(/\b[A-Za-z_]\w*\b/g) ?? [];
      expect([name, words.filter((word) => !known.has(word))]).toEqual([name, []]);
    }
  });
});
