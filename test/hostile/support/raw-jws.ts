import { constants, createHmac, KeyObject, sign } from 'node:crypto';
import type { CryptoKey } from 'jose';

/**
 * Compact JWS built from raw JSON text. jose's signers only ever produce well-formed headers and
 * claims, but an attacker (or a buggy issuer) can send anything: duplicate member names, numbers
 * JSON.parse turns into Infinity, any `alg` with any key. Signatures are made with node:crypto so
 * any algorithm can be paired with any key on purpose.
 */
export type Json = string | Readonly<Record<string, unknown>> | readonly unknown[];

export const b64u = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');
const jsonText = (value: Json): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

/** `header.payload` as the signing input, from JSON text (kept byte for byte) or values. */
const signingInput = (header: Json, payload: Json | Uint8Array): string =>
  `${b64u(jsonText(header))}.${b64u(payload instanceof Uint8Array ? payload : jsonText(payload))}`;

export const privateKeyObject = (key: CryptoKey): KeyObject => KeyObject.from(key);

/** A JWS signature of `input` with `alg`'s scheme, whatever key type the token claims. */
function signatureOf(alg: string, key: KeyObject | Uint8Array, input: string): Buffer {
  const data = Buffer.from(input);
  const hash = `sha${alg.slice(-3)}`;
  if (alg.startsWith('HS'))
    return createHmac(hash, key as Uint8Array)
      .update(data)
      .digest();
  const k = key as KeyObject;
  if (alg.startsWith('RS')) return sign(hash, data, k);
  if (alg.startsWith('PS'))
    return sign(hash, data, {
      key: k,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  // JWS wants ECDSA signatures as r || s (IEEE P1363), not DER.
  if (alg.startsWith('ES')) return sign(hash, data, { key: k, dsaEncoding: 'ieee-p1363' });
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, data, k);
  throw new Error(`raw-jws: no signer for ${alg}`);
}

/**
 * A compact JWS over exactly the given header and payload text, signed with `alg`'s scheme.
 * `alg` defaults to the header's own `alg` member when the header is an object.
 */
export function rawJws(
  key: KeyObject | Uint8Array,
  header: Json,
  payload: Json | Uint8Array,
  alg = (header as { alg?: string }).alg ?? '',
): string {
  const input = signingInput(header, payload);
  return `${input}.${signatureOf(alg, key, input).toString('base64url')}`;
}

/** An unsigned token (`alg: none` style): header and payload, empty or given signature. */
export const unsigned = (header: Json, payload: Json, signature = ''): string =>
  `${signingInput(header, payload)}.${signature}`;

export const segments = (token: string): [string, string, string] => {
  const [h = '', p = '', s = ''] = token.split('.');
  return [h, p, s];
};
