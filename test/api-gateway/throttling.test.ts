import { beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import {
  createGatewayModel,
  type GatewayModel,
  type ModelRoute,
  type ModelThrottling,
} from '../../local/api-gateway/model.ts';
import {
  loadServiceDefinition,
  serviceGateway,
  type ServiceDefinition,
} from '../../local/api-gateway/service.ts';
import { PROBLEM_TYPE_PREFIX } from '../../src/shared/problems.ts';

/**
 * The model's usage plans and throttling (docs/api-gateway-authorizers.md, T rows): the key the
 * authorizer names, the client's plan and the stage's per-method limits, answered with
 * serverless.yml's own THROTTLED and QUOTA_EXCEEDED gateway responses, on a clock the test moves.
 */
let service: ServiceDefinition;
beforeAll(async () => {
  service = await loadServiceDefinition();
}, 60_000);

const STAGE_WIDE = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev/*';

/** Our authorizer's answer shape: a stage-wide Allow naming the token's usage plan key. */
const allowWithKey = (key: string | undefined): APIGatewayAuthorizerResult => ({
  principalId: 'user-1',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_WIDE }],
  },
  context: { sub: 'user-1' },
  ...(key === undefined ? {} : { usageIdentifierKey: key }),
});

function gateway(throttling: ModelThrottling, routes?: ModelRoute[]) {
  let t = Date.UTC(2026, 11, 3, 12);
  let handled = 0;
  const handler: ModelRoute['handler'] = async () => {
    handled += 1;
    return { statusCode: 200, body: '{}' };
  };
  const model: GatewayModel = createGatewayModel({
    routes: routes ?? [
      { method: 'GET', path: '/me', handler, apiKeyRequired: true },
      { method: 'GET', path: '/users', handler, apiKeyRequired: true },
    ],
    // The token names its key: `key-a` → usage plan key `key-a`, `none` → no key.
    authorizer: {
      handler: async ({ authorizationToken }) =>
        allowWithKey(authorizationToken === 'none' ? undefined : authorizationToken),
      resultTtlInSeconds: 300,
    },
    gatewayResponses: service.gatewayResponses,
    throttling,
    now: () => t,
  });
  const get = (token: string, path = '/me') =>
    model.request({ method: 'GET', path, headers: { Authorization: token } });
  return { get, advance: (ms: number) => (t += ms), handled: () => handled };
}

const PLANS: ModelThrottling = {
  apiKeys: new Map([
    [
      'key-trial',
      { name: 'trial', rateLimit: 1, burstLimit: 2, quota: { limit: 4, period: 'DAY' } },
    ],
    ['key-partner', { name: 'partner', rateLimit: 100, burstLimit: 100 }],
  ]),
};

describe('usage plans and throttling in the API Gateway model', () => {
  it('answers 429 with the THROTTLED gateway response, as problem+json, without Retry-After, once a key has spent its burst', async () => {
    const { get, handled } = gateway(PLANS);
    expect([(await get('key-trial')).statusCode, (await get('key-trial')).statusCode]).toEqual([
      200, 200,
    ]);
    const throttled = await get('key-trial');
    expect(throttled).toMatchObject({
      statusCode: 429,
      answeredBy: 'gateway',
      responseType: 'THROTTLED',
      json: {
        type: `${PROBLEM_TYPE_PREFIX}throttled`,
        title: 'Too many requests',
        status: 429,
        code: 'throttled',
        detail: 'Too Many Requests',
        requestId: throttled.headers['x-amzn-requestid'],
      },
    });
    expect(throttled.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'access-control-allow-origin': '*',
    });
    expect(throttled.headers).not.toHaveProperty('retry-after');
    expect(handled()).toBe(2);
  });

  it('keeps answering another client while one is throttled (a bucket per key)', async () => {
    const { get } = gateway(PLANS);
    for (let i = 0; i < 3; i += 1) await get('key-trial');
    expect((await get('key-trial')).statusCode).toBe(429);
    const others = await Promise.all(Array.from({ length: 10 }, () => get('key-partner')));
    expect(others.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
  });

  it("lets a throttled client through again as its plan's rate refills the bucket", async () => {
    const { get, advance } = gateway(PLANS);
    await get('key-trial');
    await get('key-trial');
    expect((await get('key-trial')).statusCode).toBe(429);
    advance(1000);
    expect((await get('key-trial')).statusCode).toBe(200);
    expect((await get('key-trial')).statusCode).toBe(429);
  });

  it("answers 429 with the QUOTA_EXCEEDED gateway response once the plan's quota for the period is used", async () => {
    const { get, advance } = gateway(PLANS);
    for (let i = 0; i < 4; i += 1) {
      expect((await get('key-trial')).statusCode).toBe(200);
      advance(1000);
    }
    const over = await get('key-trial');
    expect(over).toMatchObject({
      statusCode: 429,
      responseType: 'QUOTA_EXCEEDED',
      json: { code: 'quota_exceeded', status: 429, detail: 'Limit Exceeded' },
    });
    expect(over.headers['content-type']).toBe('application/problem+json');
    advance(86_400_000);
    expect((await get('key-trial')).statusCode).toBe(200);
  });

  it.each([
    ['names no key', 'none'],
    ['names a key no usage plan has', 'key-unknown'],
  ])(
    'answers 403 (INVALID_API_KEY, through DEFAULT_4XX) when the authorizer %s, without calling the route',
    async (_, token) => {
      const { get, handled } = gateway(PLANS);
      const answer = await get(token);
      expect(answer).toMatchObject({
        statusCode: 403,
        responseType: 'INVALID_API_KEY',
        json: { code: 'gateway_error', responseType: 'INVALID_API_KEY', detail: 'Forbidden' },
      });
      expect(handled()).toBe(0);
    },
  );

  it("gives each method the stage's bucket, shared by every client", async () => {
    const { get } = gateway({ ...PLANS, stage: { rateLimit: 1, burstLimit: 3 } });
    expect(
      [await get('key-partner'), await get('key-trial'), await get('key-partner')].map(
        (r) => r.statusCode,
      ),
    ).toEqual([200, 200, 200]);
    expect(await get('key-partner')).toMatchObject({ statusCode: 429, responseType: 'THROTTLED' });
    expect((await get('key-partner', '/users')).statusCode).toBe(200);
  });
});

describe("the service's own throttling, as serverless.yml deploys it", () => {
  it('requires a usage plan key on every route (private: true)', () => {
    expect(service.routes.length).toBeGreaterThan(0);
    for (const route of service.routes)
      expect([`${route.method} ${route.path}`, route.apiKeyRequired]).toEqual([
        `${route.method} ${route.path}`,
        true,
      ]);
  });

  it("throttles the default plan's shared key at the plan's limits", async () => {
    const secret = 'S'.repeat(40);
    const options = serviceGateway(
      service,
      service.routes.map((r) => ({
        method: r.method,
        path: r.path,
        apiKeyRequired: r.apiKeyRequired,
        handler: async () => ({ statusCode: 200, body: '{}' }),
      })),
      { authorizer: async () => allowWithKey(`${secret}default`), apiKeysSecret: secret },
    );
    const burst = service.throttling.usagePlans!.default.burstLimit;
    expect(options.throttling?.stage).toEqual(service.throttling.stage);
    const model = createGatewayModel({ ...options, now: () => 0 });
    const statuses: number[] = [];
    for (let i = 0; i <= burst; i += 1)
      statuses.push(
        (
          await model.request({
            method: 'GET',
            path: i % 2 ? '/me' : '/users',
            headers: { Authorization: 'Bearer AAAA.AAAA.AAAA' },
          })
        ).statusCode,
      );
    expect(statuses.slice(0, burst)).toEqual(Array(burst).fill(200));
    expect(statuses[burst]).toBe(429);
  });
});
