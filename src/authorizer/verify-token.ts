import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { assertClaimRules } from '../issuers/claim-rules.ts';
import type { IssuerConfig, IssuerRules } from '../issuers/issuer-config.ts';
import { createIssuerSelection } from '../issuers/issuer-selection.ts';
import { TENANT_PLACEHOLDER } from '../issuers/presets.ts';
import { TokenRejected } from '../issuers/token-rejected.ts';
import { decodeCompactJws, MAX_TOKEN_LENGTH } from './compact-jws.ts';
import { createJoseVerifier } from './jose-verifier.ts';
import { checkRegisteredClaims, checkTimes } from './jwt-claims.ts';
import type { KeyResolver } from './keys/key-resolver.ts';
import type { VerificationKeys } from './keys/verification-keys.ts';
import { createSyncVerifier } from './sync-verifier.ts';
import type { Clock, VerifiedToken } from './verified-token.ts';
import { createVerifiedTokenCache, type VerifiedTokenCache } from './verified-tokens.ts';

export type { VerifiedToken } from './verified-token.ts';
export { MAX_TOKEN_LENGTH } from './compact-jws.ts';

export interface TokenVerifierOptions {
  /** The clock of the claim rules, in milliseconds (default `Date.now`; jose reads its own). */
  readonly now?: Clock;
  /** The tokens verified before (default: a bounded cache per verifier; verified-tokens.ts). */
  readonly cache?: VerifiedTokenCache;
}

/**
 * Verifies a compact JWS access token, by the first of these that can decide:
 *
 * 1. the same token verified before in this container (verified-tokens.ts), with every rule
 *    that depends on the clock applied again, on the clock of now;
 * 2. the synchronous path (sync-verifier.ts): node:crypto with the keys imported when the
 *    issuer's key set loaded, jose's header and claim checks restated, then the preset rules;
 * 3. jose (jose-verifier.ts): the reference, which also fetches keys, waits for a refresh and
 *    serves a stale set while the issuer is down, as the key resolver's policies say.
 *
 * The first two decide what jose would decide, token for token (the differential test);
 * the third decides everything they leave to it. Returns the token synchronously when it can (a
 * refusal is then thrown synchronously too), a promise when jose has to fetch or wait.
 */
export interface TokenVerifier {
  (token: string): VerifiedToken | Promise<VerifiedToken>;
  /**
   * The token as verified before, if it was and that still holds now (step 1 alone); undefined:
   * call the verifier. For a string not yet checked as a token at all: a cached one was.
   */
  readonly verifiedBefore: (token: string) => VerifiedToken | undefined;
  /**
   * Runs the synchronous path's steps once on made-up tokens that cannot pass (no signature
   * verifies), for each issuer whose keys are loaded: the init's rehearsal of a decision
   * (authorizer.ts). Never jose, never the network, nothing kept. False when no issuer's keys
   * are loaded (the first request will wait on the network, which dwarfs the rest).
   */
  readonly rehearse: () => boolean;
}

export function createTokenVerifier(
  config: IssuerRules,
  keysFor: (issuer: IssuerConfig) => JWTVerifyGetKey | KeyResolver,
  { now, cache = createVerifiedTokenCache() }: TokenVerifierOptions = {},
): TokenVerifier {
  const clock = now ?? Date.now;
  const tolerance = config.clockToleranceSeconds;
  const resolvers = new Map(config.issuers.map((issuer) => [issuer, keysFor(issuer)]));
  const readyKeysOf = (issuer: IssuerConfig): VerificationKeys | undefined => {
    const resolver = resolvers.get(issuer);
    return resolver && 'readyKeys' in resolver ? resolver.readyKeys() : undefined;
  };
  const select = createIssuerSelection(config.issuers);
  const verifySync = createSyncVerifier(config, readyKeysOf);
  const verifyWithJose = createJoseVerifier(config, (issuer) => resolvers.get(issuer)!, now);

  /**
   * The token as verified before, if that still holds now; undefined: verify it in full. The
   * same (frozen) object as then: the rules give the same answer on the same claims, and a
   * caller may keep what it derives from it for as long as the cache keeps the token.
   */
  function verifiedBefore(token: string, nowMs: number): VerifiedToken | undefined {
    const entry = cache.get(token);
    if (!entry) return undefined;
    const keys = readyKeysOf(entry.selected.config);
    // Keys not ready (loading, due for a refresh, failing): the token goes through the key
    // resolver, which decides what to do; the entry holds again if the set comes back unchanged.
    if (!keys) return undefined;
    if (keys === entry.keys) {
      try {
        const { claims, header } = entry.token;
        checkTimes(claims, tolerance, nowMs);
        assertClaimRules(claims, header, entry.selected, tolerance, nowMs / 1000);
        return entry.token;
      } catch (error) {
        // A rule refuses it now (it expired): verified in full below, which says why.
        if (!(error instanceof TokenRejected)) throw error;
      }
    }
    cache.delete(token);
    return undefined;
  }

  function verifyToken(token: string): VerifiedToken | Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_LENGTH)
      throw new TokenRejected(
        'malformed_token',
        'token is longer than any header API Gateway accepts',
      );
    const nowMs = clock();
    const before = verifiedBefore(token, nowMs);
    if (before) return before;
    const jws = decodeCompactJws(token);
    const selected = select(jws.claims.iss);
    const verified = verifySync(jws, selected, nowMs);
    if (!verified) return verifyWithJose(token);
    const { token: accepted, keys } = verified;
    Object.freeze(accepted.claims);
    Object.freeze(accepted.header);
    cache.set(token, { token: Object.freeze(accepted), selected, keys });
    return accepted;
  }

  function rehearse(): boolean {
    const nowMs = clock();
    let rehearsed = false;
    for (const issuer of config.issuers) {
      if (!readyKeysOf(issuer)) continue;
      rehearsed = true;
      const claims = rehearsalClaims(issuer, nowMs);
      for (const alg of issuer.algorithms) {
        const token = `${encode({ alg })}.${encode(claims)}.${'A'.repeat(86)}`;
        try {
          const jws = decodeCompactJws(token);
          verifySync(jws, select(jws.claims.iss), nowMs);
        } catch {
          // Refused, as it must be: the steps ran.
        }
      }
      try {
        const selected = select(claims.iss);
        checkRegisteredClaims(
          claims,
          { issuer: selected.iss, audience: issuer.audience, clockToleranceSeconds: tolerance },
          nowMs,
        );
        const header = Object.freeze({ alg: 'none' });
        const accepted = assertClaimRules(claims, header, selected, tolerance, nowMs / 1000);
        // In and out of the cache, as a verified token goes in.
        const token = `rehearsal.${issuer.source}`;
        Object.freeze(accepted.claims);
        const made = Object.freeze({ ...accepted, header });
        cache.set(token, { token: made, selected, keys: readyKeysOf(issuer)! });
        cache.get(token);
        cache.delete(token);
      } catch {
        // The made-up claims need not pass every preset rule: the rules ran.
      }
    }
    return rehearsed;
  }

  return Object.assign(verifyToken, {
    verifiedBefore: (token: string) => verifiedBefore(token, clock()),
    rehearse,
  });
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims an issuer's access token could carry, for the rehearsal. */
function rehearsalClaims(issuer: IssuerConfig, nowMs: number): JWTPayload & { iss: string } {
  const now = Math.floor(nowMs / 1000);
  const tenant = issuer.tenants?.[0] ?? '00000000-0000-0000-0000-000000000000';
  return {
    iss: issuer.issuer.replace(TENANT_PLACEHOLDER, tenant),
    sub: 'rehearsal',
    ...(issuer.audience.length ? { aud: issuer.audience[0] } : {}),
    iat: now,
    exp: now + 60,
    scope: 'rehearsal',
    ...(issuer.tenants ? { tid: tenant } : {}),
  };
}
