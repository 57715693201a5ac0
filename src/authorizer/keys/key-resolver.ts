import { errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { KeySetEvent } from '../../shared/metrics.ts';
import type { IssuerConfig } from '../../issuers/issuer-config.ts';
import type { AuthorizerConfig } from '../authorizer-config.ts';
import { AuthorizerFailure } from '../errors.ts';
import { cappedGet, UndecodableBody } from './capped-get.ts';
import { discoverJwksUri } from './discovery.ts';
import { createFailureBackoff } from './failure-backoff.ts';
import type { JwksTiming } from './jwks-timing.ts';
import { isFresh, keySetOf, servesWhileFailing, type KeySet } from './key-set.ts';
import type { Prefetchable, PrefetchOutcome } from './prefetch.ts';
import { hasUsableKey } from './usable-key.ts';
import { prepareVerificationKeys, type VerificationKeys } from './verification-keys.ts';
import { warmKeys } from './warm-keys.ts';

export interface KeyResolverOptions extends JwksTiming {
  readonly issuer: string;
  /** Unset: the `jwks_uri` of the issuer's OpenID discovery document, fetched once per container. */
  readonly jwksUrl: URL | undefined;
  /** The algorithm allowlist: a key set with no key usable for one of them is the issuer's fault. */
  readonly algorithms: readonly string[];
  /** How long after a failed fetch the network is left alone (default 2 s). */
  readonly failureBackoffMs?: number;
  readonly now?: () => number;
  /** Told each fetch, failed fetch and answer from a stale set (the metrics). */
  readonly onEvent?: (event: KeySetEvent) => void;
}

/**
 * What jose asks for a token's key, the init-time load of the keys (`prefetch`), and the keys as
 * they are now for the synchronous path (`readyKeys`).
 */
export type KeyResolver = JWTVerifyGetKey &
  Prefetchable & {
    /**
     * The loaded set's keys when they answer as they are, without waiting: loaded, fresh, no
     * failure standing in for a fetch, no init load under way. Undefined otherwise: the token
     * then goes through `getKey`, which fetches, waits or serves a stale set as the policies
     * below say.
     */
    readonly readyKeys: () => VerificationKeys | undefined;
  };

/** The key resolver of one trusted issuer, with the shared JWKS settings. */
export const keyResolverFor = (
  issuer: Pick<IssuerConfig, 'issuer' | 'jwksUrl' | 'algorithms'>,
  { jwks }: Pick<AuthorizerConfig, 'jwks'>,
  overrides: Partial<KeyResolverOptions> = {},
): KeyResolver =>
  createKeyResolver({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    algorithms: issuer.algorithms,
    ...jwks,
    ...overrides,
  });

/**
 * Resolves a token's verification key from one issuer's JWKS. Created once per container and
 * issuer, reused by every invocation. The set is fetched with `cappedGet` (a timeout, no
 * redirects, an oversized body is `jwks_invalid`), one fetch at a time shared by whoever needs it;
 * jose validates the set and matches kids (`createLocalJWKSet`); when to fetch is decided here,
 * in small units, on one clock:
 *
 * - refresh: a set older than `cacheMaxAgeMs` is reloaded before it answers; an unknown kid
 *   reloads it unless a reload for an unknown kid started less than `cooldownMs` ago (a
 *   rotation is picked up at once, a flood of forged kids costs one request per cooldown);
 * - stale-if-error (key-set.ts): a failed reload does not lock anyone out while the last set is
 *   at most `maxStaleMs` old; an unknown kid is a failure to decide, not a rejection, until a
 *   reload succeeds (it may be a key the issuer just rotated in);
 * - failure backoff (failure-backoff.ts): after a failed fetch the network is left alone for
 *   `failureBackoffMs`; the next request that needs the issuer after that tries it again;
 * - classification: anything that goes wrong while fetching becomes an `AuthorizerFailure` (API
 *   Gateway answers 500), never a token rejection: a 401 for a valid token, which API Gateway
 *   would keep for the TTL; and a set with no usable key is `jwks_invalid` (usable-key.ts);
 * - prefetch: the init loads the set (and reads discovery) before any request, so the first
 *   request finds it fresh; a request that arrives while that load is still under way waits for
 *   it instead of starting another.
 */
export function createKeyResolver(options: KeyResolverOptions): KeyResolver {
  const now = options.now ?? Date.now;
  const observe = options.onEvent ?? (() => {});
  const backoff = createFailureBackoff(options.failureBackoffMs ?? 2000, now);
  let jwksUrl = options.jwksUrl;
  let current: KeySet | undefined;
  /**
   * When the last refetch for an unknown kid started, whether it found the kid or not: the
   * unknown-kid cooldown counts from it. Not from any fetch: a set loaded at the init or
   * refreshed for its age says nothing about a kid asked for later, which may be a key the
   * issuer began to sign with since (some, Keycloak among them, sign with a new key as soon as
   * it is added).
   */
  let unknownKidRefetchAt = -Infinity;
  let prefetched: Promise<PrefetchOutcome> | undefined;
  let prefetching: Promise<PrefetchOutcome> | undefined;
  /** The load under way: whoever needs the set meanwhile waits for it rather than fetch again. */
  let loading: Promise<KeySet> | undefined;
  /** Fetches started so far, and which one (and when) each loaded set comes from. */
  let fetchesStarted = 0;
  const fetchOf = new WeakMap<KeySet, { readonly seq: number; readonly startedAt: number }>();

  async function fetchSet(): Promise<KeySet> {
    const started = { seq: (fetchesStarted += 1), startedAt: now() };
    // Discovery once per container, once it has succeeded.
    jwksUrl ??= await discoverJwksUri(options.issuer, options.timeoutMs);
    const response = await cappedGet('JWKS', jwksUrl, {
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.status !== 200) throw new Error(`JWKS answered HTTP ${response.status}`);
    // keySetOf hands the document to jose's createLocalJWKSet, which refuses one that is not a
    // key set (JWKSInvalid) before anything reads its keys.
    const set = keySetOf(response.json() as JSONWebKeySet, now());
    // Each key imported once per set, not once per token; an unchanged set keeps its keys.
    const verification = await prepareVerificationKeys(
      set.jwks,
      options.algorithms,
      current?.verification,
    );
    const loaded = { ...set, verification };
    fetchOf.set(loaded, started);
    return loaded;
  }

  function load(): Promise<KeySet> {
    loading ??= fetchSet().finally(() => (loading = undefined));
    return loading;
  }

  /** Loads the set now; a failure is recorded (the backoff) and thrown. */
  async function refresh(): Promise<KeySet> {
    try {
      current = await load();
      backoff.clear();
      observe('fetched');
      return current;
    } catch (error) {
      const failure = classifyFetchError(error);
      backoff.record(failure);
      observe('fetch_failed');
      throw failure;
    }
  }

  /** While the set cannot be refreshed: the last one if it is young enough, else the failure. */
  function staleOr(failure: AuthorizerFailure): KeySet {
    if (!servesWhileFailing(current, options, now())) throw failure;
    observe('stale_served');
    return current;
  }

  /** The loaded set, if it answers as it is: fresh, and no failure standing in for a fetch. */
  const ready = (): KeySet | undefined =>
    !backoff.active() && isFresh(current, options, now()) ? current : undefined;

  /** The set when the loaded one is not ready: the last one during the backoff, else reloaded. */
  async function reloadedOrStale(): Promise<KeySet> {
    const failing = backoff.active();
    if (failing) return staleOr(failing);
    return refresh().catch(staleOr);
  }

  /**
   * The set to look an unknown kid up in once more, reloaded, or why it cannot be. Until a reload
   * succeeds the kid may be a key the issuer rotated in: a failure to decide (500), never a 401
   * the gateway would keep for a valid token. Within the cooldown of a refetch for an unknown
   * kid, it is the token's fault without asking again: so a flood of forged kids costs one
   * request per cooldown while the issuer answers, and one per backoff while it does not (a
   * failed fetch does not start the cooldown, or a rotation met during an outage would be
   * refused until the cooldown ran out).
   */
  async function reloadForUnknownKid(unknown: errors.JWKSNoMatchingKey): Promise<KeySet> {
    const failing = backoff.active();
    if (failing) throw failing;
    if (!backoff.unresolved() && now() - unknownKidRefetchAt < options.cooldownMs) throw unknown;
    const startedAt = now();
    const set = await refresh();
    unknownKidRefetchAt = Math.max(unknownKidRefetchAt, startedAt);
    return set;
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

  /**
   * The init's load of the set, once per container. It keeps only a set the first request could
   * verify with; anything else leaves the resolver exactly as it was, so the first request fetches
   * for itself as it would have without a prefetch.
   *
   * A failure is reported (the init logs it) but not recorded in the failure backoff. The backoff
   * stands in for fetching while an issuer is known to be down, and would answer the first request
   * with the init's failure, without trying: an issuer that blinked during the init, or came back
   * in the seconds before the first request, would cost that request a 500. The backoff protects
   * the issuer from a request per invocation; the prefetch adds one request per cold start at most,
   * which it does not need protecting from.
   */
  async function prefetchOnce(): Promise<PrefetchOutcome> {
    try {
      const set = await load();
      if (!hasUsableKey(set.jwks, options.algorithms)) {
        observe('fetch_failed');
        return {
          status: 'failed',
          failure: new AuthorizerFailure('jwks_invalid', 'JWKS has no key usable for verification'),
        };
      }
      // A request that fetched meanwhile (one that came before the prefetch started) is newer.
      if (!current || current.loadedAt <= set.loadedAt) current = set;
      backoff.clear();
      observe('fetched');
      warmKeys(set, options.algorithms);
      return { status: 'loaded' };
    } catch (error) {
      observe('fetch_failed');
      return { status: 'failed', failure: classifyFetchError(error) };
    } finally {
      prefetching = undefined;
    }
  }

  const prefetch = (): Promise<PrefetchOutcome> => {
    if (!prefetched) prefetched = prefetching = prefetchOnce();
    return prefetched;
  };

  async function getKey(...args: Parameters<JWTVerifyGetKey>) {
    const fetchesBefore = fetchesStarted;
    // Joining the init's fetch costs less than starting another. Should it fail, the request
    // goes on below as if there had been no prefetch (it left no backoff and no set behind).
    if (prefetching) await prefetching;
    // The warm path takes the ready set without another await (a microtask per decision).
    const set = ready() ?? (await reloadedOrStale());
    try {
      return await lookup(set, ...args);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // An unknown kid: a key the issuer rotated in since the set loaded, or a forged kid. A set
      // whose fetch began after this request arrived (an age refresh it waited for) is as new as
      // a refetch for the kid would be: none is made, and the cooldown counts from that fetch.
      // One that began before (a prefetch still under way) may predate the key: refetch.
      const fetched = fetchOf.get(set);
      if (fetched && fetched.seq > fetchesBefore) {
        unknownKidRefetchAt = Math.max(unknownKidRefetchAt, fetched.startedAt);
        throw error;
      }
      return lookup(await reloadForUnknownKid(error), ...args);
    }
  }

  const readyKeys = () => (prefetching ? undefined : ready()?.verification);

  return Object.assign(getKey, { prefetch, readyKeys });
}

function classifyFetchError(error: unknown): AuthorizerFailure {
  if (error instanceof AuthorizerFailure) return error;
  // By name, not instanceof: AbortSignal.timeout's DOMException, and JSON.parse's SyntaxError
  // from whichever realm parsed (another one under jest's VM modules).
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError')
    return new AuthorizerFailure('jwks_timeout', 'JWKS request timed out', { cause: error });
  if (
    error instanceof errors.JWKSInvalid ||
    error instanceof UndecodableBody ||
    name === 'SyntaxError'
  ) {
    return new AuthorizerFailure('jwks_invalid', 'JWKS response is not a valid key set', {
      cause: error,
    });
  }
  return new AuthorizerFailure('jwks_unavailable', 'JWKS could not be fetched', { cause: error });
}
