import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { GatewayResponseType } from './gateway-responses.ts';
import type { ProxyHandler } from './integration.ts';
import type { RequestTrace } from './request-trace.ts';

/**
 * What goes into the gateway model and comes out of it: a method it serves, a request, and the
 * answer with what the gateway did for it. Its own module so that the model (model.ts) and the
 * steps of a request (request-pipeline.ts) both use them without importing each other.
 */

export interface ModelRoute {
  /** e.g. `GET`. */
  readonly method: string;
  /** The resource template, e.g. `/users/{userId}` (`{name+}` is greedy). */
  readonly path: string;
  readonly handler: ProxyHandler;
  readonly name?: string;
  /** `ApiKeyRequired` (`private: true` on the http event): the request needs a usage plan key. */
  readonly apiKeyRequired?: boolean;
  /**
   * The method's `AuthorizationScopes` behind the native JWT authorizer: a token needs any one
   * of them (403 otherwise). Unset or empty: the method checks no scope at the gateway.
   */
  readonly authorizationScopes?: readonly string[];
}

export interface GatewayRequest {
  readonly method: string;
  /** The path as the client sends it after the stage, with its real values: `/users/42`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Every value of a header sent more than once (API Gateway keeps the last in `headers`). */
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>>;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
}

export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown;
  /** `handler`: the integration answered; `gateway`: API Gateway answered on its own. */
  readonly answeredBy: 'handler' | 'gateway';
  readonly responseType?: GatewayResponseType;
  /** What the authorizer step did for this request. */
  readonly authorizer: 'invoked' | 'cached' | 'not-called';
  /** How long the authorizer's answer stays cached for this token from now; undefined: not cached. */
  readonly authorizerCacheTtlLeftMs?: number;
  /** The event the handler received, if it was called. */
  readonly event?: APIGatewayProxyEvent;
  /** `$context.error.message` of a gateway answer. */
  readonly errorMessage?: string;
  /** What the gateway knows of the request, for its access log (every `request` answer has it). */
  readonly trace?: RequestTrace;
}
