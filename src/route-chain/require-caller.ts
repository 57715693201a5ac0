import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { callerClaims } from '../issuers/claims.ts';
import { createGatewayClaimsAcceptor } from '../issuers/claim-rules.ts';
import { loadIssuerRules } from '../issuers/issuer-config.ts';
import { TokenRejected } from '../issuers/token-rejected.ts';
import { callerOf, decodeContext, type Caller } from '../shared/context-codec.ts';
import { ConfigError, readOptionalString, type Env } from '../shared/env.ts';
import { invalidToken } from '../shared/problems.ts';
import type { RouteContext } from './route-context.ts';

/**
 * Which layer 1 stands in front of the routes (the stage parameter `layer1`, env `LAYER1`):
 * - `lambda`: our authorizer; the caller is in its context (the context codec decodes it);
 * - `native`: API Gateway's JWT authorizer, which checks the signature, `iss`, `aud` and `exp`
 *   and passes the claims with their JSON types. Layer 2 then applies every preset rule the
 *   gateway cannot (src/issuers/claim-rules.ts), from the same issuer entries.
 *
 * Each request is read in the shape its authorizer gave it, whatever `layer1` says: while a
 * deployment switches a stage from one layer 1 to the other, the functions are updated before
 * the stage is, and requests authorized by either keep working. Only API Gateway writes
 * `requestContext.authorizer`, so the shape cannot come from the client. `native` makes the
 * issuer entries mandatory at cold start; with `lambda` they are read when set (every deployed
 * function has them, serverless.yml) and a claims-shaped request without them is refused.
 */
export interface CallerSource {
  readonly layer1: 'lambda' | 'native';
  /** Accepts the native authorizer's claims by the issuer rules; unset: no issuers configured. */
  readonly accept?: ReturnType<typeof createGatewayClaimsAcceptor>;
}

export function loadCallerSource(env: Env): CallerSource {
  const layer1 = readOptionalString(env, 'LAYER1') ?? 'lambda';
  if (layer1 !== 'lambda' && layer1 !== 'native')
    throw new ConfigError(
      'LAYER1',
      'must be lambda (our authorizer) or native (the JWT authorizer)',
    );
  const issuersSet = ['AUTH_ISSUERS', 'AUTH_ISSUER'].some((name) => readOptionalString(env, name));
  return layer1 === 'native' || issuersSet
    ? { layer1, accept: createGatewayClaimsAcceptor(loadIssuerRules(env)) }
    : { layer1 };
}

/**
 * Layer 2's first step, "who is calling": puts the verified caller on `context.caller`, or
 * refuses with 401 `invalid_token` (fail closed), whichever layer 1 authenticated the request.
 */
export function requireCaller({
  source,
  now = Date.now,
}: {
  source: CallerSource;
  now?: () => number;
}): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, RouteContext> {
  return {
    before: (request) => {
      const authorizer = request.event.requestContext?.authorizer;
      const nowMs = now();
      request.context.caller =
        authorizer?.claims === undefined
          ? decodeContext(authorizer, nowMs)
          : callerFromGatewayClaims(source.accept, authorizer.claims, nowMs);
    },
  };
}

function callerFromGatewayClaims(
  accept: CallerSource['accept'],
  received: unknown,
  nowMs: number,
): Caller {
  if (typeof received !== 'object' || received === null || Array.isArray(received))
    throw invalidToken('The JWT authorizer passed no claims object');
  if (!accept)
    throw invalidToken("No trusted issuers are configured for the JWT authorizer's claims", {
      reason: 'unknown_issuer',
    });
  try {
    return callerOf(callerClaims(accept(withNumericDates(received), nowMs / 1000)), nowMs);
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error;
    // The same refusal codes as our authorizer's, in the decision log; the client learns only
    // that the token was refused, as it does from layer 1.
    throw invalidToken('The access token is not accepted by this API', { reason: error.code });
  }
}

// AWS documents that a Lambda proxy integration gets each claim with its JSON type. If a
// NumericDate ever arrived as its decimal text instead, reading it as the number keeps the
// expiry checks working; any other claim is taken exactly as given (no JSON text is parsed:
// a string claim stays a string).
const NUMERIC_DATE = /^\d{1,15}(\.\d+)?$/;
function withNumericDates(claims: object): JWTPayload {
  const out: Record<string, unknown> = { ...claims };
  for (const name of ['exp', 'nbf', 'iat'])
    if (typeof out[name] === 'string' && NUMERIC_DATE.test(out[name]))
      out[name] = Number(out[name]);
  return out as JWTPayload;
}
