import type { ProtectedHeaderParameters } from 'jose';
import type { AcceptedToken } from '../issuers/claim-rules.ts';

/** A token whose signature, registered claims and preset rules all passed, with its header. */
export interface VerifiedToken extends AcceptedToken {
  readonly header: ProtectedHeaderParameters;
}

/** The time in milliseconds since the epoch (`Date.now`; tests pass their own). */
export type Clock = () => number;
