import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwksCache,
  type ExportedJWKSCache,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { isLocalHost, isTrustedUrl } from '../shared/env.ts';
import type { AuthorizerConfig, IssuerConfig } from './config.ts';
import { AuthorizerFailure } from './errors.ts';

export interface KeyResolverOptions {
  readonly issuer: string;
  /** Unset: the `jwks_uri` of the issuer's OpenID discovery document, fetched once per container. */
  readonly jwksUrl: URL | undefined;
  /** The algorithm allowlist: a key set with no key usable for one of them is the issuer's fault. */
  readonly algorithms: readonly string[];
  readonly timeoutMs: number;
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
 * Resolves a token's verification key from the issuer's JWKS, built on jose's
 * `createRemoteJWKSet` (fetching, caching, kid matching, refetch on an unknown kid with a
 * cooldown, concurrent fetches shared). Created once per container and reused by every invocation.
 *
 * What jose does not do, and why it is added here:
 * - stale-if-error: once the cached set is older than `cacheMaxAge`, jose blocks on a refetch
 *   and throws if it fails. In a warm Lambda that turns a short JWKS outage into failures for
 *   every uncached request. We keep the last set that loaded (whatever the lookup that loaded it
 *   found) and answer from it while the issuer is unreachable, for at most `maxStaleMs` after it
 *   loaded; a key the issuer removed stops working at the first refresh that succeeds, and does
 *   not come back when a later refresh fails.
 * - an empty key set: a JWKS that answers with no signing key at all is the issuer's
 *   misconfiguration, not the token's fault. Refusing every token as an unknown kid would be a
 *   401 API Gateway may keep for the TTL, so it is a failure to decide (500) instead.
 * - failure backoff: jose's cooldown counts from the last *successful* fetch, so while the JWKS
 *   host is down each unknown kid would trigger another request. After a failure we leave the
 *   network alone for `failureBackoffMs`.
 * - classification: anything that goes wrong while fetching becomes an `AuthorizerFailure`
 *   (API Gateway answers 500), never a token rejection: a 401 for a valid token, which API
 *   Gateway would keep for the TTL.
 */
export function createKeyResolver(options: KeyResolverOptions): JWTVerifyGetKey {
  const now = options.now ?? Date.now;
  const failureBackoffMs = options.failureBackoffMs ?? 2000;
  // jose writes each successful load into this object; we read it to keep the last good set.
  // (empty until the first load, which is what jose expects to be handed).
  const loaded = {} as Partial<ExportedJWKSCache>;
  let remote: JWTVerifyGetKey | undefined;
  let lastGood: { uat: number; loadedAt: number; getKey: JWTVerifyGetKey } | undefined;
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

  /** Called after every lookup that jose answered from a loaded set: that set is the last good one. */
  function rememberLoadedSet(): void {
    if (loaded.uat === undefined || !loaded.jwks || loaded.uat === lastGood?.uat) return;
    lastGood = { uat: loaded.uat, loadedAt: now(), getKey: createLocalJWKSet(loaded.jwks) };
  }

  async function fromLastGood(
    header: Parameters<JWTVerifyGetKey>[0],
    token: Parameters<JWTVerifyGetKey>[1],
    failure: AuthorizerFailure,
  ) {
    if (!lastGood || now() - lastGood.loadedAt > options.maxStaleMs) throw failure;
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
      rememberLoadedSet();
      lastFailure = undefined;
      return key;
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      ) {
        // The set loaded; the token names no key in it (or an ambiguous one): the token's problem,
        // unless the set has no signing key at all.
        rememberLoadedSet();
        lastFailure = undefined;
        if (!hasUsableKey(loaded.jwks, options.algorithms))
          throw new AuthorizerFailure('jwks_invalid', 'JWKS has no key usable for verification', {
            cause: error,
          });
        throw error;
      }
      failedAt = now();
      lastFailure = classifyFetchError(error);
      return fromLastGood(header, token, lastFailure);
    }
  };
}

// What each allowed algorithm needs of a key (RFC 7518 §3, RFC 8037; jose reads EdDSA as
// Ed25519). jose keeps this table to itself, so the check below restates it.
const KEY_SHAPES: Readonly<Record<string, { kty: string; crv?: string }>> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
};

/**
 * A key that can verify a token signed with one of the allowed algorithms (RFC 7517 §4.2–4.4):
 * meant for signatures (`use` absent or `sig`, `key_ops` absent or naming `verify`), for an
 * allowed algorithm (`alg` absent or on the list), of the type and curve that algorithm needs.
 */
export function isUsableKey(key: JWK, algorithms: readonly string[]): boolean {
  if (key.use !== undefined && key.use !== 'sig') return false;
  if (key.key_ops !== undefined && !(Array.isArray(key.key_ops) && key.key_ops.includes('verify')))
    return false;
  if (key.alg !== undefined && !algorithms.includes(key.alg)) return false;
  return (key.alg === undefined ? algorithms : [key.alg]).some((alg) => {
    const shape = KEY_SHAPES[alg];
    return shape !== undefined && key.kty === shape.kty && (!shape.crv || key.crv === shape.crv);
  });
}

const hasUsableKey = (
  jwks: Partial<ExportedJWKSCache>['jwks'],
  algorithms: readonly string[],
): boolean => (jwks?.keys ?? []).some((key) => isUsableKey(key, algorithms));

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
    return discoveredJwksUrl(new URL(issuer), doc.jwks_uri);
  } catch (cause) {
    throw new AuthorizerFailure('discovery_failed', `OpenID discovery at ${where} failed`, {
      cause,
    });
  }
}

/**
 * The `jwks_uri` a discovery document names, if we may fetch it: https, or plain http on
 * loopback; and on loopback (or link-local) only when the issuer itself is there. Inside Lambda,
 * 127.0.0.1:9001 is the Runtime API and link-local addresses reach AWS-internal services: a
 * discovery document must not be able to point the authorizer at them.
 */
export function discoveredJwksUrl(issuer: URL, jwksUri: string): URL {
  const url = new URL(jwksUri);
  if (!isTrustedUrl(url)) throw new Error('jwks_uri is not https');
  if (isLocalHost(url) && !isLocalHost(issuer))
    throw new Error('jwks_uri is on loopback or link-local, the issuer is not');
  return url;
}
