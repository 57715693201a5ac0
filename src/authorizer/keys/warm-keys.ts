import type { KeyObject } from 'node:crypto';
import { verifySignature } from '../jws-signature.ts';
import type { KeySet } from './key-set.ts';

// A rotation publishes the previous, current and next key of a type; two types (RSA and EC, or
// v1 and v2 endpoints) make six. Past that, the rest are warmed when a token first asks.
const MAX_WARMED = 8;
const INPUT = Buffer.from('.');

/**
 * Gets the keys ready as the first token would use them: each key the set prepared for
 * node:crypto checks one throwaway signature (a zero-filled one over a dot, which fails), so
 * OpenSSL's first use of each key and algorithm (its method lookups, the key's internal form) is
 * paid during the init, not by the first request. Best effort: nothing of it is kept but what
 * OpenSSL caches itself.
 */
export function warmKeys(set: KeySet, algorithms: readonly string[]): void {
  const verification = set.verification;
  if (!verification) return;
  let warmed = 0;
  for (const alg of algorithms)
    for (const { keyObject } of verification.candidates(alg, undefined)) {
      if (!keyObject || warmed === MAX_WARMED) continue;
      warmed += 1;
      verifySignature(alg, keyObject, INPUT, Buffer.alloc(signatureBytes(keyObject)));
    }
}

/** The length of a signature by this key, so that OpenSSL does the work a real one costs. */
function signatureBytes(key: KeyObject): number {
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength) return details.modulusLength / 8;
  if (details?.namedCurve === 'prime256v1') return 64;
  if (details?.namedCurve === 'secp384r1') return 96;
  if (details?.namedCurve === 'secp521r1') return 132;
  return 64;
}
