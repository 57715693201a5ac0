import { TokenRejected } from '../issuers/token-rejected.ts';

/**
 * What jose's `jwtVerify` checks of a compact JWS's protected header before it looks up a key
 * (jose's `verifySignature`, `validateCrit`, `validateB64`), in its order, for the synchronous
 * path (sync-verifier.ts). Restated because jose keeps these steps to itself, behind its
 * asynchronous verify; each refusal carries the code jose's error would have been classified
 * with (jose-verifier.ts), and the differential test holds the two to the same verdicts.
 *
 * - `crit` (RFC 7515 §4.1.11): absent, or a non-empty list of non-empty names, each one jose
 *   understands (only `b64`, RFC 7797) and present: an extension we cannot honour is refused;
 * - `b64`: when `crit` names it, a boolean; `false` (an unencoded payload) is refused once the
 *   signature has been checked, as jose does (`unencodedPayload`);
 * - `alg`: a non-empty string, and one of the issuer's allowed algorithms, before any key is
 *   looked up, so a token cannot choose how it is verified (`none`, `HS256` with a public key).
 */
export interface HeaderVerdict {
  readonly alg: string;
  /** `crit: ["b64"]` with `b64: false`: a JWS jose refuses as a JWT after the signature. */
  readonly unencodedPayload: boolean;
}

export function checkProtectedHeader(
  header: Readonly<Record<string, unknown>>,
  algorithms: ReadonlySet<string>,
): HeaderVerdict {
  const crit = header.crit;
  let unencodedPayload = false;
  if (crit !== undefined) {
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      crit.some((name) => typeof name !== 'string' || name.length === 0)
    )
      throw new TokenRejected(
        'malformed_token',
        '"crit" must be a list of non-empty strings when present',
      );
    for (const name of crit as string[]) {
      if (name !== 'b64')
        throw new TokenRejected('unsupported_token', `extension "${name}" is not recognized`);
      if (!Object.hasOwn(header, name) || header[name] === undefined)
        throw new TokenRejected('malformed_token', `extension "${name}" is missing`);
    }
    const b64 = header.b64;
    if (typeof b64 !== 'boolean')
      throw new TokenRejected('malformed_token', '"b64" must be a boolean');
    unencodedPayload = !b64;
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.length === 0)
    throw new TokenRejected('malformed_token', '"alg" missing or invalid');
  if (!algorithms.has(alg)) throw new TokenRejected('alg_not_allowed');
  return { alg, unencodedPayload };
}
