import type { SelectedIssuer } from '../issuers/issuer-selection.ts';
import type { VerificationKeys } from './keys/verification-keys.ts';
import type { VerifiedToken } from './verified-token.ts';

/**
 * The tokens this container has verified, by their exact string, so that the same token sent
 * again is not verified again. API Gateway's authorizer cache sits in front, but a TTL of 0,
 * REQUEST authorizers, and a token reaching another gateway node all send it again.
 *
 * What an entry keeps is what does not change for a given token string: its signature held
 * under these keys, and the header and claims it carries. What changes with the clock is checked
 * again on every hit (verify-token.ts): jose's `nbf`/`exp` and every preset rule, on the clock
 * of now. An entry is dropped, and the token verified in full, when:
 * - the issuer's key set is not the one it was verified with (any change to the set, a removed
 *   key included). While the set is not ready to answer without a fetch (due for a refresh,
 *   failing), the token goes through the key resolver as any other, and its entry holds again
 *   once the set is back unchanged;
 * - a rule refuses it now (it expired);
 * - room is needed: at most `maxEntries` tokens and about `maxBytes` of memory, the oldest
 *   going first (first in, first out: a hit costs one lookup, not a reordering; a token still in
 *   use when pushed out is verified once more and comes back).
 * Only a token that passed everything is ever stored: a refusal is never remembered.
 */
export interface VerifiedEntry {
  /** What verifying it gave, frozen: handed out again on each hit whose rules still pass. */
  readonly token: VerifiedToken;
  readonly selected: SelectedIssuer;
  /** The key set it was verified with: the entry holds only while the issuer's set is this one. */
  readonly keys: VerificationKeys;
}

export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

// A few hundred active callers per container is already a busy one; 1,000 tokens of 1–2 KB
// stay within a few MB of the authorizer's 256 MB.
export const DEFAULT_CACHE_LIMITS: VerifiedTokenCacheOptions = {
  maxEntries: 1000,
  maxBytes: 4 * 1024 * 1024,
};

// What one entry costs, roughly: the token string (one byte a character in V8), the decoded
// claims and header as objects (a few times their JSON), the Map slot and the entry itself.
const bytesOf = (token: string) => 4 * token.length + 256;

export interface VerifiedTokenCache {
  get(token: string): VerifiedEntry | undefined;
  set(token: string, entry: VerifiedEntry): void;
  delete(token: string): void;
  readonly size: () => number;
}

export function createVerifiedTokenCache({
  maxEntries,
  maxBytes,
}: VerifiedTokenCacheOptions = DEFAULT_CACHE_LIMITS): VerifiedTokenCache {
  // A Map iterates in insertion order: the oldest entry comes first. It is keyed by the token's
  // last characters, its signature's end, and an entry holds only for the whole token string,
  // compared on each hit: hashing a 1 KB key cost more than the rest of the lookup together.
  const entries = new Map<string, { readonly token: string; readonly entry: VerifiedEntry }>();
  let bytes = 0;
  const keyOf = (token: string) => token.slice(-KEY_LENGTH);

  function remove(key: string): void {
    const slot = entries.get(key);
    if (slot && entries.delete(key)) bytes -= bytesOf(slot.token);
  }

  return {
    get(token) {
      const slot = entries.get(keyOf(token));
      return slot?.token === token ? slot.entry : undefined;
    },
    set(token, entry) {
      const size = bytesOf(token);
      if (maxEntries === 0 || size > maxBytes) return;
      const key = keyOf(token);
      remove(key);
      while (entries.size >= maxEntries || bytes + size > maxBytes)
        remove(entries.keys().next().value!);
      entries.set(key, { token, entry });
      bytes += size;
    },
    delete(token) {
      if (entries.get(keyOf(token))?.token === token) remove(keyOf(token));
    },
    size: () => entries.size,
  };
}

// 43 base64url characters: the last 32 bytes of a signature nobody but the issuer can choose.
// Two tokens that share them (the issuer's own doing) take turns in one slot.
const KEY_LENGTH = 43;
