import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createGatewayClaimsAcceptor } from '../../../src/issuers/claim-rules.ts';
import { loadIssuerRules } from '../../../src/issuers/issuer-config.ts';
import { PRESET_NAMES } from '../../../src/issuers/presets.ts';
import {
  loadCallerSource,
  requireCaller,
  type CallerSource,
} from '../../../src/route-chain/require-caller.ts';
import { HttpProblem } from '../../../src/shared/problems.ts';
import { SHAPES, TENANT } from '../../support/issuer-tokens.ts';

/**
 * Layer 2's "who is calling" behind either layer 1. Behind API Gateway's native JWT authorizer
 * the claims arrive with their JSON types in `requestContext.authorizer.claims`, and layer 2
 * applies the preset rules the gateway cannot, from the same issuer entries.
 */
const nativeSource = (entries: readonly Record<string, unknown>[]): CallerSource => ({
  layer1: 'native',
  accept: createGatewayClaimsAcceptor(loadIssuerRules({ AUTH_ISSUERS: JSON.stringify(entries) })),
});

function callerFor(source: CallerSource, authorizer: unknown) {
  const request = {
    event: { requestContext: { authorizer } } as unknown as APIGatewayProxyEvent,
    context: {} as { caller?: unknown },
  };
  requireCaller({ source }).before!(request as never);
  return request.context.caller as { sub: string; scopes: Set<string>; clientId: string };
}

function refusal(source: CallerSource, authorizer: unknown): HttpProblem {
  try {
    callerFor(source, authorizer);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
  throw new Error('the caller was not refused');
}

// Every preset the native authorizer can stand in front of: all but Cognito (its access tokens
// carry no aud) and RFC 9068 (its ID tokens are told apart by the typ header alone).
const NATIVE_PRESETS = PRESET_NAMES.filter((name) => name !== 'cognito' && name !== 'rfc9068');

describe('the caller behind the native JWT authorizer', () => {
  it.each(NATIVE_PRESETS)(
    'reads a %s access token into the caller layer 1 would have put in its context',
    (preset) => {
      const shape = SHAPES[preset];
      const caller = callerFor(nativeSource([shape.entry]), { claims: shape.claims() });
      expect([...caller.scopes].join(' ')).toBe(shape.expected.scope);
      expect(caller.clientId).toBe(shape.expected.clientId);
      expect(caller.sub).toBe(shape.claims().sub);
    },
  );

  it.each(NATIVE_PRESETS)('refuses a %s ID token as wrong_token_type (401)', (preset) => {
    const shape = SHAPES[preset];
    const problem = refusal(nativeSource([{ ...shape.entry, ...shape.idToken.entry }]), {
      claims: shape.idToken.claims(),
    });
    expect(problem).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(problem.log).toEqual({ reason: 'wrong_token_type' });
  });

  const source = nativeSource([SHAPES.okta.entry]);
  const claims = SHAPES.okta.claims();
  const now = Math.floor(Date.now() / 1000);
  it.each([
    ['a client the entry does not list', { clientIds: ['another'] }, {}, 'client_not_allowed'],
    ['a lifetime beyond the maximum', {}, { exp: now + 90_000 }, 'lifetime_too_long'],
    ['a sub with a right-to-left override', {}, { sub: 'adm\u202Ein' }, 'invalid_claim'],
    [
      'an issuer no entry has',
      {},
      { iss: 'https://evil.example/oauth2/default' },
      'unknown_issuer',
    ],
    ['an audience the entry does not list', {}, { aud: 'api://other' }, 'wrong_audience'],
    ['no audience', {}, { aud: undefined }, 'wrong_audience'],
    ['a token issued in the future', {}, { iat: now + 600 }, 'issued_in_future'],
    ['a token not yet valid', {}, { nbf: now + 600 }, 'token_not_yet_valid'],
    ['an infinite expiry', {}, { exp: Infinity }, 'invalid_claim'],
    ['an expiry as words', {}, { exp: 'tomorrow' }, 'invalid_claim'],
    ['an iat that is not a number', {}, { iat: 'abc' }, 'invalid_claim'],
    ['an nbf in exponent notation', {}, { nbf: '1.9E9' }, 'invalid_claim'],
    ['an nbf that is a boolean', {}, { nbf: true }, 'invalid_claim'],
  ])(
    'refuses %s with 401 invalid_token and the reason in the log',
    (_name, entry, change, reason) => {
      const problem = refusal(nativeSource([{ ...SHAPES.okta.entry, ...entry }]), {
        claims: { ...claims, ...change },
      });
      expect(problem).toMatchObject({ status: 401, code: 'invalid_token' });
      expect(problem.log).toEqual({ reason });
      expect(JSON.stringify(problem.body())).not.toContain(reason);
    },
  );

  it('refuses an expired token (the gateway checked it; the cache or a clock may not have)', () => {
    const problem = refusal(source, { claims: { ...claims, iat: now - 120, exp: now - 60 } });
    expect(problem).toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('refuses an Entra token without the tid its preset requires', () => {
    const entra = SHAPES.entra;
    expect(entra.claims().tid).toBe(TENANT);
    const { tid: _tid, ...withoutTid } = entra.claims();
    const problem = refusal(nativeSource([entra.entry]), { claims: withoutTid });
    expect(problem.log).toEqual({ reason: 'missing_claim' });
  });

  it.each([
    ['no authorizer at all', undefined],
    ['an authorizer without claims', {}],
    ['claims that are not an object', { claims: '{"sub":"u"}' }],
    ['claims that are an array', { claims: [] }],
  ])('refuses %s with 401', (_name, authorizer) => {
    expect(refusal(source, authorizer)).toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('reads NumericDates given as decimal text, should the gateway ever stringify them', () => {
    const caller = callerFor(source, {
      claims: { ...claims, exp: String(claims.exp), iat: String(claims.iat) },
    });
    expect(caller.sub).toBe(claims.sub);
  });
});

const { okta } = SHAPES;
const oktaClaims = okta.claims();

describe('a stage switching from one layer 1 to the other', () => {
  const { accept } = nativeSource([okta.entry]);
  const context = {
    sub: 'user-1',
    scope: 'a',
    exp: String(Math.floor(Date.now() / 1000) + 60),
    iss: 'https://i',
    clientId: 'c',
  };

  it('reads native claims in functions still set to our authorizer, by the same rules', () => {
    const source: CallerSource = { layer1: 'lambda', ...(accept ? { accept } : {}) };
    expect(callerFor(source, { claims: oktaClaims }).sub).toBe(oktaClaims.sub);
  });

  it("reads our authorizer's context in functions already set to native", () => {
    const source: CallerSource = { layer1: 'native', ...(accept ? { accept } : {}) };
    expect(callerFor(source, context).sub).toBe('user-1');
  });

  it('refuses native claims when no issuer is configured, as unknown_issuer', () => {
    const problem = refusal({ layer1: 'lambda' }, { claims: oktaClaims });
    expect(problem).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(problem.log).toEqual({ reason: 'unknown_issuer' });
  });
});

describe('which layer 1, from the environment', () => {
  it('defaults to our authorizer, reading the issuers when they are set', () => {
    expect(loadCallerSource({})).toEqual({ layer1: 'lambda' });
    const source = loadCallerSource({ AUTH_ISSUERS: JSON.stringify([okta.entry]) });
    expect(source.layer1).toBe('lambda');
    expect(source.accept).toBeInstanceOf(Function);
  });

  it('reads the issuers once for the native authorizer', () => {
    const source = loadCallerSource({
      LAYER1: 'native',
      AUTH_ISSUERS: JSON.stringify([okta.entry]),
    });
    expect(source.layer1).toBe('native');
  });

  it.each([
    ['an unknown layer 1', { LAYER1: 'cognito' }, 'LAYER1'],
    ['the native authorizer without issuers', { LAYER1: 'native' }, 'AUTH_ISSUER'],
  ])('refuses %s at cold start, naming the variable', (_name, env, variable) => {
    expect(() => loadCallerSource(env)).toThrow(expect.objectContaining({ variable }));
  });
});
