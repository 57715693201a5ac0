import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuthServer, type AuthServer } from '../../local/auth-server.ts';
import { freePort } from '../../local/ports.ts';
import { CACHE_HEADER } from '../../local/api-gateway/front.ts';
import type { GatewayResponseType } from '../../local/api-gateway/model.ts';
import { loadServiceDefinition, type ServiceDefinition } from '../../local/api-gateway/service.ts';
import { projectRouteTable } from '../support/route-table.ts';
import { localUsagePlans, requestToken, type StackOptions } from '../../local/stack.ts';
import {
  accessLogLineOf,
  expectGatewayResponse as expectGatewayResponseOf,
  get,
  running as runningStack,
  uncachedAlternating,
  type Answer,
  type Running,
} from '../support/local-gateway.ts';

/**
 * `npm start` answers as the deployed REST API does: the local API Gateway in front of sls
 * offline, over real HTTP. Every expected gateway answer is rendered here from serverless.yml's
 * own GatewayResponse templates (as Serverless resolves them), not restated; the authorizer's
 * invocations are counted twice, by the gateway and in sls offline's own log of the runs.
 */
const ROOT = join(import.meta.dirname, '..', '..');
let service: ServiceDefinition;
let keysDir: string;

beforeAll(async () => {
  service = await loadServiceDefinition(ROOT, {}, projectRouteTable());
  keysDir = mkdtempSync(join(tmpdir(), 'gateway-keys-'));
}, 60_000);
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

const running = (options: Partial<StackOptions> = {}) => runningStack(keysDir, options);
const expectGatewayResponse = (
  answer: Answer,
  type: GatewayResponseType,
  message: string | null,
  status: number,
) => expectGatewayResponseOf(service, answer, type, message, status);

describe('the local API Gateway with our authorizer (stage-wide Allow, TTL from serverless.yml)', () => {
  let gateway: Running;
  let unreachable: AuthServer;
  let reader: string;

  beforeAll(async () => {
    // A real auth server the API trusts, but whose keys it cannot fetch: layer 1 cannot
    // decide about its tokens, which API Gateway answers with 500.
    unreachable = await startAuthServer({ port: 0, keysFile: join(keysDir, 'unreachable.json') });
    gateway = await running({
      reference: true,
      extraIssuers: [
        {
          issuer: unreachable.issuer,
          preset: 'rfc9068',
          audience: unreachable.audience,
          // Nothing listens there: the JWKS fetch is refused at once.
          jwksUrl: `http://127.0.0.1:${await freePort()}/jwks`,
        },
      ],
    });
    reader = await gateway.stack.tokenFor('reader');
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
    await unreachable?.close();
  });

  it('uses the TTL serverless.yml sets', () => {
    expect(gateway.stack.authorizerTtl).toBe(service.authorizer.resultTtlInSeconds);
    expect(gateway.stack.authorizerTtl).toBeGreaterThan(0);
  });

  it('answers a request without a token with the UNAUTHORIZED gateway response, without running the authorizer', async () => {
    const runs = await gateway.authorizerRuns();
    const answer = await get(`${gateway.stack.apiUrl}/me`);
    expectGatewayResponse(answer, 'UNAUTHORIZED', 'Unauthorized', 401);
    expect(answer.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect(answer.headers.get(CACHE_HEADER)).toBeNull();
    expect(await gateway.authorizerRuns()).toBe(runs);
  });

  it('answers a token that fails the identity validation expression the same way, without running the authorizer', async () => {
    const runs = await gateway.authorizerRuns();
    const answer = await get(`${gateway.stack.apiUrl}/me`, `${reader}==`);
    expectGatewayResponse(answer, 'UNAUTHORIZED', 'Unauthorized', 401);
    expect(await gateway.authorizerRuns()).toBe(runs);
  });

  it('answers a token the authorizer refuses with the UNAUTHORIZED gateway response', async () => {
    const [header, payload] = reader.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    const runs = await gateway.authorizerRuns();
    const answer = await get(`${gateway.stack.apiUrl}/me`, forged);
    expectGatewayResponse(answer, 'UNAUTHORIZED', 'Unauthorized', 401);
    expect(answer.headers.get(CACHE_HEADER)).toBe('miss; not cached');
    expect(await gateway.authorizerRuns(runs + 1)).toBe(runs + 1);
  });

  it('answers 500 with the AUTHORIZER_CONFIGURATION_ERROR gateway response when the authorizer cannot decide (its JWKS is unreachable)', async () => {
    const token = await requestToken(unreachable, 'reader');
    const answer = await get(`${gateway.stack.apiUrl}/me`, token);
    expectGatewayResponse(answer, 'AUTHORIZER_CONFIGURATION_ERROR', null, 500);
    expect(answer.headers.get('x-amzn-errortype')).toBe('AuthorizerConfigurationException');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'authorizer_error' });
  });

  it('runs the authorizer once for many requests with one token inside the TTL, whatever the route', async () => {
    const token = await gateway.stack.tokenFor('writer');
    const before = { runs: await gateway.authorizerRuns(), stats: gateway.stack.gatewayStats() };
    const paths = ['/me', '/users', '/users?limit=3', '/me', `/users/${crypto.randomUUID()}`];
    const answers: Answer[] = [];
    for (let i = 0; i < 20; i += 1)
      answers.push(await get(`${gateway.stack.apiUrl}${paths[i % paths.length]}`, token));
    expect(answers.map((a) => a.status)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % paths.length === 4 ? 404 : 200)),
    );
    const after = gateway.stack.gatewayStats();
    expect((await gateway.authorizerRuns(before.runs + 1)) - before.runs).toBe(1);
    expect(after.authorizerInvocations - before.stats.authorizerInvocations).toBe(1);
    expect(after.cacheHits - before.stats.cacheHits).toBe(19);
    expect(answers[0]!.headers.get(CACHE_HEADER)).toBe(`miss; ttl=${gateway.stack.authorizerTtl}`);
    for (const answer of answers.slice(1))
      expect(answer.headers.get(CACHE_HEADER)).toMatch(/^hit; ttl=\d+$/);
  });

  it('answers an unknown route, or a path outside the stage, with 403 MISSING_AUTHENTICATION_TOKEN through DEFAULT_4XX', async () => {
    for (const url of [
      `${gateway.stack.apiUrl}/nope`,
      `${gateway.stack.apiUrl}/me/extra`,
      `${new URL(gateway.stack.apiUrl).origin}/prod/me`,
    ]) {
      const answer = await get(url, reader);
      expectGatewayResponse(
        answer,
        'MISSING_AUTHENTICATION_TOKEN',
        'Missing Authentication Token',
        403,
      );
      expect(answer.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
    const wrongMethod = await get(`${gateway.stack.apiUrl}/me`, reader, { method: 'PUT' });
    expect(wrongMethod.status).toBe(403);
  });

  it('answers a CORS preflight with the OPTIONS mock serverless.yml deploys, without a token', async () => {
    for (const [path, headers] of Object.entries(service.corsPreflight)) {
      const sample = path.replace('{userId}', crypto.randomUUID());
      const answer = await get(`${gateway.stack.apiUrl}${sample}`, undefined, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
      });
      expect([path, answer.status, answer.body]).toEqual([path, 200, '']);
      for (const [name, value] of Object.entries(headers))
        expect([path, name, answer.headers.get(name)]).toEqual([path, name, value]);
    }
  });

  it('refuses a body over 10 MB with 413 REQUEST_TOO_LARGE through DEFAULT_4XX, before the authorizer', async () => {
    const runs = await gateway.authorizerRuns();
    const answer = await get(`${gateway.stack.apiUrl}/users`, reader, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expectGatewayResponse(answer, 'REQUEST_TOO_LARGE', 'Request Too Large', 413);
    expect(await gateway.authorizerRuns()).toBe(runs);
  });

  it('writes one access-log line per request in the deployed format (npm start -- --verbose): a run, a cache hit, a refusal by each layer', async () => {
    const token = await gateway.stack.tokenFor('reader');
    const lineOf = accessLogLineOf(gateway, service);
    const run = await lineOf('/me', token);
    expect(run.line).toMatchObject({
      resourcePath: '/me',
      authorizerStatus: '200',
      principalId: 'reader',
    });
    expect(run.line.authorizerRequestId).toMatch(/^[0-9a-f-]{36}$/);
    const hit = await lineOf('/users', token);
    expect(hit.line).toMatchObject({ authorizerStatus: '200', authorizerRequestId: '-' });
    const layer1 = await lineOf('/users');
    expect(layer1.line).toMatchObject({
      status: '401',
      errorResponseType: 'UNAUTHORIZED',
      authorizerStatus: '-',
      requestId: layer1.answer.headers.get('x-amzn-requestid'),
    });
    const layer2 = await lineOf('/users', token, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(layer2.line).toMatchObject({
      status: '403',
      errorResponseType: '-',
      integrationStatus: '403',
    });
  });

  it('serves the OpenAPI document, naming its own URL as the local server, and the reference page', async () => {
    const document = await get(gateway.stack.documentUrl!);
    expect(document.status).toBe(200);
    const servers = (JSON.parse(document.body) as { servers: { url: string }[] }).servers;
    expect(servers.map((s) => s.url)).toContain(gateway.stack.apiUrl);
    const page = await get(gateway.stack.referenceUrl!);
    expect([page.status, page.headers.get('content-type')]).toEqual([
      200,
      'text/html; charset=utf-8',
    ]);
    expect(page.body).toContain('__redoc_definition');
  });
});

describe('the per-route Allow trap, reproduced locally (npm start -- --authorizer per-route)', () => {
  let gateway: Running;
  beforeAll(async () => {
    gateway = await running({ authorizer: 'per-route' });
  }, 120_000);
  afterAll(() => gateway?.stop());

  it('answers the first route, then 403 on the next route with the same token (the cached Allow covers only the first)', async () => {
    const token = await gateway.stack.tokenFor('reader');
    const first = await get(`${gateway.stack.apiUrl}/me`, token);
    expect(first.status).toBe(200);
    const second = await get(`${gateway.stack.apiUrl}/users`, token);
    expectGatewayResponse(
      second,
      'ACCESS_DENIED',
      'User is not authorized to access this resource',
      403,
    );
    expect(second.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(second.headers.get(CACHE_HEADER)).toMatch(/^hit; ttl=\d+$/);
    // The route the Allow was written for still answers.
    expect((await get(`${gateway.stack.apiUrl}/me`, token)).status).toBe(200);
  });

  it('answers the other route for a fresh token: the 403 comes from the cache, not the token', async () => {
    const token = await gateway.stack.tokenFor('reader');
    expect((await get(`${gateway.stack.apiUrl}/users`, token)).status).toBe(200);
    expect((await get(`${gateway.stack.apiUrl}/me`, token)).status).toBe(403);
  });
});

describe('the cache turned off (npm start -- --param authorizerTtl=0)', () => {
  let gateway: Running;
  beforeAll(async () => {
    gateway = await running({ authorizer: 'per-route', params: { authorizerTtl: '0' } });
  }, 120_000);
  afterAll(() => gateway?.stop());

  it('runs the authorizer on every request, so even the per-route Allow answers every route', async () => {
    expect(gateway.stack.authorizerTtl).toBe(0);
    const token = await gateway.stack.tokenFor('reader');
    const runs = await gateway.authorizerRuns();
    expect(await uncachedAlternating(gateway.stack.apiUrl, token)).toEqual(Array(10).fill(200));
    expect((await gateway.authorizerRuns(runs + 10)) - runs).toBe(10);
  });
});

describe("usage plans: one client throttled while the others are not (npm start's `limited` client)", () => {
  let gateway: Running;
  // The local gateway's buckets and quotas run on this clock (requests take no time on it),
  // set at noon (UTC) so that no test crosses a day.
  let now = Date.UTC(2026, 0, 15, 12);
  let trial: { rateLimit: number; burstLimit: number; quota: { limit: number } };
  beforeAll(async () => {
    gateway = await running({ now: () => now });
    trial = (JSON.parse(localUsagePlans(gateway.stack.auth)) as { trial: typeof trial }).trial;
  }, 120_000);
  afterAll(() => gateway?.stop());

  const meAs = (token: string) => get(`${gateway.stack.apiUrl}/me`, token);

  it("answers the limited client 429 past its plan's burst, with serverless.yml's THROTTLED problem+json and no Retry-After, while another client is answered", async () => {
    const limited = await gateway.stack.tokenFor('limited');
    const reader = await gateway.stack.tokenFor('reader');
    const statuses: number[] = [];
    for (let i = 0; i < trial.burstLimit; i += 1) statuses.push((await meAs(limited)).status);
    expect(statuses).toEqual(Array(trial.burstLimit).fill(200));
    const throttled = await meAs(limited);
    expectGatewayResponse(throttled, 'THROTTLED', 'Too Many Requests', 429);
    expect(JSON.parse(throttled.body)).toMatchObject({ code: 'throttled', status: 429 });
    expect(throttled.headers.get('content-type')).toBe('application/problem+json');
    expect(throttled.headers.get('retry-after')).toBeNull();
    const others: number[] = [];
    for (let i = 0; i < trial.burstLimit * 2; i += 1) {
      others.push((await meAs(reader)).status);
      expect((await meAs(limited)).status).toBe(429);
    }
    expect(others).toEqual(Array(trial.burstLimit * 2).fill(200));
  });

  it('lets it through again as its plan refills, and answers QUOTA_EXCEEDED once its daily quota is used', async () => {
    const limited = await gateway.stack.tokenFor('limited');
    now += 1000;
    expect((await meAs(limited)).status).toBe(200);
    expect((await meAs(limited)).status).toBe(429);
    // The first test's burst and this one's request: the rest of the day's quota, a second apart.
    const left = trial.quota.limit - trial.burstLimit - 1;
    for (let i = 0; i < left; i += 1) {
      now += 1000;
      expect((await meAs(limited)).status).toBe(200);
    }
    now += 60_000;
    const over = await meAs(limited);
    expectGatewayResponse(over, 'QUOTA_EXCEEDED', 'Limit Exceeded', 429);
    expect(JSON.parse(over.body)).toMatchObject({ code: 'quota_exceeded' });
  });

  it('knows a client by its issuer: the same client id at the second auth server is on the default plan', async () => {
    const elsewhere = await requestToken(gateway.stack.partner, 'limited');
    const statuses: number[] = [];
    for (let i = 0; i < trial.burstLimit * 2; i += 1) statuses.push((await meAs(elsewhere)).status);
    expect(statuses).toEqual(Array(trial.burstLimit * 2).fill(200));
  });
});
