import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TokenAuthorizer } from '../../src/authorizer/authorizer.ts';
import { outcomeOf } from '../support/authorizer.ts';
import { methodArn, startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * The Lambda entry point itself: its init (module evaluation, top-level await included) loads
 * the keys, and never hangs or fails on the issuer's account. Each test imports a fresh copy of
 * the module under its own environment, as Lambda does in a new container.
 */
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer(['RS256']);
});
afterAll(async () => {
  await issuer.close();
});
afterEach(() => {
  issuer.setJwksBehaviour({ kind: 'keys' });
});

const VARIABLES = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'AUTH_JWKS_TIMEOUT_MS'];

async function coldStart(env: Record<string, string>): Promise<TokenAuthorizer> {
  const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, env);
  try {
    jest.resetModules();
    return (await import('../../src/authorizer/handler.ts')).handler;
  } finally {
    for (const [name, value] of saved)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  }
}

const decide = async (handler: TokenAuthorizer) =>
  outcomeOf(
    handler({
      type: 'TOKEN',
      authorizationToken: `Bearer ${await issuer.sign()}`,
      methodArn: methodArn('GET', '/users/42'),
    }),
  );

describe('the authorizer handler module at cold start', () => {
  it('loads the keys during its init: the first decision sends no request to the issuer', async () => {
    const handler = await coldStart({
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl.href,
    });
    const afterInit = issuer.jwksRequests();
    expect((await decide(handler)).kind).toBe('allow');
    expect(issuer.jwksRequests()).toBe(afterInit);
  });

  it('finds the keys through discovery during its init when no JWKS URL is configured', async () => {
    const handler = await coldStart({ AUTH_ISSUER: issuer.issuer, AUTH_AUDIENCE: issuer.audience });
    const afterInit = issuer.jwksRequests();
    expect((await decide(handler)).kind).toBe('allow');
    expect(issuer.jwksRequests()).toBe(afterInit);
  });

  it('completes its init while the JWKS hangs, then answers 500 (jwks_timeout), never an Allow', async () => {
    issuer.setJwksBehaviour({ kind: 'delay', ms: 5000 });
    const handler = await coldStart({
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl.href,
      AUTH_JWKS_TIMEOUT_MS: '200',
    });
    expect(await decide(handler)).toEqual({
      kind: 'error',
      message: 'AuthorizerFailure: jwks_timeout',
    });
  });

  it('completes its init with the issuer unreachable, and allows once the issuer is back', async () => {
    issuer.setJwksBehaviour({ kind: 'drop' });
    const handler = await coldStart({
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl.href,
    });
    issuer.setJwksBehaviour({ kind: 'keys' });
    expect((await decide(handler)).kind).toBe('allow');
  });
});
