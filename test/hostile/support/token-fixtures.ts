import { createPublicKey, type KeyObject } from 'node:crypto';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { ASYMMETRIC_ALGORITHMS } from '../../../src/issuers/issuer-config.ts';
import { authorizerFor, type AuthorizerUnderTest } from '../../support/authorizer.ts';
import {
  generateSigningKey,
  methodArn,
  startTestIssuer,
  type SigningKey,
  type TestIssuer,
} from '../../support/issuer.ts';
import { privateKeyObject } from './raw-jws.ts';

export interface KeyPair {
  readonly key: SigningKey;
  /** The private key as a node:crypto KeyObject, to sign with any algorithm on purpose. */
  readonly priv: KeyObject;
  /** The public key in SPKI PEM form, what an attacker downloads from the JWKS. */
  readonly pem: string;
}

/**
 * Everything the hostile token suites attack: our issuer (RSA, EC and Ed25519 keys on a JWKS
 * served on loopback), a second, unrelated issuer with its own valid keys, strangers' keys that
 * reuse our kids, and the real authorizer configured for our issuer.
 */
export interface TokenFixtures {
  readonly issuer: TestIssuer;
  readonly other: TestIssuer;
  readonly rs: KeyPair;
  readonly es: KeyPair;
  readonly ed: KeyPair;
  /** Keys nobody published, carrying our kids (kid collision). */
  readonly impostor: { readonly rs: KeyPair; readonly es: KeyPair; readonly ed: KeyPair };
  /** The default configuration (RS256, ES256, EdDSA). */
  readonly sut: AuthorizerUnderTest;
  /** Every asymmetric algorithm allowed: reaches the key-type checks behind the allowlist. */
  readonly permissive: AuthorizerUnderTest;
  readonly now: () => number;
  /** A claims set our authorizer accepts. */
  readonly claims: (overrides?: Record<string, unknown>) => Record<string, unknown>;
  close(): Promise<void>;
}

export const ARN = methodArn('GET', '/users/42');

const pair = (key: SigningKey): KeyPair => ({
  key,
  priv: privateKeyObject(key.privateKey),
  pem: createPublicKey({ key: key.publicJwk as never, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString(),
});

export async function startTokenFixtures(): Promise<TokenFixtures> {
  const issuer = await startTestIssuer(['RS256', 'ES256', 'EdDSA']);
  const other = await startTestIssuer(['RS256', 'ES256', 'EdDSA']);
  const [rsKey, esKey, edKey] = issuer.keys as [SigningKey, SigningKey, SigningKey];
  const impostors = await Promise.all([
    generateSigningKey('RS256', rsKey.kid),
    generateSigningKey('ES256', esKey.kid),
    generateSigningKey('EdDSA', edKey.kid),
  ]);
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    other,
    rs: pair(rsKey),
    es: pair(esKey),
    ed: pair(edKey),
    impostor: { rs: pair(impostors[0]), es: pair(impostors[1]), ed: pair(impostors[2]) },
    sut: authorizerFor(issuer),
    permissive: authorizerFor(issuer, { AUTH_ALGORITHMS: ASYMMETRIC_ALGORITHMS.join(',') }),
    now,
    claims: (overrides = {}) => ({
      iss: issuer.issuer,
      aud: issuer.audience,
      sub: 'user-1',
      iat: now(),
      exp: now() + 600,
      scope: 'users:read',
      ...overrides,
    }),
    async close() {
      await Promise.all([issuer.close(), other.close()]);
    },
  };
}

/** One authorizer call the way API Gateway makes it (TOKEN event, the raw header value). */
export const authorize = (
  sut: AuthorizerUnderTest,
  authorizationToken: string | undefined,
): Promise<APIGatewayAuthorizerResult> =>
  sut.authorize({
    type: 'TOKEN',
    authorizationToken: authorizationToken as string,
    methodArn: ARN,
  });

export const bearer = (token: string): string => `Bearer ${token}`;
