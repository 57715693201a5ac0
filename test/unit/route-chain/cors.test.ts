import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Handler } from 'aws-lambda';
import route from '../../../src/generated/routes/get-me.js';
import { loadHttpConfig } from '../../../src/route-chain/http-config.ts';
import { json } from '../../../src/route-chain/respond.ts';
import { routeHandler } from '../../../src/route-chain/route-handler.ts';
import { ConfigError } from '../../../src/shared/env.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { lambdaContext, proxyEvent } from '../../support/events.ts';

/** CORS on every answer of the route chain, with the default `*` and with an allowlist. */
type ProxyHandler = Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
const handlerWith = (CORS_ALLOWED_ORIGINS?: string) =>
  routeHandler(route, async () => json(200, { ok: true }), {
    config: loadHttpConfig(CORS_ALLOWED_ORIGINS === undefined ? {} : { CORS_ALLOWED_ORIGINS }),
    log: silentLogger,
  }) as unknown as ProxyHandler;

async function call(handler: ProxyHandler, origin: string | undefined, authorizer?: null) {
  const response = (await handler(
    proxyEvent({
      path: '/me',
      headers: origin ? { Origin: origin } : {},
      ...(authorizer === null ? { authorizer } : {}),
    }),
    lambdaContext(),
    () => {},
  )) as APIGatewayProxyResult;
  const headers = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  return { status: response.statusCode, headers };
}

describe('CORS on the route chain', () => {
  const any = handlerWith();
  const allowlist = handlerWith('https://app.example, https://*.partner.example');

  it.each([
    ['with an Origin', 'https://anything.example'],
    ['without an Origin', undefined],
  ])('lets any origin read answers and errors by default (%s)', async (_name, origin) => {
    for (const authorizer of [undefined, null] as const) {
      const { headers } = await call(any, origin, authorizer);
      expect(headers['access-control-allow-origin']).toBe('*');
      expect(headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/);
    }
  });

  it('lets a browser send the reliability headers and read the ones it needs back', async () => {
    const { headers } = await call(any, 'https://app.example');
    expect(headers['access-control-allow-headers']?.split(/,\s*/)).toEqual(
      expect.arrayContaining(['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key']),
    );
    expect(headers['access-control-expose-headers']?.split(/,\s*/)).toEqual(
      expect.arrayContaining(['ETag', 'Location', 'Retry-After']),
    );
  });

  it.each([
    ['an allowed origin', 'https://app.example', 'https://app.example'],
    ['an allowed wildcard subdomain', 'https://eu.partner.example', 'https://eu.partner.example'],
    ['another origin', 'https://evil.example', undefined],
    ['no origin', undefined, undefined],
  ])('answers %s of an allowlist with Vary: Origin', async (_name, origin, allowed) => {
    for (const authorizer of [undefined, null] as const) {
      const { status, headers } = await call(allowlist, origin, authorizer);
      expect(status).toBe(authorizer === null ? 401 : 200);
      expect(headers['access-control-allow-origin']).toBe(allowed);
      expect(headers.vary).toMatch(/\bOrigin\b/);
    }
  });

  it.each([
    ['a trailing slash', 'https://app.example/'],
    ['a path', 'https://app.example/app'],
    ['no scheme', 'app.example'],
    ['another scheme', 'ftp://app.example'],
    ['* among origins', '*, https://app.example'],
  ])('refuses an allowlist entry with %s at cold start', (_name, value) => {
    expect(() => loadHttpConfig({ CORS_ALLOWED_ORIGINS: value })).toThrow(ConfigError);
  });
});
