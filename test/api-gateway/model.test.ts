import { describe, expect, it } from '@jest/globals';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent } from 'aws-lambda';
import {
  createGatewayModel,
  MAX_PAYLOAD_BYTES,
  type CacheFailures,
  type GatewayModelOptions,
  type ModelRoute,
  type TokenAuthorizerFunction,
} from '../../local/api-gateway/model.ts';

/**
 * The model's own behaviour, with scripted authorizers and handlers: cache, identity checks,
 * policy re-evaluation, response shapes. The service itself runs through it in test/contract.
 */

const STAGE_WIDE = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev/*';

function policy(
  Resource: string,
  Effect: 'Allow' | 'Deny' = 'Allow',
  context: Record<string, string | number | boolean> = {
    sub: 'user-1',
    exp: 1700000000,
    admin: true,
  },
): APIGatewayAuthorizerResult {
  return {
    principalId: 'user-1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect, Resource }],
    },
    context,
  };
}

/** A scripted authorizer that records its events. */
function scripted(answer: (token: string, methodArn: string) => unknown) {
  const calls: { token: string; methodArn: string }[] = [];
  const handler: TokenAuthorizerFunction = async (event) => {
    calls.push({ token: event.authorizationToken, methodArn: event.methodArn });
    const result = answer(event.authorizationToken, event.methodArn);
    if (result instanceof Error) throw result;
    return result as APIGatewayAuthorizerResult;
  };
  return { handler, calls };
}

const echo: ModelRoute['handler'] = async (event) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ path: event.path }),
});

const ROUTES: ModelRoute[] = [
  { method: 'GET', path: '/me', handler: echo },
  { method: 'GET', path: '/users/{userId}', handler: echo },
  { method: 'DELETE', path: '/users/{userId}', handler: echo },
  { method: 'GET', path: '/files/{key+}', handler: echo },
  { method: 'GET', path: '/', handler: echo },
];

function gateway(
  answer: (token: string, methodArn: string) => unknown,
  overrides: Partial<GatewayModelOptions> & { ttl?: number } = {},
) {
  let clock = 1_000_000;
  const authorizer = scripted(answer);
  const model = createGatewayModel({
    routes: ROUTES,
    authorizer: {
      handler: authorizer.handler,
      resultTtlInSeconds: overrides.ttl ?? 300,
      identityValidationExpression: '^[Bb]earer +[-A-Za-z0-9._~+/]+=*$',
    },
    now: () => clock,
    ...overrides,
  });
  const call = (path: string, token: string | null = 'Bearer t1', method = 'GET') =>
    model.request({ method, path, headers: token === null ? {} : { Authorization: token } });
  return { model, call, calls: authorizer.calls, advance: (s: number) => (clock += s * 1000) };
}

describe('authorizer result cache', () => {
  it('reuses a cached Allow for the same token within the TTL, on any route', async () => {
    const { call, calls, model } = gateway(() => policy(STAGE_WIDE));
    expect((await call('/me')).statusCode).toBe(200);
    const second = await call('/users/42');
    expect(second.statusCode).toBe(200);
    expect(second.authorizer).toBe('cached');
    expect(calls).toHaveLength(1);
    expect(model.stats()).toEqual({
      authorizerInvocations: 1,
      jwtValidations: 0,
      cacheHits: 1,
      handlerInvocations: 2,
    });
  });

  it('keys the cache by token: another token invokes the authorizer again', async () => {
    const { call, calls } = gateway(() => policy(STAGE_WIDE));
    await call('/me', 'Bearer t1');
    await call('/me', 'Bearer t2');
    expect(calls.map((c) => c.token)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('expires an entry after the TTL and invokes the authorizer again', async () => {
    const { call, calls, advance } = gateway(() => policy(STAGE_WIDE), { ttl: 60 });
    await call('/me');
    advance(59);
    expect((await call('/me')).authorizer).toBe('cached');
    advance(1);
    expect((await call('/me')).authorizer).toBe('invoked');
    expect(calls).toHaveLength(2);
  });

  it('TTL 0 turns the cache off: one authorizer call per request', async () => {
    const { call, calls, model } = gateway(() => policy(STAGE_WIDE), { ttl: 0 });
    for (let i = 0; i < 5; i += 1) await call('/me');
    expect(calls).toHaveLength(5);
    expect(model.cacheSize()).toBe(0);
  });

  it('caches a Deny policy like an Allow', async () => {
    const { call, calls } = gateway(() => policy(STAGE_WIDE, 'Deny'));
    expect((await call('/me')).statusCode).toBe(403);
    expect((await call('/me')).authorizer).toBe('cached');
    expect(calls).toHaveLength(1);
  });

  it('does not cache a 401: the next call invokes the authorizer again', async () => {
    const { call, calls } = gateway(() => new Error('Unauthorized'));
    await call('/me');
    await call('/me');
    expect(calls).toHaveLength(2);
  });

  it('does not cache an authorizer error: the next call invokes the authorizer again', async () => {
    let fail = true;
    const { call, calls } = gateway(() => (fail ? new Error('boom') : policy(STAGE_WIDE)));
    expect((await call('/me')).statusCode).toBe(500);
    fail = false;
    expect((await call('/me')).statusCode).toBe(200);
    expect(calls).toHaveLength(2);
  });
});

describe('caching authorizer failures (unknown on AWS: the cacheFailures option)', () => {
  const FAILURES = {
    unauthorized: () => new Error('Unauthorized'),
    error: () => new Error('jwks down'),
    'invalid output': () => ({ principalId: 'x' }),
  } as const;
  const cases: [CacheFailures, keyof typeof FAILURES, boolean][] = [
    ['none', 'unauthorized', false],
    ['none', 'error', false],
    ['none', 'invalid output', false],
    ['unauthorized', 'unauthorized', true],
    ['unauthorized', 'error', false],
    ['unauthorized', 'invalid output', false],
    ['all', 'unauthorized', true],
    ['all', 'error', true],
    ['all', 'invalid output', true],
  ];

  it.each(cases)(
    "with cacheFailures '%s', a failure of kind '%s' is cached for the TTL: %s",
    async (cacheFailures, kind, cached) => {
      let failing = true;
      const { call, calls, advance } = gateway(
        () => (failing ? FAILURES[kind]() : policy(STAGE_WIDE)),
        { ttl: 60, cacheFailures },
      );
      const first = await call('/me');
      expect(first.statusCode).toBe(kind === 'unauthorized' ? 401 : 500);
      failing = false;
      const second = await call('/me');
      if (cached)
        expect([second.statusCode, second.authorizer]).toEqual([first.statusCode, 'cached']);
      else expect([second.statusCode, second.authorizer]).toEqual([200, 'invoked']);
      advance(60);
      expect((await call('/me')).statusCode).toBe(200);
      expect(calls).toHaveLength(cached ? 2 : 3);
    },
  );

  it('caches nothing with TTL 0, failures included', async () => {
    const { call, calls } = gateway(() => new Error('Unauthorized'), {
      ttl: 0,
      cacheFailures: 'all',
    });
    await call('/me');
    await call('/me');
    expect(calls).toHaveLength(2);
  });
});

describe('policy evaluation per request', () => {
  it('evaluates a cached per-route Allow against the next route: 403 (the per-route Allow)', async () => {
    const { call } = gateway((_token, methodArn) => policy(methodArn));
    expect((await call('/users/1')).statusCode).toBe(200);
    const next = await call('/me');
    expect(next.statusCode).toBe(403);
    expect(next.json).toEqual({ Message: 'User is not authorized to access this resource' });
    expect(next.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(next.authorizer).toBe('cached');
  });

  it('answers an explicit Deny with its own message', async () => {
    const { call } = gateway(() => ({
      ...policy(STAGE_WIDE),
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_WIDE },
          {
            Action: 'execute-api:Invoke',
            Effect: 'Deny',
            Resource: `${STAGE_WIDE.slice(0, -1)}DELETE/*`,
          },
        ],
      },
    }));
    expect((await call('/users/1')).statusCode).toBe(200);
    const denied = await call('/users/1', 'Bearer t1', 'DELETE');
    expect(denied.statusCode).toBe(403);
    expect(denied.json).toEqual({
      Message: 'User is not authorized to access this resource with an explicit deny',
    });
  });

  it('sends the authorizer a methodArn with the real path values, not the template', async () => {
    const { call, calls } = gateway(() => policy(STAGE_WIDE), { ttl: 0 });
    await call('/users/42');
    await call('/');
    expect(calls.map((c) => c.methodArn)).toEqual([
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev/GET/users/42',
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev/GET/',
    ]);
  });
});

describe('what API Gateway answers on its own', () => {
  it.each([
    ['no Authorization header', null],
    ['an empty Authorization header', ''],
    ['a header that fails the identity validation expression', 'Basic dXNlcjpwYXNz'],
  ])('%s: 401 without invoking the authorizer', async (_name, header) => {
    const { call, calls } = gateway(() => policy(STAGE_WIDE));
    const response = await call('/me', header);
    expect(response.statusCode).toBe(401);
    expect(response.json).toEqual({ message: 'Unauthorized' });
    expect(response.authorizer).toBe('not-called');
    expect(calls).toHaveLength(0);
  });

  it('anchors the identity validation expression: a partial match is refused', async () => {
    const { call, calls } = gateway(() => policy(STAGE_WIDE));
    expect((await call('/me', 'Bearer abc def')).statusCode).toBe(401);
    expect(calls).toHaveLength(0);
  });

  it('reads the identity header whatever its case', async () => {
    const { model } = gateway(() => policy(STAGE_WIDE));
    const response = await model.request({
      method: 'GET',
      path: '/me',
      headers: { authorization: 'Bearer t1' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('maps an authorizer that throws exactly "Unauthorized" to 401', async () => {
    const { call } = gateway(() => new Error('Unauthorized'));
    const response = await call('/me');
    expect([response.statusCode, response.json]).toEqual([401, { message: 'Unauthorized' }]);
  });

  it('maps the string "Unauthorized" (callback style, throw of a string) to 401', async () => {
    const { call } = gateway(() => {
      throw 'Unauthorized';
    });
    const response = await call('/me');
    expect([response.statusCode, response.json]).toEqual([401, { message: 'Unauthorized' }]);
  });

  it.each([
    [
      'a Resource that is a number',
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 123 },
    ],
    [
      'a Resource list with a null',
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [null, STAGE_WIDE] },
    ],
    ['an Action that is an object', { Action: { a: 1 }, Effect: 'Allow', Resource: STAGE_WIDE }],
    ['a Deny without Resource', { Action: 'execute-api:Invoke', Effect: 'Deny' }],
    ['a Deny without Action', { Effect: 'Deny', Resource: STAGE_WIDE }],
    [
      'a Resource with a wildcarded service',
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:*' },
    ],
    [
      'a Resource over 512 characters',
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: `${STAGE_WIDE}${'x'.repeat(512)}`,
      },
    ],
  ])('answers 500 for a policy with %s, and caches nothing', async (_name, statement) => {
    const { call, calls } = gateway(() => ({
      ...policy(STAGE_WIDE),
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_WIDE },
          statement,
        ],
      },
    }));
    for (let i = 0; i < 2; i += 1) {
      const response = await call('/me');
      expect([response.statusCode, response.json, response.authorizer]).toEqual([
        500,
        { message: null },
        'invoked',
      ]);
    }
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['any other error', new Error('jwks down')],
    ['an "Unauthorized" with extra text', new Error('Unauthorized: expired')],
    ['an output without principalId', { policyDocument: policy(STAGE_WIDE).policyDocument }],
    ['a context with an object value', { ...policy(STAGE_WIDE), context: { a: { b: 1 } } }],
  ])('answers 500 {"message":null} for %s', async (_name, answer) => {
    const { call } = gateway(() => answer);
    const response = await call('/me');
    expect(response.statusCode).toBe(500);
    expect(response.json).toEqual({ message: null });
    expect(response.responseType).toBe('AUTHORIZER_CONFIGURATION_ERROR');
  });

  it('answers 500 when the authorizer outlives its timeout', async () => {
    const { call } = gateway(() => policy(STAGE_WIDE));
    const slow = createGatewayModel({
      routes: ROUTES,
      authorizer: {
        handler: () => new Promise((resolve) => setTimeout(() => resolve(policy(STAGE_WIDE)), 200)),
        resultTtlInSeconds: 300,
        timeoutMs: 20,
      },
    });
    expect(
      (await slow.request({ method: 'GET', path: '/me', headers: { Authorization: 'Bearer x' } }))
        .statusCode,
    ).toBe(500);
    expect((await call('/me')).statusCode).toBe(200);
  });

  it('answers an unknown path or method with 403 Missing Authentication Token, before any authorizer', async () => {
    const { call, calls } = gateway(() => policy(STAGE_WIDE));
    for (const [path, method] of [
      ['/nope', 'GET'],
      ['/me', 'POST'],
      ['/users', 'GET'],
      ['/users/1/x', 'GET'],
    ] as const) {
      const response = await call(path, 'Bearer t1', method);
      expect([response.statusCode, response.json]).toEqual([
        403,
        { message: 'Missing Authentication Token' },
      ]);
    }
    expect(calls).toHaveLength(0);
  });

  it('answers 414 when the methodArn would exceed 1,600 bytes', async () => {
    const { call, calls } = gateway(() => policy(STAGE_WIDE));
    expect((await call(`/users/${'x'.repeat(1600)}`)).statusCode).toBe(414);
    expect(calls).toHaveLength(0);
  });

  it('renders a customised gateway response, and falls back to DEFAULT_4XX for other 4xx types', async () => {
    const { call } = gateway(() => new Error('Unauthorized'), {
      gatewayResponses: {
        UNAUTHORIZED: {
          statusCode: 401,
          headers: { 'WWW-Authenticate': 'Bearer' },
          template:
            '{"code":"invalid_token","detail":$context.error.messageString,"id":"$context.requestId"}',
        },
        DEFAULT_4XX: { template: '{"code":"gateway","type":"$context.error.responseType"}' },
      },
    });
    const unauthorized = await call('/me');
    expect(unauthorized.json).toEqual({
      code: 'invalid_token',
      detail: 'Unauthorized',
      id: unauthorized.headers['x-amzn-requestid'],
    });
    expect(unauthorized.headers['www-authenticate']).toBe('Bearer');
    const missing = await call('/nope');
    expect([missing.statusCode, missing.json]).toEqual([
      403,
      { code: 'gateway', type: 'MISSING_AUTHENTICATION_TOKEN' },
    ]);
  });
});

describe('model configuration', () => {
  it.each([-1, 3601, Number.NaN, 1.5, Number.POSITIVE_INFINITY])(
    'refuses resultTtlInSeconds %p at construction, as API Gateway does (0..3600)',
    (ttl) => {
      expect(() =>
        createGatewayModel({
          routes: ROUTES,
          authorizer: { handler: async () => policy(STAGE_WIDE), resultTtlInSeconds: ttl },
        }),
      ).toThrow(RangeError);
    },
  );

  it.each([0, 3600])('accepts resultTtlInSeconds %p', (ttl) => {
    expect(() => gateway(() => policy(STAGE_WIDE), { ttl })).not.toThrow();
  });
});

describe('route matching', () => {
  const named =
    (name: string): ModelRoute['handler'] =>
    async (event) => ({
      statusCode: 200,
      body: JSON.stringify({ name, pathParameters: event.pathParameters }),
    });

  it.each([
    [
      'a literal segment before a {param}',
      ['/users/{id}', '/users/me'],
      '/users/me',
      '/users/me',
      null,
    ],
    [
      'a {param} for other values',
      ['/users/{id}', '/users/me'],
      '/users/42',
      '/users/{id}',
      { id: '42' },
    ],
    [
      'a literal segment declared first',
      ['/users/me', '/users/{id}'],
      '/users/me',
      '/users/me',
      null,
    ],
    [
      'a {param} before a greedy {param+}',
      ['/files/{key+}', '/files/{name}'],
      '/files/a',
      '/files/{name}',
      { name: 'a' },
    ],
    [
      'a greedy {param+} for deeper paths',
      ['/files/{key+}', '/files/{name}'],
      '/files/a/b',
      '/files/{key+}',
      { key: 'a/b' },
    ],
    [
      'the literal at the first differing segment',
      ['/a/{x}/c', '/a/b/{y}'],
      '/a/b/c',
      '/a/b/{y}',
      { y: 'c' },
    ],
  ])('prefers %s, whatever the declaration order', async (_name, paths, path, winner, params) => {
    const model = createGatewayModel({
      routes: paths.map((p) => ({ method: 'GET', path: p, handler: named(p) })),
      authorizer: { handler: async () => policy(STAGE_WIDE), resultTtlInSeconds: 300 },
    });
    const response = await model.request({
      method: 'GET',
      path,
      headers: { Authorization: 'Bearer x' },
    });
    expect(response.json).toEqual({ name: winner, pathParameters: params });
  });
});

describe('the Lambda proxy integration', () => {
  it('passes the context stringified, with principalId and a numeric integrationLatency', async () => {
    let seen: APIGatewayProxyEvent | undefined;
    const model = createGatewayModel({
      routes: [
        {
          method: 'GET',
          path: '/users/{userId}',
          handler: async (event) => ((seen = event), { statusCode: 204, body: '' }),
        },
      ],
      authorizer: { handler: async () => policy(STAGE_WIDE), resultTtlInSeconds: 300 },
    });
    await model.request({
      method: 'GET',
      path: '/users/a%20b',
      headers: { Authorization: 'Bearer x' },
      query: { tag: ['a', 'b'] },
    });
    expect(seen?.requestContext.authorizer).toEqual({
      sub: 'user-1',
      exp: '1700000000',
      admin: 'true',
      principalId: 'user-1',
      integrationLatency: expect.any(Number),
    });
    expect(seen?.pathParameters).toEqual({ userId: 'a b' });
    expect(seen?.resource).toBe('/users/{userId}');
    expect(seen?.path).toBe('/users/a%20b');
    expect(seen?.queryStringParameters).toEqual({ tag: 'b' });
    expect(seen?.multiValueQueryStringParameters).toEqual({ tag: ['a', 'b'] });
  });

  it('matches a greedy {name+} parameter across slashes', async () => {
    let seen: APIGatewayProxyEvent | undefined;
    const model = createGatewayModel({
      routes: [
        {
          method: 'GET',
          path: '/files/{key+}',
          handler: async (event) => ((seen = event), { statusCode: 200, body: '' }),
        },
      ],
      authorizer: { handler: async () => policy(STAGE_WIDE), resultTtlInSeconds: 300 },
    });
    await model.request({
      method: 'GET',
      path: '/files/a/b/c.txt',
      headers: { Authorization: 'Bearer x' },
    });
    expect(seen?.pathParameters).toEqual({ key: 'a/b/c.txt' });
  });

  it('renames an integration WWW-Authenticate header to X-Amzn-Remapped-WWW-Authenticate', async () => {
    const model = createGatewayModel({
      routes: [
        {
          method: 'GET',
          path: '/me',
          handler: async () => ({
            statusCode: 403,
            headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
            body: '{}',
          }),
        },
      ],
      authorizer: { handler: async () => policy(STAGE_WIDE), resultTtlInSeconds: 300 },
    });
    const response = await model.request({
      method: 'GET',
      path: '/me',
      headers: { Authorization: 'Bearer x' },
    });
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(response.headers['x-amzn-remapped-www-authenticate']).toBe(
      'Bearer error="insufficient_scope"',
    );
  });

  it.each([
    ['throws', async () => Promise.reject(new Error('bug'))],
    ['returns no statusCode', async () => ({ body: 'x' })],
  ])('answers 502 when the handler %s', async (_name, handler) => {
    const model = createGatewayModel({
      routes: [{ method: 'GET', path: '/me', handler }],
      authorizer: { handler: async () => policy(STAGE_WIDE), resultTtlInSeconds: 300 },
    });
    const response = await model.request({
      method: 'GET',
      path: '/me',
      headers: { Authorization: 'Bearer x' },
    });
    expect([response.statusCode, response.json]).toEqual([
      502,
      { message: 'Internal server error' },
    ]);
  });
});

describe('what API Gateway answers before any route runs', () => {
  it('refuses a payload over 10 MB with 413 REQUEST_TOO_LARGE before matching or authorizing (L7)', async () => {
    const { model, calls } = gateway(() => policy(STAGE_WIDE));
    const answer = await model.request({
      method: 'GET',
      path: '/me',
      headers: { Authorization: 'Bearer t1' },
      body: 'x'.repeat(MAX_PAYLOAD_BYTES + 1),
    });
    expect([answer.statusCode, answer.responseType, answer.authorizer]).toEqual([
      413,
      'REQUEST_TOO_LARGE',
      'not-called',
    ]);
    expect(calls).toHaveLength(0);
    const atLimit = await model.request({
      method: 'GET',
      path: '/me',
      headers: { Authorization: 'Bearer t1' },
      body: 'x'.repeat(MAX_PAYLOAD_BYTES),
    });
    expect(atLimit.statusCode).toBe(200);
  });

  it('answers OPTIONS on a resource with CORS from its mock, without a token or the authorizer (G9)', async () => {
    const preflight = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'OPTIONS,GET',
    };
    const { model, calls } = gateway(() => policy(STAGE_WIDE), {
      corsPreflight: { '/users/{userId}': preflight },
    });
    const answer = await model.request({ method: 'OPTIONS', path: '/users/42' });
    expect(answer).toMatchObject({
      statusCode: 200,
      body: '',
      authorizer: 'not-called',
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'OPTIONS,GET',
      },
    });
    expect(calls).toHaveLength(0);
    // A resource without CORS has no OPTIONS method: an unknown method (O11).
    const other = await model.request({ method: 'OPTIONS', path: '/me' });
    expect([other.statusCode, other.responseType]).toEqual([403, 'MISSING_AUTHENTICATION_TOKEN']);
  });

  it('answers 504 INTEGRATION_TIMEOUT when a route function outlasts the integration timeout (L6)', async () => {
    const slow: ModelRoute['handler'] = () => new Promise(() => undefined);
    const { model } = gateway(() => policy(STAGE_WIDE), {
      routes: [{ method: 'GET', path: '/me', handler: slow }],
      integrationTimeoutMs: 20,
    });
    const answer = await model.request({
      method: 'GET',
      path: '/me',
      headers: { Authorization: 'Bearer t1' },
    });
    expect([answer.statusCode, answer.responseType, answer.answeredBy]).toEqual([
      504,
      'INTEGRATION_TIMEOUT',
      'gateway',
    ]);
  });

  it('renders any gateway response on its own, for what reaches the API outside every route', () => {
    const { model } = gateway(() => policy(STAGE_WIDE));
    const answer = model.answer('MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token');
    expect([answer.statusCode, answer.json]).toEqual([
      403,
      { message: 'Missing Authentication Token' },
    ]);
  });
});

describe('how long a cached answer has left', () => {
  it('reports the full TTL on a miss that is cached, what is left on a hit, and nothing when not cached', async () => {
    const { call, advance } = gateway(() => policy(STAGE_WIDE), { ttl: 60 });
    expect((await call('/me')).authorizerCacheTtlLeftMs).toBe(60_000);
    advance(20);
    expect((await call('/me')).authorizerCacheTtlLeftMs).toBe(40_000);
    const off = gateway(() => policy(STAGE_WIDE), { ttl: 0 });
    expect((await off.call('/me')).authorizerCacheTtlLeftMs).toBeUndefined();
    const refused = gateway(() => new Error('Unauthorized'));
    expect((await refused.call('/me')).authorizerCacheTtlLeftMs).toBeUndefined();
  });
});

describe('headers as the proxy event carries them', () => {
  it('keeps the last value of a repeated header in headers and every value in multiValueHeaders', async () => {
    const { model } = gateway(() => policy(STAGE_WIDE));
    const answer = await model.request({
      method: 'GET',
      path: '/me',
      headers: { Authorization: 'Bearer t1', 'If-Match': '"2"' },
      multiValueHeaders: { Authorization: ['Bearer t1'], 'If-Match': ['"1"', '"2"'] },
    });
    expect(answer.event?.headers['If-Match']).toBe('"2"');
    expect(answer.event?.multiValueHeaders['If-Match']).toEqual(['"1"', '"2"']);
    expect(answer.event?.multiValueHeaders.Authorization).toEqual(['Bearer t1']);
  });
});
