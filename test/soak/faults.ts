import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalStack } from '../../local/stack.ts';
import { requestToken } from '../../local/stack.ts';
import type { SoakWorld } from './clients.ts';
import type { SoakProfile } from './profile.ts';
import { tokenOf } from './tokens.ts';

/**
 * The soak's faults, one after the other under load, each through a hook of the local stack.
 * A window runs from the moment the fault starts to the moment its cause is gone (the key
 * removed, the issuer back, DynamoDB and the runtime answering again); recovery is measured from
 * its end (checks.ts).
 */
export interface FaultWindow {
  readonly name: string;
  /** What the fault does, for the report. */
  readonly what: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

type Log = (line: string) => void;

export async function runFaults(
  stack: LocalStack,
  world: SoakWorld,
  profile: SoakProfile,
  log: Log,
): Promise<FaultWindow[]> {
  const windows: FaultWindow[] = [];
  const quiet = async () => sleep(profile.steadyMs);
  await quiet();
  windows.push(await rotation(stack, world, profile, log));
  await quiet();
  windows.push(await jwksOutage(stack, profile, log));
  await quiet();
  windows.push(await dynamoRestart(stack, log));
  await quiet();
  windows.push(await runtimeRestart(stack, log));
  await quiet();
  // The load goes on until the clients see the last fault's recovery (each function's cold start
  // may take longer than the quiet on a busy machine), for at most RECOVERY_WAIT_MS more.
  const last = windows.at(-1)!;
  const waitUntil = Date.now() + RECOVERY_WAIT_MS;
  while (
    Date.now() < waitUntil &&
    !world.ledger.exchanges.some(
      (e) => e.answeredAt > last.endedAt && e.status >= 200 && e.status < 300,
    )
  )
    await sleep(100);
  return windows;
}

const RECOVERY_WAIT_MS = 30_000;

/**
 * 1. Key rotation: the issuer signs with a new key (new kid) and keeps the old one published for
 * a grace period, then removes it. Tokens of the old key, minted before the rotation and never
 * used, are sent all along: valid during the grace period, a 401 is right for them only after
 * the removal (the authorizer may still let them in until its key set is refreshed).
 */
const ANNOUNCE_AHEAD_MS = 2_500;

async function rotation(
  stack: LocalStack,
  world: SoakWorld,
  profile: SoakProfile,
  log: Log,
): Promise<FaultWindow> {
  const { auth } = stack;
  const oldKid = auth.currentKid();
  const probes = Math.ceil(
    (profile.rotationGraceMs + profile.steadyMs) / profile.oldKeyProbeEveryMs,
  );
  while (world.oldKeyTokens.length < probes) {
    const batch = Math.min(10, probes - world.oldKeyTokens.length);
    const minted = await Promise.all(
      Array.from({ length: batch }, () => requestToken(auth, 'reader')),
    );
    world.oldKeyTokens.push(...minted.map((value) => tokenOf(value, 'trusted')));
  }
  const startedAt = Date.now();
  // As issuers rotate: the new key is published first and signs only once verifiers have had
  // time to load it (longer than the stack's AUTH_JWKS_COOLDOWN_SECONDS, 1 s). The prober sends
  // unknown kids all along, and a refetch that misses one starts the cooldown: a key used the
  // moment it is published would meet 401 unknown_kid until it ends (README, Configuration).
  const announced = await auth.announceKey();
  world.ledger.keyPublished(auth.issuer, announced);
  log(`fault 1: key ${announced} published ahead of signing`);
  await sleep(ANNOUNCE_AHEAD_MS);
  const newKid = await auth.rotateKeys();
  if (newKid !== announced) throw new Error(`rotation signs with ${newKid}, not ${announced}`);
  log(
    `fault 1: key rotated (${oldKid} → ${newKid}); the old key stays ${profile.rotationGraceMs / 1000} s`,
  );
  await sleep(profile.rotationGraceMs);
  // Counted as removed from the moment the removal starts: a request answered after it may meet
  // either key set.
  world.ledger.keyRemoved(auth.issuer, oldKid);
  await auth.retireKey(oldKid);
  log(`fault 1: old key ${oldKid} removed from the JWKS`);
  return {
    name: 'key rotation',
    what: `new kid, old key published ${profile.rotationGraceMs / 1000} s more, then removed`,
    startedAt,
    endedAt: Date.now(),
  };
}

/** 2. The issuer's keys out of reach: its host down (connections refused), then its JWKS failing (503). */
async function jwksOutage(stack: LocalStack, profile: SoakProfile, log: Log): Promise<FaultWindow> {
  const startedAt = Date.now();
  await stack.auth.jwksOutage('down');
  log(`fault 2: issuer host down (${profile.jwksOutageMs / 2000} s)`);
  await sleep(profile.jwksOutageMs / 2);
  await stack.auth.jwksOutage('failing');
  log(`fault 2: issuer back, its JWKS answering 503 (${profile.jwksOutageMs / 2000} s)`);
  await sleep(profile.jwksOutageMs / 2);
  await stack.auth.jwksOutage(undefined);
  log('fault 2: JWKS back');
  return {
    name: 'JWKS outage',
    what: `issuer host down ${profile.jwksOutageMs / 2000} s, then its JWKS 503 ${profile.jwksOutageMs / 2000} s`,
    startedAt,
    endedAt: Date.now(),
  };
}

/** 3. DynamoDB Local killed (SIGKILL) and started again on the same port and data files. */
async function dynamoRestart(stack: LocalStack, log: Log): Promise<FaultWindow> {
  const startedAt = Date.now();
  log('fault 3: DynamoDB Local killed');
  await stack.restartDynamo();
  const endedAt = Date.now();
  log(
    `fault 3: DynamoDB Local answering again after ${((endedAt - startedAt) / 1000).toFixed(1)} s`,
  );
  return {
    name: 'DynamoDB restart',
    what: 'SIGKILL, started again on the same port and data files',
    startedAt,
    endedAt,
  };
}

/** 4. The Lambda runtime killed (every function's workers) and started again: all cold. */
async function runtimeRestart(stack: LocalStack, log: Log): Promise<FaultWindow> {
  const startedAt = Date.now();
  log('fault 4: Lambda runtime (sls offline) killed');
  await stack.restartRuntime();
  const endedAt = Date.now();
  log(`fault 4: runtime answering again after ${((endedAt - startedAt) / 1000).toFixed(1)} s`);
  return {
    name: 'runtime restart',
    what: 'sls offline and its function workers SIGKILLed, started again: every function cold',
    startedAt,
    endedAt,
  };
}
