import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultContext, EVERY_SCOPE, type EventOptions } from '../support/events.ts';
import { startHandlers, type Handlers, type RouteName } from '../support/handlers.ts';
import {
  ANSWERED_BY_FUNCTION,
  eventOptions,
  outcome,
  routesUnderTest,
} from '../support/route-examples.ts';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * Every route of the route table through its real handler (middy chain + DynamoDB Local): the
 * allowed case and each way layer 2 must refuse; then the sample API's own behaviour.
 */
let handlers: Handlers;
beforeAll(async () => {
  handlers = await startHandlers('users-routes');
});
afterAll(async () => {
  await handlers.close();
});

const invoke = (name: RouteName, options: EventOptions) => handlers.invoke(name, options);

const UNKNOWN_ID = '9b2f4c1e-0000-4000-8000-000000000000';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

type Authorizer = EventOptions['authorizer'];
/** POST /users with a JSON body, as the caller the authorizer context describes. */
const createUser = (body: string, authorizer: Authorizer) =>
  invoke('create-user', {
    method: 'POST',
    path: '/users',
    headers: JSON_HEADERS,
    body,
    authorizer,
  });
/** PATCH /users/{userId} with a JSON body. */
const patchUser = (userId: string, body: string, authorizer: Authorizer) =>
  invoke('update-user', {
    method: 'PATCH',
    path: `/users/${userId}`,
    pathParameters: { userId },
    headers: JSON_HEADERS,
    body,
    authorizer,
  });

// Each route with the example request of its schema file (a 404 for an unknown id still
// reached the function).
const ROUTES = routesUnderTest(projectRouteTable()).map((r) => ({
  name: r.name as RouteName,
  scopes: r.route.scopes,
  request: eventOptions(r, undefined),
}));

const expectProblem = (
  response: Awaited<ReturnType<typeof invoke>>,
  status: number,
  code: string,
) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers?.['Content-Type']).toBe('application/problem+json');
  expect(response.headers?.['Access-Control-Allow-Origin']).toBe('*');
  expect(response.json).toMatchObject({
    type: `urn:two-layer-authz:problem:${code}`,
    status,
    code,
    title: expect.any(String),
  });
  expect(response.body).not.toMatch(/\bat .+:\d+:\d+\)?/);
};

describe.each(ROUTES)('$name', ({ name, scopes, request }) => {
  const scope = scopes.join(' ');
  it('lets a caller holding exactly the required scopes through to the route', async () => {
    const response = await invoke(name, { ...request, authorizer: defaultContext({ scope }) });
    expect(outcome(response)).toBe(ANSWERED_BY_FUNCTION);
    if (response.statusCode === 404) expectProblem(response, 404, 'not_found');
  });

  it('refuses a request without authorizer context with 401 invalid_token (fail closed)', async () => {
    const response = await invoke(name, { ...request, authorizer: null });
    expectProblem(response, 401, 'invalid_token');
    expect(response.json.error).toBe('invalid_token');
    expect(response.headers?.['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('refuses a token whose exp has passed although the gateway let it through (401)', async () => {
    const response = await invoke(name, {
      ...request,
      authorizer: defaultContext({ scope, exp: Math.floor(Date.now() / 1000) - 1 }),
    });
    expectProblem(response, 401, 'invalid_token');
    expect(response.json.detail).toBe('The access token has expired');
  });

  it.each([1e13, 1e21, '1.0E21', '8.64e12', 'Infinity', '-1e400'])(
    'refuses an exp no date can hold (%s) with 401, never 500',
    async (exp) => {
      const response = await invoke(name, {
        ...request,
        authorizer: defaultContext({ scope, exp }),
      });
      expectProblem(response, 401, 'invalid_token');
    },
  );

  it('refuses a context whose exp is not a number (401)', async () => {
    const response = await invoke(name, {
      ...request,
      authorizer: defaultContext({ scope, exp: 'soon' }),
    });
    expectProblem(response, 401, 'invalid_token');
  });

  if (scopes.length) {
    it.each(scopes)(
      'refuses a caller missing %s with 403 insufficient_scope naming the required scopes',
      async (missing) => {
        const others = EVERY_SCOPE.split(' ')
          .filter((s) => s !== missing)
          .join(' ');
        const response = await invoke(name, {
          ...request,
          authorizer: defaultContext({ scope: others }),
        });
        expectProblem(response, 403, 'insufficient_scope');
        expect(response.json).toMatchObject({ error: 'insufficient_scope', scope });
        expect(response.headers?.['WWW-Authenticate']).toBe(
          `Bearer error="insufficient_scope", scope="${scope}"`,
        );
      },
    );

    it('does not treat a scope that merely contains a required one as granting it', async () => {
      const lookalikes = scopes.flatMap((s) => [`${s}x`, `x${s}`, s.toUpperCase()]);
      const response = await invoke(name, {
        ...request,
        authorizer: defaultContext({ scope: lookalikes.join(' ') }),
      });
      expectProblem(response, 403, 'insufficient_scope');
    });
  }
});

describe('request validation', () => {
  const ctx = defaultContext();
  const post = (body: string | null, headers: Record<string, string> = JSON_HEADERS) =>
    invoke('create-user', { method: 'POST', path: '/users', headers, body, authorizer: ctx });

  it.each([
    [
      'a missing required field',
      '{"email":"ada@example.com"}',
      [{ path: '/body/name', message: 'is required' }],
    ],
    [
      'an unknown property',
      '{"email":"ada@example.com","name":"Ada","isAdmin":true}',
      [{ path: '/body/isAdmin', message: 'is not allowed' }],
    ],
    [
      'a malformed email',
      '{"email":"not-an-email","name":"Ada"}',
      [{ path: '/body/email', message: 'must match format "email"' }],
    ],
    [
      'a role outside the enum',
      '{"email":"ada@example.com","name":"Ada","role":"root"}',
      [{ path: '/body/role', message: 'must be equal to one of the allowed values' }],
    ],
    [
      'a blank name',
      '{"email":"ada@example.com","name":"   "}',
      [{ path: '/body/name', message: 'must match pattern "\\S"' }],
    ],
    ['a JSON array instead of an object', '[]', [{ path: '/body', message: 'must be object' }]],
  ])('answers 400 invalid_request listing the problem for %s', async (_case, body, errors) => {
    const response = await post(body);
    expectProblem(response, 400, 'invalid_request');
    expect(response.json.errors).toEqual(expect.arrayContaining(errors));
  });

  it('lists every problem at once, not only the first', async () => {
    const response = await post('{"email":"x","extra":1}');
    expect(response.json.errors).toHaveLength(3);
  });

  it.each([
    ['malformed JSON', '{"email":'],
    ['an empty body', ''],
  ])('answers 400 malformed_json (not middy 422) for %s', async (_case, body) => {
    expectProblem(await post(body), 400, 'malformed_json');
  });

  it('answers 400 malformed_json for a __proto__ key, and pollutes nothing', async () => {
    const response = await post(
      '{"email":"ada@example.com","name":"Ada","__proto__":{"polluted":true}}',
    );
    expectProblem(response, 400, 'malformed_json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['no content type', {} as Record<string, string>],
    ['form encoding', { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ])('answers 415 unsupported_media_type for %s', async (_case, headers) => {
    expectProblem(
      await post('{"email":"ada@example.com","name":"Ada"}', headers),
      415,
      'unsupported_media_type',
    );
  });

  it('accepts a JSON content type with parameters and in any header case', async () => {
    const response = await post('{"email":"grace@example.com","name":"Grace"}', {
      'content-TYPE': 'application/json; charset=utf-8',
    });
    expect(response.statusCode).toBe(201);
  });

  it.each([
    ['limit 0', { limit: '0' }, '/queryStringParameters/limit'],
    ['limit 101', { limit: '101' }, '/queryStringParameters/limit'],
    ['a non-numeric limit', { limit: 'ten' }, '/queryStringParameters/limit'],
    ['an unknown parameter', { sort: 'name' }, '/queryStringParameters/sort'],
    ['a cursor with bad characters', { cursor: '../../etc' }, '/queryStringParameters/cursor'],
    [
      'a forged cursor',
      { cursor: Buffer.from('{"pk":"x"}').toString('base64url') },
      '/queryStringParameters/cursor',
    ],
  ])('answers 400 for a list query with %s', async (_case, query, path) => {
    const response = await invoke('list-users', { path: '/users', query, authorizer: ctx });
    expectProblem(response, 400, 'invalid_request');
    expect(response.json.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it.each(['not-a-uuid', '../etc/passwd', '%2e%2e%2f', ''])(
    'answers 400 for the userId path parameter %p',
    async (userId) => {
      const response = await invoke('get-user', {
        path: `/users/${userId}`,
        pathParameters: { userId },
        authorizer: ctx,
      });
      expectProblem(response, 400, 'invalid_request');
    },
  );

  it('answers 400 for a PATCH with an empty body object', async () => {
    expectProblem(await patchUser(UNKNOWN_ID, '{}', ctx), 400, 'invalid_request');
  });
});

describe('request body size', () => {
  const ctx = defaultContext();
  // 16 KiB: the documented default for a route whose schema sets no x-max-body-bytes.
  const LIMIT = 16 * 1024;
  const sized = (bytes: number) => {
    const body = JSON.stringify({ email: 'big@example.com', name: '' });
    return body.replace('"name":""', `"name":"${'n'.repeat(bytes - body.length)}"`);
  };

  it('answers 413 payload_too_large for a body one byte over the limit', async () => {
    const response = await createUser(sized(LIMIT + 1), ctx);
    expectProblem(response, 413, 'payload_too_large');
    expect(response.json.detail).toContain(String(LIMIT));
  });

  it('counts bytes, not characters (a multi-byte body over the limit is refused)', async () => {
    const body = JSON.stringify({ email: 'mb@example.com', name: 'é'.repeat(LIMIT / 2) });
    expect(body.length).toBeLessThan(LIMIT);
    expectProblem(await createUser(body, ctx), 413, 'payload_too_large');
  });

  it('refuses an oversize body before parsing it (malformed JSON past the limit is a 413)', async () => {
    expectProblem(await createUser(`{${'x'.repeat(LIMIT)}`, ctx), 413, 'payload_too_large');
  });

  it('measures a base64 body by its decoded length', async () => {
    const encode = (text: string) => Buffer.from(text).toString('base64');
    const over = await invoke('create-user', {
      method: 'POST',
      path: '/users',
      headers: JSON_HEADERS,
      body: encode(sized(LIMIT + 1)),
      isBase64Encoded: true,
      authorizer: ctx,
    });
    expectProblem(over, 413, 'payload_too_large');
    // Encoded, a body of 15 KiB is 20 KiB long: it is the decoded size that counts.
    const small = JSON.stringify({ email: 'b64-under@example.com', name: 'n'.repeat(80) });
    const under = await invoke('create-user', {
      method: 'POST',
      path: '/users',
      headers: JSON_HEADERS,
      body: encode(`${small}${' '.repeat(15 * 1024 - small.length)}`),
      isBase64Encoded: true,
      authorizer: ctx,
    });
    expect(under.statusCode).toBe(201);
  });

  it('lets a body at the limit through to validation', async () => {
    // The name is too long for the schema (100 characters): a 400, not a 413.
    expectProblem(await createUser(sized(LIMIT), ctx), 400, 'invalid_request');
  });
});

describe('the users resource against DynamoDB (DynamoDB Local)', () => {
  const ctx = defaultContext({ sub: 'creator-1' });

  it('creates, reads, updates, lists and deletes a user, then answers 404', async () => {
    const created = await createUser('{"email":"linus@example.com","name":"Linus"}', ctx);
    expect(created.statusCode).toBe(201);
    const { userId } = created.json;
    expect(created.json).toMatchObject({
      email: 'linus@example.com',
      name: 'Linus',
      role: 'member',
      createdBy: 'creator-1',
    });
    expect(created.headers?.Location).toBe(`/users/${userId}`);

    const byId = { path: `/users/${userId}`, pathParameters: { userId }, authorizer: ctx };
    const fetched = await invoke('get-user', byId);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json).toEqual(created.json);

    const patched = await patchUser(userId, '{"role":"admin"}', ctx);
    expect(patched.statusCode).toBe(200);
    expect(patched.json).toMatchObject({ userId, role: 'admin', name: 'Linus' });

    const listed = await invoke('list-users', { path: '/users', authorizer: ctx });
    expect(listed.statusCode).toBe(200);
    expect(listed.json.items.map((u: { userId: string }) => u.userId)).toContain(userId);

    const deleted = await invoke('delete-user', { ...byId, method: 'DELETE' });
    expect(deleted.statusCode).toBe(204);
    expectProblem(await invoke('get-user', byId), 404, 'not_found');
    expectProblem(await invoke('delete-user', { ...byId, method: 'DELETE' }), 404, 'not_found');
  });

  it('pages through users with limit and nextCursor', async () => {
    for (const n of [1, 2, 3]) {
      await createUser(JSON.stringify({ email: `p${n}@example.com`, name: `P${n}` }), ctx);
    }
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await invoke('list-users', {
        path: '/users',
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
        authorizer: ctx,
      });
      expect(page.statusCode).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      for (const u of page.json.items) seen.add(u.userId);
      cursor = page.json.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 20);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect(pages).toBeGreaterThanOrEqual(2);
  });
});

describe('who may change a user (function-level authorization)', () => {
  const writer = defaultContext({ sub: 'writer-1', scope: 'users:read users:write' });
  const admin = defaultContext({ sub: 'admin-1' });
  const byId = (userId: string) => ({
    path: `/users/${userId}`,
    pathParameters: { userId },
    authorizer: admin,
  });
  const stored = async (userId: string) => (await invoke('get-user', byId(userId))).json;
  async function account(role: 'member' | 'admin', email: string) {
    const created = await createUser(JSON.stringify({ email, name: 'Someone', role }), admin);
    expect(created.statusCode).toBe(201);
    return created.json as { userId: string; email: string; name: string; role: string };
  }

  it('refuses a users:write token that creates an admin, and creates nothing', async () => {
    const email = 'would-be-admin@example.com';
    const response = await createUser(
      JSON.stringify({ email, name: 'Mallory', role: 'admin' }),
      writer,
    );
    expectProblem(response, 403, 'insufficient_scope');
    expect(response.json).toMatchObject({ error: 'insufficient_scope', scope: 'users:admin' });
    const listed = await invoke('list-users', {
      path: '/users',
      query: { limit: '100' },
      authorizer: admin,
    });
    expect(listed.json.items.map((u: { email: string }) => u.email)).not.toContain(email);
  });

  it.each([
    ['promotes a member', 'member', '{"role":"admin"}'],
    ['sets a member role explicitly', 'member', '{"name":"Renamed","role":"member"}'],
    ['demotes an admin', 'admin', '{"role":"member"}'],
  ] as const)(
    'refuses a users:write token that %s (any role change needs users:admin)',
    async (_what, role, body) => {
      const target = await account(role, `role-${role}-${body.length}@example.com`);
      const response = await patchUser(target.userId, body, writer);
      expectProblem(response, 403, 'insufficient_scope');
      expect(response.json).toMatchObject({ scope: 'users:admin' });
      expect(await stored(target.userId)).toEqual(target);
    },
  );

  it.each([
    ['email', '{"email":"taken-over@example.com"}'],
    ['name', '{"name":"Mallory"}'],
  ])(
    "refuses a users:write token that changes an admin account's %s, and changes nothing",
    async (_field, body) => {
      const target = await account('admin', `admin-${_field}@example.com`);
      const response = await patchUser(target.userId, body, writer);
      expectProblem(response, 403, 'insufficient_scope');
      expect(response.json).toMatchObject({ error: 'insufficient_scope', scope: 'users:admin' });
      expect(await stored(target.userId)).toEqual(target);
    },
  );

  it("lets a users:write token change a member account's email and name", async () => {
    const target = await account('member', 'member-edit@example.com');
    const response = await patchUser(
      target.userId,
      '{"email":"member-new@example.com","name":"New name"}',
      writer,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({
      email: 'member-new@example.com',
      name: 'New name',
      role: 'member',
    });
  });

  it("lets a users:admin token change an admin account's email, name and role", async () => {
    const target = await account('admin', 'admin-edit@example.com');
    const response = await patchUser(
      target.userId,
      '{"email":"admin-new@example.com","name":"Renamed","role":"member"}',
      admin,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ email: 'admin-new@example.com', role: 'member' });
  });

  it('judges the role the user has when the write happens, not one read before it', async () => {
    // The member is promoted by someone else after the writer last looked: the writer's change
    // must meet the admin role (the condition is part of the same UpdateItem, no read-then-write).
    const target = await account('member', 'promoted-meanwhile@example.com');
    expect((await patchUser(target.userId, '{"role":"admin"}', admin)).statusCode).toBe(200);
    const response = await patchUser(target.userId, '{"name":"Mallory"}', writer);
    expectProblem(response, 403, 'insufficient_scope');
    expect((await stored(target.userId)).name).toBe('Someone');
  });

  it('answers 404, not 403, for a users:write change to a user that does not exist', async () => {
    expectProblem(await patchUser(UNKNOWN_ID, '{"name":"Nobody"}', writer), 404, 'not_found');
  });
});
