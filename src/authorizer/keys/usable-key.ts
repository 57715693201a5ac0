import type { JSONWebKeySet, JWK } from 'jose';

// What each allowed algorithm needs of a key (RFC 7518 §3, RFC 8037; jose reads EdDSA as
// Ed25519). jose keeps this table to itself, so the check below restates it.
export const KEY_SHAPES: Readonly<Record<string, { kty: string; crv?: string }>> = {
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
export const isUsableKey = (key: JWK, algorithms: readonly string[]): boolean =>
  algorithmsFor(key, algorithms).length > 0;

/** The allowed algorithms a token verified with this key may use (none: the key is unusable). */
export function algorithmsFor(key: JWK, algorithms: readonly string[]): string[] {
  if (key.use !== undefined && key.use !== 'sig') return [];
  if (key.key_ops !== undefined && !(Array.isArray(key.key_ops) && key.key_ops.includes('verify')))
    return [];
  if (key.alg !== undefined && !algorithms.includes(key.alg)) return [];
  return (key.alg === undefined ? algorithms : [key.alg]).filter((alg) => {
    const shape = KEY_SHAPES[alg];
    return shape !== undefined && key.kty === shape.kty && (!shape.crv || key.crv === shape.crv);
  });
}

/**
 * A key set with no usable key is the issuer's misconfiguration, not the token's fault: refusing
 * every token as an unknown kid would be a 401 API Gateway may keep for the TTL, for everyone.
 */
export const hasUsableKey = (jwks: JSONWebKeySet, algorithms: readonly string[]): boolean =>
  jwks.keys.some((key) => isUsableKey(key, algorithms));
