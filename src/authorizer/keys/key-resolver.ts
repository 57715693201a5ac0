import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { AuthorizerConfig, IssuerConfig } from '../config.ts';
import { AuthorizerFailure } from '../errors.ts';
import { discoverJwksUri } from './discovery.ts';
import { createFailureBackoff } from './failure-backoff.ts';
import { isFresh, keySetOf, servesWhileFailing, type KeySet } from './key-set.ts';
import { hasUsableKey } from './usable-key.ts';

export interface KeyResolverOptions {
  readonly issuer: string;
  /** Unset: the `jwks_uri` of the issuer's OpenID discovery document, fetched once per container. */
  readonly jwksUrl: URL | undefined;
  /** The algorithm allowlist: a key set with no key usable for one of them is the issuer's fault. */
  readonly algorithms: readonly string[];
  readonly timeoutMs: number;
  /** An unknown kid refetches the set at most once per cooldown. */
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  /**
   * The longest a loaded key set may keep serving while the issuer cannot be reached
   * (stale-if-error), counted from when it loaded. Past that, a failed refresh is a failure.
   */
  readonly maxStaleMs: number;
  /** How long after a failed fetch the network is left alone (default 2 s). */
  readonly failureBackoffMs?: number;
  readonly now?: () => number;
}

/** The key resolver of one trusted issuer, with the shared JWKS settings. */
export const keyResolverFor = (
  issuer: Pick<IssuerConfig, 'issuer' | 'jwksUrl' | 'algorithms'>,
  { jwks }: Pick<AuthorizerConfig, 'jwks'>,
  overrides: Partial<KeyResolverOptions> = {},
): JWTVerifyGetKey =>
  createKeyResolver({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    algorithms: issuer.algorithms,
    ...jwks,
    ...overrides,
  });

/**
 * Resolves a token's verification key from one issuer's JWKS. Created once per container and
 * issuer, reused by every invocation. jose does the fetching (`createRemoteJWKSet`'s `reload()`:
 * timeout, no redirects, shared concurrent fetches, key-set validation) and the kid matching
 * (`createLocalJWKSet`); when to fetch is decided here, in small units, on one clock:
 *
 * - refresh: a set older than `cacheMaxAgeMs` is reloaded before it answers; an unknown kid
 *   reloads it at most once per `cooldownMs` (a rotation is picked up, a flood of forged kids
 *   costs one request);
 * - stale-if-error (key-set.ts): a failed reload does not lock anyone out while the last set is
 *   at most `maxStaleMs` old; an unknown kid meanwhile is a failure to decide, not a rejection
 *   (it may be a key the issuer just rotated in);
 * - failure backoff (failure-backoff.ts): after a failed fetch the network is left alone for
 *   `failureBackoffMs`;
 * - classification: anything that goes wrong while fetching becomes an `AuthorizerFailure` (API
 *   Gateway answers 500), never a token rejection: a 401 for a valid token, which API Gateway
 *   would keep for the TTL; and a set with no usable key is `jwks_invalid` (usable-key.ts).
 */
export function createKeyResolver(options: KeyResolverOptions): JWTVerifyGetKey {
  const now = options.now ?? Date.now;
  const backoff = createFailureBackoff(options.failureBackoffMs ?? 2000, now);
  let remote: ReturnType<typeof createRemoteJWKSet> | undefined;
  let current: KeySet | undefined;
  let lastFetchAt = -Infinity;

  async function remoteSet() {
    if (remote) return remote;
    const url = options.jwksUrl ?? (await discoverJwksUri(options.issuer, options.timeoutMs));
    // jose's own refresh policy is not used: every reload is asked for by `refresh` below.
    remote ??= createRemoteJWKSet(url, {
      timeoutDuration: options.timeoutMs,
      cooldownDuration: 0,
      cacheMaxAge: Infinity,
    });
    return remote;
  }

  /** Loads the set now; on failure records it and answers from the last set if it may. */
  async function refresh(): Promise<KeySet> {
    lastFetchAt = now();
    try {
      const set = await remoteSet();
      await set.reload();
      current = keySetOf(set.jwks()!, now());
      backoff.clear();
      return current;
    } catch (error) {
      const failure = classifyFetchError(error);
      backoff.record(failure);
      if (servesWhileFailing(current, options, now())) return current;
      throw failure;
    }
  }

  async function lookup(set: KeySet, ...args: Parameters<JWTVerifyGetKey>) {
    try {
      return await set.getKey(...args);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && !hasUsableKey(set.jwks, options.algorithms))
        throw new AuthorizerFailure('jwks_invalid', 'JWKS has no key usable for verification', {
          cause: error,
        });
      throw error;
    }
  }

  return async (...args) => {
    const failing = backoff.active();
    let set: KeySet;
    if (failing) {
      if (!servesWhileFailing(current, options, now())) throw failing;
      set = current;
    } else {
      set = isFresh(current, options, now()) ? current! : await refresh();
    }
    try {
      return await lookup(set, ...args);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // An unknown kid: a key the issuer rotated in since the set loaded, or a forged kid.
      if (!backoff.active() && now() - lastFetchAt >= options.cooldownMs) {
        const reloaded = await refresh();
        if (!backoff.active()) return lookup(reloaded, ...args);
      }
      // While the issuer cannot be reached, an unknown kid may be its new key: undecidable.
      throw backoff.active() ?? error;
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
