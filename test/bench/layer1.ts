import {
  createPublicKey,
  verify as cryptoVerify,
  webcrypto,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { JwtVerifier } from 'aws-jwt-verify';
import { decodeJwt, importJWK, jwtVerify, type CryptoKey } from 'jose';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { bearerToken } from '../../src/authorizer/bearer.ts';
import { assertCompactJws } from '../../src/authorizer/compact-jws.ts';
import { createIssuerSelection } from '../../src/issuers/issuer-selection.ts';
import { encodeContext } from '../../src/shared/context-codec.ts';
import { callerClaims } from '../../src/issuers/claims.ts';
import { keyResolverFor } from '../../src/authorizer/keys/key-resolver.ts';
import { allowPolicy, stageWideResource } from '../../src/authorizer/policy.ts';
import { createTokenVerifier } from '../../src/authorizer/verify-token.ts';
import { jsonLineLogger, silentLogger, type Logger } from '../../src/shared/log.ts';
import { emfAuthorizerMetrics, silentAuthorizerMetrics } from '../../src/shared/metrics.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { methodArn, startTestIssuer, type Alg, type TestIssuer } from '../support/issuer.ts';
import { compare, type Stats } from './measure.ts';

/**
 * Layer 1, warm: one decision per token with the JWKS already cached, against the floor (raw
 * node:crypto), WebCrypto (the API jose is built on), jose.jwtVerify alone and aws-jwt-verify.
 */
export interface Layer1Result {
  readonly alg: Alg;
  readonly stats: Record<string, Stats>;
  /** Nanoseconds of main-thread CPU per decision for each of our synchronous steps, hot loop. */
  readonly steps: Record<string, number>;
}

export const VARIANTS = {
  raw: 'raw node:crypto verify (sync) + base64url + JSON.parse',
  webcrypto: 'WebCrypto subtle.verify + base64url + JSON.parse',
  jose: 'jose.jwtVerify (prepared key)',
  joseResolver: 'jose.jwtVerify + our JWKS key resolver (kid lookup)',
  awsJwtVerify: 'aws-jwt-verify verifySync (cached JWKS)',
  oursNoLog: 'our authorizer without its log line and metrics',
  ours: 'our authorizer: whole decision',
  oursFiveIssuers: 'our authorizer, five issuers configured (AUTH_ISSUERS)',
} as const;

// The log line and the metrics are part of our decision: the real logger and EMF writer run,
// and run.ts drops their lines at stdout, keeping the terminal out of the measurement.
let lastDecision: unknown;
const decisionLogger: Logger = (entry) => {
  lastDecision = entry.decision;
  jsonLineLogger(entry);
};

export async function benchLayer1(
  alg: 'RS256' | 'ES256',
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

async function compareVerifiers(
  issuer: TestIssuer,
  alg: 'RS256' | 'ES256',
  options: { samples: number; opsPerSample: number },
) {
  const key = issuer.keys[0]!;
  const token = await issuer.sign({ claims: { scope: 'users:read users:write' } });
  const [h, p, s] = token.split('.') as [string, string, string];
  const signingInput = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const keyObject: KeyObject = createPublicKey({
    key: key.publicJwk as JsonWebKey,
    format: 'jwk',
  });
  const cryptoKey = (await importJWK(key.publicJwk, alg)) as CryptoKey;
  const nodeKey =
    alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' as const } : keyObject;
  const webAlgorithm =
    alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };

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
  const authorize = createAuthorizer({ config, log: decisionLogger });
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
  const authorizeFive = createAuthorizer({ config: fiveIssuers, log: decisionLogger });
  const resolver = keyResolverFor(config.issuers[0]!, config);
  const joseOptions = {
    issuer: issuer.issuer,
    audience: issuer.audience,
    algorithms: [alg],
    requiredClaims: ['exp', 'sub'],
  };
  const event = {
    type: 'TOKEN' as const,
    authorizationToken: `Bearer ${token}`,
    methodArn: methodArn('GET', '/users/42'),
  };

  const decode = () => {
    JSON.parse(Buffer.from(h, 'base64url').toString());
    return JSON.parse(Buffer.from(p, 'base64url').toString()) as unknown;
  };
  const variants = {
    [VARIANTS.raw]: () => {
      decode();
      if (!cryptoVerify('sha256', signingInput, nodeKey, signature)) throw new Error('raw: bad');
    },
    [VARIANTS.webcrypto]: async () => {
      decode();
      if (!(await webcrypto.subtle.verify(webAlgorithm, cryptoKey, signature, signingInput)))
        throw new Error('webcrypto: bad');
    },
    [VARIANTS.jose]: () => jwtVerify(token, cryptoKey, joseOptions),
    [VARIANTS.joseResolver]: () => jwtVerify(token, resolver, joseOptions),
    [VARIANTS.awsJwtVerify]: () => aws.verifySync(token),
    [VARIANTS.oursNoLog]: () => authorizeSilently(event),
    [VARIANTS.ours]: () => authorize(event),
    [VARIANTS.oursFiveIssuers]: () => authorizeFive(event),
  };
  // Every variant must succeed on this token before its timing means anything (and the first
  // call of ours fetches the JWKS, so the measured calls are warm).
  for (const run of Object.values(variants)) await run();
  if (lastDecision !== 'allow') throw new Error('our authorizer did not allow');
  return compare(variants, options);
}

/**
 * What each synchronous step of our decision costs on its own, in a hot loop (no waiting in
 * between): the CPU the decision adds to jose's, to set beside the closed-loop difference.
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
  const verified = await createTokenVerifier(config, (trusted) => keyResolverFor(trusted, config))(
    token,
  );
  const select = createIssuerSelection(config.issuers);
  const stepMetrics = emfAuthorizerMetrics();
  const hot = (step: () => unknown) => {
    for (let i = 0; i < 20_000; i += 1) step();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i += 1) step();
    return Number(process.hrtime.bigint() - started) / 200_000;
  };
  return {
    'Bearer header': hot(() => bearerToken(header)),
    'canonical compact JWS': hot(() => assertCompactJws(token)),
    'issuer selection (unverified iss)': hot(() => select(decodeJwt(token).iss)),
    'methodArn → stage-wide resource': hot(() => stageWideResource(arn)),
    'claims → context + policy': hot(() => {
      const { context } = encodeContext(callerClaims(verified));
      return allowPolicy(context.sub, 'arn', context);
    }),
    'metrics (EMF document)': hot(() => stepMetrics.decision('allow', 'token_valid', 61.234)),
    'log line': hot(() =>
      decisionLogger({
        decision: 'allow',
        reason: 'token_valid',
        sub: verified.claims.sub,
        clientId: 'reader',
        kid: verified.header.kid,
        latencyMs: 61.234,
      }),
    ),
  };
}
