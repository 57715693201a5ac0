import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RejectCode } from '../../src/issuers/token-rejected.ts';
import { MAX_SCOPE_LENGTH } from '../../src/shared/context-codec.ts';
import {
  authorizerForIssuers,
  decisionOf,
  type AuthorizerUnderTest,
} from '../support/authorizer.ts';
import { OTHER_TENANT, SHAPES, TENANT, type IssuerShape } from '../support/issuer-tokens.ts';
import {
  generateSigningKey,
  methodArn,
  startTestIssuer,
  type TestIssuer,
} from '../support/issuer.ts';

/**
 * Each preset against tokens shaped as its auth server documents them (test/support/
 * issuer-tokens.ts), signed with local keys: what it allows, what reaches layer 2 in the context,
 * and what it refuses that a generic verifier would let through or lock out.
 */
let keys: TestIssuer;
beforeAll(async () => {
  keys = await startTestIssuer(['RS256']);
});
afterAll(async () => {
  await keys.close();
});

const ARN = methodArn('GET', '/users');
const trusting = (...entries: Record<string, unknown>[]) =>
  authorizerForIssuers(entries.map((entry) => ({ jwksUrl: keys.jwksUrl.href, ...entry })));

async function decide(
  sut: AuthorizerUnderTest,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  issuer = keys,
) {
  const { outcome } = await decisionOf(sut, await issuer.signExactly(header, claims), ARN);
  return { outcome, log: sut.lastLog() };
}

/** What API Gateway makes of a decision, and the code it logged. */
const kindAndCode = async (sut: AuthorizerUnderTest, token: string) => {
  const { outcome, code } = await decisionOf(sut, token, ARN);
  return [outcome.kind, code];
};

const shapes = Object.values(SHAPES) as IssuerShape[];

describe('each preset allows its issuer’s access token and hands layer 2 the same context keys', () => {
  it.each(shapes.map((s) => [s.preset, s] as const))('%s', async (_preset, shape) => {
    // One set of claims for the token and the expectation: two calls can straddle a second.
    const claims = shape.claims();
    const { outcome, log } = await decide(trusting(shape.entry), shape.header, claims);
    expect(log).toMatchObject({ decision: 'allow', code: 'token_valid' });
    if (outcome.kind !== 'allow') throw new Error('not allowed');
    expect(outcome.result.context).toEqual({
      sub: claims.sub,
      scope: shape.expected.scope,
      exp: claims.exp,
      iss: claims.iss,
      clientId: shape.expected.clientId,
    });
  });
});

interface Refusal {
  readonly name: string;
  readonly shape: IssuerShape;
  readonly header?: Record<string, unknown>;
  readonly claims?: Record<string, unknown>;
  readonly entry?: Record<string, unknown>;
  readonly reason: RejectCode;
}

const REFUSALS: Refusal[] = [
  {
    name: 'Cognito: an ID token of the same pool (token_use id, aud the client)',
    shape: SHAPES.cognito,
    claims: { token_use: 'id', aud: '3k9vq2mexample7h1n0d4r5s6t', scope: undefined },
    reason: 'wrong_token_type',
  },
  {
    name: 'Cognito: an access token of another app client',
    shape: SHAPES.cognito,
    claims: { client_id: '1example23456789' },
    reason: 'client_not_allowed',
  },
  {
    name: 'Cognito: no token_use at all (it does not say it is an access token)',
    shape: SHAPES.cognito,
    claims: { token_use: undefined },
    reason: 'wrong_token_type',
  },
  {
    name: 'Cognito: an access token without client_id',
    shape: SHAPES.cognito,
    claims: { client_id: undefined },
    reason: 'missing_claim',
  },
  {
    name: 'Auth0: the issuer without its trailing slash',
    shape: SHAPES.auth0,
    claims: { iss: 'https://acme-prod.eu.auth0.com' },
    reason: 'unknown_issuer',
  },
  {
    name: 'Auth0: an ID token (aud is the application’s client id)',
    shape: SHAPES.auth0,
    claims: { aud: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja', permissions: undefined },
    reason: 'wrong_audience',
  },
  {
    name: 'Auth0: a token whose typ is neither JWT nor at+jwt',
    shape: SHAPES.auth0,
    header: { typ: 'id+jwt' },
    reason: 'wrong_token_type',
  },
  {
    name: 'Okta: a token of the org authorization server',
    shape: SHAPES.okta,
    claims: { iss: 'https://acme.okta.com', aud: 'https://acme.okta.com' },
    reason: 'unknown_issuer',
  },
  {
    name: 'Entra ID: a token for Microsoft Graph (nonce header)',
    shape: SHAPES.entra,
    header: { nonce: 'AQABAAAAAABnfiG-mA6NTae7CdWW7QfdbpQGBg' },
    claims: { aud: '00000003-0000-0000-c000-000000000000' },
    reason: 'graph_token',
  },
  {
    name: 'Entra ID: a v1.0 token when the entry trusts the v2.0 issuer',
    shape: SHAPES.entra,
    claims: { iss: `https://sts.windows.net/${TENANT}/`, ver: '1.0' },
    reason: 'unknown_issuer',
  },
  {
    name: 'Entra ID (multi-tenant): a tenant not on the list',
    shape: SHAPES.entra,
    entry: {
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      tenants: [TENANT],
    },
    claims: { iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`, tid: OTHER_TENANT },
    reason: 'tenant_not_allowed',
  },
  {
    name: 'Entra ID (multi-tenant): tid that contradicts the iss',
    shape: SHAPES.entra,
    entry: {
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      tenants: [TENANT, OTHER_TENANT],
    },
    claims: { tid: OTHER_TENANT },
    reason: 'tenant_not_allowed',
  },
  {
    name: 'Keycloak: a token whose only audience is account (no audience mapper)',
    shape: SHAPES.keycloak,
    claims: { aud: 'account' },
    reason: 'wrong_audience',
  },
  {
    name: 'Keycloak: an ID token (typ ID)',
    shape: SHAPES.keycloak,
    claims: { typ: 'ID', aud: 'orders-api' },
    reason: 'wrong_token_type',
  },
  {
    name: 'Keycloak: a token without typ',
    shape: SHAPES.keycloak,
    claims: { typ: undefined },
    reason: 'wrong_token_type',
  },
  {
    name: 'Entra ID: a token naming no client (neither azp nor appid)',
    shape: SHAPES.entra,
    claims: { azp: undefined },
    reason: 'wrong_token_type',
  },
  {
    name: 'Entra ID: a token carrying at_hash',
    shape: SHAPES.entra,
    claims: { at_hash: 'cpqKfdQA5eH891Ff5oJr_Q' },
    reason: 'wrong_token_type',
  },
  {
    name: 'Okta: a token without cid',
    shape: SHAPES.okta,
    claims: { cid: undefined },
    reason: 'wrong_token_type',
  },
  {
    name: 'Hydra: a token without client_id',
    shape: SHAPES.hydra,
    claims: { client_id: undefined },
    reason: 'wrong_token_type',
  },
  {
    name: 'Hydra: a token granted no audience (aud: [])',
    shape: SHAPES.hydra,
    claims: { aud: [] },
    reason: 'wrong_audience',
  },
  {
    name: 'ZITADEL: a token for another project',
    shape: SHAPES.zitadel,
    claims: { aud: ['999999999999999999', '888@other'] },
    reason: 'wrong_audience',
  },
  {
    name: 'ZITADEL: a sibling application’s access token (same project, client not listed)',
    shape: SHAPES.zitadel,
    claims: { client_id: '277513877641674901@acme' },
    reason: 'client_not_allowed',
  },
  {
    name: 'ZITADEL: a token without jti',
    shape: SHAPES.zitadel,
    claims: { jti: undefined },
    reason: 'wrong_token_type',
  },
  {
    name: 'RFC 9068: a token with typ JWT',
    shape: SHAPES.rfc9068,
    header: { typ: 'JWT' },
    reason: 'wrong_token_type',
  },
  {
    name: 'RFC 9068: a token without jti',
    shape: SHAPES.rfc9068,
    claims: { jti: undefined },
    reason: 'missing_claim',
  },
  {
    name: 'RFC 9068: a token without client_id',
    shape: SHAPES.rfc9068,
    claims: { client_id: undefined },
    reason: 'missing_claim',
  },
  {
    name: 'RFC 9068: typ at+jwt on a token carrying nonce',
    shape: SHAPES.rfc9068,
    claims: { nonce: 'n-0S6_WzA2Mj' },
    reason: 'wrong_token_type',
  },
  {
    name: 'generic: a token carrying c_hash',
    shape: SHAPES.generic,
    claims: { c_hash: 'LDktKdoQak3Pk0cnXxCltA' },
    reason: 'wrong_token_type',
  },
];

describe('what each preset refuses', () => {
  it.each(REFUSALS.map((r) => [r.name, r] as const))('%s', async (_name, r) => {
    const claims = { ...r.shape.claims(), ...r.claims };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    const { outcome, log } = await decide(
      trusting({ ...r.shape.entry, ...r.entry }),
      { ...r.shape.header, ...r.header },
      claims,
    );
    expect([outcome.kind, log?.code]).toEqual(['unauthorized', r.reason]);
  });
});

describe('each preset refuses its issuer’s ID token, even under an entry that accepts its audience and client', () => {
  it.each(shapes.map((s) => [s.preset, s] as const))('%s', async (_preset, shape) => {
    const { outcome, log } = await decide(
      trusting({ ...shape.entry, ...shape.idToken.entry }),
      shape.idToken.header,
      shape.idToken.claims(),
    );
    expect([outcome.kind, log?.code]).toEqual(['unauthorized', 'wrong_token_type']);
  });
});

describe('ID tokens under the entries README gives, which once passed as access tokens', () => {
  const README_ENTRIES = {
    entra: {
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      preset: 'entra',
      audience: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
    },
    zitadel: {
      issuer: 'https://acme-x1y2z3.zitadel.cloud',
      preset: 'zitadel',
      audience: '277513855423452789',
      clientIds: ['277513866532563890@acme'],
    },
  };

  it.each([
    ['Entra ID: a v2.0 ID token whose aud is the app’s client id, with roles users:admin', 'entra'],
    ['ZITADEL: an ID token whose aud holds the project id, with the role users:admin', 'zitadel'],
  ] as const)('%s is refused as wrong_token_type, not allowed', async (_name, preset) => {
    const { idToken } = SHAPES[preset];
    const { outcome, log } = await decide(
      trusting(README_ENTRIES[preset]),
      idToken.header,
      idToken.claims(),
    );
    expect(outcome.kind === 'allow' && outcome.result.context?.scope).toBe(false);
    expect([outcome.kind, log?.code]).toEqual(['unauthorized', 'wrong_token_type']);
  });
});

describe('access tokens carrying claims an ID token also carries are still allowed', () => {
  const allowed = async (
    shape: IssuerShape,
    header: Record<string, unknown>,
    claims: Record<string, unknown>,
  ) => {
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    const { outcome, log } = await decide(trusting(shape.entry), header, claims);
    return [outcome.kind, log?.code, outcome.kind === 'allow' && outcome.result.context?.clientId];
  };

  it('Keycloak before version 25: nonce copied into the access token', async () => {
    const claims = { ...SHAPES.keycloak.claims(), nonce: '1a21d63a-930b-457f-9445-0858645f77ba' };
    expect(await allowed(SHAPES.keycloak, SHAPES.keycloak.header, claims)).toEqual([
      'allow',
      'token_valid',
      'acme-web',
    ]);
  });

  it('Auth0: the RFC 9068 profile (typ at+jwt, client_id in place of azp)', async () => {
    const claims = {
      ...SHAPES.auth0.claims(),
      azp: undefined,
      gty: undefined,
      client_id: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
      jti: '73WakrfVbNJBaAmhQtEeDv',
    };
    expect(await allowed(SHAPES.auth0, { typ: 'at+jwt' }, claims)).toEqual([
      'allow',
      'token_valid',
      'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
    ]);
  });

  it('Auth0: a client-credentials token (azp, gty client-credentials)', async () => {
    const claims = {
      ...SHAPES.auth0.claims(),
      sub: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja@clients',
      gty: 'client-credentials',
      permissions: undefined,
      scope: 'read:orders',
    };
    expect(await allowed(SHAPES.auth0, SHAPES.auth0.header, claims)).toEqual([
      'allow',
      'token_valid',
      'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
    ]);
  });

  it('ZITADEL: a token naming its client in azp, as the claims table lists', async () => {
    const claims = {
      ...SHAPES.zitadel.claims(),
      client_id: undefined,
      azp: '277513866532563890@acme',
    };
    expect(await allowed(SHAPES.zitadel, SHAPES.zitadel.header, claims)).toEqual([
      'allow',
      'token_valid',
      '277513866532563890@acme',
    ]);
  });
});

describe('presets read roles and permissions as scopes', () => {
  it('Entra ID: an app-only token’s roles (no scp)', async () => {
    const { scp: _scp, ...claims } = SHAPES.entra.claims();
    const { outcome } = await decide(trusting(SHAPES.entra.entry), SHAPES.entra.header, {
      ...claims,
      roles: ['Orders.ReadWrite.All'],
      idtyp: 'app',
    });
    expect(outcome.kind === 'allow' && outcome.result.context?.scope).toBe('Orders.ReadWrite.All');
  });

  it('Entra ID: a v1.0 token (sts.windows.net issuer, appid, App ID URI audience)', async () => {
    const v1 = {
      issuer: `https://sts.windows.net/${TENANT}/`,
      preset: 'entra',
      audience: 'api://orders',
    };
    const { outcome } = await decide(
      trusting(v1),
      { typ: 'JWT', x5t: 'i6lGk3FZzxRcUb2C3nEQ7syHJlY' },
      {
        ...SHAPES.entra.claims(),
        iss: v1.issuer,
        aud: 'api://orders',
        azp: undefined,
        appid: 'app-1',
        ver: '1.0',
      },
    );
    expect(outcome.kind === 'allow' && outcome.result.context?.clientId).toBe('app-1');
  });

  it('Keycloak: a client’s roles when the entry names resource_access.{client}.roles', async () => {
    const entry = {
      ...SHAPES.keycloak.entry,
      scopeClaims: ['scope', ['realm_access', 'roles'], ['resource_access', 'orders-api', 'roles']],
    };
    const { outcome } = await decide(
      trusting(entry),
      SHAPES.keycloak.header,
      SHAPES.keycloak.claims(),
    );
    expect(outcome.kind === 'allow' && outcome.result.context?.scope).toBe(
      `${SHAPES.keycloak.expected.scope} orders.read`,
    );
  });

  it('keeps the context within its size when a token carries more roles than fit', async () => {
    // 800 roles are as many as fit in a token under API Gateway's 10 KB header limit, and more
    // than fit in 4 KB of scope.
    const roles = Array.from({ length: 800 }, (_, i) => `r${String(i).padStart(4, '0')}`);
    const sut = trusting(SHAPES.auth0.entry);
    const token = await keys.signExactly(SHAPES.auth0.header, {
      ...SHAPES.auth0.claims(),
      permissions: roles,
      scope: 'openid',
    });
    const { outcome } = await decisionOf(sut, token, ARN);
    if (outcome.kind !== 'allow') throw new Error('not allowed');
    const scope = String(outcome.result.context?.scope);
    expect(scope.length).toBeLessThanOrEqual(MAX_SCOPE_LENGTH);
    expect(scope.startsWith('openid r0000 r0001 ')).toBe(true);
    const kept = scope.split(' ').length;
    expect(sut.lastLog()).toMatchObject({ decision: 'allow', scopesDropped: 801 - kept });
  });
});

describe('several issuers at once', () => {
  let a: TestIssuer;
  let b: TestIssuer;
  let sut: AuthorizerUnderTest;
  beforeAll(async () => {
    a = await startTestIssuer(['RS256']);
    b = await startTestIssuer(['RS256']);
    sut = authorizerForIssuers(
      [a, b].map((t) => ({ issuer: t.issuer, audience: t.audience, jwksUrl: t.jwksUrl.href })),
      { AUTH_JWKS_TIMEOUT_MS: '300' },
    );
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });
  const call = (token: string) => kindAndCode(sut, token);

  it('allows each issuer’s own tokens', async () => {
    expect(await call(await a.sign())).toEqual(['allow', 'token_valid']);
    expect(await call(await b.sign())).toEqual(['allow', 'token_valid']);
  });

  it('never checks a token claiming issuer B with issuer A’s keys', async () => {
    const before = a.jwksRequests();
    const aSignedClaimingB = await a.sign({ claims: { iss: b.issuer } });
    expect(await call(aSignedClaimingB)).toEqual(['unauthorized', 'unknown_kid']);
    expect(a.jwksRequests()).toBe(before);
  });

  it('keeps two issuers apart when both publish the same kid', async () => {
    const [ka, kb] = [
      await generateSigningKey('RS256', 'shared-kid'),
      await generateSigningKey('RS256', 'shared-kid'),
    ];
    (a.keys as unknown[]).push(ka);
    (b.keys as unknown[]).push(kb);
    const fresh = authorizerForIssuers(
      [a, b].map((t) => ({ issuer: t.issuer, audience: t.audience, jwksUrl: t.jwksUrl.href })),
    );
    const decideWith = (token: string) => kindAndCode(fresh, token);
    expect(await decideWith(await a.sign({ key: ka }))).toEqual(['allow', 'token_valid']);
    expect(await decideWith(await b.sign({ key: kb }))).toEqual(['allow', 'token_valid']);
    // B's key, A's kid and iss: verified with A's key of that kid, which did not sign it.
    expect(await decideWith(await b.sign({ key: kb, claims: { iss: a.issuer } }))).toEqual([
      'unauthorized',
      'bad_signature',
    ]);
  });

  it('keeps serving one issuer while the other’s JWKS is down', async () => {
    const down = authorizerForIssuers(
      [a, b].map((t) => ({ issuer: t.issuer, audience: t.audience, jwksUrl: t.jwksUrl.href })),
      { AUTH_JWKS_TIMEOUT_MS: '300' },
    );
    a.setJwksBehaviour({ kind: 'status', status: 503 });
    try {
      const decideWith = (token: string) => kindAndCode(down, token);
      expect(await decideWith(await a.sign())).toEqual(['error', 'jwks_unavailable']);
      // A is now in its failure backoff; B has a resolver of its own.
      expect(await decideWith(await b.sign())).toEqual(['allow', 'token_valid']);
      expect(await decideWith(await a.sign())).toEqual(['error', 'jwks_unavailable']);
      expect(await decideWith(await b.sign())).toEqual(['allow', 'token_valid']);
    } finally {
      a.setJwksBehaviour({ kind: 'keys' });
    }
  });

  it('refuses an iss no entry has, without fetching anything it names', async () => {
    const stranger = await startTestIssuer(['RS256']);
    try {
      expect(await call(await stranger.sign())).toEqual(['unauthorized', 'unknown_issuer']);
      expect(stranger.jwksRequests()).toBe(0);
    } finally {
      await stranger.close();
    }
  });
});
