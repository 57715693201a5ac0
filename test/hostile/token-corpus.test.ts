import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { outcomeOf } from '../support/authorizer.ts';
import { KEYS, TOKEN_CORPUS, untouched } from './support/token-corpus.ts';
import { authorize, startTokenFixtures, type TokenFixtures } from './support/token-fixtures.ts';

/**
 * The token attack corpus (support/token-corpus.ts): every case is an `Authorization` header an
 * attacker (or a broken issuer) can send, and the code the authorizer must log while refusing it
 * with 401. Expected: no Allow, and never a 500 for a token problem (a 500 is not cached, but it
 * is an outage signal and an amplifier).
 */
let f: TokenFixtures;
beforeAll(async () => {
  f = await startTokenFixtures();
});
afterAll(async () => {
  await f.close();
});

describe('token attack corpus', () => {
  it('has at least 150 cases', () => {
    expect(TOKEN_CORPUS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(TOKEN_CORPUS.map((c) => [c.name, c] as const))('%s → 401', async (_name, c) => {
    const sut = c.permissive ? f.permissive : f.sut;
    const header = await c.header(f);
    const outcome = await outcomeOf(authorize(sut, header));
    expect({ kind: outcome.kind, code: sut.lastLog()?.code }).toEqual({
      kind: 'unauthorized',
      code: c.reason,
    });
  });

  it('still allows the untouched token of each key (the corpus is not refusing everything)', async () => {
    for (const k of KEYS) {
      const outcome = await outcomeOf(authorize(f.sut, await untouched(k)(f)));
      expect(outcome.kind).toBe('allow');
    }
  });
});
