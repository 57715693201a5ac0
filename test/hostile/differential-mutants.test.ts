import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { CandidateFactory } from './support/differential.ts';
import type { TokenFixtures } from './support/token-fixtures.ts';

/**
 * The differential test (differential.test.ts) would notice a broken synchronous path: the same
 * comparison, over the hostile corpus, against synchronous paths broken on purpose. Each mutant
 * replaces one module of the path (an ES module mock) before the path is loaded; each must
 * disagree with jose, on the tokens its fault lets in.
 */
interface Mutant {
  /** The module replaced, as this file names it. */
  readonly module: string;
  readonly replacement: () => Record<string, unknown>;
  /** A verdict of jose's the mutant turns into an Allow. */
  readonly letsIn: string;
}

const MUTANTS: Record<string, Mutant> = {
  'a path that skips the signature': {
    module: '../../src/authorizer/jws-signature.ts',
    replacement: () => ({ verifySignature: () => true }),
    letsIn: 'refused bad_signature',
  },
  'a path that skips jose’s registered-claim checks (exp, nbf, iss, aud)': {
    module: '../../src/authorizer/jwt-claims.ts',
    replacement: () => ({ checkRegisteredClaims: () => {}, checkTimes: () => {} }),
    letsIn: 'refused token_expired',
  },
  'a path that ignores the algorithm allowlist and crit': {
    module: '../../src/authorizer/jws-header.ts',
    replacement: () => ({
      checkProtectedHeader: (header: { alg?: unknown }) => ({
        alg: String(header.alg),
        unencodedPayload: false,
      }),
    }),
    letsIn: 'refused unsupported_token',
  },
};

let fixtures: TokenFixtures;
let close: () => Promise<void>;
beforeAll(async () => {
  const { startTokenFixtures } = await import('./support/token-fixtures.ts');
  fixtures = await startTokenFixtures();
  close = () => fixtures.close();
});
afterAll(() => close());

describe('the differential test catches a broken synchronous path', () => {
  it.each(Object.entries(MUTANTS))('%s', async (_name, mutant) => {
    jest.resetModules();
    jest.unstable_mockModule(mutant.module, mutant.replacement);
    const { createTokenVerifier } = (await import('../../src/authorizer/verify-token.ts')) as {
      createTokenVerifier: CandidateFactory;
    };
    const { bearerToken } = await import('../../src/authorizer/bearer.ts');
    const { ASYMMETRIC_ALGORITHMS } = await import('../../src/issuers/issuer-config.ts');
    const { differentialWorld, newTally, record } = await import('./support/differential.ts');
    const { TOKEN_CORPUS } = await import('./support/token-corpus.ts');
    const env = {
      AUTH_ISSUER: fixtures.issuer.issuer,
      AUTH_AUDIENCE: fixtures.issuer.audience,
      AUTH_JWKS_URL: fixtures.issuer.jwksUrl.href,
    };
    const worlds = {
      byDefault: await differentialWorld(env, createTokenVerifier),
      permissive: await differentialWorld(
        { ...env, AUTH_ALGORITHMS: ASYMMETRIC_ALGORITHMS.join(',') },
        createTokenVerifier,
      ),
    };
    const tally = newTally();
    for (const c of TOKEN_CORPUS) {
      let token: string;
      try {
        token = bearerToken(await c.header(fixtures));
      } catch {
        continue;
      }
      record(tally, await (c.permissive ? worlds.permissive : worlds.byDefault).compare(token));
    }
    expect(tally.disagreements.length).toBeGreaterThan(0);
    expect(tally.disagreements.map((d) => d.reference)).toContain(mutant.letsIn);
    // What it lets in, the reference refuses and the mutant allows.
    expect(
      tally.disagreements.some(
        (d) => d.reference === mutant.letsIn && d.candidate.startsWith('allow'),
      ),
    ).toBe(true);
  });
});
