import { constants, verify, type KeyObject } from 'node:crypto';

/**
 * A JWS signature checked with node:crypto's one-shot `verify`, synchronously: the same OpenSSL
 * operation WebCrypto runs for jose, without WebCrypto's job on the libuv thread pool and the
 * wait for it, which cost more than an RSA verification itself.
 *
 * How each JWS algorithm (RFC 7518 §3, RFC 8037 §3.1) maps to node:crypto, as jose maps it to
 * WebCrypto:
 * - RS*: RSASSA-PKCS1-v1_5 with SHA-2 (node:crypto's default for an RSA key);
 * - PS*: RSASSA-PSS with SHA-2, MGF1 with the same hash, and a salt exactly as long as the hash,
 *   as WebCrypto's `saltLength` requires (a signature with another salt length fails);
 * - ES*: ECDSA with SHA-2 over the curve the key set checked; JWS writes the signature as r || s
 *   (IEEE P1363), which is turned into the DER form OpenSSL reads (`ecdsaDer`);
 * - EdDSA / Ed25519: pure Ed25519, which takes no separate digest.
 * Any error from OpenSSL is a signature that does not verify, as jose treats it.
 *
 * The key goes to `verify` as the KeyObject itself, never wrapped in an options object
 * (`{ key, dsaEncoding }`): Node takes the wrapped form through a slower path that cost 15 µs
 * more per RSA verification here and 40 µs more per P-256 one, more than all the rest of a
 * decision. Only PS* needs options (its padding and salt length), and pays for them.
 */
type Check = (key: KeyObject, signingInput: Buffer, signature: Buffer) => boolean;

const plain =
  (digest: string | null): Check =>
  (key, input, signature) =>
    verify(digest, input, key, signature);

const pss =
  (digest: string, saltLength: number): Check =>
  (key, input, signature) =>
    verify(digest, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);

const ecdsa =
  (digest: string, size: number): Check =>
  (key, input, signature) => {
    // Node refuses an r || s of any other length (it cannot be one of this curve's).
    if (signature.length !== 2 * size) return false;
    return verify(digest, input, key, ecdsaDer(signature, size));
  };

const CHECKS: Readonly<Record<string, Check>> = {
  RS256: plain('sha256'),
  RS384: plain('sha384'),
  RS512: plain('sha512'),
  PS256: pss('sha256', 32),
  PS384: pss('sha384', 48),
  PS512: pss('sha512', 64),
  // The size of r and of s: the curve's order in bytes (P-521: 66).
  ES256: ecdsa('sha256', 32),
  ES384: ecdsa('sha384', 48),
  ES512: ecdsa('sha512', 66),
  EdDSA: plain(null),
  Ed25519: plain(null),
};

/** True when `signature` is `alg`'s signature of `signingInput` by `key`. */
export function verifySignature(
  alg: string,
  key: KeyObject,
  signingInput: Buffer,
  signature: Buffer,
): boolean {
  const check = CHECKS[alg];
  if (!check) return false;
  try {
    return check(key, signingInput, signature);
  } catch {
    return false;
  }
}

/**
 * An IEEE P1363 ECDSA signature (r || s, each `size` bytes, unsigned big-endian) as the DER
 * `Ecdsa-Sig-Value` OpenSSL reads (RFC 3279 §2.2.3: a SEQUENCE of two INTEGERs), in its one
 * canonical encoding: each integer without leading zero bytes, one zero byte added where the
 * first remaining byte has its high bit set (it would read as negative), and a zero as one
 * zero byte. The conversion node:crypto makes itself for `dsaEncoding: 'ieee-p1363'`, written
 * here to keep the key out of an options object (see above).
 */
export function ecdsaDer(signature: Buffer, size: number): Buffer {
  const r = derInteger(signature, 0, size);
  const s = derInteger(signature, size, size);
  const body = r.length + s.length;
  // A body past 127 bytes (P-521) takes the long form of the length: 0x81 and one byte.
  const head = body < 0x80 ? [0x30, body] : [0x30, 0x81, body];
  const der = Buffer.allocUnsafe(head.length + body);
  der.set(head, 0);
  der.set(r, head.length);
  der.set(s, head.length + r.length);
  return der;
}

function derInteger(bytes: Buffer, start: number, size: number): Uint8Array {
  let first = start;
  const end = start + size;
  while (first < end - 1 && bytes[first] === 0) first += 1;
  const pad = bytes[first]! & 0x80 ? 1 : 0;
  const length = end - first + pad;
  const out = new Uint8Array(2 + length);
  out[0] = 0x02;
  out[1] = length;
  out.set(bytes.subarray(first, end), 2 + pad);
  return out;
}
