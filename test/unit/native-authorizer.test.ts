import { describe, expect, it } from '@jest/globals';
import { loadIssuerRules } from '../../src/issuers/issuer-config.ts';
import {
  formatRefusal,
  gatewayScopes,
  layer1Of,
  nativeAuthorizerPlan,
  notPublic,
  type NativeAuthorizerPlan,
} from '../../tools/native-authorizer.ts';
import { SHAPES, TENANT } from '../support/issuer-tokens.ts';

/**
 * `layer1=native`: what API Gateway's JWT authorizer gets from AUTH_ISSUERS (its JwtConfiguration
 * and each method's scopes), and every configuration it cannot express, refused with the entry
 * and the reason. Entries are the ones users write for each auth server (test/support/
 * issuer-tokens.ts).
 */
const issuers = (...entries: Record<string, unknown>[]) => ({
  AUTH_ISSUERS: JSON.stringify(entries),
});
const DEFAULT_PLAN = '{"default":{"rateLimit":50,"burstLimit":100}}';
const plan = (env: Record<string, string>, usagePlans = DEFAULT_PLAN) =>
  nativeAuthorizerPlan(env, usagePlans);
const refusals = (result: NativeAuthorizerPlan) =>
  result.ok ? [] : result.refusals.map(formatRefusal);
const configuration = (result: NativeAuthorizerPlan) => {
  if (!result.ok) throw new Error(`refused:\n${refusals(result).join('\n')}`);
  return result.jwtConfiguration;
};
const scopesOf = (entries: Record<string, unknown>[], routeScopes: string[]) =>
  gatewayScopes(routeScopes, loadIssuerRules(issuers(...entries)));

describe('the native JWT authorizer configuration from AUTH_ISSUERS', () => {
  // Each preset's expressible entry: its exact issuer and audiences; the algorithms our default
  // list names that the gateway verifies; the preset's kind claims as exact string claims; and
  // the route's one scope on the method only when the issuer's scopes are in scope/scp alone.
  const expressible = [
    {
      preset: 'auth0',
      entry: SHAPES.auth0.entry,
      issuer: {
        Issuer: 'https://acme-prod.eu.auth0.com/',
        Audiences: ['https://api.acme.example/orders'],
      },
      methodScopes: [], // permissions carry scopes too (RBAC)
    },
    {
      preset: 'okta',
      entry: SHAPES.okta.entry,
      issuer: { Issuer: 'https://acme.okta.com/oauth2/default', Audiences: ['api://default'] },
      methodScopes: ['orders:read'],
    },
    {
      preset: 'entra (exact tenant)',
      entry: SHAPES.entra.entry,
      issuer: {
        Issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
        Audiences: ['6e74172b-be56-4843-9ff4-e66a39bb12e3'],
      },
      methodScopes: [], // application permissions come in roles
    },
    {
      preset: 'keycloak',
      entry: SHAPES.keycloak.entry,
      issuer: {
        Issuer: 'https://sso.acme.example/realms/acme',
        Audiences: ['orders-api'],
        AdditionalClaims: [
          { ClaimName: 'typ', Format: 'SINGLE_STRING', ExpectedValues: ['Bearer'], Required: true },
        ],
      },
      methodScopes: [], // realm roles
    },
    {
      preset: 'hydra',
      entry: SHAPES.hydra.entry,
      issuer: {
        Issuer: 'https://auth.acme.example',
        Audiences: ['https://api.acme.example/orders'],
      },
      methodScopes: ['orders:read'],
    },
    {
      preset: 'zitadel',
      entry: SHAPES.zitadel.entry,
      issuer: { Issuer: 'https://acme-x1y2z3.zitadel.cloud', Audiences: ['277513855423452789'] },
      methodScopes: [], // project roles
    },
    {
      preset: 'generic',
      entry: SHAPES.generic.entry,
      issuer: { Issuer: 'https://issuer.example.com', Audiences: ['https://api.example.com'] },
      methodScopes: ['orders:read'],
    },
  ] as const;

  it.each(expressible)(
    '$preset: the exact issuer, its audiences and its kind claims; the method scope only where the gateway reads every scope',
    ({ entry, issuer, methodScopes }) => {
      expect(configuration(plan(issuers(entry)))).toEqual({
        DefaultAlgorithms: ['RS256', 'ES256'],
        Issuers: [issuer],
      });
      expect(scopesOf([entry], ['orders:read'])).toEqual(methodScopes);
    },
  );

  it('serves every expressible preset at once, in entry order, with no method scopes when one issuer has scopes outside scope/scp', () => {
    const entries = expressible.map((e) => e.entry);
    expect(configuration(plan(issuers(...entries))).Issuers).toEqual(
      expressible.map((e) => e.issuer),
    );
    expect(scopesOf(entries, ['orders:read'])).toEqual([]);
    expect(scopesOf([SHAPES.okta.entry, SHAPES.generic.entry], ['orders:read'])).toEqual([
      'orders:read',
    ]);
  });

  it('puts no scope on a method whose route requires several (all-of in x-scopes, any-of at the gateway) or none', () => {
    expect(scopesOf([SHAPES.okta.entry], ['orders:read', 'orders:write'])).toEqual([]);
    expect(scopesOf([SHAPES.okta.entry], [])).toEqual([]);
  });

  it("follows an entry's own scopeClaims: Entra with scp alone gets the method scope, Okta reading roles too loses it", () => {
    expect(scopesOf([{ ...SHAPES.entra.entry, scopeClaims: ['scp'] }], ['orders:read'])).toEqual([
      'orders:read',
    ]);
    expect(
      scopesOf([{ ...SHAPES.okta.entry, scopeClaims: ['scp', ['groups']] }], ['orders:read']),
    ).toEqual([]);
  });

  it('takes the single-issuer shorthand, and the algorithms an entry lists when the gateway verifies them all', () => {
    expect(
      configuration(plan({ AUTH_ISSUER: 'https://issuer.example.com', AUTH_AUDIENCE: 'a,b' })),
    ).toEqual({
      DefaultAlgorithms: ['RS256', 'ES256'],
      Issuers: [{ Issuer: 'https://issuer.example.com', Audiences: ['a', 'b'] }],
    });
    expect(
      configuration(
        plan(
          issuers(
            { ...SHAPES.okta.entry, algorithms: ['ES512', 'RS384'] },
            { ...SHAPES.generic.entry, algorithms: ['RS384', 'ES512'] },
          ),
        ),
      ).DefaultAlgorithms,
    ).toEqual(['RS384', 'ES512']);
  });

  it('accepts what layer 2 covers: Auth0 with an RFC 9068 typ (its access tokens name their client), client allowlists, a lifetime, a documented JWKS location', () => {
    const auth0 = {
      ...SHAPES.auth0.entry,
      tokenType: 'at+jwt',
      clientIds: ['K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja'],
      maxTokenLifetimeSeconds: 600,
      jwksUrl: 'https://acme-prod.eu.auth0.com/.well-known/jwks.json',
    };
    expect(plan(issuers(auth0)).ok).toBe(true);
  });

  it('takes local issuers only when asked to, for a local model of the gateway', () => {
    const local = issuers({ issuer: 'http://127.0.0.1:3002', preset: 'generic', audience: 'api' });
    expect(plan(local).ok).toBe(false);
    expect(
      configuration(nativeAuthorizerPlan(local, DEFAULT_PLAN, { publicIssuers: false })),
    ).toEqual({
      DefaultAlgorithms: ['RS256', 'ES256'],
      Issuers: [{ Issuer: 'http://127.0.0.1:3002', Audiences: ['api'] }],
    });
  });

  it('accepts USAGE_PLANS whose only plan is the default one (no client named)', () => {
    expect(plan(issuers(SHAPES.generic.entry), DEFAULT_PLAN).ok).toBe(true);
  });
});

describe('what the native JWT authorizer cannot express, refused naming the entry and the reason', () => {
  const refused: readonly {
    readonly what: string;
    readonly env: Record<string, string>;
    readonly usagePlans?: string;
    readonly lines: readonly (string | RegExp)[];
  }[] = [
    {
      what: 'algorithms the gateway cannot verify (PS*, EdDSA)',
      env: issuers(SHAPES.okta.entry, {
        ...SHAPES.generic.entry,
        algorithms: ['RS256', 'PS256', 'EdDSA'],
      }),
      lines: [
        'AUTH_ISSUERS[1].algorithms: lists PS256, EdDSA, which the native JWT authorizer cannot verify (it takes RS256, RS384, RS512, ES256, ES384, ES512)',
      ],
    },
    {
      what: 'an entry whose algorithms differ from the first entry’s (one list for every issuer)',
      env: issuers(SHAPES.okta.entry, SHAPES.hydra.entry, {
        ...SHAPES.generic.entry,
        algorithms: ['RS256'],
      }),
      lines: [
        'AUTH_ISSUERS[2].algorithms: gives RS256 at the gateway and AUTH_ISSUERS[0] gives RS256, ES256; the native JWT authorizer has one algorithm list for every issuer: give every entry the same algorithms',
      ],
    },
    {
      what: 'an entry listing only EdDSA',
      env: {
        AUTH_ISSUER: 'https://issuer.example.com',
        AUTH_AUDIENCE: 'api',
        AUTH_ALGORITHMS: 'EdDSA',
      },
      lines: [/^AUTH_ALGORITHMS: lists EdDSA, which the native JWT authorizer cannot verify/],
    },
    {
      what: 'an Entra ID multi-tenant template',
      env: issuers({
        issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
        preset: 'entra',
        audience: 'api://orders',
        tenants: [TENANT],
      }),
      lines: [
        'AUTH_ISSUERS[0].issuer: is a multi-tenant template ({tenantid}); the native JWT authorizer matches iss exactly: give each tenant an entry of its own with its exact issuer',
      ],
    },
    {
      what: 'Cognito (access tokens without aud)',
      env: issuers(SHAPES.cognito.entry),
      lines: [
        /^AUTH_ISSUERS\[0\]\.preset: Cognito access tokens carry no aud, and the native JWT authorizer of a REST API requires aud/,
      ],
    },
    {
      what: 'an entry without an audience',
      env: issuers({ issuer: 'https://issuer.example.com', preset: 'generic' }),
      lines: [/^AUTH_ISSUERS\[0\]\.audience: is required/],
    },
    {
      what: 'a local issuer (plain http on loopback, as the local stack runs)',
      env: issuers({ issuer: 'http://127.0.0.1:3001', preset: 'generic', audience: 'api' }),
      lines: [
        "AUTH_ISSUERS[0].issuer: http://127.0.0.1:3001 is this machine (a loopback or link-local address); API Gateway fetches the issuer's discovery document and keys from the public internet (the local stack's gateway can use local issuers)",
      ],
    },
    {
      what: 'issuers on private addresses and names only a private network resolves',
      env: issuers(
        { issuer: 'https://10.1.2.3/realms/a', preset: 'keycloak', audience: 'api' },
        { issuer: 'https://keycloak:8443/realms/a', preset: 'keycloak', audience: 'api' },
        { issuer: 'https://idp.corp.internal', preset: 'generic', audience: 'api' },
        { issuer: 'https://[fd12:3456::1]/oauth', preset: 'generic', audience: 'api' },
      ),
      lines: [
        /^AUTH_ISSUERS\[0\]\.issuer: https:\/\/10\.1\.2\.3\/realms\/a is a private address \(RFC 1918\)/,
        /^AUTH_ISSUERS\[1\]\.issuer: https:\/\/keycloak:8443\/realms\/a is a name public DNS does not resolve/,
        /^AUTH_ISSUERS\[2\]\.issuer: https:\/\/idp\.corp\.internal is a name public DNS does not resolve/,
        /^AUTH_ISSUERS\[3\]\.issuer: https:\/\/\[fd12:3456::1\]\/oauth is a private address \(RFC 4193\)/,
      ],
    },
    {
      what: 'a jwksUrl of an issuer whose preset documents none (only discovery names its keys)',
      env: issuers({ ...SHAPES.generic.entry, jwksUrl: 'https://keys.example.com/jwks.json' }),
      lines: [
        "AUTH_ISSUERS[0].jwksUrl: is https://keys.example.com/jwks.json; the native JWT authorizer reads jwks_uri from the issuer's discovery document and takes no other key set: leave jwksUrl out",
      ],
    },
    {
      what: 'a jwksUrl other than the one the preset documents',
      env: issuers({ ...SHAPES.okta.entry, jwksUrl: 'https://mirror.example.com/keys' }),
      lines: [/^AUTH_ISSUERS\[0\]\.jwksUrl: is https:\/\/mirror\.example\.com\/keys;/],
    },
    {
      what: 'the shorthand’s AUTH_JWKS_URL',
      env: {
        AUTH_ISSUER: 'https://issuer.example.com',
        AUTH_AUDIENCE: 'api',
        AUTH_JWKS_URL: 'https://issuer.example.com/keys',
      },
      lines: [/^AUTH_JWKS_URL: is https:\/\/issuer\.example\.com\/keys;/],
    },
    {
      what: 'the rfc9068 preset (only the typ header tells its access tokens from ID tokens)',
      env: issuers(SHAPES.rfc9068.entry),
      lines: [
        "AUTH_ISSUERS[0].preset: requires the typ header at+jwt; the native JWT authorizer neither checks nor passes a token's header, and preset rfc9068 cannot tell an access token from an ID token by its claims, so layer 2 cannot apply it either",
      ],
    },
    {
      what: 'a tokenType on a generic entry',
      env: issuers({ ...SHAPES.generic.entry, tokenType: 'at+jwt' }),
      lines: [/^AUTH_ISSUERS\[0\]\.tokenType: requires the typ header at\+jwt;/],
    },
    {
      what: 'AUTH_TOKEN_TYPE on the shorthand',
      env: {
        AUTH_ISSUER: 'https://issuer.example.com',
        AUTH_AUDIENCE: 'api',
        AUTH_TOKEN_TYPE: 'at+jwt',
      },
      lines: [/^AUTH_TOKEN_TYPE: requires the typ header at\+jwt;/],
    },
    {
      what: 'a usage plan that lists clients (the gateway cannot name their API keys)',
      env: issuers(SHAPES.okta.entry),
      usagePlans: JSON.stringify({
        default: { rateLimit: 50, burstLimit: 100 },
        gold: {
          rateLimit: 5,
          burstLimit: 5,
          clients: [{ issuer: 'https://acme.okta.com/oauth2/default', clientId: 'a' }],
        },
      }),
      lines: [
        "USAGE_PLANS.gold: lists clients; a per-client usage plan needs our Lambda authorizer to name each client's API key, which the native JWT authorizer cannot: keep layer1=lambda, or serve every client from the default plan",
      ],
    },
    {
      what: 'no issuer at all',
      env: {},
      lines: ['AUTH_ISSUER: is required and is not set (or set AUTH_ISSUERS)'],
    },
  ];

  it.each(refused)('refuses $what', ({ env, usagePlans, lines }) => {
    const result = plan(env, usagePlans);
    expect(result.ok).toBe(false);
    expect(refusals(result)).toEqual(
      lines.map((line) => (typeof line === 'string' ? line : expect.stringMatching(line))),
    );
  });

  it('lists every refusal of every entry at once, entries in order, usage plans last', () => {
    const result = plan(
      issuers(
        SHAPES.rfc9068.entry,
        {
          issuer: 'http://localhost:3002',
          preset: 'generic',
          audience: 'api',
          algorithms: ['EdDSA'],
        },
        SHAPES.cognito.entry,
      ),
      JSON.stringify({
        default: { rateLimit: 1, burstLimit: 1 },
        trial: {
          rateLimit: 1,
          burstLimit: 1,
          clients: [{ issuer: 'https://as.example.com/', clientId: 'c' }],
        },
      }),
    );
    expect(refusals(result).map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      'AUTH_ISSUERS[0].preset',
      'AUTH_ISSUERS[1].issuer',
      'AUTH_ISSUERS[1].algorithms',
      'AUTH_ISSUERS[2].preset',
      'USAGE_PLANS.trial',
    ]);
  });
});

describe('the layer1 parameter and public reachability', () => {
  it('is lambda by default, native on request, and refuses anything else naming the parameter', () => {
    expect(layer1Of(undefined)).toBe('lambda');
    expect(layer1Of('')).toBe('lambda');
    expect(layer1Of('lambda')).toBe('lambda');
    expect(layer1Of('native')).toBe('native');
    expect(() => layer1Of('Native')).toThrow('layer1 must be lambda or native, got "Native"');
    expect(() => layer1Of('jwt')).toThrow('layer1 must be lambda or native, got "jwt"');
  });

  it('takes public https hosts and addresses, and refuses what API Gateway cannot reach from the internet', () => {
    for (const url of [
      'https://acme.okta.com/oauth2/default',
      'https://8.8.8.8/issuer',
      'https://[2001:4860:4860::8888]/',
      'https://172.32.0.1/',
    ])
      expect(notPublic(new URL(url))).toBeUndefined();
    expect(notPublic(new URL('http://issuer.example.com'))).toBe('not https');
    for (const url of [
      'https://localhost/',
      'https://127.0.0.2/',
      'https://[::1]/',
      'https://169.254.169.254/',
    ])
      expect(notPublic(new URL(url))).toBe('this machine (a loopback or link-local address)');
    expect(notPublic(new URL('https://192.168.1.10/'))).toBe('a private address (RFC 1918)');
    expect(notPublic(new URL('https://172.20.0.1/'))).toBe('a private address (RFC 1918)');
    expect(notPublic(new URL('https://100.64.0.1/'))).toBe('a shared address (RFC 6598)');
    for (const url of ['https://idp.local/', 'https://router.home.arpa/'])
      expect(notPublic(new URL(url))).toBe('a name public DNS does not resolve');
  });
});
