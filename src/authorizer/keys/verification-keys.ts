import { KeyObject } from 'node:crypto';
import { importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { KEY_SHAPES } from './usable-key.ts';

/**
 * One key of the set, ready for node:crypto's synchronous `verify`: imported once, when its key
 * set loads, instead of once per token.
 */
export interface VerificationKey {
  /**
   * The key as jose would verify with it. Absent when jose would not verify with it at all (its
   * import fails, it is not a public key, an RSA key shorter than 2048 bits): a token that meets
   * such a key is left to jose, which refuses it its own way.
   */
  readonly keyObject: KeyObject | undefined;
}

/** A loaded key set's keys, for the synchronous path (sync-verifier.ts). */
export interface VerificationKeys {
  /** The keys jose would try for a token whose header names this `alg` and `kid`, in order. */
  candidates(alg: string, kid: unknown): VerificationKey[];
}

interface Entry {
  readonly kid: unknown;
  /** The allowed algorithms this key is usable for, each with its imported key. */
  readonly byAlg: ReadonlyMap<string, VerificationKey>;
}

class PreparedKeys implements VerificationKeys {
  /** The key set's JSON: an identical reload keeps these keys (and what was verified with them). */
  readonly source: string;
  private readonly entries: readonly Entry[];

  constructor(source: string, entries: readonly Entry[]) {
    this.source = source;
    this.entries = entries;
  }

  candidates(alg: string, kid: unknown): VerificationKey[] {
    const found: VerificationKey[] = [];
    for (const entry of this.entries) {
      const key = entry.byAlg.get(alg);
      if (key && (kid === undefined || (typeof kid === 'string' && kid === entry.kid)))
        found.push(key);
    }
    return found;
  }
}

/**
 * Imports each key of a loaded set for each allowed algorithm it serves, through jose's own
 * `importJWK` (the import jose's local key set makes for a token, with the same arguments), then
 * takes node:crypto's `KeyObject` of it: what jose would verify with, without WebCrypto's
 * asynchronous job per token. A set identical to `previous` keeps `previous`, so a refresh that
 * changes nothing keeps the verified tokens that rely on it (verified-tokens.ts).
 */
export async function prepareVerificationKeys(
  jwks: JSONWebKeySet,
  algorithms: readonly string[],
  previous?: VerificationKeys,
): Promise<VerificationKeys> {
  const source = JSON.stringify(jwks);
  if (previous instanceof PreparedKeys && previous.source === source) return previous;
  const entries = await Promise.all(
    jwks.keys.map(async (jwk): Promise<Entry> => {
      const usable = algorithms.filter((alg) => isUsableJwk(jwk, alg));
      const imported = await Promise.all(usable.map((alg) => importForVerify(jwk, alg)));
      return { kid: jwk.kid, byAlg: new Map(usable.map((alg, i) => [alg, imported[i]!])) };
    }),
  );
  return new PreparedKeys(source, entries);
}

async function importForVerify(jwk: JWK, alg: string): Promise<VerificationKey> {
  try {
    const key = await importJWK(jwk, alg, { extractable: true });
    // jose refuses a private key in a key set, and an RSA key under 2048 bits when verifying.
    if (key instanceof Uint8Array || key.type !== 'public') return { keyObject: undefined };
    const keyObject = KeyObject.from(key);
    const bits = keyObject.asymmetricKeyDetails?.modulusLength;
    if (keyObject.asymmetricKeyType === 'rsa' && !(typeof bits === 'number' && bits >= 2048))
      return { keyObject: undefined };
    return { keyObject };
  } catch {
    return { keyObject: undefined };
  }
}

/**
 * jose's rule for a key set member a token may be verified with (its `createLocalJWKSet`,
 * `isUsableJWK`), but for the `kid`, which `candidates` matches per token. Restated here because
 * jose keeps it to itself; the differential test holds the two to the same verdicts. It differs
 * from usable-key.ts, which judges whether a set can serve at all: this one must pick exactly
 * the keys jose would try.
 */
function isUsableJwk(jwk: JWK, alg: string): boolean {
  const shape = KEY_SHAPES[alg];
  if (!shape) return false;
  const { ext, key_ops: keyOps, alg: jwkAlg, use, crv } = jwk;
  return (
    (ext === undefined || typeof ext === 'boolean') &&
    (keyOps === undefined ||
      (Array.isArray(keyOps) &&
        keyOps.every((op, i) => typeof op === 'string' && keyOps.indexOf(op) === i) &&
        keyOps.includes('verify'))) &&
    jwk.kty === shape.kty &&
    (jwkAlg === undefined || jwkAlg === alg) &&
    (use === undefined || use === 'sig') &&
    (!shape.crv || crv === shape.crv)
  );
}
