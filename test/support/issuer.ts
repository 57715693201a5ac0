import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodeJwt,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JWK,
  type JWTPayload,
  type CryptoKey,
} from 'jose';

/**
 * A real token issuer for tests: asymmetric keys generated per run, a JWKS served over HTTP on
 * loopback, and tokens signed with jose. Tests exercise the real verifier against real keys.
 */
export type Alg = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKey {
  readonly alg: Alg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function generateSigningKey(
  alg: Alg,
  kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`,
): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

export interface TokenOptions {
  readonly key: SigningKey;
  readonly claims?: JWTPayload & Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  /** Lifetime in seconds from now (default 600); ignored when claims.exp is given. */
  readonly expiresIn?: number;
}

export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: URL;
  readonly keys: SigningKey[];
  /** Requests the JWKS endpoint has answered (or refused) so far (discovery not counted). */
  readonly jwksRequests: () => number;
  /** Replaces what the JWKS endpoint answers: `keys` (default), an HTTP status, a delay, garbage. */
  setJwksBehaviour(behaviour: JwksBehaviour): void;
  sign(options?: Partial<TokenOptions>): Promise<string>;
  /**
   * Signs exactly these claims under exactly this header (alg and kid from the key unless the
   * header names them): for tokens shaped as another auth server documents its own.
   */
  signExactly(
    header: Record<string, unknown>,
    claims: Record<string, unknown>,
    key?: SigningKey,
  ): Promise<string>;
  close(): Promise<void>;
}

export type JwksBehaviour =
  | { kind: 'keys' }
  | { kind: 'status'; status: number }
  | { kind: 'delay'; ms: number }
  /** The keys as they were when asked, sent after `ms`: a response in flight while keys change. */
  | { kind: 'late'; ms: number }
  | { kind: 'body'; body: string }
  | { kind: 'drop' }
  /** A 302 to `/moved-jwks.json`, which serves the same keys: only a client that follows gets them. */
  | { kind: 'redirect' };

const TEST_AUDIENCE = 'https://api.example.test';

export async function startTestIssuer(algs: Alg[] = ['RS256', 'ES256']): Promise<TestIssuer> {
  const keys = await Promise.all(algs.map((alg) => generateSigningKey(alg)));
  let behaviour: JwksBehaviour = { kind: 'keys' };
  let requests = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
      return;
    }
    requests += 1;
    if (req.url === '/moved-jwks.json') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
      return;
    }
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    const b = behaviour;
    if (b.kind === 'status') res.writeHead(b.status).end('{}');
    else if (b.kind === 'body')
      res.writeHead(200, { 'content-type': 'application/json' }).end(b.body);
    else if (b.kind === 'drop') req.socket.destroy();
    else if (b.kind === 'redirect') res.writeHead(302, { location: '/moved-jwks.json' }).end();
    else if (b.kind === 'late') {
      const body = JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
        b.ms,
      ).unref();
    } else {
      const send = () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
      if (b.kind === 'delay') setTimeout(send, b.ms).unref();
      else send();
    }
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  return {
    issuer,
    audience: TEST_AUDIENCE,
    jwksUrl: new URL(`${issuer}/jwks.json`),
    keys,
    jwksRequests: () => requests,
    setJwksBehaviour(next) {
      behaviour = next;
    },
    async sign({ key = keys[0]!, claims = {}, header = {}, expiresIn = 600 } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        aud: TEST_AUDIENCE,
        sub: 'user-1',
        iat: now,
        exp: now + expiresIn,
        scope: 'users:read',
        ...claims,
      };
      for (const [k, v] of Object.entries(payload))
        if (v === undefined) delete (payload as Record<string, unknown>)[k];
      return new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
        .sign(key.privateKey);
    },
    signExactly(header, claims, key = keys[0]!) {
      const protectedHeader = { alg: key.alg, kid: key.kid, ...header };
      for (const [k, v] of Object.entries(protectedHeader))
        if (v === undefined) delete (protectedHeader as Record<string, unknown>)[k];
      return new SignJWT(claims as JWTPayload)
        .setProtectedHeader(protectedHeader as { alg: string })
        .sign(key.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A methodArn the way API Gateway builds it: real path values, not the route template. */
export const methodArn = (
  verb: string,
  path: string,
  stage = 'dev',
  apiId = 'abc123defg',
  account = '123456789012',
) =>
  `arn:aws:execute-api:eu-west-1:${account}:${apiId}/${stage}/${verb}/${path.replace(/^\//, '')}`;

/** A token in `issuer`'s name under `kid`, signed with a key it never published (RS256). */
export const forgedToken = async (issuer: TestIssuer, kid = issuer.keys[0]!.kid) =>
  issuer.sign({ key: await generateSigningKey('RS256', kid) });

/**
 * Waits until the wall clock is past a token's `exp`. A token signed with `expiresIn: n` has
 * between n - 1 and n seconds left (`iat` is whole seconds), so a fixed sleep after a short-lived
 * token either waits too little or leaves the request before it a race with the second boundary.
 */
export async function untilExpired(token: string): Promise<void> {
  const { exp } = decodeJwt(token);
  if (typeof exp !== 'number') throw new Error('untilExpired: the token has no numeric exp');
  const wait = exp * 1000 + 50 - Date.now();
  if (wait > 0) await sleep(wait);
}
