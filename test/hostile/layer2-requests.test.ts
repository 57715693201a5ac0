import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { defaultContext, type EventOptions } from '../support/events.ts';
import { startHandlers, type Handlers, type RouteName } from '../support/handlers.ts';

/**
 * Hostile requests through the real layer-2 handlers (middy chain + DynamoDB Local). Each
 * must end in a 4xx problem+json, or a 2xx where the input is in fact valid (marked `accepted`),
 * never a 5xx, never a stack trace, and never a polluted prototype.
 */
let handlers: Handlers;
beforeAll(async () => {
  handlers = await startHandlers('hostile-users');
});
afterAll(async () => {
  await handlers.close();
});

type Expect = 'refused' | 'accepted';
interface Case {
  readonly name: string;
  readonly route: RouteName;
  readonly event: EventOptions;
  readonly expect: Expect;
}

const ID = '6f1c2a9e-0000-4000-8000-000000000001';
const JSON_TYPE = { 'Content-Type': 'application/json' };
const VALID = JSON.stringify({ email: 'ada@example.com', name: 'Ada' });
// Emails are unique: each body that may be accepted brings its own.
let accepted = 0;
const validBody = () => JSON.stringify({ email: `ada${(accepted += 1)}@example.com`, name: 'Ada' });
const cases: Case[] = [];
const post = (
  name: string,
  body: string | null,
  expect: Expect,
  headers: Record<string, string> = JSON_TYPE,
  extra: Partial<EventOptions> = {},
) =>
  cases.push({
    name: `POST /users: ${name}`,
    route: 'create-user',
    event: { method: 'POST', path: '/users', headers, body, ...extra },
    expect,
  });
const patch = (
  name: string,
  body: string | null,
  expect: Expect,
  headers: Record<string, string> = JSON_TYPE,
) =>
  cases.push({
    name: `PATCH /users/{id}: ${name}`,
    route: 'update-user',
    event: { method: 'PATCH', path: `/users/${ID}`, pathParameters: { userId: ID }, headers, body },
    expect,
  });

// --- malformed and truncated JSON ------------------------------------------------------------------
const MALFORMED = [
  '{',
  '}',
  '[',
  '{"email":',
  '{"email":"a@b.c",}',
  "{'email':'a@b.c'}",
  '{"email":"a@b.c" "name":"x"}',
  'undefined',
  'NaN',
  '{"email":"a@b.c","name":"x"}garbage',
  '\u0000',
  '{"a":1}{"a":2}',
  '{"email":"\\u12"}',
  '{"name":"\\x41"}',
  '--',
  '{"email":01}',
  'true',
  'null',
  '"string"',
  '12345',
  '[]',
  '[{"email":"a@b.c","name":"x"}]',
  ' ',
  '',
];
for (const body of MALFORMED) {
  post(`body ${JSON.stringify(body).slice(0, 40)}`, body, 'refused');
  patch(`body ${JSON.stringify(body).slice(0, 40)}`, body, 'refused');
}
for (let cut = 1; cut < VALID.length; cut += 4)
  post(`truncated at ${cut}`, VALID.slice(0, cut), 'refused');

// --- content types ----------------------------------------------------------------------------------
for (const type of [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/jsonx',
  'text/json',
  'application/octet-stream',
  '*/*',
  ';',
  'application/json; charset=utf-8; x=' + 'y'.repeat(10_000),
])
  post(
    `Content-Type ${type.slice(0, 40)}`,
    validBody(),
    type.startsWith('application/json;') ? 'accepted' : 'refused',
    { 'Content-Type': type },
  );
post('no Content-Type', VALID, 'refused', {});
post(
  'Content-Type in upper case (valid: media types are case-insensitive)',
  validBody(),
  'accepted',
  {
    'CONTENT-TYPE': 'APPLICATION/JSON',
  },
);
post('no body at all', null, 'refused');

// --- size and depth -----------------------------------------------------------------------------------
post(
  'a 5 MB name',
  JSON.stringify({ email: 'big@example.com', name: 'x'.repeat(5 * 1024 * 1024) }),
  'refused',
);
post(
  'a 3 MB array body',
  JSON.stringify(Array.from({ length: 300_000 }, () => 'abcdefgh')),
  'refused',
);
post(
  '100k extra properties',
  JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))),
  'refused',
);
post('JSON nested 10,000 levels deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'refused');
post(
  'an object nested 5,000 levels deep',
  `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
  'refused',
);
post(
  'a name nested inside objects',
  JSON.stringify({ email: 'a@b.co', name: { first: 'Ada' } }),
  'refused',
);

// --- prototype pollution --------------------------------------------------------------------------------
for (const body of [
  '{"email":"p@example.com","name":"P","__proto__":{"polluted":true}}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"email":"p@example.com","name":"P","constructor":{"prototype":{"polluted":true}}}',
  '{"email":"p@example.com","name":"P","prototype":{"polluted":true}}',
  '{"a":{"__proto__":{"polluted":true}}}',
]) {
  post(`pollution attempt ${body.slice(0, 50)}`, body, 'refused');
  patch(`pollution attempt ${body.slice(0, 50)}`, body, 'refused');
}

// --- unicode --------------------------------------------------------------------------------------------
const UNICODE: [string, string, Expect][] = [
  [
    'a lone high surrogate in the name (valid JSON, valid string)',
    '{"email":"u1@example.com","name":"\\ud800"}',
    'accepted',
  ],
  ['a NUL in the name', '{"email":"u2@example.com","name":"a\\u0000b"}', 'accepted'],
  [
    'a right-to-left override in the name',
    '{"email":"u3@example.com","name":"\\u202egnp.exe"}',
    'accepted',
  ],
  ['emoji and combining marks', '{"email":"u4@example.com","name":"Ada 👩‍💻 e\\u0301"}', 'accepted'],
  ['only whitespace as name', '{"email":"u5@example.com","name":"\\u0009\\u000a "}', 'refused'],
  ['a name of zero-width spaces', '{"email":"u6@example.com","name":"\\u200b\\u200b"}', 'accepted'],
  ['a homoglyph email domain', '{"email":"u7@exаmple.com","name":"x"}', 'refused'],
  ['an email with a NUL', '{"email":"u8@example.com\\u0000","name":"x"}', 'refused'],
  ['a BOM before the JSON', '\ufeff{"email":"u9@example.com","name":"x"}', 'refused'],
];
for (const [name, body, expect] of UNICODE) post(name, body, expect);

// --- base64-encoded bodies ----------------------------------------------------------------------------
post(
  'a base64-encoded valid body (API Gateway sends binary this way)',
  Buffer.from(JSON.stringify({ email: 'b64@example.com', name: 'B' })).toString('base64'),
  'accepted',
  JSON_TYPE,
  { isBase64Encoded: true },
);
post('base64 flag on a body that is not base64', '{not base64!', 'refused', JSON_TYPE, {
  isBase64Encoded: true,
});
post(
  'base64 of something that is not JSON',
  Buffer.from('<xml/>').toString('base64'),
  'refused',
  JSON_TYPE,
  { isBase64Encoded: true },
);
post(
  'base64 of 2 MB',
  Buffer.alloc(2 * 1024 * 1024, 'a').toString('base64'),
  'refused',
  JSON_TYPE,
  { isBase64Encoded: true },
);

// --- query strings --------------------------------------------------------------------------------------
const list = (name: string, query: Record<string, string> | null, expect: Expect) =>
  cases.push({
    name: `GET /users: ${name}`,
    route: 'list-users',
    event: { method: 'GET', path: '/users', query },
    expect,
  });
for (const limit of [
  '0',
  '-1',
  '101',
  '1e2',
  '0x10',
  '10.5',
  ' 10',
  '',
  '9'.repeat(400),
  'NaN',
  '[object Object]',
])
  list(`limit ${JSON.stringify(limit).slice(0, 30)}`, { limit }, 'refused');
// A forged cursor of the right shape is a valid position (the scan starts after that key);
// anything else is refused.
const FORGED_CURSOR = Buffer.from(`{"userId":"${ID}"}`).toString('base64url');
for (const cursor of [
  '!!',
  'a'.repeat(600),
  Buffer.from('{"userId":{"S":"x"}}').toString('base64url'),
  Buffer.from('{"userId":"x","other":"y"}').toString('base64url'),
  // DynamoDB refuses an empty key value (a 500 if it got that far) and keys are lower-case UUIDs.
  Buffer.from('{"userId":""}').toString('base64url'),
  Buffer.from('{"userId":"x"}').toString('base64url'),
  Buffer.from(`{"userId":"${ID.toUpperCase()}"}`).toString('base64url'),
  Buffer.from('not json').toString('base64url'),
  '../../etc',
  'e30',
  FORGED_CURSOR,
])
  list(
    `cursor ${cursor.slice(0, 30)}`,
    { cursor },
    cursor === FORGED_CURSOR ? 'accepted' : 'refused',
  );
list('an unknown parameter', { admin: 'true' }, 'refused');
list(
  '10,000 parameters',
  Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`p${i}`, 'x'])),
  'refused',
);
list('a 100 KB parameter value', { cursor: 'a'.repeat(100_000) }, 'refused');

// --- path parameters ------------------------------------------------------------------------------------
for (const id of [
  '../../etc/passwd',
  '..%2F..%2Fetc',
  '%00',
  'not-a-uuid',
  `${ID}/../x`,
  `${ID}%00`,
  'x'.repeat(2000),
  ' ',
  '6F1C2A9E-0000-4000-8000-00000000000G',
  // ajv-formats' uuid accepts these, but no stored key looks like them: refused, not a 404.
  ID.toUpperCase(),
  `urn:uuid:${ID}`,
  '{userId}',
  "'; DROP TABLE users; --",
  'ü',
])
  for (const [route, method] of [
    ['get-user', 'GET'],
    ['delete-user', 'DELETE'],
  ] as const)
    cases.push({
      name: `${method} /users/{id}: id ${JSON.stringify(id).slice(0, 30)}`,
      route,
      event: { method, path: `/users/${id}`, pathParameters: { userId: id } },
      expect: 'refused',
    });
cases.push({
  name: 'GET /users/{id}: no path parameters at all',
  route: 'get-user',
  event: { method: 'GET', path: '/users/', pathParameters: null },
  expect: 'refused',
});

describe('hostile requests to layer 2', () => {
  it('has at least 100 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await handlers.invoke(c.route, c.event);
    const body = response.body ?? '';
    expect(response.statusCode).toBeLessThan(500);
    expect(body).not.toMatch(/\n\s+at |node_modules|\/src\/|\.ts:\d/);
    if (c.expect === 'accepted') {
      expect(response.statusCode).toBeGreaterThanOrEqual(200);
      expect(response.statusCode).toBeLessThan(300);
    } else {
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      const contentType = Object.entries(response.headers ?? {}).find(
        ([k]) => k.toLowerCase() === 'content-type',
      )?.[1];
      expect(contentType).toBe('application/problem+json');
      expect(JSON.parse(body)).toMatchObject({
        type: expect.stringMatching(/^urn:two-layer-authz:problem:/),
        code: expect.any(String),
      });
    }
    // No request may pollute the prototypes of the running function.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('whatever exp reaches layer 2', () => {
  // API Gateway hands context values over as strings, and how it writes a large number is its
  // own business ("1.0E21" is what Java prints): layer 2 must answer 200 or 401, never a 5xx.
  const exp = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.double().map(String),
    fc.double().map((n) => n.toExponential().toUpperCase().replace('E+', 'E')),
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
    fc.string(),
    fc.constantFrom('1.0E21', '8.64e12', '8.64e12.5', '0x7fffffff', ' 1e3 ', '', 'null'),
  );
  it('GET /me answers 200 or 401 for every exp, number or string', async () => {
    await fc.assert(
      fc.asyncProperty(exp, async (value) => {
        const response = await handlers.invoke('get-me', {
          path: '/me',
          authorizer: defaultContext({ exp: value }),
        });
        expect([200, 401]).toContain(response.statusCode);
      }),
      { numRuns: 500 },
    );
  });
});
