import { ConfigError, readInteger, readOptionalString, readUrl, type Env } from '../shared/env.ts';
import { loadIssuerRules, type IssuerRules } from '../issuers/issuer-config.ts';
import type { JwksTiming } from './keys/jwks-timing.ts';
import { parseUsagePlans, type UsagePlans } from './usage-plans.ts';

/**
 * The authorizer's configuration, read once at cold start (see `handler.ts`): the trusted issuers
 * (src/issuers/issuer-config.ts), how their keys are fetched, and the usage plans. Every variable
 * is documented in README §Configuration and §Use it with your auth server.
 */
export interface AuthorizerConfig extends IssuerRules {
  readonly jwks: JwksTiming;
  /**
   * The usage plans and where the key secret is; unset when the API requires no API key (then
   * no `usageIdentifierKey` is returned). serverless.yml always sets both.
   */
  readonly usagePlans: UsagePlansConfig | undefined;
}

export interface UsagePlansConfig {
  readonly plans: UsagePlans;
  /** The Secrets Manager secret the API key values start with (its ARN or name). */
  readonly secretId: string;
  /** Another Secrets Manager endpoint: the local stack's stand-in. */
  readonly endpoint: URL | undefined;
}

export function loadAuthorizerConfig(env: Env): AuthorizerConfig {
  return Object.freeze({
    ...loadIssuerRules(env),
    jwks: Object.freeze({
      // A cold start without a JWKS URL makes two requests in a row (discovery, then the JWKS),
      // each with this timeout: at most 2 × 2 s stays under the authorizer function's 5 s
      // timeout, so a hanging host ends in our own AuthorizerFailure (500, never an Allow) with
      // a log line, rather than in a Lambda timeout that logs nothing.
      timeoutMs: readInteger(env, 'AUTH_JWKS_TIMEOUT_MS', { fallback: 1500, min: 100, max: 2000 }),
      // An unknown `kid` triggers a refetch at most once per cooldown, counted from the last
      // refetch an unknown kid made, per container and issuer: rotation is picked up at once,
      // and a flood of forged kids cannot turn us into a JWKS hammer. (After a failed fetch the
      // 2 s failure backoff spaces the attempts instead, so a rotation met during an outage is
      // found once it ends.)
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
    usagePlans: usagePlansFrom(env),
  });
}

/** USAGE_PLANS and API_KEYS_SECRET_ID go together: one without the other is a mistake. */
function usagePlansFrom(env: Env): UsagePlansConfig | undefined {
  const plans = readOptionalString(env, 'USAGE_PLANS');
  const secretId = readOptionalString(env, 'API_KEYS_SECRET_ID');
  if (!plans && !secretId) return undefined;
  if (!plans)
    throw new ConfigError(
      'USAGE_PLANS',
      'is required with API_KEYS_SECRET_ID: the plans the API keys belong to',
    );
  if (!secretId)
    throw new ConfigError(
      'API_KEYS_SECRET_ID',
      'is required with USAGE_PLANS: the secret the API key values start with',
    );
  const endpoint = readOptionalString(env, 'SECRETS_MANAGER_ENDPOINT');
  return Object.freeze({
    plans: parseUsagePlans(plans),
    secretId,
    endpoint: endpoint === undefined ? undefined : readUrl('SECRETS_MANAGER_ENDPOINT', endpoint),
  });
}
