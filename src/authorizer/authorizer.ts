import type {
  APIGatewayAuthorizerResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import { clip, jsonLineLogger, type Logger } from '../shared/log.ts';
import { emfAuthorizerMetrics, type AuthorizerMetrics } from '../shared/metrics.ts';
import { bearerToken } from './bearer.ts';
import { claimsToContext } from './claims-to-context.ts';
import type { AuthorizerConfig, IssuerConfig } from './config.ts';
import { AuthorizerFailure, TokenRejected } from './errors.ts';
import { keyResolverFor, type KeyResolver } from './keys/key-resolver.ts';
import { prefetchWithin, type Prefetchable } from './keys/prefetch.ts';
import { allowPolicy, stageWideResource } from './policy.ts';
import { createTokenVerifier, MAX_TOKEN_LENGTH } from './verify-token.ts';

export interface AuthorizerDependencies {
  readonly config: AuthorizerConfig;
  /**
   * The keys of each trusted issuer. Defaults to one remote JWKS resolver per issuer, so one
   * issuer's outage (and its backoff) never touches another's; tests and benchmarks may pass
   * their own (one without `prefetch` is simply not prefetched).
   */
  readonly keysFor?: (issuer: IssuerConfig) => JWTVerifyGetKey | KeyResolver;
  readonly log?: Logger;
  /** The decisions and key set events as metrics (default: CloudWatch EMF on stdout). */
  readonly metrics?: AuthorizerMetrics;
}

export interface TokenAuthorizer {
  /** `context`: Lambda's, for its request id in the log line (a TOKEN event carries no other). */
  (
    event: APIGatewayTokenAuthorizerEvent,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<APIGatewayAuthorizerResult>;
  /**
   * Loads every issuer's keys now, all at once, and waits at most `withinMs` for them; logs one
   * line per issuer saying how it went. Never rejects and decides nothing (handler.ts calls it
   * during the Lambda init).
   */
  readonly prefetchKeys: (withinMs: number) => Promise<void>;
}

/**
 * Layer 1: authenticate, never authorize. Reads top to bottom as
 * extract → verify → decide → respond.
 *
 * - Valid token: Allow for the whole API stage, the token's claims in the context.
 * - Bad token: throw exactly `Error('Unauthorized')`, the one message API Gateway maps to 401.
 * - Could not decide: throw anything else; API Gateway answers 500, never an Allow.
 * No error path returns a policy.
 */
export function createAuthorizer({
  config,
  metrics = emfAuthorizerMetrics(),
  keysFor = (issuer) =>
    keyResolverFor(issuer, config, { onEvent: (event) => metrics.keySet(event, issuer.issuer) }),
  log = jsonLineLogger,
}: AuthorizerDependencies): TokenAuthorizer {
  const prefetchable: { issuer: IssuerConfig; resolver: Prefetchable }[] = [];
  const verifyToken = createTokenVerifier(config, (issuer) => {
    const getKey = keysFor(issuer);
    if ('prefetch' in getKey) prefetchable.push({ issuer, resolver: getKey });
    return getKey;
  });

  async function prefetchKeys(withinMs: number): Promise<void> {
    const reports = await prefetchWithin(
      prefetchable.map(({ resolver }) => resolver),
      withinMs,
    );
    reports.forEach((report, i) => {
      const iss = clip(prefetchable[i]!.issuer.issuer, 128);
      const latencyMs = report.elapsedMs;
      if (report.status === 'failed')
        log({
          phase: 'init',
          code: report.failure.code,
          detail: report.failure.message,
          cause: clip(causeMessage(report.failure), 200),
          iss,
          latencyMs,
        });
      else
        log({
          phase: 'init',
          code: report.status === 'loaded' ? 'keys_prefetched' : 'keys_prefetch_pending',
          iss,
          latencyMs,
        });
    });
  }

  async function authorize(
    event: APIGatewayTokenAuthorizerEvent,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<APIGatewayAuthorizerResult> {
    const started = performance.now();
    const latencyMs = () => Math.round((performance.now() - started) * 1000) / 1000;
    const lambdaRequestId = clip(context?.awsRequestId);
    try {
      const resource = stageWideResource(event.methodArn);
      const token = bearerToken(event.authorizationToken);
      const verified = await verifyToken(token);
      const { context, scopesDropped } = claimsToContext(verified);
      log({
        decision: 'allow',
        code: 'token_valid',
        sub: clip(context.sub, 128),
        clientId: clip(context.clientId),
        iss: clip(context.iss, 128),
        kid: clip(verified.header.kid),
        ...(scopesDropped ? { scopesDropped } : {}),
        lambdaRequestId,
        latencyMs: latencyMs(),
      });
      metrics.decision('allow', 'token_valid', latencyMs());
      return allowPolicy(context.sub, resource, context);
    } catch (error) {
      if (error instanceof TokenRejected) {
        log({
          decision: 'deny',
          code: error.code,
          ...unverifiedOrigin(event.authorizationToken),
          lambdaRequestId,
          latencyMs: latencyMs(),
        });
        metrics.decision('deny', error.code, latencyMs());
        throw new Error('Unauthorized');
      }
      const failure =
        error instanceof AuthorizerFailure
          ? error
          : new AuthorizerFailure('internal_error', undefined, { cause: error });
      log({
        decision: 'error',
        code: failure.code,
        detail: failure.message,
        cause: clip(causeMessage(failure), 200),
        ...unverifiedOrigin(event.authorizationToken),
        lambdaRequestId,
        latencyMs: latencyMs(),
      });
      metrics.decision('error', failure.code, latencyMs());
      throw new Error(`AuthorizerFailure: ${failure.code}`);
    }
  }

  return Object.assign(authorize, { prefetchKeys });
}

/**
 * Where a refused token says it comes from (its `iss` and `kid`), for the log only: useful to
 * spot an issuer missing from the configuration, or a rotation problem. Neither is verified, and
 * anyone can write them: clipped and made printable (clip). A token too long to verify is not
 * decoded for the log either, so a refusal costs no more than the length check that made it.
 */
function unverifiedOrigin(authorization: string | undefined): { iss?: string; kid?: string } {
  try {
    const token = bearerToken(authorization);
    if (token.length > MAX_TOKEN_LENGTH) return {};
    const iss = clip(decodeJwt(token).iss, 128);
    const kid = clip(decodeProtectedHeader(token).kid);
    return { ...(iss ? { iss } : {}), ...(kid ? { kid } : {}) };
  } catch {
    return {};
  }
}

function causeMessage(error: Error): string | undefined {
  const cause = error.cause;
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
