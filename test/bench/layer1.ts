import {
  createPublicKey,
  verify as cryptoVerify,
  webcrypto,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import { importJWK, jwtVerify, type CryptoKey } from 'jose';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { afterScheme, bearerToken } from '../../src/authorizer/bearer.ts';
import { decodeCompactJws, decodeHeader } from '../../src/authorizer/compact-jws.ts';
import { checkProtectedHeader } from '../../src/authorizer/jws-header.ts';
import { ecdsaDer, verifySignature } from '../../src/authorizer/jws-signature.ts';
import { checkRegisteredClaims } from '../../src/authorizer/jwt-claims.ts';
import { assertClaimRules } from '../../src/issuers/claim-rules.ts';
import { callerClaims } from '../../src/issuers/claims.ts';
import { createIssuerSelection } from '../../src/issuers/issuer-selection.ts';
import { allowPolicy, stageWideResource } from '../../src/authorizer/policy.ts';
import { createTokenVerifier } from '../../src/authorizer/verify-token.ts';
import { keyResolverFor } from '../../src/authorizer/keys/key-resolver.ts';
import { encodeContext } from '../../src/shared/context-codec.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { emfAuthorizerMetrics, silentAuthorizerMetrics } from '../../src/shared/metrics.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { methodArn, startTestIssuer, type Alg, type TestIssuer } from '../support/issuer.ts';
import { compare, type Stats } from './measure.ts';

/**
 * Layer 1, warm (JWKS loaded): one decision per token against the floor (raw node:crypto),
 * WebCrypto (the API jose is built on), jose.jwtVerify alone and aws-jwt-verify's verifySync;
 * and the same token again, which this container verified before.
 *
 * Every variant but the last verifies a token it has not seen: each takes the next of a pool of
 * distinct tokens, larger than the authorizer's cache of verified tokens, so no variant gets a
 * token it verified before (ours would answer it from its cache: that is the last variant).
 */
export interface Layer1Result {
  readonly alg: Alg;
  readonly stats: Record<string, Stats>;
  /** Nanoseconds of main-thread CPU per decision for each of our synchronous steps, hot loop. */
  readonly steps: Record<string, number>;
}

export const VARIANTS = {
  raw: 'raw node:crypto verify (sync, KeyObject) + base64url + JSON.parse',
  webcrypto: 'WebCrypto subtle.verify + base64url + JSON.parse',
  jose: 'jose.jwtVerify (prepared key)',
  awsJwtVerify: 'aws-jwt-verify verifySync (cached JWKS)',
  oursNoLog: 'our authorizer without its decision line',
  ours: 'our authorizer: whole decision, a token not seen before',
  oursFiveIssuers: 'our authorizer, five issuers configured (AUTH_ISSUERS)',
  oursCached: 'our authorizer: whole decision, a token verified before',
} as const;

// More than the authorizer's cache holds (1,000 tokens), so every token it meets is new to it.
const POOL = 1100;

export async function benchLayer1(
  alg: Alg,
  options: { samples: number; opsPerSample: number },
): Promise<Layer1Result> {
  const issuer = await startTestIssuer([alg]);
  try {
    const stats = await compareVerifiers(issuer, alg, options);
    return { alg, stats, steps: await stepCosts(issuer) };
  } finally {
    await issuer.close();
  }
}

const WEB_ALGORITHMS = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

async function compareVerifiers(
  issuer: TestIssuer,
  alg: Alg,
  options: { samples: number; opsPerSample: number },
) {
  const key = issuer.keys[0]!;
  const pool = await Promise.all(
    Array.from({ length: POOL }, (_, i) =>
      issuer.sign({ claims: { scope: 'users:read users:write', jti: `bench-${i}` } }),
    ),
  );
  // The floor: node:crypto's fastest path, the KeyObject itself (an options object such as
  // `{ key, dsaEncoding }` costs more, see src/authorizer/jws-signature.ts), an ES256 signature
  // already in the DER form OpenSSL reads; WebCrypto takes the JWS form as it is.
  const parts = pool.map((token) => {
    const [h, p, s] = token.split('.') as [string, string, string];
    const signature = Buffer.from(s, 'base64url');
    return {
      h,
      p,
      input: Buffer.from(`${h}.${p}`),
      signature,
      floorSignature: alg === 'ES256' ? ecdsaDer(signature, 32) : signature,
    };
  });
  const keyObject: KeyObject = createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' });
  const cryptoKey = (await importJWK(key.publicJwk, alg)) as CryptoKey;
  const digest = alg === 'EdDSA' ? null : 'sha256';

  const aws = JwtVerifier.create({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUrl.href,
  });
  aws.cacheJwks({ keys: [key.publicJwk as never] });

  const config = loadAuthorizerConfig({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: issuer.jwksUrl.href,
  });
  // As in Lambda: no log given, so each decision writes its one line (log fields and metrics)
  // to stdout, which run.ts drops at the stream.
  const authorize = createAuthorizer({ config });
  const authorizeCached = createAuthorizer({ config });
  const authorizeSilently = createAuthorizer({
    config,
    log: silentLogger,
    metrics: silentAuthorizerMetrics,
  });
  // The test issuer last: the one the token names is found by its exact iss whatever its place.
  const fiveIssuers = loadAuthorizerConfig({
    AUTH_ISSUERS: JSON.stringify([
      ...[SHAPES.cognito, SHAPES.auth0, SHAPES.okta, SHAPES.entra].map((shape) => shape.entry),
      {
        issuer: issuer.issuer,
        preset: 'generic',
        audience: issuer.audience,
        jwksUrl: issuer.jwksUrl.href,
      },
    ]),
  });
  const authorizeFive = createAuthorizer({ config: fiveIssuers });
  // Each authorizer loads its keys as the init does (the Cognito and Okta entries' keys cannot
  // be reached from here; their tokens never come).
  await Promise.all(
    [authorize, authorizeCached, authorizeSilently, authorizeFive].map((a) => a.prefetchKeys(2000)),
  );
  const joseOptions = {
    issuer: issuer.issuer,
    audience: issuer.audience,
    algorithms: [alg],
    requiredClaims: ['exp', 'sub'],
  };
  const arn = methodArn('GET', '/users/42');
  const event = (token: string) => ({
    type: 'TOKEN' as const,
    authorizationToken: `Bearer ${token}`,
    methodArn: arn,
  });
  const allowed = async (result: Promise<APIGatewayAuthorizerResult>) => {
    if ((await result).policyDocument.Statement[0]?.Effect !== 'Allow')
      throw new Error('not allowed');
  };

  /** Each variant walks the pool on its own, one new token per call. */
  const next = () => {
    let i = 0;
    return () => (i = (i + 1) % POOL);
  };
  const [rawAt, webAt, joseAt, awsAt, silentAt, oursAt, fiveAt] = [
    next(),
    next(),
    next(),
    next(),
    next(),
    next(),
    next(),
  ];
  const decode = (i: number) => {
    JSON.parse(Buffer.from(parts[i]!.h, 'base64url').toString());
    return JSON.parse(Buffer.from(parts[i]!.p, 'base64url').toString()) as unknown;
  };
  const cached = pool[0]!;
  const variants = {
    [VARIANTS.raw]: () => {
      const i = rawAt();
      decode(i);
      if (!cryptoVerify(digest, parts[i]!.input, keyObject, parts[i]!.floorSignature))
        throw new Error('raw: bad');
    },
    [VARIANTS.webcrypto]: async () => {
      const i = webAt();
      decode(i);
      if (
        !(await webcrypto.subtle.verify(
          WEB_ALGORITHMS[alg],
          cryptoKey,
          parts[i]!.signature,
          parts[i]!.input,
        ))
      )
        throw new Error('webcrypto: bad');
    },
    [VARIANTS.jose]: () => jwtVerify(pool[joseAt()]!, cryptoKey, joseOptions),
    [VARIANTS.awsJwtVerify]: () => aws.verifySync(pool[awsAt()]!),
    [VARIANTS.oursNoLog]: () => allowed(authorizeSilently(event(pool[silentAt()]!))),
    [VARIANTS.ours]: () => allowed(authorize(event(pool[oursAt()]!))),
    [VARIANTS.oursFiveIssuers]: () => allowed(authorizeFive(event(pool[fiveAt()]!))),
    [VARIANTS.oursCached]: () => allowed(authorizeCached(event(cached))),
  };
  // Every variant must succeed before its timing means anything.
  for (const run of Object.values(variants)) await run();
  return compare(variants, options);
}

/**
 * What each synchronous step of our decision costs on its own, in a hot loop (no waiting in
 * between, one token): the CPU of the decision, step by step, to set beside the closed-loop
 * figures.
 */
async function stepCosts(issuer: TestIssuer): Promise<Record<string, number>> {
  const token = await issuer.sign({ claims: { scope: 'users:read users:write' } });
  const header = `Bearer ${token}`;
  const arn = methodArn('GET', '/users/42');
  const config = loadAuthorizerConfig({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: issuer.jwksUrl.href,
  });
  const resolver = keyResolverFor(config.issuers[0]!, config);
  await resolver.prefetch();
  const verify = createTokenVerifier(config, () => resolver);
  const verified = await verify(token);
  const select = createIssuerSelection(config.issuers);
  const selected = select(verified.claims.iss);
  const jws = decodeCompactJws(token);
  const head = decodeHeader(jws);
  const algorithms = new Set(config.issuers[0]!.algorithms);
  const { alg } = checkProtectedHeader(head, algorithms);
  const [keyObject] = resolver.readyKeys()!.candidates(alg, head.kid);
  const [h, p, s] = jws.segments;
  const stepMetrics = emfAuthorizerMetrics();
  // Who an Allow names, one frozen object per token, as the authorizer keeps it.
  const who = Object.freeze({
    sub: verified.claims.sub,
    clientId: 'reader',
    iss: issuer.issuer,
    kid: verified.header.kid,
  });
  const hot = (step: () => unknown) => {
    for (let i = 0; i < 20_000; i += 1) step();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i += 1) step();
    return Number(process.hrtime.bigint() - started) / 100_000;
  };
  const verifyOnce = () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 2000; i += 1)
      verifySignature(
        alg,
        keyObject!.keyObject!,
        Buffer.from(`${h}.${p}`, 'latin1'),
        Buffer.from(s, 'base64url'),
      );
    return Number(process.hrtime.bigint() - started) / 2000;
  };
  return {
    'Bearer header': hot(() => bearerToken(header)),
    'canonical compact JWS, claims decoded': hot(() => decodeCompactJws(token)),
    'issuer selection': hot(() => select(jws.claims.iss)),
    'header decoded, jose’s header rules': hot(() =>
      checkProtectedHeader(decodeHeader(jws), algorithms),
    ),
    'signature (node:crypto, the floor)': verifyOnce(),
    'jose’s claim checks, preset rules': hot(() => {
      checkRegisteredClaims(
        jws.claims,
        { issuer: selected.iss, audience: config.issuers[0]!.audience, clockToleranceSeconds: 5 },
        Date.now(),
      );
      return assertClaimRules(verified.claims, verified.header, selected, 5, Date.now() / 1000);
    }),
    'verified before: the scheme, cache lookup, rules again': hot(() =>
      verify.verifiedBefore(afterScheme(header)!),
    ),
    'methodArn → stage-wide resource': hot(() => stageWideResource(arn)),
    'claims → context + policy': hot(() => {
      const { context } = encodeContext(callerClaims(verified));
      return allowPolicy(context.sub, 'arn', context);
    }),
    'the decision line (log fields + EMF)': hot(() =>
      stepMetrics.decision(
        'allow',
        'token_valid',
        0.061,
        { decision: 'allow', code: 'token_valid', lambdaRequestId: 'c6af9ac6', latencyMs: 0.061 },
        who,
      ),
    ),
  };
}
