import { createPublicKey } from 'node:crypto';
import type { RejectCode } from '../../../src/issuers/token-rejected.ts';
import { b64u, rawJws, segments, unsigned, type Json } from './raw-jws.ts';
import { bearer, type KeyPair, type TokenFixtures } from './token-fixtures.ts';

/**
 * The token attack corpus: every case is an `Authorization` header an attacker (or a broken
 * issuer) can send, and the code the authorizer must log while refusing it with 401
 * (token-corpus.test.ts). The differential test (differential.test.ts) sends every one of them
 * through the synchronous path and through jose as well.
 */

export interface CorpusCase {
  readonly name: string;
  readonly reason: RejectCode;
  /** The full header value; most cases build a token and prefix it with `Bearer `. */
  readonly header: (f: TokenFixtures) => string | Promise<string>;
  /** Run against the authorizer that allows every asymmetric algorithm (reaches key checks). */
  readonly permissive?: boolean;
}

export type KeyName = 'rs' | 'es' | 'ed';
export const KEYS: readonly KeyName[] = ['rs', 'es', 'ed'];
const ALG: Record<KeyName, string> = { rs: 'RS256', es: 'ES256', ed: 'EdDSA' };
const pairOf = (f: TokenFixtures, k: KeyName): KeyPair => f[k];

/** A token signed by our key `k` (a buggy issuer), over exactly this header and payload. */
const ours =
  (k: KeyName, header: Record<string, unknown> = {}, payload?: Json) =>
  (fx: TokenFixtures) =>
    bearer(
      rawJws(
        pairOf(fx, k).priv,
        { alg: ALG[k], kid: pairOf(fx, k).key.kid, typ: 'at+jwt', ...header },
        payload ?? fx.claims(),
        ALG[k],
      ),
    );
const oursWith = (k: KeyName, claims: Record<string, unknown>) => (fx: TokenFixtures) =>
  ours(k, {}, fx.claims(claims))(fx);
/** Signed by a stranger's key that reuses our kid. */
const impostor =
  (k: KeyName, header: Record<string, unknown> = {}, payload?: Json) =>
  (fx: TokenFixtures) =>
    bearer(
      rawJws(
        fx.impostor[k].priv,
        { alg: ALG[k], kid: pairOf(fx, k).key.kid, ...header },
        payload ?? fx.claims(),
        ALG[k],
      ),
    );
/** The untouched token of each key, which the authorizer allows. */
export const untouched = (k: KeyName) => ours(k);
const valid = (fx: TokenFixtures, k: KeyName = 'rs') => ours(k)(fx).slice('Bearer '.length);

const cases: CorpusCase[] = [];
const add = (name: string, reason: RejectCode, header: CorpusCase['header'], permissive = false) =>
  cases.push({ name, reason, header, permissive });

// --- alg: none, every spelling, with and without a signature ---------------------------------
for (const alg of ['none', 'None', 'NONE', 'nOnE', 'none ', ''])
  for (const [label, sig] of [
    ['empty signature', ''],
    ['a junk signature', 'c2lnbmF0dXJl'],
  ] as const)
    // An empty signature is not a compact JWS of three non-empty segments: refused before the alg.
    add(
      `alg "${alg}" with ${label}`,
      alg === '' || sig === '' ? 'malformed_token' : 'alg_not_allowed',
      (fx) => bearer(unsigned({ alg, kid: fx.rs.key.kid }, fx.claims(), sig)),
    );

// --- HMAC signed with our public key (the RS/HS confusion), PEM and JWK forms ----------------
for (const alg of ['HS256', 'HS384', 'HS512'])
  for (const k of KEYS)
    for (const form of ['PEM', 'JWK', 'DER'] as const)
      add(`${alg} signed with our ${k} public key (${form})`, 'alg_not_allowed', (fx) => {
        const pub = createPublicKey({ key: pairOf(fx, k).key.publicJwk as never, format: 'jwk' });
        const secret =
          form === 'PEM'
            ? Buffer.from(pairOf(fx, k).pem)
            : form === 'JWK'
              ? Buffer.from(JSON.stringify(pairOf(fx, k).key.publicJwk))
              : pub.export({ type: 'spki', format: 'der' });
        return bearer(rawJws(secret, { alg, kid: pairOf(fx, k).key.kid }, fx.claims(), alg));
      });

// --- an algorithm that does not fit the key the kid names -------------------------------------
const MISMATCH: [string, KeyName, KeyName][] = [
  ['RS256', 'es', 'es'],
  ['RS256', 'ed', 'ed'],
  ['ES256', 'rs', 'rs'],
  ['ES256', 'ed', 'ed'],
  ['EdDSA', 'rs', 'rs'],
  ['EdDSA', 'es', 'es'],
];
for (const [alg, kidOf, signer] of MISMATCH)
  add(`${alg} header with the kid of our ${kidOf} key`, 'unknown_kid', (fx) =>
    bearer(
      rawJws(
        pairOf(fx, signer).priv,
        { alg, kid: pairOf(fx, kidOf).key.kid },
        fx.claims(),
        ALG[signer],
      ),
    ),
  );
for (const alg of ['PS256', 'PS384', 'PS512', 'RS384', 'RS512', 'ES384', 'ES512']) {
  const k: KeyName = alg.startsWith('ES') ? 'es' : 'rs';
  const signedWithOurKid = (fx: TokenFixtures) =>
    bearer(
      rawJws(
        pairOf(fx, k).priv,
        { alg, kid: pairOf(fx, k).key.kid },
        fx.claims(),
        alg.startsWith('ES') ? 'ES256' : alg,
      ),
    );
  add(`${alg} (not in the default allowlist)`, 'alg_not_allowed', signedWithOurKid);
  // Allowed by the permissive configuration: the key our kid names is published for one alg only.
  add(
    `${alg} with our ${k} kid, all asymmetric algorithms allowed`,
    'unknown_kid',
    signedWithOurKid,
    true,
  );
}

// --- kid ----------------------------------------------------------------------------------------
for (const k of KEYS) {
  add(`${k}: unknown kid`, 'unknown_kid', ours(k, { kid: 'no-such-key' }));
  add(`${k}: path-like kid`, 'unknown_kid', ours(k, { kid: '../../../../etc/passwd' }));
  add(`${k}: URL kid`, 'unknown_kid', ours(k, { kid: 'https://attacker.example/key.json' }));
  add(`${k}: SQL-ish kid`, 'unknown_kid', ours(k, { kid: "' OR '1'='1" }));
  add(`${k}: 4 KB kid`, 'unknown_kid', ours(k, { kid: 'k'.repeat(4096) }));
  add(
    `${k}: kid past the header size limit`,
    'malformed_token',
    ours(k, { kid: 'k'.repeat(11_000) }),
  );
  add(`${k}: numeric kid`, 'unknown_kid', ours(k, { kid: 42 }));
  add(`${k}: missing kid, stranger's key`, 'bad_signature', impostor(k, { kid: undefined }));
  add(`${k}: our kid, stranger's key`, 'bad_signature', impostor(k));
}

// --- embedded-key headers must be ignored ---------------------------------------------------------
for (const k of KEYS) {
  add(
    `${k}: jku pointing at the attacker`,
    'bad_signature',
    impostor(k, { jku: 'https://attacker.example/jwks.json' }),
  );
  add(
    `${k}: x5u pointing at the attacker`,
    'bad_signature',
    impostor(k, { x5u: 'https://attacker.example/cert.pem' }),
  );
  add(`${k}: the attacker's public key embedded as jwk`, 'bad_signature', (fx) =>
    impostor(k, { jwk: fx.impostor[k].key.publicJwk })(fx),
  );
  add(`${k}: embedded jwk and no kid`, 'bad_signature', (fx) =>
    impostor(k, { kid: undefined, jwk: fx.impostor[k].key.publicJwk })(fx),
  );
  add(
    `${k}: x5c chain of the attacker`,
    'bad_signature',
    impostor(k, { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }),
  );
}

// --- crit ----------------------------------------------------------------------------------------
for (const k of KEYS) {
  add(
    `${k}: crit with an unknown extension`,
    'unsupported_token',
    ours(k, { crit: ['http://attacker/ext'], 'http://attacker/ext': true }),
  );
  add(`${k}: crit naming a missing parameter`, 'unsupported_token', ours(k, { crit: ['exp'] }));
  add(`${k}: crit that is not a list`, 'malformed_token', ours(k, { crit: 'b64' }));
  add(
    `${k}: b64 false (unencoded payload)`,
    'malformed_token',
    ours(k, { crit: ['b64'], b64: false }),
  );
}

// --- structure and encoding ------------------------------------------------------------------------
const STRUCTURE: [string, RejectCode, (fx: TokenFixtures) => string][] = [
  [
    'a JWE (five segments)',
    'malformed_token',
    (fx) =>
      `${b64u('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.${valid(fx).split('.')[1]}.aXY.Y2lwaGVy.dGFn`,
  ],
  ['four segments', 'malformed_token', (fx) => `${valid(fx)}.ZXh0cmE`],
  ['two segments', 'malformed_token', (fx) => valid(fx).split('.').slice(0, 2).join('.')],
  ['one segment', 'malformed_token', (fx) => valid(fx).split('.')[0]!],
  ['all segments empty', 'malformed_token', () => '..'],
  ['empty header', 'malformed_token', (fx) => `.${segments(valid(fx)).slice(1).join('.')}`],
  [
    'empty payload',
    'malformed_token',
    (fx) => {
      const [h, , s] = segments(valid(fx));
      return `${h}..${s}`;
    },
  ],
  [
    'empty signature',
    'malformed_token',
    (fx) => {
      const [h, p] = segments(valid(fx));
      return `${h}.${p}.`;
    },
  ],
  [
    'standard base64 (+ and /) in the signature',
    'malformed_token',
    (fx) => {
      const [h, p, s] = segments(valid(fx));
      return `${h}.${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}+/`;
    },
  ],
  [
    'a header that is not JSON',
    'malformed_token',
    (fx) => `${b64u('{alg:RS256}')}.${segments(valid(fx)).slice(1).join('.')}`,
  ],
  [
    'a header that is a JSON array',
    'malformed_token',
    (fx) => `${b64u('["RS256"]')}.${segments(valid(fx)).slice(1).join('.')}`,
  ],
  [
    'a header that is JSON null',
    'malformed_token',
    (fx) => `${b64u('null')}.${segments(valid(fx)).slice(1).join('.')}`,
  ],
  [
    'a payload that is not JSON',
    'malformed_token',
    (fx) =>
      rawJws(fx.rs.priv, { alg: 'RS256', kid: fx.rs.key.kid }, Buffer.from('not json'), 'RS256'),
  ],
  [
    'a payload that is a JSON array',
    'malformed_token',
    (fx) => rawJws(fx.rs.priv, { alg: 'RS256', kid: fx.rs.key.kid }, '[1,2]', 'RS256'),
  ],
  [
    'a payload that is a JSON string',
    'malformed_token',
    (fx) => rawJws(fx.rs.priv, { alg: 'RS256', kid: fx.rs.key.kid }, '"sub"', 'RS256'),
  ],
  ['three segments that are not base64 JSON', 'malformed_token', () => 'not.a.jwt'],
  [
    'a payload changed after signing',
    'bad_signature',
    (fx) => {
      const [h, , sig] = segments(valid(fx));
      return `${h}.${b64u(JSON.stringify(fx.claims({ sub: 'admin' })))}.${sig}`;
    },
  ],
  ['a 16 KB token', 'malformed_token', (fx) => `${valid(fx)}${'A'.repeat(16_384)}`],
  ['a 1 MB token', 'malformed_token', () => `a.${'b'.repeat(1_048_576)}.c`],
  [
    'claims pushed past the header size limit',
    'malformed_token',
    oursWith('rs', { pad: 'x'.repeat(12_000) }) as never,
  ],
];
for (const [name, reason, build] of STRUCTURE)
  add(name, reason, (fx) => {
    const token = build(fx);
    return token.startsWith('Bearer ') ? token : bearer(token);
  });

// --- one valid token, many spellings (base64url that is not canonical) ----------------------------
// Node's base64url decoder (which jose uses) accepts `=` padding and ignores the unused low bits of
// a segment's last character: each spelling below decodes to the bytes of a valid token. Each is
// a separate API Gateway cache entry and slips past anything keyed on the token string.
const lastCharWithLowBit = (segment: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment.at(-1)!);
  return `${segment.slice(0, -1)}${alphabet[last ^ 1]}`;
};
for (const k of KEYS) {
  const respell = (change: (parts: [string, string, string]) => string[]) => (fx: TokenFixtures) =>
    bearer(change(segments(valid(fx, k))).join('.'));
  add(
    `${k}: the signature with == padding`,
    'noncanonical_encoding',
    respell(([h, p, s]) => [h, p, `${s}==`]),
  );
  add(
    `${k}: the signature with one = of padding`,
    'noncanonical_encoding',
    respell(([h, p, s]) => [h, p, `${s}=`]),
  );
  add(
    `${k}: an unused bit set in the signature's last character`,
    'noncanonical_encoding',
    respell(([h, p, s]) => [h, p, lastCharWithLowBit(s)]),
  );
  // `=` inside the header value is not RFC 6750 b64token syntax: refused as a scheme error first.
  add(
    `${k}: the header with padding`,
    'invalid_scheme',
    respell(([h, p, s]) => [`${h}${'='.repeat((4 - (h.length % 4)) % 4 || 4)}`, p, s]),
  );
  add(
    `${k}: the payload with padding`,
    'invalid_scheme',
    respell(([h, p, s]) => [h, `${p}${'='.repeat((4 - (p.length % 4)) % 4 || 4)}`, s]),
  );
}

// The Authorization header itself (scheme, spaces, characters around the token) is refused before
// any token is read: those cases are in test/unit/bearer.test.ts, beside the gateway's expression.

// --- registered claims with the wrong type or value (signed with our key: a broken issuer) -------
const now = () => Math.floor(Date.now() / 1000);
const CLAIMS: [string, RejectCode, Record<string, unknown>][] = [
  ['exp in the past', 'token_expired', { exp: now() - 3600 }],
  ['exp zero', 'token_expired', { exp: 0 }],
  ['exp negative', 'token_expired', { exp: -1 }],
  ['exp as a string', 'invalid_claim', { exp: String(now() + 600) }],
  ['exp as a boolean', 'invalid_claim', { exp: true }],
  ['exp as an object', 'invalid_claim', { exp: { value: now() + 600 } }],
  ['exp as null', 'invalid_claim', { exp: null }],
  ['exp missing', 'missing_claim', { exp: undefined }],
  ['exp 1e13 (year 318857)', 'lifetime_too_long', { exp: 1e13 }],
  ['exp 1e21 (past any date)', 'lifetime_too_long', { exp: 1e21 }],
  ['exp a day and a minute ahead', 'lifetime_too_long', { exp: now() + 86_460 }],
  ['iat an hour in the future', 'issued_in_future', { iat: now() + 3600 }],
  ['iat 1e21', 'issued_in_future', { iat: 1e21 }],
  ['nbf in the future', 'token_not_yet_valid', { nbf: now() + 3600 }],
  ['nbf as a string', 'invalid_claim', { nbf: String(now()) }],
  ['iat as a string', 'invalid_claim', { iat: String(now()) }],
  ['iat as an array', 'invalid_claim', { iat: [now()] }],
  ['sub missing', 'missing_claim', { sub: undefined }],
  ['sub empty', 'invalid_claim', { sub: '' }],
  ['sub a number', 'invalid_claim', { sub: 42 }],
  ['sub an object', 'invalid_claim', { sub: { id: 'admin' } }],
  ['sub null', 'invalid_claim', { sub: null }],
  ['sub with a newline', 'invalid_claim', { sub: 'user-1\nadmin' }],
  ['sub with a NUL byte', 'invalid_claim', { sub: 'user-1\u0000' }],
  ['sub with an escape sequence', 'invalid_claim', { sub: '\u001b[31muser' }],
  ['sub with a C1 control character', 'invalid_claim', { sub: 'user\u0085' }],
  ['sub of 256 characters', 'invalid_claim', { sub: 'u'.repeat(256) }],
  ['sub with a right-to-left override', 'invalid_claim', { sub: 'adm\u202Ein' }],
  ['sub with a zero-width joiner', 'invalid_claim', { sub: 'ad\u200Dmin' }],
  ['sub with a line separator', 'invalid_claim', { sub: 'a\u2028b' }],
  ['sub with a paragraph separator', 'invalid_claim', { sub: 'a\u2029b' }],
  ['sub with a lone surrogate', 'invalid_claim', { sub: 'a\uD800' }],
  ['iss of another issuer', 'unknown_issuer', { iss: 'https://attacker.example' }],
  ['iss with a trailing slash', 'unknown_issuer', { iss: 'ISSUER/' }],
  ['iss in another case', 'unknown_issuer', { iss: 'ISSUER_UPPER' }],
  ['iss missing', 'missing_claim', { iss: undefined }],
  ['iss as an array', 'unknown_issuer', { iss: ['ISSUER'] }],
  ['aud of another API', 'wrong_audience', { aud: 'https://other-api.example' }],
  ['aud list without ours', 'wrong_audience', { aud: ['https://a.example', 'https://b.example'] }],
  ['aud empty list', 'wrong_audience', { aud: [] }],
  ['aud missing', 'missing_claim', { aud: undefined }],
  ['aud a number', 'wrong_audience', { aud: 42 }],
];
for (const [name, reason, overrides] of CLAIMS)
  for (const k of ['rs', 'es'] as const)
    add(`${k}: ${name}`, reason, (fx) => {
      const claims = fx.claims();
      for (const [key, value] of Object.entries(overrides)) {
        const resolved =
          value === 'ISSUER/'
            ? `${fx.issuer.issuer}/`
            : value === 'ISSUER_UPPER'
              ? fx.issuer.issuer.toUpperCase()
              : Array.isArray(value) && value[0] === 'ISSUER'
                ? [fx.issuer.issuer]
                : value;
        if (resolved === undefined) delete claims[key];
        else claims[key] = resolved;
      }
      return ours(k, {}, claims)(fx);
    });

// --- JSON oddities a different parser could read differently ----------------------------------------
add('duplicate alg in the header (the last says none)', 'alg_not_allowed', (fx) =>
  bearer(
    unsigned(`{"alg":"RS256","kid":"${fx.rs.key.kid}","alg":"none"}`, fx.claims(), 'c2lnbmF0dXJl'),
  ),
);
add('duplicate iss in the claims (the last is foreign)', 'unknown_issuer', (fx) => {
  const c = fx.claims();
  const text = JSON.stringify(c).replace(/}$/, ',"iss":"https://attacker.example"}');
  return ours('rs', {}, text)(fx);
});
add('duplicate sub, signed by a stranger', 'bad_signature', (fx) => {
  const text = JSON.stringify(fx.claims()).replace(/}$/, ',"sub":"admin"}');
  return impostor('rs', {}, text)(fx);
});
add('exp written as 1e999 (Infinity)', 'invalid_claim', (fx) => {
  const text = JSON.stringify(fx.claims()).replace(/"exp":\d+/, '"exp":1e999');
  return ours('rs', {}, text)(fx);
});
add('a deeply nested claim, signed by a stranger', 'malformed_token', (fx) => {
  const text = JSON.stringify(fx.claims()).replace(
    /}$/,
    `,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
  );
  return bearer(rawJws(fx.impostor.rs.priv, { alg: 'RS256', kid: fx.rs.key.kid }, text, 'RS256'));
});
add('a __proto__ claim, signed by a stranger', 'bad_signature', (fx) =>
  impostor('rs', {}, JSON.stringify(fx.claims()).replace(/}$/, ',"__proto__":{"admin":true}}'))(fx),
);

// --- tokens from a second issuer with its own valid keys ------------------------------------------------
for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
  add(
    `second issuer, ${alg}, its own claims`,
    'unknown_issuer',
    (fx) => fx.other.sign({ key: fx.other.keys.find((k) => k.alg === alg)! }).then(bearer) as never,
  );
  add(
    `second issuer, ${alg}, claiming our iss and aud`,
    'unknown_kid',
    (fx) =>
      fx.other
        .sign({
          key: fx.other.keys.find((k) => k.alg === alg)!,
          claims: { iss: fx.issuer.issuer, aud: fx.issuer.audience },
        })
        .then(bearer) as never,
  );
  add(
    `second issuer, ${alg}, using our kid`,
    'bad_signature',
    (fx) =>
      fx.other
        .sign({
          key: fx.other.keys.find((k) => k.alg === alg)!,
          header: { kid: fx.issuer.keys.find((k) => k.alg === alg)!.kid },
          claims: { iss: fx.issuer.issuer, aud: fx.issuer.audience },
        })
        .then(bearer) as never,
  );
}

export const TOKEN_CORPUS: readonly CorpusCase[] = cases;
