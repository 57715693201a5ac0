import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { importJWK, SignJWT, type JWK } from 'jose';
import { startAuthServer, type AuthServer } from '../../local/auth-server.ts';
import { methodScopesOf } from '../../local/api-gateway/jwt-configuration.ts';
import { loadIssuerRules, type IssuerRules } from '../../src/issuers/issuer-config.ts';
import { loadLocalClients } from '../../local/local-clients.ts';
import {
  freePorts,
  localIssuers,
  requestToken,
  startLocalStack,
  type LocalStack,
} from '../../local/stack.ts';
import { openApiFor } from '../../tools/openapi.ts';
import { usersClient } from '../client/users-client.ts';
import { prismViolations, startPrismProxy, type PrismProxy } from '../support/prism.ts';
import {
  expectDeclaredGatewayAnswer,
  expectDeclaredResponse,
  routeOf,
} from '../support/response-contract.ts';
import {
  expectedOutcome,
  outcome,
  routesUnderTest,
  type RouteUnderTest,
} from '../support/route-examples.ts';
import { untilExpired } from '../support/issuer.ts';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * End to end over real HTTP: the stack `npm start` runs (oidc-provider, DynamoDB Local, sls offline
 * with the real handlers) on free ports, tokens from the real token endpoint, behind either layer
 * 1: our authorizer, whose answers the local API Gateway caches as AWS does (300 s here), or API
 * Gateway's native JWT authorizer (`npm start -- --param layer1=native`). Every request goes
 * through Stoplight Prism's validation proxy, which holds each exchange to the published OpenAPI
 * document, and each answer is also held to its route's `x-responses`. One suite, run by
 * local-stack.test.ts and local-stack-native.test.ts: the same requests get the same answers in
 * both modes, except where a test says which layer answers in which mode.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const flipLowBit = (c: string) => B64URL[B64URL.indexOf(c) ^ 1]!;
const NEW_USER = { email: 'grace@example.com', name: 'Grace Hopper' };

export type Layer1 = 'lambda' | 'native';

export function localStackSuite(layer1: Layer1): void {
  let stack: LocalStack;
  let prism: PrismProxy;
  let stranger: AuthServer;
  let keysDir: string;
  const tokens: Record<string, string> = {};
  /** The same clients' tokens from the second auth server the stack trusts. */
  const partnerTokens: Record<string, string> = {};
  /** Exchanges Prism checked, for the summary below. */
  let checkedByPrism = 0;
  let functionOutput = '';

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'e2e-keys-'));
    stack = await startLocalStack({
      ports: await freePorts(),
      keysDir,
      params: { layer1 },
      // What the functions log (their decision lines), for the tests that read a refusal's reason.
      onOutput: (chunk) => (functionOutput += chunk),
    });
    expect(stack.layer1).toBe(layer1);
    prism = await startPrismProxy(await openApiFor(ROOT, {}, projectRouteTable()), stack.apiUrl);
    stranger = await startAuthServer({ port: 0, keysFile: join(keysDir, 'stranger.json') });
    for (const client of ['reader', 'writer', 'admin']) {
      tokens[client] = await stack.tokenFor(client);
      partnerTokens[client] = await requestToken(stack.partner, client);
    }
  }, 120_000);

  afterAll(async () => {
    await prism?.stop();
    await stack?.stop();
    await stranger?.close();
    rmSync(keysDir, { recursive: true, force: true });
    // Nothing checked would mean the proxy was bypassed: the contract check proved nothing.
    expect(checkedByPrism).toBeGreaterThan(50);
  });

  interface Expectation {
    /** The request breaks the document on purpose (a refusal case): Prism must say so too. */
    readonly invalid?: boolean;
    /** API Gateway answers this one itself (a gateway response), not a route's function. */
    readonly fromGateway?: boolean;
  }

  /**
   * fetch through Prism, failing the test on any response Prism or the route's `x-responses`
   * finds outside the contract (naming the route, the status and what is wrong), and on a request
   * Prism finds invalid that the test did not mean to send.
   */
  async function contractFetch(request: Request, expected: Expectation = {}): Promise<Response> {
    const url = new URL(request.url);
    // The document's paths are the stage's (`/users`); Prism forwards them to the stage's URL.
    const path = url.pathname.slice(new URL(stack.apiUrl).pathname.length);
    const hasBody = !['GET', 'HEAD'].includes(request.method);
    const response = await fetch(`${prism.url}${path}${url.search}`, {
      method: request.method,
      headers: request.headers,
      ...(hasBody ? { body: await request.text() } : {}),
    });
    const text = await response.text();
    checkedByPrism += 1;
    const { request: requestViolations, response: responseViolations } = prismViolations(
      response.headers,
    );
    const what = `${request.method} ${path} → ${response.status}`;
    if (expected.invalid)
      expect({ what, prismFoundTheRequestInvalid: requestViolations.length > 0 }).toEqual({
        what,
        prismFoundTheRequestInvalid: true,
      });
    else expect({ what, requestViolations }).toEqual({ what, requestViolations: [] });

    const seen = {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body: text,
    };
    expect({ what, responseViolations }).toEqual({ what, responseViolations: [] });
    if (expected.fromGateway) {
      expect({ what, answeredBy: response.headers.get('x-amzn-errortype') }).toEqual({
        what,
        answeredBy: expect.any(String),
      });
      expectDeclaredGatewayAnswer(seen);
    } else {
      const route = routeOf(request.method, path);
      expect({ what, route }).toEqual({ what, route: expect.any(String) });
      expectDeclaredResponse(route!, seen);
    }
    const nullBody = response.status === 204 || response.status === 304;
    return new Response(nullBody ? null : text, {
      status: response.status,
      headers: response.headers,
    });
  }

  interface Reply {
    readonly status: number;
    readonly contentType: string | null;
    readonly headers: Headers;
    readonly json: Record<string, unknown> | undefined;
  }

  async function call(
    method: string,
    path: string,
    {
      token,
      body,
      contentType = 'application/json',
      ...expected
    }: { token?: string; body?: unknown; contentType?: string } & Expectation = {},
  ): Promise<Reply> {
    const request = new Request(`${stack.apiUrl}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'Content-Type': contentType }),
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const response = await contractFetch(request, expected);
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      headers: response.headers,
      json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  }

  /** The typed client of test/client (openapi-fetch), every call through the contract checks. */
  const client = (token: string) =>
    usersClient(stack.apiUrl, token, (request) => contractFetch(request));

  describe('the contract check over HTTP', () => {
    it('catches a response the document does not describe (a copy whose Me requires a nickname)', async () => {
      const document = await openApiFor(ROOT, {}, projectRouteTable());
      const schemas = (document.components as { schemas: Record<string, { required: string[] }> })
        .schemas;
      schemas.Me!.required.push('nickname');
      const strict = await startPrismProxy(document, stack.apiUrl);
      try {
        const response = await fetch(`${strict.url}/me`, {
          headers: { Authorization: `Bearer ${tokens.reader!}` },
        });
        expect(response.status).toBe(200);
        expect(prismViolations(response.headers).response).toEqual([
          expect.objectContaining({ message: expect.stringContaining("'nickname'") }),
        ]);
      } finally {
        await strict.stop();
      }
    });
  });

  describe('tokens from the local auth server', () => {
    it('are JWTs for this API with the client as subject and its scopes', async () => {
      const me = await call('GET', '/me', { token: tokens.writer });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({
        sub: 'writer',
        clientId: 'writer',
        scopes: ['users:read', 'users:write'],
        issuer: stack.auth.issuer,
      });
    });

    it('come from either of the two trusted auth servers, each verified with its own keys', async () => {
      const me = await call('GET', '/me', { token: partnerTokens.writer });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ sub: 'writer', issuer: stack.partner.issuer });
      expect(stack.partner.currentKid()).not.toBe(stack.auth.currentKid());
    });

    it("answer README's curl lines alike in both layer 1s: 200 on /me, 403 for a scope the token lacks, 401 without a token", async () => {
      const me = await call('GET', '/me', { token: tokens.reader! });
      expect([me.status, me.json?.sub]).toEqual([200, 'reader']);
      // Our mode: layer 2's insufficient_scope; native: the gateway's access_denied (the method
      // has the route's one scope).
      const create = await call('POST', '/users', {
        token: tokens.reader!,
        body: NEW_USER,
        fromGateway: layer1 === 'native',
      });
      expect([create.status, create.json?.code]).toEqual([
        403,
        layer1 === 'native' ? 'access_denied' : 'insufficient_scope',
      ]);
      const anonymous = await call('GET', '/me', { fromGateway: true, invalid: true });
      expect([anonymous.status, anonymous.json?.code]).toEqual([401, 'invalid_token']);
    });

    it('are refused by the token endpoint for a scope the client may not have', async () => {
      await expect(stack.tokenFor('reader', 'users:admin')).rejects.toThrow(/400 invalid_scope/);
    });
  });

  // The local issuer entries' rules (their presets' scope claims): which methods the native
  // authorizer gives a scope. The running stack's own are checked against them in each test.
  const LOCAL_RULES = loadIssuerRules({
    AUTH_ISSUERS: JSON.stringify(
      localIssuers(
        { issuer: 'http://127.0.0.1:1', audience: 'api' },
        { issuer: 'http://127.0.0.1:2', audience: 'api' },
        layer1,
      ),
    ),
  });

  /**
   * What a caller holding `granted` gets on the route: its function's answer, or 403 from layer 2
   * for a scope it lacks; behind the native authorizer, 403 from the gateway itself where the
   * method has the route's one scope and the token has none of it.
   */
  const expectedIn = (route: RouteUnderTest, granted: readonly string[], rules: IssuerRules) => {
    const methodScopes = layer1 === 'native' ? methodScopesOf(route.route.scopes, rules) : [];
    return methodScopes.length && !methodScopes.some((scope) => granted.includes(scope))
      ? '403 access_denied'
      : expectedOutcome(route, granted);
  };

  describe('each route, allowed and refused by scope', () => {
    // Every route of the route table with its schema file's example request, for each client of
    // local/clients.json as the stack runs them: its function answers where the client holds the
    // route's scopes, layer 2 refuses with 403 where it does not.
    const clients = loadLocalClients().clients.filter((c) =>
      ['reader', 'writer', 'admin'].includes(c.id),
    );
    const cases = routesUnderTest(projectRouteTable()).flatMap((route) =>
      clients.map((client) => ({
        route,
        client: client.id,
        granted: client.scope.split(' '),
        key: route.key,
        expected: expectedIn(route, client.scope.split(' '), LOCAL_RULES),
      })),
    );

    const issued = [
      [
        layer1 === 'lambda' ? 'the RFC 9068 auth server' : 'the first auth server (generic)',
        tokens,
      ],
      ['the second auth server', partnerTokens],
    ] as const;
    it.each(issued.flatMap(([issuer, from]) => cases.map((c) => ({ ...c, issuer, from }))))(
      '$issuer, $client: $key → $expected',
      async ({ route, client, granted, expected, from }) => {
        const { example } = route;
        const query = example.query ? `?${new URLSearchParams(example.query)}` : '';
        // The running stack's own issuer rules give the method scopes the title expects.
        expect(expectedIn(route, granted, stack.issuerRules)).toBe(expected);
        const byGateway = expected === '403 access_denied';
        const response = await contractFetch(
          new Request(`${stack.apiUrl}${example.path}${query}`, {
            method: example.method,
            headers: { ...example.headers, Authorization: `Bearer ${from[client]!}` },
            ...(example.body === undefined ? {} : { body: example.body }),
          }),
          { fromGateway: byGateway },
        );
        const body = await response.text();
        expect(outcome({ statusCode: response.status, body })).toBe(expected);
        if (byGateway) {
          // Native: the method has the route's one scope, and the gateway refuses a token holding
          // none of it, with serverless.yml's ACCESS_DENIED problem.
          expect(JSON.parse(body)).toMatchObject({ code: 'access_denied', detail: 'Forbidden' });
        } else if (response.status === 403) {
          expect(response.headers.get('content-type')).toBe('application/problem+json');
          expect(JSON.parse(body)).toMatchObject({
            code: 'insufficient_scope',
            error: 'insufficient_scope',
            scope: route.route.scopes.join(' '),
          });
          // API Gateway renames a function's WWW-Authenticate (G7); the body carries the same.
          expect(response.headers.get('x-amzn-remapped-www-authenticate')).toContain(
            'error="insufficient_scope"',
          );
        }
      },
    );
  });

  /** An ID token of the first auth server, signed with its key, shaped as oidc-provider issues one. */
  async function idToken(claims: Record<string, unknown>): Promise<string> {
    const { keys } = JSON.parse(readFileSync(join(keysDir, 'jwks.json'), 'utf8')) as {
      keys: JWK[];
    };
    const key = keys.find((k) => k.kid === stack.auth.currentKid())!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'reader', auth_time: now, ...claims })
      .setProtectedHeader({ alg: key.alg!, kid: key.kid!, typ: 'JWT' })
      .setIssuer(stack.auth.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(await importJWK(key, key.alg));
  }

  describe('what layer 1 refuses', () => {
    // The local gateway answers with serverless.yml's UNAUTHORIZED gateway response, as AWS does
    // (test/e2e/local-gateway.test.ts compares it with serverless.yml).
    it.each([
      ['no token', undefined],
      ['a garbage token', 'not-a-jwt'],
      ['a well-formed token with a forged signature', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
    ])('%s: 401', async (_name, token) => {
      const reply = await call('GET', '/me', {
        fromGateway: true,
        // With no Authorization header at all, the document's security requirement is unmet.
        invalid: token === undefined,
        ...(token === undefined ? {} : { token }),
      });
      expect([reply.status, reply.json?.code]).toEqual([401, 'invalid_token']);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('a token from another auth server (its own valid keys): 401', async () => {
      const foreign = await requestToken(stranger, 'admin');
      expect((await call('GET', '/me', { token: foreign, fromGateway: true })).status).toBe(401);
    });

    it(
      layer1 === 'lambda'
        ? 'an expired token: 401 invalid_token, from layer 2 (behind the cached Allow)'
        : 'an expired token: 401 invalid_token, from the gateway (no clock skew, nothing cached)',
      async () => {
        const shortLived = await stack.tokenFor('shortlived');
        expect((await call('GET', '/me', { token: shortLived })).status).toBe(200);
        // Its lifetime is 3 s (local/clients.json): 2 to 3 s left for the call above.
        await untilExpired(shortLived);
        const reply = await call('GET', '/me', {
          token: shortLived,
          fromGateway: layer1 === 'native',
        });
        expect(reply.status).toBe(401);
        // Our mode: the gateway's cached Allow outlives the token (C10), and inside the
        // authorizer's clock tolerance it would be let through anyway: layer 2 refuses it, as it
        // checks exp itself. Native: the gateway checks exp on every request.
        expect(reply.json).toMatchObject({ code: 'invalid_token' });
        expect(reply.headers.get('x-amzn-errortype')).toBe(
          layer1 === 'native' ? 'UnauthorizedException' : null,
        );
      },
    );

    it("an ID token of the trusted auth server, naming its client in aud (as oidc-provider's do): 401 at the gateway", async () => {
      const token = await idToken({ aud: 'reader', nonce: 'n-0S6_WzA2Mj' });
      const reply = await call('GET', '/me', { token, fromGateway: true });
      expect([reply.status, reply.json?.code]).toEqual([401, 'invalid_token']);
    });

    it(
      layer1 === 'lambda'
        ? 'an ID token naming the API in aud too: 401 at the gateway (our authorizer: its typ and nonce)'
        : 'an ID token naming the API in aud too: passes the gateway, refused by layer 2 (401 invalid_token, wrong_token_type in its log line)',
      async () => {
        const token = await idToken({
          aud: ['reader', stack.auth.audience],
          nonce: 'n-0S6_WzA2Mj',
        });
        const logged = functionOutput.length;
        const reply = await call('GET', '/me', { token, fromGateway: layer1 === 'lambda' });
        expect([reply.status, reply.json?.code]).toEqual([401, 'invalid_token']);
        if (layer1 === 'native') {
          expect(reply.json).toMatchObject({ error: 'invalid_token' });
          // sls offline prints the function's decision line just after it answers.
          const deadline = Date.now() + 5000;
          while (!functionOutput.includes('wrong_token_type', logged) && Date.now() < deadline)
            await sleep(50);
          // The decision line is also the route's metrics document: its fields in any order.
          const line = functionOutput
            .slice(logged)
            .split('\n')
            .find((text) => text.includes('"reason":"wrong_token_type"'));
          expect(JSON.parse(line ?? '{}')).toMatchObject({
            route: 'GET /me',
            decision: 'deny',
            code: 'invalid_token',
            reason: 'wrong_token_type',
          });
        }
      },
    );
  });

  describe('the users resource, full cycle against DynamoDB Local', () => {
    it('creates, reads, lists, updates and deletes a user through the typed client', async () => {
      const admin = client(tokens.admin!);
      const created = await admin.createUser(NEW_USER);
      expect(created.status).toBe(201);
      expect(created.data).toMatchObject({ ...NEW_USER, role: 'member', createdBy: 'admin' });
      const id = created.data!.userId;
      expect(created.headers.get('location')).toBe(`/users/${id}`);

      const read = await client(tokens.reader!).getUser(id);
      expect(read.data).toEqual(created.data);
      const me = await client(tokens.reader!).me();
      expect(me.data).toMatchObject({ sub: 'reader', scopes: ['users:read'] });
      const list = await client(tokens.reader!).listUsers({ limit: 100 });
      expect(list.data!.items.map((u) => u.userId)).toContain(id);

      const updated = await client(tokens.writer!).updateUser(id, { name: 'Rear Admiral Hopper' });
      expect([updated.status, updated.data?.name]).toEqual([200, 'Rear Admiral Hopper']);

      const deleted = await admin.deleteUser(id);
      expect([deleted.status, deleted.data]).toEqual([204, undefined]);
      const gone = await admin.getUser(id);
      expect([gone.status, gone.problem?.code]).toEqual([404, 'not_found']);
      const again = await admin.deleteUser(id);
      expect([again.status, again.problem?.code]).toEqual([404, 'not_found']);
    });

    it('keeps a resource reliable over HTTP: a retried keyed create, a taken email, a stale If-Match', async () => {
      const writer = client(tokens.writer!);
      const body = { email: `reliable-${Date.now()}@example.com`, name: 'Reliable' };
      const idempotencyKey = `"${crypto.randomUUID()}"`;
      const first = await writer.createUser(body, { idempotencyKey });
      const retry = await writer.createUser(body, { idempotencyKey });
      expect([first.status, retry.status, retry.data]).toEqual([201, 201, first.data]);
      expect(retry.headers.get('location')).toBe(first.headers.get('location'));
      const reused = await writer.createUser({ ...body, name: 'Other' }, { idempotencyKey });
      expect([reused.status, reused.problem?.code]).toEqual([422, 'idempotency_key_reused']);
      const taken = await writer.createUser({ ...body, email: body.email.toUpperCase() });
      expect([taken.status, taken.problem?.code]).toEqual([409, 'conflict']);

      const id = first.data!.userId;
      const etag = (await writer.getUser(id)).headers.get('etag')!;
      const changed = await writer.updateUser(id, { name: 'Changed' }, { ifMatch: etag });
      expect(changed.status).toBe(200);
      const stale = await writer.updateUser(id, { name: 'Lost update' }, { ifMatch: etag });
      expect([stale.status, stale.problem?.code]).toEqual([412, 'precondition_failed']);
      const admin = client(tokens.admin!);
      expect((await admin.deleteUser(id, { ifMatch: etag })).status).toBe(412);
      const current = changed.headers.get('etag')!;
      expect((await admin.deleteUser(id, { ifMatch: current })).status).toBe(204);
    });

    it('pages through every user with limit and nextCursor, each exactly once', async () => {
      const writer = client(tokens.writer!);
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const created = await writer.createUser({ email: `page-${i}@example.com`, name: `P${i}` });
        ids.push(created.data!.userId);
      }
      const reader = client(tokens.reader!);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await reader.listUsers({ limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.status).toBe(200);
        expect(page.data!.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.data!.items.map((u) => u.userId));
        cursor = page.data!.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < 100);
      expect(cursor).toBeUndefined();
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(ids));
    });

    it.each([
      ['a limit that is not an integer', '/users?limit=abc', true, '/queryStringParameters/limit'],
      ['a limit over 100', '/users?limit=101', true, '/queryStringParameters/limit'],
      [
        'a cursor with characters it never has',
        '/users?cursor=%3Cx%3E',
        true,
        '/queryStringParameters/cursor',
      ],
      // OpenAPI cannot say "no other parameters": the operation's description does, and Prism lets it by.
      ['an unknown query parameter', '/users?bogus=1', false, '/queryStringParameters/bogus'],
      ['a user id that is not a UUID', '/users/not-a-uuid', true, '/pathParameters/userId'],
    ])('refuses %s with 400 invalid_request naming it', async (_name, path, invalid, at) => {
      const reply = await call('GET', path, { token: tokens.reader!, invalid });
      expect([reply.status, reply.json?.code]).toEqual([400, 'invalid_request']);
      expect((reply.json!.errors as { path: string }[]).map((e) => e.path)).toContain(at);
    });

    it('refuses a body that is not JSON with 400 malformed_json (sent past Prism, which hangs on one)', async () => {
      // Prism never answers a syntactically broken JSON body (stoplightio/prism#2664): this one
      // goes straight to the API, and its answer is held to the route's x-responses alone.
      const response = await fetch(`${stack.apiUrl}/users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.writer!}`, 'Content-Type': 'application/json' },
        body: '{"email": ',
      });
      const body = await response.text();
      expectDeclaredResponse('POST /users', {
        statusCode: response.status,
        headers: Object.fromEntries(response.headers),
        body,
      });
      expect([response.status, JSON.parse(body).code]).toEqual([400, 'malformed_json']);
    });

    it('refuses an invalid body with 400 and the list of problems, and a wrong content type with 415', async () => {
      const invalid = await call('POST', '/users', {
        token: tokens.writer!,
        body: { email: 'nope', name: '' },
        invalid: true,
      });
      expect(invalid.status).toBe(400);
      expect(invalid.contentType).toBe('application/problem+json');
      expect(invalid.json).toMatchObject({ code: 'invalid_request' });
      expect(
        [...new Set((invalid.json!.errors as { path: string }[]).map((e) => e.path))].sort(),
      ).toEqual(['/body/email', '/body/name']);

      const text = await call('POST', '/users', {
        token: tokens.writer!,
        body: 'email=x',
        contentType: 'text/plain',
        invalid: true,
      });
      expect([text.status, text.json?.code]).toEqual([415, 'unsupported_media_type']);
    });
  });

  describe('who may change an admin account, over HTTP', () => {
    it('refuses a users:write token on an admin account (email, name, role) and allows users:admin', async () => {
      const admin = tokens.admin!;
      const writer = tokens.writer!;
      const target = await call('POST', '/users', {
        token: admin,
        body: { email: 'e2e-admin@example.com', name: 'Admin', role: 'admin' },
      });
      expect(target.status).toBe(201);
      const id = target.json!.userId as string;
      for (const body of [
        { email: 'mallory@example.com' },
        { name: 'Mallory' },
        { role: 'member' },
      ]) {
        const reply = await call('PATCH', `/users/${id}`, { token: writer, body });
        expect([reply.status, reply.json?.code, reply.json?.scope]).toEqual([
          403,
          'insufficient_scope',
          'users:admin',
        ]);
      }
      expect((await call('GET', `/users/${id}`, { token: admin })).json).toEqual(target.json);
      const byAdmin = await call('PATCH', `/users/${id}`, {
        token: admin,
        body: { name: 'Renamed' },
      });
      expect([byAdmin.status, byAdmin.json?.name]).toEqual([200, 'Renamed']);
    });

    it("lets a users:write token change a member account's name", async () => {
      const member = await call('POST', '/users', {
        token: tokens.writer!,
        body: { email: 'e2e-member@example.com', name: 'Member' },
      });
      const id = member.json!.userId as string;
      const reply = await call('PATCH', `/users/${id}`, {
        token: tokens.writer!,
        body: { name: 'M.' },
      });
      expect([reply.status, reply.json?.name]).toEqual([200, 'M.']);
    });
  });

  describe('a valid token spelled another way, over HTTP', () => {
    // Our authorizer (and the identity expression before it) takes only the canonical encoding:
    // each spelling would be another cache entry. How API Gateway's JWT parser treats them is not
    // documented; the local native authorizer decodes as jose does, which accepts both.
    it.each([
      ['== padding on the signature', (t: string) => `${t}==`],
      [
        'an unused bit set in the last character',
        (t: string) => `${t.slice(0, -1)}${flipLowBit(t.at(-1)!)}`,
      ],
    ])(
      layer1 === 'lambda' ? 'with %s: 401' : 'with %s: accepted by the native authorizer',
      async (_name, respell) => {
        const token = tokens.reader!;
        expect((await call('GET', '/me', { token })).status).toBe(200);
        const reply = await call('GET', '/me', {
          token: respell(token),
          fromGateway: layer1 === 'lambda',
        });
        expect(reply.status).toBe(layer1 === 'lambda' ? 401 : 200);
      },
    );
  });

  describe('request bodies over the size limit, over HTTP', () => {
    it('answers 413 payload_too_large problem+json', async () => {
      const reply = await call('POST', '/users', {
        token: tokens.writer!,
        body: { email: 'big@example.com', name: 'x'.repeat(20_000) },
        invalid: true,
      });
      expect([reply.status, reply.contentType, reply.json?.code]).toEqual([
        413,
        'application/problem+json',
        'payload_too_large',
      ]);
    });
  });

  describe('key rotation on the auth server', () => {
    it('is picked up by the running layer 1 without a restart', async () => {
      const before = await stack.tokenFor('reader');
      const oldKid = stack.auth.currentKid();
      const newKid = await stack.auth.rotateKeys();
      expect(newKid).not.toBe(oldKid);
      const after = await stack.tokenFor('reader');
      expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).toBe(
        newKid,
      );
      // The stack runs the authorizer with AUTH_JWKS_COOLDOWN_SECONDS=1: an unknown kid refetches
      // the JWKS at most once a second.
      await sleep(1100);
      expect((await call('GET', '/me', { token: after })).status).toBe(200);
      // Tokens signed before the rotation stay valid: the old public key is still published.
      expect((await call('GET', '/me', { token: before })).status).toBe(200);
    });
  });
}
