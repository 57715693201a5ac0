import type { GatewayResponseType } from './gateway-responses.ts';
import type { TraceDraft } from './request-trace.ts';

/**
 * Layer 1 as the request pipeline runs it, whichever authorizer the method has: our Lambda TOKEN
 * authorizer with its result cache (token-authorizer.ts) or API Gateway's native JWT authorizer
 * (jwt-authorizer.ts). Either lets the request through with what the integration receives of it,
 * or has the gateway answer.
 */

/** What the authorizer step did for a request, as the response and the local cache header say. */
export interface AuthorizerStep {
  readonly step: 'invoked' | 'cached' | 'not-called';
  /** How long the answer stays cached for this token from now; undefined: not cached. */
  readonly ttlLeftMs?: number;
}

/** The authorization of one request: let through to the integration, or answered by the gateway. */
export type Authorization =
  | {
      readonly kind: 'allowed';
      /** What the integration receives as `requestContext.authorizer`, built when the event is. */
      readonly eventAuthorizer: () => Readonly<Record<string, unknown>>;
      /** The usage plan API key the authorizer named (`usageIdentifierKey`), if any. */
      readonly usageIdentifierKey?: unknown;
      readonly step: AuthorizerStep;
    }
  | {
      readonly kind: 'refused';
      readonly type: GatewayResponseType;
      /** `$context.error.message`; null when AWS sends none (an authorizer error). */
      readonly message: string | null;
      /** The status a DEFAULT_4XX answer keeps (unset: the type's own). */
      readonly status?: number;
      readonly step: AuthorizerStep;
    };

export interface AuthorizationRequest {
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly methodArn: string;
  /** The method's authorization scopes (the native JWT authorizer's; any one suffices). */
  readonly scopes: readonly string[];
}

export interface AuthorizationStep {
  authorize(request: AuthorizationRequest, trace: TraceDraft): Promise<Authorization>;
  /** Lambda authorizer invocations so far (a cache hit is none; the native authorizer runs no Lambda). */
  invocations(): number;
  /** Tokens the native JWT authorizer validated so far (0 for a Lambda authorizer). */
  validations(): number;
  cacheHits(): number;
  /** Entries in the result cache (expired ones excluded). */
  cacheSize(): number;
}
