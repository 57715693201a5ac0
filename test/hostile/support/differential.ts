import { loadAuthorizerConfig } from '../../../src/authorizer/authorizer-config.ts';
import { AuthorizerFailure } from '../../../src/authorizer/errors.ts';
import { createJoseVerifier } from '../../../src/authorizer/jose-verifier.ts';
import { keyResolverFor, type KeyResolver } from '../../../src/authorizer/keys/key-resolver.ts';
import type { VerifiedToken } from '../../../src/authorizer/verified-token.ts';
import { createTokenVerifier } from '../../../src/authorizer/verify-token.ts';
import type { IssuerConfig } from '../../../src/issuers/issuer-config.ts';
import { TokenRejected } from '../../../src/issuers/token-rejected.ts';

/**
 * The differential proof of the synchronous path: one token, two verifiers, the same key set,
 * options and clock. The reference is jose (src/authorizer/jose-verifier.ts, the verifier the
 * authorizer used before the synchronous path, kept as its fallback); the candidate is what the
 * authorizer runs (src/authorizer/verify-token.ts: the verified-token cache, the synchronous
 * path, jose for what they leave to it). Each side gets its own key resolvers on the same JWKS,
 * so neither sees the other's fetches.
 *
 * A verdict is what API Gateway and the log would make of the decision: allowed (with the
 * subject, client and issuer handed on), refused with a code (401), or not decided with a code
 * (500). Messages may differ; verdicts may not.
 */
export type Verdict = string;

export interface Comparison {
  readonly token: string;
  readonly reference: Verdict;
  readonly candidate: Verdict;
  /** The candidate on the same token again: from its verified-token cache when it allowed it. */
  readonly again: Verdict;
  /** Whether the candidate decided without jose (a result or a refusal without a promise). */
  readonly synchronous: boolean;
}

export interface DifferentialWorld {
  compare(token: string): Promise<Comparison>;
}

/** Builds a candidate verifier the way verify-token.ts's `createTokenVerifier` is called. */
export type CandidateFactory = typeof createTokenVerifier;

export async function differentialWorld(
  env: Record<string, string>,
  createCandidate: CandidateFactory = createTokenVerifier,
): Promise<DifferentialWorld> {
  const config = loadAuthorizerConfig(env);
  let at = Date.now();
  const clock = () => at;
  const resolvers = () =>
    new Map<IssuerConfig, KeyResolver>(
      config.issuers.map((issuer) => [issuer, keyResolverFor(issuer, config)]),
    );
  const referenceKeys = resolvers();
  const candidateKeys = resolvers();
  // Both loaded before the first token, as the init loads them: the comparison starts warm.
  await Promise.all(
    [...referenceKeys.values(), ...candidateKeys.values()].map((r) => r.prefetch()),
  );
  const reference = createJoseVerifier(config, (issuer) => referenceKeys.get(issuer)!, clock);
  const candidate = createCandidate(config, (issuer) => candidateKeys.get(issuer)!, {
    now: clock,
  });
  return {
    async compare(token) {
      at = Date.now();
      const ref = await settle(() => reference(token));
      const first = await settle(() => candidate(token));
      const again = await settle(() => candidate(token));
      return {
        token,
        reference: ref.verdict,
        candidate: first.verdict,
        again: again.verdict,
        synchronous: first.synchronous,
      };
    },
  };
}

async function settle(
  run: () => VerifiedToken | Promise<VerifiedToken>,
): Promise<{ verdict: Verdict; synchronous: boolean }> {
  let result: VerifiedToken | Promise<VerifiedToken>;
  try {
    result = run();
  } catch (error) {
    return { verdict: verdictOfError(error), synchronous: true };
  }
  const synchronous = !(result instanceof Promise);
  try {
    const token = await result;
    return {
      verdict: `allow ${JSON.stringify([token.claims.sub, token.clientId, token.issuer.issuer])}`,
      synchronous,
    };
  } catch (error) {
    return { verdict: verdictOfError(error), synchronous };
  }
}

function verdictOfError(error: unknown): Verdict {
  if (error instanceof TokenRejected) return `refused ${error.code}`;
  if (error instanceof AuthorizerFailure) return `failed ${error.code}`;
  return `failed ${error instanceof Error ? error.name : 'unknown'}`;
}

/** What a run of comparisons came to: how many, how many decided without jose, and the disagreements. */
export interface Tally {
  tokens: number;
  synchronous: number;
  allowed: number;
  readonly disagreements: Comparison[];
}

export const newTally = (): Tally => ({ tokens: 0, synchronous: 0, allowed: 0, disagreements: [] });

export function record(tally: Tally, c: Comparison): boolean {
  tally.tokens += 1;
  if (c.synchronous) tally.synchronous += 1;
  if (c.reference.startsWith('allow')) tally.allowed += 1;
  const agrees = c.candidate === c.reference && c.again === c.reference;
  if (!agrees) tally.disagreements.push(c);
  return agrees;
}
