import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { assertClaimRules } from '../issuers/claim-rules.ts';
import type { IssuerConfig, IssuerRules } from '../issuers/issuer-config.ts';
import type { SelectedIssuer } from '../issuers/issuer-selection.ts';
import { PRESETS } from '../issuers/presets.ts';
import { TokenRejected } from '../issuers/token-rejected.ts';
import { decodeHeader, type CompactJws } from './compact-jws.ts';
import { checkProtectedHeader } from './jws-header.ts';
import { verifySignature } from './jws-signature.ts';
import { checkRegisteredClaims } from './jwt-claims.ts';
import type { VerificationKey, VerificationKeys } from './keys/verification-keys.ts';
import type { VerifiedToken } from './verified-token.ts';

// As jose-verifier.ts: at most this many keys of one set are tried for one token.
export const MAX_CANDIDATE_KEYS = 4;

/** A token the synchronous path verified, and the key set that verified it. */
export interface SyncVerified {
  readonly token: VerifiedToken;
  readonly keys: VerificationKeys;
}

/**
 * The synchronous path: the decision jose-verifier.ts would make, made on node:crypto with the
 * keys each key set imported when it loaded, without an await. For a token already taken apart
 * (compact-jws.ts) whose issuer is chosen (issuer-selection.ts), in jose's order:
 *
 * 1. the preset's header rules, then jose's (`crit`, `b64`, `alg` and its allowlist: jws-header.ts);
 * 2. the keys jose would try for the header's `alg` and `kid`, each signature checked with
 *    node:crypto (jws-signature.ts), at most `MAX_CANDIDATE_KEYS` of them;
 * 3. jose's checks of the registered claims (jwt-claims.ts), then the preset rules both layers
 *    share (src/issuers/claim-rules.ts), on one clock.
 *
 * A refusal is thrown as jose's would be classified. `undefined` leaves the token to jose, the
 * reference, which fetches and waits as its key resolver says: when the issuer's set is not
 * ready to answer as it is (loading, due for a refresh, failing), when no key matches (the kid
 * may be one the issuer just rotated in), and when a matching key is one jose would not verify
 * with (so its own refusal stands). The differential test holds the two to the same verdicts.
 */
export function createSyncVerifier(
  config: IssuerRules,
  readyKeysOf: (issuer: IssuerConfig) => VerificationKeys | undefined,
) {
  const allowed = new Map(config.issuers.map((issuer) => [issuer, new Set(issuer.algorithms)]));
  const tolerance = config.clockToleranceSeconds;

  return function verifySync(
    jws: CompactJws,
    selected: SelectedIssuer,
    nowMs: number,
  ): SyncVerified | undefined {
    const issuer = selected.config;
    const header = decodeHeader(jws);
    PRESETS[issuer.preset].checkHeader?.(header);
    const { alg, unencodedPayload } = checkProtectedHeader(header, allowed.get(issuer)!);
    const keys = readyKeysOf(issuer);
    if (!keys) return undefined;
    const candidates = keys.candidates(alg, header.kid);
    if (!canDecide(candidates)) return undefined;
    const [h, p, s] = jws.segments;
    // Canonical base64url (compact-jws.ts): ASCII only, one byte a character.
    const signingInput = Buffer.from(`${h}.${p}`, 'latin1');
    const signature = Buffer.from(s, 'base64url');
    if (!candidates.some(verifiesWith(alg, signingInput, signature)))
      throw candidates.length > MAX_CANDIDATE_KEYS
        ? new TokenRejected(
            'ambiguous_key',
            `more than ${MAX_CANDIDATE_KEYS} keys of the JWKS match the token`,
          )
        : new TokenRejected('bad_signature', 'no matching key verifies the signature');
    // jose refuses an unencoded payload (RFC 7797) for a JWT, once the signature has held.
    if (unencodedPayload)
      throw new TokenRejected('malformed_token', 'JWTs must not use an unencoded payload');
    checkRegisteredClaims(
      jws.claims,
      { issuer: selected.iss, audience: issuer.audience, clockToleranceSeconds: tolerance },
      nowMs,
    );
    const typedHeader = header as ProtectedHeaderParameters;
    const accepted = assertClaimRules(
      jws.claims as JWTPayload,
      typedHeader,
      selected,
      tolerance,
      nowMs / 1000,
    );
    return { token: { ...accepted, header: typedHeader }, keys };
  };
}

/**
 * Whether node:crypto can stand in for jose with these keys: at least one, and each that jose
 * would try (the first `MAX_CANDIDATE_KEYS`, and one more to find the set ambiguous) imported.
 */
function canDecide(candidates: readonly VerificationKey[]): boolean {
  if (candidates.length === 0) return false;
  return candidates
    .slice(0, MAX_CANDIDATE_KEYS + 1)
    .every((candidate) => candidate.keyObject !== undefined);
}

/**
 * jose tries the keys in the set's order and stops at the first that verifies; a fifth key
 * makes the set ambiguous before it is tried (jose-verifier.ts, `verifyWithCandidates`).
 */
const verifiesWith =
  (alg: string, signingInput: Buffer, signature: Buffer) =>
  (candidate: VerificationKey, index: number): boolean =>
    index < MAX_CANDIDATE_KEYS &&
    verifySignature(alg, candidate.keyObject!, signingInput, signature);
