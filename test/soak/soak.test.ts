import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SHORT } from './profile.ts';
import { runSoak, type SoakResult } from './soak.ts';

/**
 * The chaos soak on its short profile (`npm run soak` runs the full one): the local stack under
 * mixed clients while the issuer's key rotates, its JWKS goes away, DynamoDB Local is killed and
 * restarted on its data files, and the Lambda runtime is killed and restarted, in turn. It starts
 * a stack of its own (its own DynamoDB Local: the run's shared one must not be killed) and stops
 * everything it started.
 */
let result: SoakResult | undefined;
const progress: string[] = [];

// A whole stack, four faults and two restarts on two busy cores: about a minute and a half, more
// when the machine is shared (the stack's start and the restarts wait on CPU).
beforeAll(async () => {
  const started = Date.now();
  result = await runSoak(SHORT, {
    log: (line) => progress.push(`${((Date.now() - started) / 1000).toFixed(1)} s: ${line}`),
  });
}, 300_000);

// A run that did not finish says how far it got.
afterAll(() => {
  if (!result) process.stderr.write(`the soak did not finish:\n${progress.join('\n')}\n`);
});

const soak = (): SoakResult => {
  if (!result) throw new Error('the soak did not finish');
  return result;
};
const spanOf = (name: string) => soak().faults.find((f) => f.name === name)!;

describe('the chaos soak (short profile)', () => {
  it('loses no acknowledged write: every user a 201 named reads back', () => {
    expect(soak().checks.lostWrites.examples).toEqual([]);
    expect(soak().checks.lostWrites.count).toBe(0);
    expect(soak().creates.created).toBeGreaterThan(0);
  });

  it('makes one user per Idempotency-Key, however often a create was retried', () => {
    expect(soak().checks.duplicates.examples).toEqual([]);
    expect(soak().checks.duplicates.count).toBe(0);
    expect(soak().creates.unresolved).toBe(0);
  });

  it('loses no acknowledged PATCH: each is visible or superseded by a later write', () => {
    expect(soak().checks.lostUpdates.examples).toEqual([]);
    expect(soak().checks.lostUpdates.count).toBe(0);
    expect(soak().patches.acknowledged).toBeGreaterThan(0);
  });

  it('never answers 401 to a valid token and never lets an invalid one in', () => {
    expect(soak().checks.wrongDecisions.examples).toEqual([]);
    expect(soak().checks.wrongDecisions.count).toBe(0);
  });

  it('answers every fault with a retryable status: no 500 from a function, no 4xx out of place', () => {
    expect(soak().unexpected.examples).toEqual([]);
  });

  it('felt each fault, and recovered from each: a 2xx after every one', () => {
    // Decisions that need the JWKS (an unknown kid) cannot be made while it is away: 500.
    expect(spanOf('JWKS outage').failures['500 authorizer_error']).toBeGreaterThan(0);
    expect(spanOf('DynamoDB restart').failures['503 service_unavailable']).toBeGreaterThan(0);
    expect(Object.keys(spanOf('runtime restart').failures)).not.toEqual([]);
    for (const fault of soak().faults) expect(fault.recoveredAfterMs).toBeDefined();
  });
});
