import type { Context } from 'aws-lambda';
import type { Caller } from './caller.ts';

/** The Lambda context as route functions see it: with the caller layer 2 has checked. */
export interface RouteContext extends Context {
  caller: Caller;
}
