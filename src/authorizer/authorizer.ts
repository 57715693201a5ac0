import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import { clip, jsonLineLogger, type Logger } from '../shared/log.ts';
import { bearerToken } from './bearer.ts';
import { claimsToContext } from './claims-to-context.ts';
import type { AuthorizerConfig } from './config.ts';
import { AuthorizerFailure, TokenRejected } from './errors.ts';
import { createKeyResolver } from './key-resolver.ts';
import { allowPolicy, stageWideResource } from './policy.ts';
import { createTokenVerifier } from './verify-token.ts';

export interface AuthorizerDependencies {
  readonly config: AuthorizerConfig;
  /** Defaults to the issuer's remote JWKS; tests and benchmarks may pass their own. */
  readonly getKey?: JWTVerifyGetKey;
  readonly log?: Logger;
}

export type TokenAuthorizer = (
  event: APIGatewayTokenAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

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
  getKey,
  log = jsonLineLogger,
}: AuthorizerDependencies): TokenAuthorizer {
  const verifyToken = createTokenVerifier(
    config,
    getKey ??
      createKeyResolver({
        issuer: config.issuer,
        jwksUrl: config.jwksUrl,
        algorithms: config.algorithms,
        ...config.jwks,
      }),
  );

  return async function authorize(event) {
    const started = performance.now();
    const latencyMs = () => Math.round((performance.now() - started) * 1000) / 1000;
    try {
      const resource = stageWideResource(event.methodArn);
      const token = bearerToken(event.authorizationToken);
      const verified = await verifyToken(token);
      const context = claimsToContext(verified);
      log({
        decision: 'allow',
        reason: 'token_valid',
        sub: clip(context.sub, 128),
        clientId: clip(context.clientId),
        kid: clip(verified.header.kid),
        latencyMs: latencyMs(),
      });
      return allowPolicy(context.sub, resource, context);
    } catch (error) {
      if (error instanceof TokenRejected) {
        log({
          decision: 'deny',
          reason: error.reason,
          kid: unverifiedKid(event.authorizationToken),
          latencyMs: latencyMs(),
        });
        throw new Error('Unauthorized');
      }
      const failure =
        error instanceof AuthorizerFailure
          ? error
          : new AuthorizerFailure('internal_error', undefined, { cause: error });
      log({
        decision: 'error',
        reason: failure.reason,
        detail: failure.message,
        cause: clip(causeMessage(failure), 200),
        kid: unverifiedKid(event.authorizationToken),
        latencyMs: latencyMs(),
      });
      throw new Error(`AuthorizerFailure: ${failure.reason}`);
    }
  };
}

/** The kid of a refused token, for the log only: useful to spot rotation problems. */
function unverifiedKid(authorization: string | undefined): string | undefined {
  try {
    return clip(decodeProtectedHeader(bearerToken(authorization)).kid);
  } catch {
    return undefined;
  }
}

function causeMessage(error: Error): string | undefined {
  const cause = error.cause;
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
