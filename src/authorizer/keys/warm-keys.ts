import { base64url, compactVerify } from 'jose';
import type { KeySet } from './key-set.ts';
import { algorithmsFor } from './usable-key.ts';

// A rotation publishes the previous, current and next key of a type; two types (RSA and EC, or
// v1 and v2 endpoints) make six. Past that, the rest are imported when a token first asks.
const MAX_WARMED = 8;

/**
 * Gets the keys ready as the first token would: jose imports a JWK into a CryptoKey the first
 * time a token names it (cached in the set), and Node loads its WebCrypto internals on their
 * first use. Together about 3–4 ms of CPU that the first decision would otherwise pay, several
 * times a warm decision. Each usable key checks one throwaway signature (a zero byte over an
 * empty payload, which fails), through the same `getKey` requests use. Best effort: whatever
 * goes wrong here is left for a real request to meet, and no outcome of it is kept but the
 * imported keys.
 */
export async function warmKeys(set: KeySet, algorithms: readonly string[]): Promise<void> {
  const trials = set.jwks.keys
    .flatMap((key) => algorithmsFor(key, algorithms).map((alg) => ({ alg, kid: key.kid })))
    .slice(0, MAX_WARMED);
  await Promise.all(
    trials.map(({ alg, kid }) => {
      const header = base64url.encode(JSON.stringify(kid === undefined ? { alg } : { alg, kid }));
      return compactVerify(`${header}..AA`, set.getKey, { algorithms: [alg] }).catch(() => {});
    }),
  );
}
