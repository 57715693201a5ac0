import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { configErrorOf } from '../support/config-error.ts';

const base = {
  AUTH_ISSUER: 'https://issuer.example.com/',
  AUTH_AUDIENCE: 'https://api.example.com',
};

const configError = (env: Record<string, string>) => configErrorOf(() => loadAuthorizerConfig(env));

describe('authorizer configuration, read once at cold start', () => {
  it('applies the documented defaults', () => {
    const config = loadAuthorizerConfig(base);
    expect(config).toEqual({
      issuers: [
        {
          source: 'AUTH_ISSUER',
          issuer: 'https://issuer.example.com/',
          preset: 'generic',
          audience: ['https://api.example.com'],
          clientIds: undefined,
          tenants: undefined,
          jwksUrl: undefined,
          algorithms: ['RS256', 'ES256', 'EdDSA'],
          scopeClaims: ['scope', 'scp'],
          clientIdClaims: ['client_id', 'azp', 'cid'],
          tokenTypes: undefined,
          requiredClaims: [],
          accessToken: { idTokenClaims: ['nonce', 'at_hash', 'c_hash'] },
          maxTokenLifetimeSeconds: 86_400,
        },
      ],
      clockToleranceSeconds: 5,
      jwks: { timeoutMs: 1500, cooldownMs: 30_000, cacheMaxAgeMs: 600_000, maxStaleMs: 3_600_000 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.issuers[0])).toBe(true);
  });

  it('reads every setting, with several audiences', () => {
    const config = loadAuthorizerConfig({
      ...base,
      AUTH_AUDIENCE: 'a, b',
      AUTH_JWKS_URL: 'https://issuer.example.com/keys',
      AUTH_ALGORITHMS: 'ES256,PS256',
      AUTH_TOKEN_TYPE: 'application/at+jwt',
      AUTH_CLOCK_TOLERANCE_SECONDS: '0',
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600',
      AUTH_JWKS_TIMEOUT_MS: '800',
      AUTH_JWKS_COOLDOWN_SECONDS: '5',
      AUTH_JWKS_CACHE_MAX_AGE_SECONDS: '3600',
      AUTH_JWKS_MAX_STALE_SECONDS: '7200',
    });
    expect(config).toMatchObject({
      issuers: [
        {
          audience: ['a', 'b'],
          algorithms: ['ES256', 'PS256'],
          tokenTypes: ['at+jwt'],
          maxTokenLifetimeSeconds: 3600,
        },
      ],
      clockToleranceSeconds: 0,
      jwks: { timeoutMs: 800, cooldownMs: 5000, cacheMaxAgeMs: 3_600_000, maxStaleMs: 7_200_000 },
    });
    expect(config.issuers[0]!.jwksUrl?.href).toBe('https://issuer.example.com/keys');
  });

  it('treats empty values (unset stage params) as unset', () => {
    expect(
      loadAuthorizerConfig({
        ...base,
        AUTH_ISSUERS: '',
        AUTH_JWKS_URL: '',
        AUTH_ALGORITHMS: '',
        AUTH_JWKS_TIMEOUT_MS: '',
      }).jwks.timeoutMs,
    ).toBe(1500);
  });

  it('allows plain http for a loopback issuer only (the local OAuth server)', () => {
    for (const issuer of ['http://localhost:4000', 'http://127.0.0.1:4000'])
      expect(loadAuthorizerConfig({ ...base, AUTH_ISSUER: issuer }).issuers[0]!.issuer).toBe(
        issuer,
      );
  });

  it.each([
    ['AUTH_ISSUER', { AUTH_ISSUER: '' }, /AUTH_ISSUER is required .*AUTH_ISSUERS/],
    ['AUTH_ISSUER', { AUTH_ISSUER: 'issuer.example.com' }, /AUTH_ISSUER must be an absolute URL/],
    ['AUTH_ISSUER', { AUTH_ISSUER: 'http://issuer.example.com' }, /AUTH_ISSUER must use https/],
    ['AUTH_AUDIENCE', { AUTH_AUDIENCE: ' ' }, /AUTH_AUDIENCE is required/],
    [
      'AUTH_JWKS_URL',
      { AUTH_JWKS_URL: 'http://keys.example.com/jwks' },
      /AUTH_JWKS_URL must use https/,
    ],
    ['AUTH_ALGORITHMS', { AUTH_ALGORITHMS: 'RS256,HS256' }, /only asymmetric algorithms.*"HS256"/],
    ['AUTH_ALGORITHMS', { AUTH_ALGORITHMS: 'none' }, /"none"/],
    ['AUTH_CLOCK_TOLERANCE_SECONDS', { AUTH_CLOCK_TOLERANCE_SECONDS: '5s' }, /must be an integer/],
    ['AUTH_CLOCK_TOLERANCE_SECONDS', { AUTH_CLOCK_TOLERANCE_SECONDS: '900' }, /between 0 and 300/],
    // Discovery then JWKS, each with this timeout, must end inside the 5 s function timeout.
    ['AUTH_JWKS_TIMEOUT_MS', { AUTH_JWKS_TIMEOUT_MS: '2500' }, /between 100 and 2000/],
    ['AUTH_JWKS_MAX_STALE_SECONDS', { AUTH_JWKS_MAX_STALE_SECONDS: '2d' }, /must be an integer/],
    [
      'AUTH_JWKS_CACHE_MAX_AGE_SECONDS',
      { AUTH_JWKS_CACHE_MAX_AGE_SECONDS: '-1' },
      /between 30 and 86400/,
    ],
    [
      'AUTH_MAX_TOKEN_LIFETIME_SECONDS',
      { AUTH_MAX_TOKEN_LIFETIME_SECONDS: '99999999999' },
      /between 60 and 31536000/,
    ],
  ])('refuses a bad %s with an error naming it', (variable, override, message) => {
    const error = configError({ ...base, ...override });
    expect(error).toMatchObject({ variable, code: 'config_invalid' });
    expect(error.message).toMatch(message);
  });
});

describe('AUTH_ISSUERS: several trusted issuers, each with a preset', () => {
  const issuers = (...entries: unknown[]) => ({ AUTH_ISSUERS: JSON.stringify(entries) });
  const COGNITO = {
    issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    preset: 'cognito',
    clientIds: ['3k9vq2mexample7h1n0d4r5s6t'],
  };
  const AUTH0 = {
    issuer: 'https://acme.eu.auth0.com/',
    preset: 'auth0',
    audience: 'https://api.acme.example',
  };

  it('reads one entry per issuer, with the preset defaults and the documented JWKS location', () => {
    const config = loadAuthorizerConfig(issuers(COGNITO, AUTH0));
    expect(config.issuers.map((i) => [i.source, i.preset, i.jwksUrl?.href])).toEqual([
      [
        'AUTH_ISSUERS[0]',
        'cognito',
        'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
      ],
      ['AUTH_ISSUERS[1]', 'auth0', 'https://acme.eu.auth0.com/.well-known/jwks.json'],
    ]);
    expect(config.issuers[1]).toMatchObject({
      issuer: 'https://acme.eu.auth0.com/',
      audience: ['https://api.acme.example'],
      scopeClaims: ['scope', 'permissions'],
      tokenTypes: ['jwt', 'at+jwt'],
    });
  });

  it('accepts every ready entry README gives, as written there', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /Ready entries[^`]*```jsonc\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    // The block is JSON with comments and trailing commas, as README says to leave out.
    const json = block.replace(/^\s*\/\/.*$/gm, '').replace(/,(\s*[}\]])/g, '$1');
    const entries = JSON.parse(json) as { preset: string }[];
    const config = loadAuthorizerConfig(issuers(...entries));
    expect(config.issuers.map((i) => i.preset)).toEqual(entries.map((e) => e.preset));
    expect(new Set(entries.map((e) => e.preset)).size).toBe(8);
  });

  it('keeps an issuer exactly as written (no trailing-slash normalisation)', () => {
    const config = loadAuthorizerConfig(
      issuers(AUTH0, { ...AUTH0, issuer: 'https://acme.eu.auth0.com' }),
    );
    expect(config.issuers.map((i) => i.issuer)).toEqual([
      'https://acme.eu.auth0.com/',
      'https://acme.eu.auth0.com',
    ]);
  });

  it('takes every override: audience list, client ids, algorithms, scope claims, token type, JWKS', () => {
    const [keycloak] = loadAuthorizerConfig(
      issuers({
        issuer: 'https://sso.acme.example/realms/acme',
        preset: 'keycloak',
        audience: ['orders-api', 'account'],
        clientIds: ['acme-web'],
        algorithms: ['PS256'],
        scopeClaims: ['scope', ['resource_access', 'orders-api', 'roles']],
        tokenType: ['at+jwt', 'JWT'],
        jwksUrl: 'https://keys.acme.example/certs',
        maxTokenLifetimeSeconds: 600,
      }),
    ).issuers;
    expect(keycloak).toMatchObject({
      audience: ['orders-api', 'account'],
      clientIds: ['acme-web'],
      algorithms: ['PS256'],
      scopeClaims: ['scope', ['resource_access', 'orders-api', 'roles']],
      tokenTypes: ['at+jwt', 'jwt'],
      maxTokenLifetimeSeconds: 600,
    });
    expect(keycloak!.jwksUrl?.href).toBe('https://keys.acme.example/certs');
  });

  it('accepts an Entra ID multi-tenant template with its tenant allowlist', () => {
    const [entra] = loadAuthorizerConfig(
      issuers({
        issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
        preset: 'entra',
        audience: 'api://orders',
        tenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
      }),
    ).issuers;
    expect(entra!.jwksUrl?.href).toBe(
      'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    );
  });

  it.each([
    ['AUTH_ISSUERS', 'not json', /is not valid JSON/],
    ['AUTH_ISSUERS', '[]', /a JSON array with one entry per issuer/],
    ['AUTH_ISSUERS', '{"issuer":"https://a.example"}', /a JSON array/],
    ['AUTH_ISSUERS[0]', '["https://a.example"]', /must be an object/],
    ['AUTH_ISSUERS[1].preset', [AUTH0, { ...AUTH0, preset: 'google' }], /one of cognito, auth0/],
    ['AUTH_ISSUERS[0].issuer', [{ preset: 'auth0', audience: 'x' }], /is required/],
    ['AUTH_ISSUERS[0].issuer', [{ ...AUTH0, issuer: 'http://acme.example/' }], /https/],
    ['AUTH_ISSUERS[0].audiences', [{ ...AUTH0, audiences: ['x'] }], /not a field/],
    ['AUTH_ISSUERS[0].audience', [{ ...AUTH0, audience: undefined }], /is required/],
    ['AUTH_ISSUERS[0].audience', [{ ...AUTH0, audience: [''] }], /non-empty strings/],
    ['AUTH_ISSUERS[0].clientIds', [{ ...COGNITO, clientIds: undefined }], /required for cognito/],
    [
      'AUTH_ISSUERS[0].clientIds',
      [{ issuer: 'https://acme-x1y2z3.zitadel.cloud', preset: 'zitadel', audience: '2775138' }],
      /required for zitadel: .*every token, ID tokens included.*list the client ids/,
    ],
    ['AUTH_ISSUERS[0].audience', [{ ...COGNITO, audience: 'x' }], /carry no aud/],
    [
      'AUTH_ISSUERS[0].issuer',
      [{ issuer: 'https://acme.okta.com', preset: 'okta', audience: 'api://default' }],
      /org authorization server/,
    ],
    [
      'AUTH_ISSUERS[0].tenants',
      [
        {
          issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          preset: 'entra',
          audience: 'x',
        },
      ],
      /required with a \{tenantid\} issuer/,
    ],
    [
      'AUTH_ISSUERS[0].tenants',
      [
        {
          issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          preset: 'entra',
          audience: 'x',
          tenants: ['contoso'],
        },
      ],
      /not a tenant id/,
    ],
    [
      'AUTH_ISSUERS[0].issuer',
      [{ ...AUTH0, issuer: 'https://a.example/{tenantid}' }],
      /entra only/,
    ],
    ['AUTH_ISSUERS[0].algorithms', [{ ...AUTH0, algorithms: ['HS256'] }], /asymmetric/],
    ['AUTH_ISSUERS[0].scopeClaims', [{ ...AUTH0, scopeClaims: [] }], /non-empty array/],
    ['AUTH_ISSUERS[0].jwksUrl', [{ ...AUTH0, jwksUrl: 'http://keys.example/' }], /https/],
    [
      'AUTH_ISSUERS[0].maxTokenLifetimeSeconds',
      [{ ...AUTH0, maxTokenLifetimeSeconds: 1 }],
      /from 60/,
    ],
    ['AUTH_ISSUERS[1].issuer', [AUTH0, AUTH0], /repeats AUTH_ISSUERS\[0\]/],
  ])('names the entry and the field of a bad entry: %s', (variable, value, message) => {
    const error = configError({
      AUTH_ISSUERS: typeof value === 'string' ? value : JSON.stringify(value),
    });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });

  it('refuses both forms at once: AUTH_ISSUERS and a single-issuer variable', () => {
    const error = configError({ ...issuers(AUTH0), AUTH_AUDIENCE: 'https://api.example.com' });
    expect(error.variable).toBe('AUTH_ISSUERS');
    expect(error.message).toMatch(/together with AUTH_AUDIENCE/);
  });
});
