import {
  ConfigError,
  readInteger,
  readList,
  readOptionalString,
  readString,
  readUrl,
  type Env,
} from '../shared/env.ts';

/**
 * The authorizer's configuration, read once at cold start (see `handler.ts`). Every variable is
 * documented in README §Configuration.
 */
export interface AuthorizerConfig {
  /** Exact `iss` the tokens must carry. */
  readonly issuer: string;
  /** Accepted `aud` values; a token must name at least one. */
  readonly audience: readonly string[];
  /** Where the signing keys are. Unset: read `jwks_uri` from the issuer's discovery document. */
  readonly jwksUrl: URL | undefined;
  readonly algorithms: readonly string[];
  /** The `typ` header a token must carry (RFC 9068: `at+jwt`); unset: not checked. */
  readonly tokenType: string | undefined;
  readonly clockToleranceSeconds: number;
  /** The furthest ahead a token's `exp` may lie: a longer-lived token is refused. */
  readonly maxTokenLifetimeSeconds: number;
  readonly jwks: {
    readonly timeoutMs: number;
    readonly cooldownMs: number;
    readonly cacheMaxAgeMs: number;
    readonly maxStaleMs: number;
  };
}

// Asymmetric algorithms only. HS* would let anyone holding the public key (that is, everyone)
// mint tokens if a verifier ever fed a public key to an HMAC check; `none` needs no key at all.
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
export const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

export function loadAuthorizerConfig(env: Env): AuthorizerConfig {
  const issuer = readString(env, 'AUTH_ISSUER');
  readUrl('AUTH_ISSUER', issuer);
  const jwksUrlRaw = readOptionalString(env, 'AUTH_JWKS_URL');

  const algorithms = readList(env, 'AUTH_ALGORITHMS', DEFAULT_ALGORITHMS);
  for (const alg of algorithms) {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigError(
        'AUTH_ALGORITHMS',
        `may list only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}), got "${alg}"`,
      );
    }
  }
  if (algorithms.length === 0)
    throw new ConfigError('AUTH_ALGORITHMS', 'must list at least one algorithm');

  const audience = readList(env, 'AUTH_AUDIENCE', []);
  if (audience.length === 0) throw new ConfigError('AUTH_AUDIENCE', 'is required and is not set');

  return Object.freeze({
    issuer,
    audience: Object.freeze(audience),
    jwksUrl: jwksUrlRaw === undefined ? undefined : readUrl('AUTH_JWKS_URL', jwksUrlRaw),
    algorithms: Object.freeze(algorithms),
    // RFC 9068 access tokens say `typ: at+jwt`, which keeps an ID token (same issuer and keys,
    // audience = a client id) from passing as an access token. Many issuers still send `JWT`
    // for access tokens, so the check is opt-in.
    tokenType: readOptionalString(env, 'AUTH_TOKEN_TYPE'),
    // A few seconds absorbs clock skew between the issuer and Lambda; more would stretch every
    // token's lifetime for nothing.
    clockToleranceSeconds: readInteger(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', {
      fallback: 5,
      min: 0,
      max: 300,
    }),
    // A day: the longest access-token lifetime Cognito, Okta and Entra ID allow, and Auth0's
    // default (Auth0 can be set to issue tokens for up to 30 days: raise this to match). Bounds
    // what a leaked token is worth and keeps `exp` a date every layer can hold (1e13 is not).
    maxTokenLifetimeSeconds: readInteger(env, 'AUTH_MAX_TOKEN_LIFETIME_SECONDS', {
      fallback: 86_400,
      min: 60,
      max: 31_536_000,
    }),
    jwks: Object.freeze({
      // A cold start without AUTH_JWKS_URL makes two requests in a row (discovery, then the
      // JWKS), each with this timeout: at most 2 × 2 s stays under the authorizer function's 5 s
      // timeout, so a hanging host ends in our own AuthorizerFailure (500, never an Allow) with a
      // log line, rather than in a Lambda timeout that logs nothing.
      timeoutMs: readInteger(env, 'AUTH_JWKS_TIMEOUT_MS', { fallback: 1500, min: 100, max: 2000 }),
      // An unknown `kid` triggers a refetch at most once per cooldown per container: rotation is
      // picked up within seconds, and a flood of forged kids cannot turn us into a JWKS hammer.
      cooldownMs:
        readInteger(env, 'AUTH_JWKS_COOLDOWN_SECONDS', { fallback: 30, min: 1, max: 3600 }) * 1000,
      // How long a key set is trusted before it is refreshed: this bounds how long a key the
      // issuer removed (for example after a compromise) keeps verifying in a warm container.
      // A failed refresh does not lock users out: the key resolver keeps serving the last good
      // set (stale-if-error), see key-resolver.ts.
      cacheMaxAgeMs:
        readInteger(env, 'AUTH_JWKS_CACHE_MAX_AGE_SECONDS', {
          fallback: 600,
          min: 30,
          max: 86400,
        }) * 1000,
      // How long past its load a key set keeps serving while every refresh fails: an issuer
      // outage shorter than this locks nobody out, and a key the issuer removed cannot outlive
      // it even if the JWKS host stays down.
      maxStaleMs:
        readInteger(env, 'AUTH_JWKS_MAX_STALE_SECONDS', {
          fallback: 3600,
          min: 0,
          max: 86400,
        }) * 1000,
    }),
  });
}
