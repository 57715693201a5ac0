import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { authorizerFor, outcomeOf, type AuthorizerUnderTest } from '../support/authorizer.ts';
import { methodArn, startTestIssuer, type TestIssuer } from '../support/issuer.ts';

let issuer: TestIssuer;
let other: TestIssuer;
let sut: AuthorizerUnderTest;
const ARN = methodArn('GET', '/users/42');

beforeAll(async () => {
  issuer = await startTestIssuer(['RS256', 'ES256', 'EdDSA']);
  other = await startTestIssuer(['RS256']);
  sut = authorizerFor(issuer);
});
afterAll(async () => {
  await issuer.close();
  await other.close();
});

const call = (authorizationToken: string | undefined, arn = ARN) =>
  sut.authorize({
    type: 'TOKEN',
    authorizationToken: authorizationToken as string,
    methodArn: arn,
  });

describe('valid tokens', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'allows a valid %s token for the whole API stage',
    async (alg) => {
      const key = issuer.keys.find((k) => k.alg === alg)!;
      const result = await call(
        `Bearer ${await issuer.sign({ key, claims: { sub: `user-${alg}` } })}`,
      );
      expect(result.principalId).toBe(`user-${alg}`);
      expect(result.policyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/dev/*',
          },
        ],
      });
      expect(sut.lastLog()).toMatchObject({
        decision: 'allow',
        code: 'token_valid',
        sub: `user-${alg}`,
        kid: key.kid,
      });
    },
  );

  it('accepts the Bearer scheme in any letter case', async () => {
    const token = await issuer.sign();
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      await expect(call(`${scheme} ${token}`)).resolves.toMatchObject({ principalId: 'user-1' });
    }
  });

  it.each(['auth0|5f7c8ec7c33c6c004bbafe82', 'José', 'Δημήτρης', '山田太郎', 'user-😀', 'a b.c'])(
    'allows a sub of letters, digits, punctuation or a whole emoji (%p)',
    async (sub) => {
      const result = await call(`Bearer ${await issuer.sign({ claims: { sub } })}`);
      expect([result.principalId, result.context?.sub]).toEqual([sub, sub]);
    },
  );

  it('passes the claims layer 2 needs as a flat context of primitives only', async () => {
    const token = await issuer.sign({
      claims: {
        sub: 'abc',
        scope: 'users:read users:write users:read',
        client_id: 'reader-app',
        nested: { a: 1 },
        list: [1, 2],
      },
    });
    const { context } = await call(`Bearer ${token}`);
    expect(context).toEqual({
      sub: 'abc',
      scope: 'users:read users:write',
      exp: expect.any(Number),
      iss: issuer.issuer,
      clientId: 'reader-app',
    });
    for (const value of Object.values(context!))
      expect(['string', 'number', 'boolean']).toContain(typeof value);
  });

  it('normalises an scp array into the space-separated scope string', async () => {
    const token = await issuer.sign({
      claims: { scope: undefined, scp: ['users:read', 'users:admin', 'bad scope', 7], azp: 'spa' },
    });
    const { context } = await call(`Bearer ${token}`);
    expect(context).toMatchObject({ scope: 'users:read users:admin', clientId: 'spa' });
  });

  it('gives an empty scope string to a token without scopes', async () => {
    const { context } = await call(`Bearer ${await issuer.sign({ claims: { scope: undefined } })}`);
    expect(context?.scope).toBe('');
  });
});

describe('policy resource', () => {
  it.each([
    [
      'stage root',
      methodArn('GET', '/'),
      'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/dev/*',
    ],
    [
      'nested path',
      methodArn('POST', '/users/42/roles/admin'),
      'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/dev/*',
    ],
    [
      'path parameter values',
      methodArn('DELETE', '/users/5f0c-9a'),
      'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/dev/*',
    ],
    [
      '{proxy+} sub-path',
      methodArn('GET', '/files/a/b/c.txt', 'prod'),
      'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/*',
    ],
    [
      'another API and stage',
      methodArn('PATCH', '/x', 'v2', 'zzz999', '210987654321'),
      'arn:aws:execute-api:eu-west-1:210987654321:zzz999/v2/*',
    ],
    [
      'serverless-offline ids',
      'arn:aws:execute-api:us-east-1:random-account-id:random-api-id/dev/GET/me',
      'arn:aws:execute-api:us-east-1:random-account-id:random-api-id/dev/*',
    ],
    [
      'china partition',
      'arn:aws-cn:execute-api:cn-north-1:123456789012:abc/dev/GET/me',
      'arn:aws-cn:execute-api:cn-north-1:123456789012:abc/dev/*',
    ],
  ])(
    'covers this API and stage only, derived from the methodArn (%s)',
    async (_name, arn, resource) => {
      const result = await call(`Bearer ${await issuer.sign()}`, arn);
      expect(result.policyDocument.Statement).toEqual([
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource },
      ]);
    },
  );

  it.each([
    ['empty', ''],
    ['not an ARN', 'hello'],
    ['another service', 'arn:aws:lambda:eu-west-1:123456789012:function/x'],
    ['wildcard account', 'arn:aws:execute-api:eu-west-1:*:abc123/dev/GET/me'],
    ['wildcard api id', 'arn:aws:execute-api:eu-west-1:123456789012:*/dev/GET/me'],
    ['wildcard stage', 'arn:aws:execute-api:eu-west-1:123456789012:abc123/*/GET/me'],
    ['no method', 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev'],
    ['lowercase verb', 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/get/me'],
    ['too long', methodArn('GET', `/${'a'.repeat(600)}`, 's'.repeat(500))],
  ])('refuses a malformed methodArn without a policy or a 401 (%s)', async (_name, arn) => {
    const outcome = await outcomeOf(call(`Bearer ${await issuer.sign()}`, arn));
    expect(outcome).toEqual({ kind: 'error', message: 'AuthorizerFailure: malformed_method_arn' });
  });
});

// Every refusal with its code: test/hostile/token-corpus.test.ts (tokens) and
// test/unit/bearer.test.ts (the Authorization header).
describe('log lines', () => {
  it('never writes the token into a log line', async () => {
    const token = await issuer.sign({ expiresIn: -5 });
    await outcomeOf(call(`Bearer ${token}`));
    const [, payload, signature] = token.split('.');
    for (const line of sut.logs.map((l) => JSON.stringify(l))) {
      expect(line).not.toContain(payload);
      expect(line).not.toContain(signature);
    }
  });

  // The unverified `iss` of a refused token is the one claim its line carries: it tells an issuer
  // missing from AUTH_ISSUERS from a forgery. Anyone can write it, so it is clipped and made
  // printable (a right-to-left override would reorder what a reader of the log sees).
  it("logs a refused token's unverified iss, clipped and printable, and no other claim", async () => {
    const iss = `https://evil.example/\u202Eadmin/${'a'.repeat(300)}`;
    const claims = {
      iss,
      sub: 'victim-sub',
      client_id: 'victim-client',
      azp: 'victim-azp',
      scope: 'users:admin',
      email: 'victim@example.com',
    };
    const token = await other.sign({ claims });
    expect(await outcomeOf(call(`Bearer ${token}`))).toEqual({ kind: 'unauthorized' });
    const line = sut.lastLog()!;
    expect(line).toEqual({
      decision: 'deny',
      code: 'unknown_issuer',
      iss: `https://evil.example/\uFFFDadmin/${'a'.repeat(100)}`,
      kid: other.keys[0]!.kid,
      lambdaRequestId: undefined,
      latencyMs: expect.any(Number),
    });
    const text = JSON.stringify(line);
    for (const [name, value] of Object.entries(claims).filter(([name]) => name !== 'iss'))
      expect([name, text.includes(value)]).toEqual([name, false]);
  });

  it('does not decode a token too long to verify for its log line', async () => {
    const token = await other.sign({
      claims: { iss: 'https://evil.example/', pad: 'x'.repeat(11_000) },
    });
    expect(await outcomeOf(call(`Bearer ${token}`))).toEqual({ kind: 'unauthorized' });
    expect(sut.lastLog()).toEqual({
      decision: 'deny',
      code: 'malformed_token',
      lambdaRequestId: undefined,
      latencyMs: expect.any(Number),
    });
  });

  it("carries Lambda's request id on every decision, allowed or refused", async () => {
    const event = async (token: string) => ({
      type: 'TOKEN' as const,
      authorizationToken: `Bearer ${token}`,
      methodArn: ARN,
    });
    await outcomeOf(sut.authorize(await event(await issuer.sign()), { awsRequestId: 'req-allow' }));
    expect(sut.lastLog()).toMatchObject({ decision: 'allow', lambdaRequestId: 'req-allow' });
    const expired = await issuer.sign({ expiresIn: -5 });
    await outcomeOf(sut.authorize(await event(expired), { awsRequestId: 'req-deny' }));
    expect(sut.lastLog()).toMatchObject({ decision: 'deny', lambdaRequestId: 'req-deny' });
  });
});

describe('token type (AUTH_TOKEN_TYPE, RFC 9068)', () => {
  it('allows an at+jwt access token, in either spelling, when the type is required', async () => {
    const typed = authorizerFor(issuer, { AUTH_TOKEN_TYPE: 'at+jwt' });
    for (const typ of ['at+jwt', 'application/at+jwt']) {
      const token = await issuer.sign({ header: { typ } });
      const outcome = await outcomeOf(
        typed.authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN }),
      );
      expect(outcome.kind).toBe('allow');
    }
  });

  it.each([
    ['an ID token (typ JWT)', { typ: 'JWT' }],
    ['no typ at all', { typ: undefined }],
  ])('refuses %s when at+jwt is required', async (_name, header) => {
    const typed = authorizerFor(issuer, { AUTH_TOKEN_TYPE: 'at+jwt' });
    const token = await issuer.sign({ header });
    const outcome = await outcomeOf(
      typed.authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN }),
    );
    expect(outcome.kind).toBe('unauthorized');
    expect(typed.lastLog()).toMatchObject({ decision: 'deny', code: 'wrong_token_type' });
  });

  it('does not check the type unless told to (many issuers send JWT)', async () => {
    const token = await issuer.sign({ header: { typ: 'JWT' } });
    await expect(call(`Bearer ${token}`)).resolves.toMatchObject({ principalId: 'user-1' });
  });
});

describe('token lifetime (AUTH_MAX_TOKEN_LIFETIME_SECONDS)', () => {
  const decide = async (sut: AuthorizerUnderTest, expiresIn: number) => {
    const token = await issuer.sign({ expiresIn });
    const outcome = await outcomeOf(
      sut.authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN }),
    );
    return [outcome.kind, sut.lastLog()?.code];
  };

  it('allows a token that expires within a day by default, refuses one beyond', async () => {
    expect(await decide(sut, 86_000)).toEqual(['allow', 'token_valid']);
    expect(await decide(sut, 86_400 + 60)).toEqual(['unauthorized', 'lifetime_too_long']);
  });

  it('allows longer-lived tokens when configured (Auth0 may issue 30-day tokens)', async () => {
    const month = authorizerFor(issuer, { AUTH_MAX_TOKEN_LIFETIME_SECONDS: '2592000' });
    expect(await decide(month, 20 * 86_400)).toEqual(['allow', 'token_valid']);
    expect(await decide(month, 31 * 86_400)).toEqual(['unauthorized', 'lifetime_too_long']);
  });
});

describe('algorithm allowlist', () => {
  it('refuses an ES256 token when only RS256 is allowed', async () => {
    const rsOnly = authorizerFor(issuer, { AUTH_ALGORITHMS: 'RS256' });
    const es = issuer.keys.find((k) => k.alg === 'ES256')!;
    const outcome = await outcomeOf(
      rsOnly.authorize({
        type: 'TOKEN',
        authorizationToken: `Bearer ${await issuer.sign({ key: es })}`,
        methodArn: ARN,
      }),
    );
    expect(outcome).toEqual({ kind: 'unauthorized' });
    expect(rsOnly.lastLog()).toMatchObject({ code: 'alg_not_allowed' });
  });
});

describe('infrastructure failures are 500s, never 401 and never Allow', () => {
  it('fails without a policy when the JWKS host is unreachable', async () => {
    const down = authorizerFor(issuer, { AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    const outcome = await outcomeOf(
      down.authorize({
        type: 'TOKEN',
        authorizationToken: `Bearer ${await issuer.sign()}`,
        methodArn: ARN,
      }),
    );
    expect(outcome).toEqual({ kind: 'error', message: 'AuthorizerFailure: jwks_unavailable' });
    expect(down.lastLog()).toMatchObject({ decision: 'error', code: 'jwks_unavailable' });
  });

  it('checks the token scheme before touching the network', async () => {
    const down = authorizerFor(issuer, { AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    const outcome = await outcomeOf(
      down.authorize({ type: 'TOKEN', authorizationToken: 'Basic abc', methodArn: ARN }),
    );
    expect(outcome).toEqual({ kind: 'unauthorized' });
  });
});
