import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bearerToken } from '../../src/authorizer/bearer.ts';
import { ASYMMETRIC_ALGORITHMS } from '../../src/issuers/issuer-config.ts';
import { OTHER_TENANT, SHAPES, TENANT, type IssuerShape } from '../support/issuer-tokens.ts';
import { startTestIssuer, type TestIssuer } from '../support/issuer.ts';
import {
  differentialWorld,
  newTally,
  record,
  type DifferentialWorld,
  type Tally,
} from './support/differential.ts';
import { startOddKeyIssuer, type OddKeyIssuer } from './support/odd-keys.ts';
import { b64u, rawJws, segments } from './support/raw-jws.ts';
import { TOKEN_CORPUS } from './support/token-corpus.ts';
import { startTokenFixtures, type KeyPair, type TokenFixtures } from './support/token-fixtures.ts';

/**
 * The synchronous path (src/authorizer/sync-verifier.ts, with the verified-token cache in front)
 * decides what jose decides, token for token: every token of the hostile corpus, the preset
 * fixtures, key sets jose treats in unusual ways, and more than 10,000 fuzzed tokens go through
 * both with the same keys, options and clock (support/differential.ts). Any disagreement fails
 * with the tokens that disagree.
 */
let f: TokenFixtures;
let presetKeys: TestIssuer;
let odd: OddKeyIssuer;
const worlds: Record<string, DifferentialWorld> = {};
const tally = newTally();

beforeAll(async () => {
  f = await startTokenFixtures();
  presetKeys = await startTestIssuer(['RS256', 'ES256', 'EdDSA']);
  odd = await startOddKeyIssuer();
  const ours = {
    AUTH_ISSUER: f.issuer.issuer,
    AUTH_AUDIENCE: f.issuer.audience,
    AUTH_JWKS_URL: f.issuer.jwksUrl.href,
  };
  const entries = (Object.values(SHAPES) as IssuerShape[]).map((shape) => ({
    ...shape.entry,
    jwksUrl: presetKeys.jwksUrl.href,
  }));
  const [byDefault, permissive, presets, entraTenants, oddKeys] = await Promise.all([
    differentialWorld(ours),
    differentialWorld({ ...ours, AUTH_ALGORITHMS: ASYMMETRIC_ALGORITHMS.join(',') }),
    differentialWorld({ AUTH_ISSUERS: JSON.stringify(entries) }),
    differentialWorld({
      AUTH_ISSUERS: JSON.stringify([
        {
          ...SHAPES.entra.entry,
          issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          tenants: [TENANT],
          jwksUrl: presetKeys.jwksUrl.href,
        },
      ]),
    }),
    differentialWorld({
      AUTH_ISSUER: odd.issuer,
      AUTH_AUDIENCE: odd.audience,
      AUTH_JWKS_URL: odd.jwksUrl,
      AUTH_ALGORITHMS: ASYMMETRIC_ALGORITHMS.join(','),
    }),
  ]);
  Object.assign(worlds, { byDefault, permissive, presets, entraTenants, oddKeys });
});
afterAll(async () => {
  await Promise.all([f.close(), presetKeys.close(), odd.close()]);
});

/** Compares one token in a world; the disagreement, if any, is what the expectation shows. */
async function agrees(world: DifferentialWorld, token: string, section?: Tally) {
  const comparison = await world.compare(token);
  if (section) record(section, comparison);
  return record(tally, comparison) ? undefined : comparison;
}

describe('the synchronous path decides as jose does', () => {
  it('on every token of the hostile corpus', async () => {
    const corpus = newTally();
    for (const c of TOKEN_CORPUS) {
      let token: string;
      try {
        token = bearerToken(await c.header(f));
      } catch {
        continue; // refused before any verifier reads it (the scheme): nothing to compare
      }
      await agrees(c.permissive ? worlds.permissive! : worlds.byDefault!, token, corpus);
    }
    expect(corpus.disagreements).toEqual([]);
    // The corpus is nearly all refusals the synchronous path must make itself: only tokens that
    // name a key the set lacks (and are refused as unknown_kid after jose's key lookup) reach jose.
    expect(corpus.tokens).toBeGreaterThanOrEqual(140);
    expect(corpus.synchronous / corpus.tokens).toBeGreaterThan(0.8);
  });

  it('on each preset’s access and ID tokens, and each with one claim or its typ changed', async () => {
    const presets = newTally();
    for (const shape of Object.values(SHAPES) as IssuerShape[]) {
      const sign = (header: Record<string, unknown>, claims: Record<string, unknown>, k = 0) =>
        presetKeys.signExactly(header, claims, presetKeys.keys[k]);
      const claims = shape.claims();
      await agrees(worlds.presets!, await sign(shape.header, claims), presets);
      await agrees(
        worlds.presets!,
        await sign(shape.idToken.header, shape.idToken.claims()),
        presets,
      );
      for (const k of [1, 2])
        await agrees(worlds.presets!, await sign(shape.header, claims, k), presets);
      for (const claim of Object.keys(claims)) {
        const without = { ...claims };
        delete without[claim];
        await agrees(worlds.presets!, await sign(shape.header, without, 1), presets);
      }
      for (const typ of [undefined, 'JWT', 'at+jwt', 'application/at+jwt', 'id+jwt'])
        await agrees(worlds.presets!, await sign({ ...shape.header, typ }, claims, 1), presets);
      for (const [claim, value] of PERTURBATIONS)
        await agrees(
          worlds.presets!,
          await sign(shape.header, { ...claims, [claim]: value }, 1),
          presets,
        );
    }
    const entra = SHAPES.entra.claims();
    const tenantIss = (tenant: string) => `https://login.microsoftonline.com/${tenant}/v2.0`;
    for (const claims of [
      entra,
      { ...entra, iss: tenantIss(OTHER_TENANT), tid: OTHER_TENANT },
      { ...entra, tid: OTHER_TENANT },
      { ...entra, iss: tenantIss('not-a-guid') },
    ])
      await agrees(
        worlds.entraTenants!,
        await presetKeys.signExactly(SHAPES.entra.header, claims, presetKeys.keys[1]),
        presets,
      );
    expect(presets.disagreements).toEqual([]);
    expect(presets.allowed).toBeGreaterThanOrEqual(Object.keys(SHAPES).length * 3);
    expect(presets.synchronous).toBe(presets.tokens);
  });

  it('with key sets jose treats its own way: crowded, shared kids, keys it will not use', async () => {
    const keys = newTally();
    for (const token of await odd.tokens()) await agrees(worlds.oddKeys!, token, keys);
    expect(keys.disagreements).toEqual([]);
    // Some allowed (the candidates jose tries in turn), some refused as ambiguous or unsigned,
    // and the keys jose will not verify with left to jose.
    expect(keys.allowed).toBeGreaterThan(0);
    expect(keys.synchronous).toBeLessThan(keys.tokens);
  });
});

// Values a claim may carry that tell verifiers apart: the wrong type, the edges of time.
const now = () => Math.floor(Date.now() / 1000);
const PERTURBATIONS: [string, unknown][] = [
  ['exp', 0],
  ['exp', '9999999999'],
  ['exp', null],
  ['nbf', 4_102_444_800],
  ['iat', 4_102_444_800],
  ['aud', 42],
  ['aud', []],
  ['iss', ['x']],
  ['sub', ''],
  ['sub', 7],
];

describe('the synchronous path decides as jose does on fuzzed tokens (fast-check)', () => {
  const RUNS = { claims: 3000, headers: 3000, mutations: 3000, strings: 1000 };

  const timeValue = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -200_000, max: 200_000 }).map((d) => ({ d })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        { d: -5 },
        { d: 5 },
        { d: -6 },
        { d: 6 },
        { d: 0 },
        { d: 86_405 },
        { d: 86_406 },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(0, -1, 1e13, 1e21, 1.5, 'soon', null, true, [1], {}),
    },
  );
  const resolveTime = (v: unknown) =>
    typeof v === 'object' && v !== null && 'd' in v ? now() + (v as { d: number }).d : v;
  /** Absent one time in `freq`. */
  const optional = <T>(arb: fc.Arbitrary<T>, freq = 4) => fc.option(arb, { nil: undefined, freq });
  /** Present one time in `every`. */
  const sometimes = <T>(arb: fc.Arbitrary<T>, every = 4) =>
    fc.oneof(
      { weight: every - 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: arb },
    );
  /** Mostly `usual`, sometimes one of `odd`. */
  const mostly = <T>(usual: fc.Arbitrary<T>, ...odd: unknown[]) =>
    fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: fc.constantFrom(...odd) });

  it(`on ${RUNS.claims} claim sets signed with our keys`, async () => {
    await fc.assert(
      fc.asyncProperty(
        // Mostly keys that sign fast: the claim rules do not depend on the algorithm.
        fc.constantFrom<'rs' | 'es' | 'ed'>('es', 'ed', 'es', 'ed', 'es', 'ed', 'es', 'ed', 'rs'),
        fc.record({
          iss: optional(
            mostly(fc.constant('OURS'), 'OURS/', 'https://attacker.example', 42, ['OURS']),
            30,
          ),
          aud: optional(
            mostly(
              fc.constantFrom('OURS', ['OURS', 'x']),
              ['x'],
              [],
              'https://other.example',
              7,
              null,
            ),
            20,
          ),
          sub: optional(
            mostly(
              fc.oneof(fc.constant('user-1'), fc.string({ minLength: 1, maxLength: 20 })),
              '',
              'a\u202Eb',
              'u'.repeat(256),
              'ü'.repeat(255),
              7,
              null,
            ),
            20,
          ),
          exp: optional(timeValue, 20),
          nbf: sometimes(timeValue, 3),
          iat: optional(timeValue, 2),
          scope: optional(fc.oneof(fc.string({ maxLength: 30 }), fc.array(fc.string()))),
          nonce: sometimes(fc.string({ maxLength: 8 }), 20),
        }),
        fc.constantFrom('', ',"exp":1e999', ',"iss":"https://attacker.example"', ',"sub":"admin"'),
        fc.constantFrom('at+jwt', 'JWT', undefined),
        async (k, spec, suffix, typ) => {
          // OURS: our issuer for `iss`, our audience for `aud`, as given by the fixtures.
          const ours = (value: unknown, with_: string) =>
            JSON.parse(JSON.stringify(value).replaceAll('"OURS', `"${with_}`)) as unknown;
          const claims: Record<string, unknown> = {};
          for (const [name, value] of Object.entries(spec)) {
            if (value === undefined) continue;
            claims[name] =
              name === 'iss'
                ? ours(value, f.issuer.issuer)
                : name === 'aud'
                  ? ours(value, f.issuer.audience)
                  : ['exp', 'nbf', 'iat'].includes(name)
                    ? resolveTime(value)
                    : value;
          }
          const text = JSON.stringify(claims).replace(/}$/, `${suffix}}`).replace('{,', '{');
          const pair: KeyPair = f[k];
          const token = rawJws(pair.priv, { alg: ALGS[k], kid: pair.key.kid, typ }, text, ALGS[k]);
          expect(await agrees(worlds.byDefault!, token)).toBeUndefined();
        },
      ),
      { numRuns: RUNS.claims },
    );
  });

  it(`on ${RUNS.headers} headers (alg, kid, crit, b64, typ, embedded keys) over valid claims`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({
            alg: optional(
              mostly(
                fc.constantFrom('RS256', 'ES256', 'EdDSA', 'Ed25519', 'PS256'),
                'RS384',
                'ES384',
                'HS256',
                'none',
                '',
                7,
              ),
              20,
            ),
            kid: optional(mostly(fc.constantFrom('RS', 'ES', 'ED'), 'OTHER', 'x', null, 42), 6),
            typ: optional(fc.constantFrom('JWT', 'at+jwt', 'JWE')),
            crit: sometimes(
              fc.constantFrom(['b64'], ['exp'], [], 'b64', ['b64', 'b64'], [''], null),
              5,
            ),
            b64: sometimes(fc.constantFrom(true, false, 'false'), 3),
            jku: sometimes(fc.constant('https://attacker.example/jwks.json'), 6),
            jwk: sometimes(fc.constant({ kty: 'oct', k: 'c2VjcmV0' }), 6),
            nonce: sometimes(fc.string({ maxLength: 6 }), 6),
          })
          .map((record) =>
            Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)),
          ),
        fc.constantFrom<'rs' | 'es' | 'ed' | 'impostor'>('rs', 'es', 'ed', 'es', 'ed', 'impostor'),
        fc.boolean(),
        async (spec: Record<string, unknown>, signer, permissive) => {
          const header: Record<string, unknown> = { ...spec };
          if (typeof spec.kid === 'string' && ['RS', 'ES', 'ED', 'OTHER'].includes(spec.kid))
            header.kid =
              spec.kid === 'OTHER'
                ? f.other.keys[0]!.kid
                : f[spec.kid.toLowerCase() as 'rs' | 'es' | 'ed'].key.kid;
          const alg = typeof header.alg === 'string' ? header.alg : 'ES256';
          const family = alg.startsWith('ES') ? 'es' : alg.startsWith('Ed') ? 'ed' : 'rs';
          const key =
            signer === 'impostor'
              ? f.impostor[family].priv
              : f[signer === family ? signer : family].priv;
          // Sign with the scheme the header names where we hold such a key, else with the key's own.
          const scheme = ['RS256', 'ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS384'].includes(alg)
            ? alg
            : ALGS[family];
          const token = rawJws(key, header, f.claims(), scheme);
          const world = permissive ? worlds.permissive! : worlds.byDefault!;
          expect(await agrees(world, token)).toBeUndefined();
        },
      ),
      { numRuns: RUNS.headers },
    );
  });

  it(`on ${RUNS.mutations} valid tokens with characters changed or segments swapped`, async () => {
    const valid = await Promise.all([
      f.issuer.sign({ key: f.rs.key }),
      f.issuer.sign({ key: f.es.key }),
      f.issuer.sign({ key: f.ed.key }),
      f.issuer.sign({ key: f.es.key, claims: { scope: 'users:admin', sub: 'admin' } }),
    ]);
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .tuple(
              fc.nat({ max: 3 }),
              fc.nat({ max: 2 }),
              fc.array(fc.tuple(fc.nat(), fc.constantFrom(...ALPHABET)), {
                minLength: 1,
                maxLength: 3,
              }),
            )
            .map(([t, segment, edits]) => {
              const parts = segments(valid[t]!);
              let s = parts[segment]!;
              for (const [at, char] of edits) {
                const i = at % s.length;
                s = `${s.slice(0, i)}${char}${s.slice(i + 1)}`;
              }
              parts[segment] = s;
              return parts.join('.');
            }),
          fc
            .tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.boolean())
            .map(([a, b, c, cut]) => {
              const s = segments(valid[c]!)[2];
              return `${segments(valid[a]!)[0]}.${segments(valid[b]!)[1]}.${cut ? s.slice(0, -8) : s}`;
            }),
        ),
        async (token) => {
          expect(await agrees(worlds.byDefault!, token)).toBeUndefined();
        },
      ),
      { numRuns: RUNS.mutations },
    );
  });

  it(`on ${RUNS.strings} arbitrary strings and byte strings`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.stringMatching(/^[A-Za-z0-9_-]{1,40}(\.[A-Za-z0-9_-]{1,40}){2}$/),
          fc
            .tuple(
              fc.uint8Array({ maxLength: 120 }),
              fc.uint8Array({ minLength: 1, maxLength: 80 }),
            )
            .map(([bytes, sig]) => `${b64u(bytes)}.${b64u(bytes)}.${b64u(sig)}`),
          fc.json().map((json) => `${b64u('{"alg":"ES256"}')}.${b64u(json)}.${b64u('sig')}`),
        ),
        async (token) => {
          expect(await agrees(worlds.byDefault!, token)).toBeUndefined();
        },
      ),
      { numRuns: RUNS.strings },
    );
  });

  it('made more than 10,000 comparisons in all, with no disagreement', () => {
    expect(tally.disagreements).toEqual([]);
    expect(tally.tokens).toBeGreaterThan(10_000);
  });
});

const ALGS = { rs: 'RS256', es: 'ES256', ed: 'EdDSA' } as const;
