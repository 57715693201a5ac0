import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { JwksTiming } from './jwks-timing.ts';
import type { VerificationKeys } from './verification-keys.ts';

/**
 * The key set last loaded from the issuer, and when. It answers lookups while it is fresh, and
 * while it is merely stale if the issuer cannot be reached (stale-if-error), for at most
 * `maxStaleMs` after it loaded. A successful load replaces it whole: a key the issuer removed
 * stops working then, and never comes back from an older set.
 */
export interface KeySet {
  readonly jwks: JSONWebKeySet;
  /** jose's lookup in the set, for the tokens verified with jose (jose-verifier.ts). */
  readonly getKey: JWTVerifyGetKey;
  /** The same keys imported for node:crypto, for the synchronous path (sync-verifier.ts). */
  readonly verification?: VerificationKeys;
  readonly loadedAt: number;
}

export const keySetOf = (
  jwks: JSONWebKeySet,
  loadedAt: number,
  verification?: VerificationKeys,
): KeySet => ({
  jwks,
  getKey: createLocalJWKSet(jwks),
  ...(verification ? { verification } : {}),
  loadedAt,
});

export type KeySetAges = Pick<JwksTiming, 'cacheMaxAgeMs' | 'maxStaleMs'>;

export const isFresh = (set: KeySet | undefined, { cacheMaxAgeMs }: KeySetAges, now: number) =>
  set !== undefined && now - set.loadedAt < cacheMaxAgeMs;

export const servesWhileFailing = (
  set: KeySet | undefined,
  { maxStaleMs }: KeySetAges,
  now: number,
): set is KeySet => set !== undefined && now - set.loadedAt <= maxStaleMs;
