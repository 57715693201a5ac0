import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayFront } from '../../local/api-gateway/front.ts';
import { loadServiceDefinition, type ServiceDefinition } from '../../local/api-gateway/service.ts';
import { projectRouteTable } from '../support/route-table.ts';
import {
  accessLogLineOf,
  expectGatewayResponse,
  get,
  running,
  uncachedAlternating,
  type Running,
} from '../support/local-gateway.ts';

/**
 * `npm start -- --param layer1=native`: the local API Gateway in front of sls offline with API
 * Gateway's native JWT authorizer as layer 1, over real HTTP. No authorizer function runs (sls
 * offline's own log says so); the gateway's refusals are rendered from serverless.yml's gateway
 * responses; the route functions get the token's claims. What differs from our mode is asserted
 * here in this mode (test/e2e/local-gateway.test.ts has ours).
 */
const ROOT = join(import.meta.dirname, '..', '..');
let service: ServiceDefinition;
let keysDir: string;
let gateway: Running;

beforeAll(async () => {
  service = await loadServiceDefinition(ROOT, {}, projectRouteTable());
  keysDir = mkdtempSync(join(tmpdir(), 'gateway-native-keys-'));
  gateway = await running(keysDir, { params: { layer1: 'native' } });
}, 120_000);
afterAll(async () => {
  await gateway?.stop();
  rmSync(keysDir, { recursive: true, force: true });
});

describe('the local API Gateway with the native JWT authorizer', () => {
  it('never runs the authorizer function: sls offline logs no run, the gateway validates every request itself', async () => {
    expect(gateway.stack.layer1).toBe('native');
    const token = await gateway.stack.tokenFor('writer');
    const before = gateway.stack.gatewayStats();
    expect(await uncachedAlternating(gateway.stack.apiUrl, token)).toEqual(Array(10).fill(200));
    const after = gateway.stack.gatewayStats();
    expect(after.authorizerInvocations).toBe(0);
    expect(after.jwtValidations - before.jwtValidations).toBe(10);
    expect(await gateway.authorizerRuns()).toBe(0);
  });

  it('passes the token’s claims to the route: GET /me names the caller as our authorizer’s context does', async () => {
    const answer = await get(`${gateway.stack.apiUrl}/me`, await gateway.stack.tokenFor('writer'));
    expect(JSON.parse(answer.body)).toMatchObject({
      sub: 'writer',
      clientId: 'writer',
      scopes: ['users:read', 'users:write'],
      issuer: gateway.stack.auth.issuer,
    });
  });

  it('answers a request without a token, and a token it refuses, with the UNAUTHORIZED gateway response', async () => {
    const reader = await gateway.stack.tokenFor('reader');
    const [header, payload] = reader.split('.');
    for (const token of [undefined, `${header}.${payload}.${'A'.repeat(86)}`]) {
      const answer = await get(`${gateway.stack.apiUrl}/me`, token);
      expectGatewayResponse(service, answer, 'UNAUTHORIZED', 'Unauthorized', 401);
      expect(answer.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    }
  });

  it("answers a token without the method's scope with the ACCESS_DENIED gateway response (403 Forbidden), before the route runs", async () => {
    const reader = await gateway.stack.tokenFor('reader');
    const handled = gateway.stack.gatewayStats().handlerInvocations;
    const answer = await get(`${gateway.stack.apiUrl}/users`, reader, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'native@example.com', name: 'Native' }),
    });
    expectGatewayResponse(service, answer, 'ACCESS_DENIED', 'Forbidden', 403);
    expect(answer.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(gateway.stack.gatewayStats().handlerInvocations).toBe(handled);
  });

  it("has no per-client usage plan: the limited client's sixth quick request is answered (429 in our mode)", async () => {
    const limited = await gateway.stack.tokenFor('limited');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1)
      statuses.push((await get(`${gateway.stack.apiUrl}/me`, limited)).status);
    expect(statuses).toEqual(Array(6).fill(200));
    expect(gateway.stack.throttling.usagePlans?.plans.map((plan) => plan.clients)).toEqual([[]]);
  });

  it('answers an unknown route and an oversized body before any token check, as in our mode', async () => {
    const before = gateway.stack.gatewayStats().jwtValidations;
    const unknown = await get(`${gateway.stack.apiUrl}/nope`);
    expectGatewayResponse(
      service,
      unknown,
      'MISSING_AUTHENTICATION_TOKEN',
      'Missing Authentication Token',
      403,
    );
    const large = await get(`${gateway.stack.apiUrl}/users`, 'x', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expectGatewayResponse(service, large, 'REQUEST_TOO_LARGE', 'Request Too Large', 413);
    expect(gateway.stack.gatewayStats().jwtValidations).toBe(before);
  });

  it('writes the access log in the deployed format: the JWT authorizer’s status and no Lambda of its own', async () => {
    const reader = await gateway.stack.tokenFor('reader');
    const lineOfCall = accessLogLineOf(gateway, service);
    const lineOf = async (path: string, bearer?: string, init: RequestInit = {}) =>
      (await lineOfCall(path, bearer, init)).line;
    expect(await lineOf('/me', reader)).toMatchObject({
      authorizeStatus: '200',
      authorizerStatus: '200',
      authorizerRequestId: '-',
      authorizerIntegrationStatus: '-',
      principalId: '-',
      integrationStatus: '200',
    });
    expect(await lineOf('/me')).toMatchObject({
      status: '401',
      errorResponseType: 'UNAUTHORIZED',
      authorizeStatus: '401',
      authorizerStatus: '-',
    });
    expect(await lineOf('/users', reader, { method: 'DELETE' })).toMatchObject({
      status: '403',
      errorResponseType: 'MISSING_AUTHENTICATION_TOKEN',
    });
    expect(
      await lineOf(`/users/${crypto.randomUUID()}`, reader, { method: 'DELETE' }),
    ).toMatchObject({
      status: '403',
      errorResponseType: 'ACCESS_DENIED',
      authorizeStatus: '403',
      authorizerStatus: '200',
      integrationStatus: '-',
    });
  });
});

describe('the local gateway in native mode refuses what has no meaning there', () => {
  it('--authorizer per-route (it replaces our Lambda authorizer; there is none)', async () => {
    await expect(
      startGatewayFront({
        port: 0,
        service: { ...service, layer1: 'native' },
        lambdaUrl: 'http://127.0.0.1:1',
        authorizer: 'per-route',
        native: { rules: gateway.stack.issuerRules },
      }),
    ).rejects.toThrow(/--authorizer per-route .* with layer1=native there is none/);
  });
});
