import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { startTestIssuer } from '../../support/issuer.ts';
import { b64u, rawJws } from './raw-jws.ts';

/**
 * An issuer whose JWKS holds keys jose treats in unusual ways, and tokens that reach each of
 * them: several keys matching one token (no kid, or a kid two keys share), more than the four
 * candidates the authorizer tries, keys jose refuses to verify with (an RSA key under 2048 bits,
 * a private key, `key_ops` naming signing), keys it never picks (`use: enc`, an `alg` that does
 * not fit the curve, EdDSA against Ed25519), and keys published without `alg`, which serve
 * every algorithm their type allows. For the differential test: the verdicts here are jose's.
 */
export interface OddKeyIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  tokens(): Promise<string[]>;
  close(): Promise<void>;
}

type Kind = 'rsa' | 'ec' | 'ed25519';
interface Key {
  readonly priv: KeyObject;
  readonly jwk: JWK;
}

function key(kind: Kind, jwk: Partial<JWK>, options: Record<string, unknown> = {}): Key {
  const { privateKey, publicKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, ...options })
      : kind === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256', ...options })
        : generateKeyPairSync('ed25519');
  return { priv: privateKey, jwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), ...jwk } };
}

export async function startOddKeyIssuer(): Promise<OddKeyIssuer> {
  const server = await startTestIssuer(['ES256']);
  const crowd = [1, 2, 3, 4, 5].map((i) => key('ec', { kid: `crowd-${i}`, alg: 'ES256' }));
  const shared = [key('rsa', { kid: 'shared', alg: 'RS256' }), key('rsa', { kid: 'shared' })];
  const weak = key('rsa', { kid: 'weak', alg: 'RS256' }, { modulusLength: 1024 });
  const privateJwk = (() => {
    const k = key('ec', { kid: 'private', alg: 'ES256' });
    return {
      priv: k.priv,
      jwk: { ...(k.priv.export({ format: 'jwk' }) as JWK), kid: 'private', alg: 'ES256' },
    };
  })();
  const signingOps = key('ec', { kid: 'ops', key_ops: ['sign', 'verify'] });
  const noExt = key('ec', { kid: 'no-ext', ext: false });
  const encryption = key('rsa', { kid: 'enc', use: 'enc' });
  const wrongCurve = key('ec', { kid: 'curve', alg: 'ES384' });
  const noAlgRsa = key('rsa', { kid: 'rsa-any' });
  const eddsaOnly = key('ed25519', { kid: 'ed-eddsa', alg: 'EdDSA' });
  const anyEd = key('ed25519', { kid: 'ed-any' });
  const p521 = key('ec', { kid: 'p521' }, { namedCurve: 'P-521' });
  const stranger = { ec: key('ec', {}), rsa: key('rsa', {}) };
  const keys = [
    ...crowd,
    ...shared,
    weak,
    privateJwk,
    signingOps,
    noExt,
    encryption,
    wrongCurve,
    noAlgRsa,
    eddsaOnly,
    anyEd,
    p521,
  ];
  server.setJwksBehaviour({ kind: 'body', body: JSON.stringify({ keys: keys.map((k) => k.jwk) }) });
  const audience = server.audience;
  const claims = () => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: server.issuer, aud: audience, sub: 'user-1', iat: now, exp: now + 600 };
  };
  const token = (signer: Key, header: Record<string, unknown>, scheme = String(header.alg)) =>
    rawJws(signer.priv, header, claims(), scheme);

  return {
    issuer: server.issuer,
    audience,
    jwksUrl: server.jwksUrl.href,
    async tokens() {
      const pssSalt20 = (() => {
        const header = { alg: 'PS256', kid: 'rsa-any' };
        const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims()))}`;
        const signature = sign('sha256', Buffer.from(input), {
          key: noAlgRsa.priv,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 20,
        });
        return `${input}.${signature.toString('base64url')}`;
      })();
      return [
        // No kid: five ES256 keys match; the first four are tried in turn, a fifth is too many.
        ...crowd.map((k) => token(k, { alg: 'ES256' })),
        token(stranger.ec, { alg: 'ES256' }),
        ...crowd.map((k) => token(k, { alg: 'ES256', kid: k.jwk.kid })),
        // One kid, two keys.
        ...shared.map((k) => token(k, { alg: 'RS256', kid: 'shared' })),
        token(stranger.rsa, { alg: 'RS256', kid: 'shared' }),
        token(shared[1]!, { alg: 'PS256', kid: 'shared' }),
        // Keys jose will not verify with.
        token(weak, { alg: 'RS256', kid: 'weak' }),
        token(privateJwk, { alg: 'ES256', kid: 'private' }),
        token(signingOps, { alg: 'ES256', kid: 'ops' }),
        // Keys it never picks for these tokens.
        token(encryption, { alg: 'RS256', kid: 'enc' }),
        token(wrongCurve, { alg: 'ES256', kid: 'curve' }),
        token(wrongCurve, { alg: 'ES384', kid: 'curve' }, 'ES256'),
        token(eddsaOnly, { alg: 'Ed25519', kid: 'ed-eddsa' }),
        // Keys it picks although they say little or too much.
        token(noExt, { alg: 'ES256', kid: 'no-ext' }),
        token(eddsaOnly, { alg: 'EdDSA', kid: 'ed-eddsa' }),
        token(anyEd, { alg: 'EdDSA', kid: 'ed-any' }),
        token(anyEd, { alg: 'Ed25519', kid: 'ed-any' }),
        token(anyEd, { alg: 'EdDSA' }),
        token(noAlgRsa, { alg: 'RS256', kid: 'rsa-any' }),
        token(noAlgRsa, { alg: 'PS256', kid: 'rsa-any' }),
        token(noAlgRsa, { alg: 'RS512', kid: 'rsa-any' }),
        token(noAlgRsa, { alg: 'PS384', kid: 'rsa-any' }),
        pssSalt20,
        token(p521, { alg: 'ES512', kid: 'p521' }),
        token(p521, { alg: 'ES512' }),
      ];
    },
    close: () => server.close(),
  };
}
