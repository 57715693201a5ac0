import type { ClientKind } from './clients.ts';

/**
 * How hard and how long the soak runs. `full` is `npm run soak` (a few minutes, the figures in
 * test/soak/RESULTS.md); `short` is what CI runs in `npm test` (test/soak/soak.test.ts): the
 * same faults with shorter windows and a smaller budget.
 */
export interface SoakProfile {
  readonly name: 'full' | 'short';
  /** All clients together send at most this many requests a second, each its equal share. */
  readonly ratePerSecond: number;
  /** The hard cap on requests; the run ends with its timeline, normally well below it. */
  readonly maxRequests: number;
  /** Concurrent clients of each kind (test/soak/clients.ts). */
  readonly clients: Readonly<Record<ClientKind, number>>;
  /** Quiet load before the first fault and after each one. */
  readonly steadyMs: number;
  /** How long the old key stays published beside the new one after a rotation. */
  readonly rotationGraceMs: number;
  /** How long the issuer's keys are out of reach: the first half down, the second failing. */
  readonly jwksOutageMs: number;
  /** Users every patch client changes (fewer: more races). */
  readonly hotUsers: number;
  /** Each client asks its auth server for a new token this often. */
  readonly tokenRefreshMs: number;
  /** Tokens each client holds in reserve for when its auth server is down. */
  readonly spareTokens: number;
  /** One token of the old key, never used before, is sent this often around a rotation. */
  readonly oldKeyProbeEveryMs: number;
  /** How long a create retries during the run before the settling takes it over. */
  readonly createRetryMs: number;
}

export const FULL: SoakProfile = {
  name: 'full',
  ratePerSecond: 100,
  maxRequests: 20_000,
  clients: { creator: 3, patcher: 2, reader: 2, prober: 1 },
  steadyMs: 15_000,
  rotationGraceMs: 20_000,
  jwksOutageMs: 20_000,
  hotUsers: 8,
  tokenRefreshMs: 2000,
  spareTokens: 12,
  oldKeyProbeEveryMs: 500,
  createRetryMs: 45_000,
};

export const SHORT: SoakProfile = {
  name: 'short',
  ratePerSecond: 40,
  maxRequests: 4000,
  clients: { creator: 1, patcher: 1, reader: 1, prober: 1 },
  steadyMs: 3000,
  rotationGraceMs: 3000,
  jwksOutageMs: 3000,
  hotUsers: 3,
  tokenRefreshMs: 500,
  spareTokens: 8,
  oldKeyProbeEveryMs: 250,
  createRetryMs: 30_000,
};
