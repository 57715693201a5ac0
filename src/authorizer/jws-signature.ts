import { constants, verify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';

/**
 * A JWS signature checked with node:crypto's one-shot `verify`, synchronously: the same OpenSSL
 * operation WebCrypto runs for jose, without WebCrypto's job on the libuv thread pool and the
 * wait for it, which cost more than the RSA verification itself.
 *
 * How each JWS algorithm (RFC 7518 §3, RFC 8037 §3.1) maps to node:crypto's parameters, as jose
 * maps it to WebCrypto's:
 * - RS*: RSASSA-PKCS1-v1_5 with SHA-2 (node:crypto's default padding);
 * - PS*: RSASSA-PSS with SHA-2, MGF1 with the same hash, and a salt exactly as long as the hash,
 *   as WebCrypto's `saltLength` requires (a signature with another salt length fails);
 * - ES*: ECDSA with SHA-2 over the curve the key set checked, the signature as JWS writes it,
 *   r || s (IEEE P1363), not DER;
 * - EdDSA / Ed25519: pure Ed25519, which takes no separate digest.
 * Any error from OpenSSL (a signature of the wrong length, say) is a signature that does not
 * verify, as jose treats it.
 */
type Scheme = {
  readonly digest: string | null;
  readonly options: Omit<VerifyKeyObjectInput, 'key'>;
};

const pss = (bytes: number) => ({
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: bytes,
});
const P1363 = { dsaEncoding: 'ieee-p1363' } as const;

const SCHEMES: Readonly<Record<string, Scheme>> = {
  RS256: { digest: 'sha256', options: {} },
  RS384: { digest: 'sha384', options: {} },
  RS512: { digest: 'sha512', options: {} },
  PS256: { digest: 'sha256', options: pss(32) },
  PS384: { digest: 'sha384', options: pss(48) },
  PS512: { digest: 'sha512', options: pss(64) },
  ES256: { digest: 'sha256', options: P1363 },
  ES384: { digest: 'sha384', options: P1363 },
  ES512: { digest: 'sha512', options: P1363 },
  EdDSA: { digest: null, options: {} },
  Ed25519: { digest: null, options: {} },
};

/** True when `signature` is `alg`'s signature of `signingInput` by `key`. */
export function verifySignature(
  alg: string,
  key: KeyObject,
  signingInput: Buffer,
  signature: Buffer,
): boolean {
  const scheme = SCHEMES[alg];
  if (!scheme) return false;
  try {
    return verify(scheme.digest, signingInput, { key, ...scheme.options }, signature);
  } catch {
    return false;
  }
}
