import type { Context } from 'aws-lambda';
import type { HttpProblem } from '../shared/problems.ts';
import type { Caller } from '../shared/context-codec.ts';

/** The Lambda context as route functions see it: with the caller layer 2 has checked. */
export interface RouteContext extends Context {
  caller: Caller;
}

/**
 * The chain's own per-request state, in middy's `request.internal` (a fresh object per request):
 * when the decision log started timing, and the problem the error middleware answered with (it
 * runs before the decision log's `onError`, see route-handler.ts).
 */
export interface RouteInternal extends Record<string, unknown> {
  startedAt?: number;
  problem?: HttpProblem;
}
