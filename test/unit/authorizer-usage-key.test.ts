import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TokenAuthorizer } from '../../src/authorizer/authorizer.ts';
import { apiKeySuffix } from '../../src/authorizer/usage-plans.ts';
import { startLocalSecret, type LocalSecret } from '../../local/secrets-manager.ts';
import { authorizerFor, outcomeOf, type AuthorizerUnderTest } from '../support/authorizer.ts';
import { methodArn, startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * Layer 1 names each caller's usage plan API key (`usageIdentifierKey`): the REST API's key
 * source is AUTHORIZER. The key values start with a secret read from Secrets Manager, here the
 * local stand-in the local stack uses, through the real AWS SDK client.
 */
let issuer: TestIssuer;
let secret: LocalSecret;
const ARN = methodArn('GET', '/users/42');

beforeAll(async () => {
  issuer = await startTestIssuer(['ES256']);
  secret = await startLocalSecret('test-api-keys');
  // The SDK signs its requests: any credentials do for the stand-in (a Lambda has its role's).
  process.env.AWS_REGION ??= 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
});
afterAll(async () => {
  await issuer.close();
  await secret.close();
});

// As long as the authorizer context keeps a client id (256 characters).
const LONG_CLIENT_ID = 'c'.repeat(256);

const plans = () =>
  JSON.stringify({
    default: { rateLimit: 50, burstLimit: 100 },
    partner: {
      rateLimit: 200,
      burstLimit: 400,
      clients: [{ issuer: issuer.issuer, clientId: 'partner-app' }],
    },
    long: {
      rateLimit: 10,
      burstLimit: 20,
      clients: [{ issuer: issuer.issuer, clientId: LONG_CLIENT_ID }],
    },
  });

function withPlans(secretId = secret.secretId, endpoint = secret.endpoint): AuthorizerUnderTest {
  return authorizerFor(issuer, {
    USAGE_PLANS: plans(),
    API_KEYS_SECRET_ID: secretId,
    SECRETS_MANAGER_ENDPOINT: endpoint,
  });
}

const decide = async (sut: AuthorizerUnderTest, claims: Record<string, unknown>) =>
  outcomeOf(
    sut.authorize({
      type: 'TOKEN',
      authorizationToken: `Bearer ${await issuer.sign({ claims })}`,
      methodArn: ARN,
    }),
  );

const partnerKey = () =>
  `${secret.secret}${apiKeySuffix('partner', { issuer: issuer.issuer, clientId: 'partner-app' })}`;

describe('the usage plan API key in the Allow (usageIdentifierKey)', () => {
  it("names the key of the client's plan, and the plan (never the key) in the decision log line", async () => {
    const sut = withPlans();
    const outcome = await decide(sut, { client_id: 'partner-app' });
    expect(outcome.kind).toBe('allow');
    if (outcome.kind !== 'allow') return;
    expect(outcome.result.usageIdentifierKey).toBe(partnerKey());
    expect(sut.lastLog()).toMatchObject({
      decision: 'allow',
      clientId: 'partner-app',
      plan: 'partner',
    });
    const logged = JSON.stringify(sut.logs);
    expect(logged).not.toContain(secret.secret);
    expect(logged).not.toContain(outcome.result.usageIdentifierKey!);
  });

  it("never gives a longer client id the plan of a listed id it starts with (the whole id is looked up, not the context's 256 characters)", async () => {
    const sut = withPlans();
    const listed = await decide(sut, { client_id: LONG_CLIENT_ID });
    expect(listed).toMatchObject({ kind: 'allow' });
    expect(sut.lastLog()).toMatchObject({ plan: 'long' });
    const longer = await decide(sut, { client_id: `${LONG_CLIENT_ID}x` });
    expect(longer).toMatchObject({
      kind: 'allow',
      result: { usageIdentifierKey: `${secret.secret}default` },
    });
    expect(sut.lastLog()).toMatchObject({ plan: 'default' });
  });

  it.each([
    ['a client no plan lists', { client_id: 'someone-else' }],
    ['a token without a client id', { client_id: undefined }],
  ])("gives %s the default plan's shared key", async (_, claims) => {
    const sut = withPlans();
    const outcome = await decide(sut, claims);
    expect(outcome).toMatchObject({
      kind: 'allow',
      result: { usageIdentifierKey: `${secret.secret}default` },
    });
    expect(sut.lastLog()).toMatchObject({ decision: 'allow', plan: 'default' });
    expect(JSON.stringify(sut.logs)).not.toContain(secret.secret);
  });

  it('reads the secret once per container, however many decisions follow', async () => {
    const sut = withPlans();
    const before = secret.reads();
    await sut.authorize.prefetchKeys(2000);
    expect(secret.reads()).toBe(before + 1);
    for (const clientId of ['partner-app', 'a', 'b', 'partner-app'])
      expect((await decide(sut, { client_id: clientId })).kind).toBe('allow');
    expect(secret.reads()).toBe(before + 1);
    expect(sut.logs.find((line) => line.source === 'api_keys')).toMatchObject({
      phase: 'init',
      code: 'api_keys_loaded',
      source: 'api_keys',
    });
    expect(JSON.stringify(sut.logs)).not.toContain(secret.secret);
  });

  it('answers 500 (api_keys_unavailable), never an Allow, when the secret cannot be read', async () => {
    const sut = withPlans('no-such-secret');
    await sut.authorize.prefetchKeys(2000);
    expect(sut.logs.find((line) => line.source === 'api_keys')).toMatchObject({
      phase: 'init',
      code: 'api_keys_unavailable',
    });
    const outcome = await decide(sut, { client_id: 'partner-app' });
    expect(outcome).toEqual({ kind: 'error', message: 'AuthorizerFailure: api_keys_unavailable' });
    expect(sut.lastLog()).toMatchObject({ decision: 'error', code: 'api_keys_unavailable' });
  });

  it('refuses a secret that is not letters and digits enough for an API key (500, no Allow)', async () => {
    const short = await startLocalSecret('short', 'abc');
    try {
      const sut = withPlans('short', short.endpoint);
      const outcome = await decide(sut, { client_id: 'partner-app' });
      expect(outcome).toEqual({
        kind: 'error',
        message: 'AuthorizerFailure: api_keys_unavailable',
      });
      expect(JSON.stringify(sut.logs)).not.toContain('"abc');
    } finally {
      await short.close();
    }
  });

  it('returns no usageIdentifierKey when no usage plans are configured', async () => {
    const outcome = await decide(authorizerFor(issuer), { client_id: 'partner-app' });
    expect(outcome.kind).toBe('allow');
    if (outcome.kind === 'allow') expect(outcome.result).not.toHaveProperty('usageIdentifierKey');
  });
});

describe('the authorizer handler module at cold start, with usage plans', () => {
  const VARIABLES = [
    'AUTH_ISSUER',
    'AUTH_AUDIENCE',
    'AUTH_JWKS_URL',
    'USAGE_PLANS',
    'API_KEYS_SECRET_ID',
    'SECRETS_MANAGER_ENDPOINT',
  ];

  it('reads the key secret during its init: the first decision reads nothing', async () => {
    const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
    Object.assign(process.env, {
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl.href,
      USAGE_PLANS: plans(),
      API_KEYS_SECRET_ID: secret.secretId,
      SECRETS_MANAGER_ENDPOINT: secret.endpoint,
    });
    let handler: TokenAuthorizer;
    try {
      jest.resetModules();
      const before = secret.reads();
      handler = (await import('../../src/authorizer/handler.ts')).handler;
      expect(secret.reads()).toBe(before + 1);
    } finally {
      for (const [name, value] of saved)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
    const afterInit = secret.reads();
    const outcome = await outcomeOf(
      handler({
        type: 'TOKEN',
        authorizationToken: `Bearer ${await issuer.sign({ claims: { client_id: 'partner-app' } })}`,
        methodArn: ARN,
      }),
    );
    expect(outcome).toMatchObject({ kind: 'allow', result: { usageIdentifierKey: partnerKey() } });
    expect(secret.reads()).toBe(afterInit);
  });
});
