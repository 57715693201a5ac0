import { randomUUID } from 'node:crypto';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import type { AuthorizationStep, AuthorizerStep } from './authorization.ts';
import {
  evaluatePolicy,
  InvalidAuthorizerOutput,
  parseAuthorizerOutput,
  type Statement,
} from './iam-policy.ts';
import { headerValue, receivedAuthorizerContext } from './proxy-event.ts';
import { stepTimer, type AuthorizerTrace } from './request-trace.ts';
import { TimedOut, withTimeout } from './timeout.ts';

/**
 * A Lambda TOKEN authorizer as API Gateway REST runs it: the identity source and its validation
 * expression, the result cache keyed by the token with its TTL, the function's answer read as a
 * policy, a 401 or a 500, and the (possibly cached) policy evaluated again against each
 * request's methodArn (docs/api-gateway-authorizers.md, rows cited below).
 */
export type TokenAuthorizerFunction = (
  event: APIGatewayTokenAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

export interface ModelAuthorizer {
  readonly handler: TokenAuthorizerFunction;
  /**
   * `resultTtlInSeconds`: 0 turns the cache off. Required: unset means 300 on AWS (C1).
   * An integer 0..3600 (C1); anything else makes createGatewayModel throw, as AWS refuses it.
   */
  readonly resultTtlInSeconds: number;
  readonly identityValidationExpression?: string;
  /** The header named by `method.request.header.<name>` (default Authorization). */
  readonly identityHeader?: string;
  /** The authorizer function's timeout; past it the gateway answers 500. */
  readonly timeoutMs?: number;
}

export type CacheFailures = 'none' | 'unauthorized' | 'all';

// C1: API Gateway's range for resultTtlInSeconds.
const MAX_TTL_SECONDS = 3600;

/** What one authorizer call decided: a valid policy, a 401, or a 500. */
type Decision =
  | {
      readonly kind: 'policy';
      readonly output: APIGatewayAuthorizerResult;
      readonly statements: readonly Statement[];
    }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'error'; readonly message: string; readonly timedOut?: boolean };

interface CacheEntry {
  readonly decision: Decision;
  readonly expiresAt: number;
}

/** What the authorizer step did: its decision, whether it came from the cache, how long it stays. */
interface Outcome extends AuthorizerStep {
  readonly decision: Decision;
  readonly trace: AuthorizerTrace;
}

export function createTokenAuthorizer(
  authorizer: ModelAuthorizer,
  {
    now,
    cacheFailures,
    authorizerErrorType,
  }: {
    now: () => number;
    cacheFailures: CacheFailures;
    authorizerErrorType: 'AUTHORIZER_CONFIGURATION_ERROR' | 'AUTHORIZER_FAILURE';
  },
): AuthorizationStep {
  const ttl = authorizer.resultTtlInSeconds;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS)
    throw new RangeError(
      `resultTtlInSeconds must be an integer 0..${MAX_TTL_SECONDS} (API Gateway refuses ${ttl})`,
    );
  // C3: the TOKEN cache key is the token header's value. The model is one API, one stage
  // and one authorizer, so the scope of the key (C6, not documented) does not arise.
  const cache = new Map<string, CacheEntry>();
  const identityHeader = (authorizer.identityHeader ?? 'Authorization').toLowerCase();
  // O3: whether the expression must match the whole token is unknown. Anchoring it refuses
  // more, so the model anchors it.
  const identityPattern =
    authorizer.identityValidationExpression === undefined
      ? undefined
      : new RegExp(`^(?:${authorizer.identityValidationExpression})$`);
  let invocations = 0;
  let cacheHits = 0;

  async function decide(token: string, arn: string): Promise<Outcome> {
    const started = now();
    const cached = cache.get(token);
    if (cached && cached.expiresAt > now()) {
      cacheHits += 1;
      const trace: AuthorizerTrace = {
        source: 'cached',
        ...decisionTrace(cached.decision),
        latencyMs: now() - started,
      };
      return {
        decision: cached.decision,
        step: 'cached',
        ttlLeftMs: cached.expiresAt - now(),
        trace,
      };
    }
    cache.delete(token);
    invocations += 1;
    const decision = await invoke(token, arn);
    const latencyMs = now() - started;
    // The authorizer's Lambda answers 200 even when the function throws (the error travels in
    // the payload); a timeout leaves no status.
    const trace: AuthorizerTrace = {
      source: 'invoked',
      ...decisionTrace(decision),
      latencyMs,
      lambda: {
        ...(decision.kind === 'error' && decision.timedOut ? {} : { status: 200 }),
        requestId: randomUUID(),
        latencyMs,
      },
    };
    // A valid policy, Allow or Deny, is cached with its context (C7, C8); failures only
    // as `cacheFailures` says (not documented, C9).
    const cacheable =
      decision.kind === 'policy' ||
      (decision.kind === 'unauthorized' && cacheFailures !== 'none') ||
      (decision.kind === 'error' && cacheFailures === 'all');
    if (!cacheable || ttl === 0) return { decision, step: 'invoked', trace };
    cache.set(token, { decision, expiresAt: now() + ttl * 1000 });
    return { decision, step: 'invoked', ttlLeftMs: ttl * 1000, trace };
  }

  async function invoke(token: string, arn: string): Promise<Decision> {
    let output: unknown;
    try {
      output = await withTimeout(
        authorizer.handler({ type: 'TOKEN', authorizationToken: token, methodArn: arn }),
        authorizer.timeoutMs,
      );
    } catch (error) {
      // Only the exact message "Unauthorized" is a 401: `throw new Error('Unauthorized')`, or
      // the string itself (`callback('Unauthorized')`, `throw 'Unauthorized'`, O4).
      // Anything else (other text, a timeout) is a 500; the "starts with" reading is disputed,
      // exact is the stricter one.
      const unauthorized =
        error === 'Unauthorized' || (error instanceof Error && error.message === 'Unauthorized');
      if (unauthorized) return { kind: 'unauthorized' };
      if (error instanceof TimedOut)
        return { kind: 'error', message: error.message, timedOut: true };
      return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
    }
    try {
      const statements = parseAuthorizerOutput(output);
      return { kind: 'policy', output: output as APIGatewayAuthorizerResult, statements };
    } catch (error) {
      if (error instanceof InvalidAuthorizerOutput)
        return { kind: 'error', message: error.message };
      throw error;
    }
  }

  return {
    async authorize({ headers, methodArn }, trace) {
      const started = now();
      const authorized = stepTimer(now, started);
      const token = headerValue(headers, identityHeader);
      // Absent, or (unknown, stricter) empty: 401 without invoking the authorizer (O2).
      if (
        token === undefined ||
        token === '' ||
        (identityPattern && !identityPattern.test(token))
      ) {
        trace.authorize = authorized(401, 'Unauthorized');
        return {
          kind: 'refused',
          type: 'UNAUTHORIZED',
          message: 'Unauthorized',
          step: { step: 'not-called' },
        };
      }

      const outcome = await decide(token, methodArn);
      trace.authorizer = outcome.trace;
      const { decision: answer } = outcome;
      const step: AuthorizerStep = {
        step: outcome.step,
        ...(outcome.ttlLeftMs === undefined ? {} : { ttlLeftMs: outcome.ttlLeftMs }),
      };
      if (answer.kind === 'unauthorized') {
        trace.authorize = authorized(401, 'Unauthorized');
        return { kind: 'refused', type: 'UNAUTHORIZED', message: 'Unauthorized', step };
      }
      if (answer.kind === 'error') {
        trace.authorize = authorized(500, answer.message);
        return { kind: 'refused', type: authorizerErrorType, message: null, step };
      }

      // The cached policy is evaluated again against this request's methodArn (C5).
      const decision = evaluatePolicy(answer.statements, methodArn);
      if (decision !== 'allow') {
        const message =
          decision === 'explicit-deny'
            ? 'User is not authorized to access this resource with an explicit deny'
            : 'User is not authorized to access this resource';
        trace.authorize = authorized(403, message);
        return { kind: 'refused', type: 'ACCESS_DENIED', message, step };
      }
      trace.authorize = authorized(200);
      return {
        kind: 'allowed',
        usageIdentifierKey: answer.output.usageIdentifierKey,
        // X3, X4: on a cache hit the latency is 0, as once observed.
        eventAuthorizer: () =>
          receivedAuthorizerContext(
            answer.output.context as Record<string, string | number | boolean> | undefined,
            answer.output.principalId,
            outcome.step === 'cached' ? 0 : Math.max(0, now() - started),
          ),
        step,
      };
    },
    invocations: () => invocations,
    validations: () => 0,
    cacheHits: () => cacheHits,
    cacheSize: () => [...cache.values()].filter((entry) => entry.expiresAt > now()).length,
  };
}

/** An authorizer decision as the trace shows it: the status it leads to, its principal or error. */
function decisionTrace(
  decision: Decision,
): Pick<AuthorizerTrace, 'status' | 'principalId' | 'error'> {
  if (decision.kind === 'policy') return { status: 200, principalId: decision.output.principalId };
  if (decision.kind === 'unauthorized') return { status: 401, error: 'Unauthorized' };
  return { status: 500, error: decision.message };
}
