import { describe, expect, it } from '@jest/globals';
import { loadAuthorizerConfig } from '../../src/authorizer/config.ts';
import { ConfigError } from '../../src/shared/env.ts';

const base = {
  AUTH_ISSUER: 'https://issuer.example.com/',
  AUTH_AUDIENCE: 'https://api.example.com',
};

describe('authorizer configuration, read once at cold start', () => {
  it('applies the documented defaults', () => {
    const config = loadAuthorizerConfig(base);
    expect(config).toEqual({
      issuer: 'https://issuer.example.com/',
      audience: ['https://api.example.com'],
      jwksUrl: undefined,
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      clockToleranceSeconds: 5,
      maxTokenLifetimeSeconds: 86_400,
      jwks: { timeoutMs: 1500, cooldownMs: 30_000, cacheMaxAgeMs: 600_000, maxStaleMs: 3_600_000 },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every setting, with several audiences', () => {
    const config = loadAuthorizerConfig({
      ...base,
      AUTH_AUDIENCE: 'a, b',
      AUTH_JWKS_URL: 'https://issuer.example.com/keys',
      AUTH_ALGORITHMS: 'ES256,PS256',
      AUTH_CLOCK_TOLERANCE_SECONDS: '0',
      AUTH_JWKS_TIMEOUT_MS: '800',
      AUTH_JWKS_COOLDOWN_SECONDS: '5',
      AUTH_JWKS_CACHE_MAX_AGE_SECONDS: '3600',
      AUTH_JWKS_MAX_STALE_SECONDS: '7200',
    });
    expect(config).toMatchObject({
      audience: ['a', 'b'],
      algorithms: ['ES256', 'PS256'],
      clockToleranceSeconds: 0,
      jwks: { timeoutMs: 800, cooldownMs: 5000, cacheMaxAgeMs: 3_600_000, maxStaleMs: 7_200_000 },
    });
    expect(config.jwksUrl?.href).toBe('https://issuer.example.com/keys');
  });

  it('treats empty values (unset stage params) as unset', () => {
    expect(
      loadAuthorizerConfig({
        ...base,
        AUTH_JWKS_URL: '',
        AUTH_ALGORITHMS: '',
        AUTH_JWKS_TIMEOUT_MS: '',
      }).jwks.timeoutMs,
    ).toBe(1500);
  });

  it('allows plain http for a loopback issuer only (the local OAuth server)', () => {
    expect(loadAuthorizerConfig({ ...base, AUTH_ISSUER: 'http://localhost:4000' }).issuer).toBe(
      'http://localhost:4000',
    );
    expect(loadAuthorizerConfig({ ...base, AUTH_ISSUER: 'http://127.0.0.1:4000' }).issuer).toBe(
      'http://127.0.0.1:4000',
    );
  });

  it.each([
    ['AUTH_ISSUER', { AUTH_ISSUER: '' }, /AUTH_ISSUER is required/],
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
    let error: unknown;
    try {
      loadAuthorizerConfig({ ...base, ...override });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable, code: 'config_invalid' });
    expect((error as Error).message).toMatch(message);
  });
});
