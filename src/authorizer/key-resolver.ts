import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwksCache,
  type ExportedJWKSCache,
  type JWTVerifyGetKey,
} from 'jose';
import { isTrustedUrl } from '../shared/env.ts';
import { AuthorizerFailure } from './errors.ts';

export interface KeyResolverOptions {
  readonly issuer: string;
  /** Unset: the `jwks_uri` of the issuer's OpenID discovery document, fetched once per container. */
  readonly jwksUrl: URL | undefined;
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  /** How long after a failed fetch the network is left alone (default 2 s). */
  readonly failureBackoffMs?: number;
  readonly now?: () => number;
}

/**
 * Resolves a token's verification key from the issuer's JWKS, built on jose's
 * `createRemoteJWKSet` (fetching, caching, kid matching, refetch on an unknown kid with a
 * cooldown, concurrent fetches shared). Created once per container and reused by every invocation.
 *
 * What jose does not do, and why it is added here:
 * - stale-if-error: once the cached set is older than `cacheMaxAge`, jose blocks on a refetch
 *   and throws if it fails. In a warm Lambda that turns a short JWKS outage into failures for
 *   every uncached request. We keep the last set that loaded and answer from it while the issuer
 *   is unreachable; a key the issuer removed still stops working at the first refresh that succeeds.
 * - failure backoff: jose's cooldown counts from the last *successful* fetch, so while the JWKS
 *   host is down each unknown kid would trigger another request. After a failure we leave the
 *   network alone for `failureBackoffMs`.
 * - classification: anything that goes wrong while fetching becomes an `AuthorizerFailure`
 *   (API Gateway answers 500 and caches nothing), never a token rejection that could be cached
 *   as a 401 for a valid token.
 */
export function createKeyResolver(options: KeyResolverOptions): JWTVerifyGetKey {
  const now = options.now ?? Date.now;
  const failureBackoffMs = options.failureBackoffMs ?? 2000;
  // jose writes each successful load into this object; we read it to keep the last good set.
  // (empty until the first load, which is what jose expects to be handed).
  const loaded = {} as Partial<ExportedJWKSCache>;
  let remote: JWTVerifyGetKey | undefined;
  let lastGood: { uat: number; getKey: JWTVerifyGetKey } | undefined;
  let failedAt = -Infinity;
  let lastFailure: AuthorizerFailure | undefined;

  async function remoteSet(): Promise<JWTVerifyGetKey> {
    if (remote) return remote;
    const url = options.jwksUrl ?? (await discoverJwksUri(options.issuer, options.timeoutMs));
    remote = createRemoteJWKSet(url, {
      timeoutDuration: options.timeoutMs,
      cooldownDuration: options.cooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs,
      [jwksCache]: loaded as ExportedJWKSCache,
    });
    return remote;
  }

  async function fromLastGood(
    header: Parameters<JWTVerifyGetKey>[0],
    token: Parameters<JWTVerifyGetKey>[1],
    failure: AuthorizerFailure,
  ) {
    if (!lastGood) throw failure;
    try {
      return await lastGood.getKey(header, token);
    } catch (error) {
      // An unknown kid while the issuer is unreachable may be a key it just rotated in: we cannot
      // tell, so it is a failure to decide (500), not a rejection (401).
      if (error instanceof errors.JWKSNoMatchingKey) throw failure;
      throw error;
    }
  }

  return async (header, token) => {
    if (lastFailure && now() - failedAt < failureBackoffMs)
      return fromLastGood(header, token, lastFailure);
    try {
      // Warm path: the set exists, no extra await before jose's lookup.
      const key = await (remote ?? (await remoteSet()))(header, token);
      if (loaded.uat !== undefined && loaded.jwks && loaded.uat !== lastGood?.uat) {
        lastGood = { uat: loaded.uat, getKey: createLocalJWKSet(loaded.jwks) };
      }
      lastFailure = undefined;
      return key;
    } catch (error) {
      // No key with this kid in a set that did load: the token's problem, not ours.
      if (error instanceof errors.JWKSNoMatchingKey) throw error;
      if (error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      failedAt = now();
      lastFailure = classifyFetchError(error);
      return fromLastGood(header, token, lastFailure);
    }
  };
}

function classifyFetchError(error: unknown): AuthorizerFailure {
  if (error instanceof AuthorizerFailure) return error;
  if (error instanceof errors.JWKSTimeout)
    return new AuthorizerFailure('jwks_timeout', 'JWKS request timed out', { cause: error });
  // By name, not instanceof: the SyntaxError comes from fetch's JSON parser, which may live in
  // another realm (it does under jest's VM modules).
  if (
    error instanceof errors.JWKSInvalid ||
    (error as { cause?: Error })?.cause?.name === 'SyntaxError'
  ) {
    return new AuthorizerFailure('jwks_invalid', 'JWKS response is not a valid key set', {
      cause: error,
    });
  }
  return new AuthorizerFailure('jwks_unavailable', 'JWKS could not be fetched', { cause: error });
}

/** OpenID Connect Discovery 1.0 §4: the document's `issuer` must equal the one we trust. */
async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const where = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  try {
    const response = await fetch(where, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    if (response.status !== 200) throw new Error(`discovery answered HTTP ${response.status}`);
    const doc = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== issuer) throw new Error('discovery document names another issuer');
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
    const url = new URL(doc.jwks_uri);
    if (!isTrustedUrl(url)) throw new Error('jwks_uri is not https');
    return url;
  } catch (cause) {
    throw new AuthorizerFailure('discovery_failed', `OpenID discovery at ${where} failed`, {
      cause,
    });
  }
}
