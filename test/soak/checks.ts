import { setTimeout as sleep } from 'node:timers/promises';
import {
  send,
  type Answer,
  type CreateIntent,
  type PatchAttempt,
  type SoakWorld,
} from './clients.ts';
import type { FaultWindow } from './faults.ts';
import type { Exchange, WrongDecision } from './ledger.ts';
import type { Token } from './tokens.ts';

/**
 * What the soak proves at the end, once every fault is over and every create settled: the four
 * counts that must be zero, and how each fault went for the clients.
 */
export interface Check {
  readonly count: number;
  /** What was checked, in a few words with figures. */
  readonly over: string;
  /** The first few offenders, for the log. */
  readonly examples: readonly string[];
}

export interface SoakChecks {
  readonly lostWrites: Check;
  readonly duplicates: Check;
  readonly lostUpdates: Check;
  readonly wrongDecisions: Check;
}

export interface FaultOutcome extends FaultWindow {
  /** The first 2xx answered after the fault ended, counted from its end. */
  readonly recoveredAfterMs: number | undefined;
  /** 5xx answers (and requests that got no answer) from the fault's start to its recovery. */
  readonly failuresUntilRecovered: number;
  /** The last 5xx (or no answer) after the fault ended, counted from its end. */
  readonly lastFailureAfterMs: number | undefined;
  /** Answers from the fault's start to the next fault's start (or the end of the load). */
  readonly requests: number;
  readonly successes: number;
  /** 5xx answers (and requests that got no answer) in that span, by status and code. */
  readonly failures: Readonly<Record<string, number>>;
}

const isSuccess = (status: number) => status >= 200 && status < 300;
const isFailure = (status: number) => status === 0 || status >= 500;
const failureLabel = (e: Exchange) =>
  e.status === 0 ? 'no answer' : e.code ? `${e.status} ${e.code}` : String(e.status);

/** How each fault went, from the exchanges of the run (settling and checks excluded). */
export function faultOutcomes(
  windows: readonly FaultWindow[],
  exchanges: readonly Exchange[],
  loadEndedAt: number,
): FaultOutcome[] {
  const load = exchanges.filter((e) => !/^(settle|verify|setup):/.test(e.op));
  return windows.map((window, i) => {
    const spanEnd = windows[i + 1]?.startedAt ?? loadEndedAt;
    const span = load.filter((e) => e.answeredAt >= window.startedAt && e.answeredAt < spanEnd);
    const failures: Record<string, number> = {};
    for (const e of span.filter((x) => isFailure(x.status)))
      failures[failureLabel(e)] = (failures[failureLabel(e)] ?? 0) + 1;
    const firstSuccess = load
      .filter(
        (e) =>
          e.answeredAt >= window.endedAt && e.sentAt >= window.startedAt && isSuccess(e.status),
      )
      .reduce<number | undefined>(
        (min, e) => Math.min(min ?? e.answeredAt, e.answeredAt),
        undefined,
      );
    const lastFailure = span
      .filter((e) => e.answeredAt >= window.endedAt && isFailure(e.status))
      .reduce<number | undefined>(
        (max, e) => Math.max(max ?? e.answeredAt, e.answeredAt),
        undefined,
      );
    const recoveredAt = firstSuccess ?? spanEnd;
    return {
      ...window,
      recoveredAfterMs: firstSuccess === undefined ? undefined : firstSuccess - window.endedAt,
      failuresUntilRecovered: span.filter((e) => e.answeredAt <= recoveredAt && isFailure(e.status))
        .length,
      lastFailureAfterMs: lastFailure === undefined ? undefined : lastFailure - window.endedAt,
      requests: span.length,
      successes: span.filter((e) => isSuccess(e.status)).length,
      failures,
    };
  });
}

/** A request of the final checks: unpaced, retried through any 5xx left over (none expected). */
async function verify(
  world: SoakWorld,
  token: Token,
  route: string,
  path: string,
): Promise<Answer> {
  for (let attempt = 0; ; attempt += 1) {
    const answer = (await send(world, { op: 'verify:read', route, path, token }))!;
    if (!isFailure(answer.status) || attempt >= 20) return answer;
    await sleep(500);
  }
}

const versionOf = (answer: Answer) =>
  Number(/^"(\d+)"$/.exec(answer.headers?.get('etag') ?? '')?.[1]);

export async function runChecks(world: SoakWorld, admin: Token): Promise<SoakChecks> {
  // Lost writes: every user a 201 named reads back, with the email its create sent; and no read
  // during the run answered 404 for a user already acknowledged.
  const created = [...world.creates.values()].filter((c) => c.userIds.size > 0);
  const lost: string[] = [...world.readMisses].map((id) => `${id}: 404 during the run`);
  for (const intent of created) {
    for (const userId of intent.userIds) {
      const answer = await verify(world, admin, 'GET /users/{userId}', `/users/${userId}`);
      if (answer.status !== 200 || answer.json?.email !== intent.email)
        lost.push(`${userId} (key ${intent.key}): ${answer.status}`);
    }
  }

  // Duplicates: one user per Idempotency-Key, both in the 201s and in the table itself (every
  // user the soak made has its key in its name).
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await verify(
      world,
      admin,
      'GET /users',
      `/users?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`listing the users answered ${page.status}`);
    names.push(...(page.json!.items as { name: string }[]).map((user) => user.name));
    cursor = (page.json!.nextCursor as string | null) ?? undefined;
  } while (cursor);
  const duplicates = duplicatesOf([...world.creates.values()], names);
  const retried = [...world.creates.values()].filter((c) => c.attempts > 1).length;

  // Lost updates, user by user, against what it holds at the end.
  const lostUpdates: string[] = [];
  let visible = 0;
  const acknowledged = world.patches.filter((p) => p.outcome === 'acknowledged');
  for (const userId of world.hotUsers) {
    const final = await verify(world, admin, 'GET /users/{userId}', `/users/${userId}`);
    const created = [...world.creates.values()].find((c) => c.userIds.has(userId));
    const judged = lostUpdatesOf(
      world.patches.filter((p) => p.userId === userId),
      { version: versionOf(final), name: String(final.json?.name) },
      created && (JSON.parse(created.body) as { name: string }).name,
    );
    lostUpdates.push(...judged.lost.map((problem) => `${userId}: ${problem}`));
    visible += judged.visible;
  }

  const wrong = world.ledger.wrong;
  const valid = world.ledger.tally.get('valid');
  const invalid = world.ledger.tally.get('invalid');
  const describe = (w: WrongDecision) =>
    `${w.why}: ${w.exchange.op} ${w.exchange.route} → ${w.exchange.status} (${w.exchange.token?.origin}, kid ${w.exchange.token?.kid})`;

  return {
    lostWrites: {
      count: lost.length,
      over: `${created.length} creates acknowledged 201, each read back`,
      examples: lost.slice(0, 5),
    },
    duplicates: {
      count: duplicates.length,
      over: `${world.creates.size} Idempotency-Keys (${retried} retried), ${names.length} users listed`,
      examples: duplicates.slice(0, 5),
    },
    lostUpdates: {
      count: lostUpdates.length,
      over: `${acknowledged.length} PATCHes acknowledged on ${world.hotUsers.length} users: ${visible} visible at the end, ${acknowledged.length - visible} superseded`,
      examples: lostUpdates.slice(0, 5),
    },
    wrongDecisions: {
      count: wrong.length,
      over: `${valid?.requests ?? 0} requests with valid tokens (${valid?.r401 ?? 0} × 401), ${invalid?.requests ?? 0} with invalid ones (${invalid?.allowed ?? 0} let in)`,
      examples: wrong.slice(0, 5).map(describe),
    },
  };
}

/**
 * One user per Idempotency-Key: every 201 for a key names the same user, and the table holds at
 * most one user whose name carries the key (`soak <key>`).
 */
export function duplicatesOf(creates: readonly CreateIntent[], names: readonly string[]): string[] {
  const duplicates: string[] = [];
  for (const intent of creates)
    if (intent.userIds.size > 1)
      duplicates.push(`key ${intent.key}: 201s named ${[...intent.userIds].join(', ')}`);
  const usersPerKey = new Map<string, number>();
  for (const name of names) {
    const key = /^soak (.+)$/.exec(name)?.[1];
    if (key) usersPerKey.set(key, (usersPerKey.get(key) ?? 0) + 1);
  }
  for (const [key, count] of usersPerKey)
    if (count > 1) duplicates.push(`key ${key}: ${count} users in the table`);
  return duplicates;
}

/**
 * One user's PATCHes against what it holds at the end. Lost: two acknowledged PATCHes claiming
 * the same version (one overwrote the other), an acknowledged version the user is not at yet,
 * the user at an acknowledged version holding another value, or a value no PATCH (and not its
 * create) sent. Superseded, not lost: an acknowledged version below the final one (a later PATCH
 * wrote over it, acknowledged or one whose answer was lost).
 */
export function lostUpdatesOf(
  patches: readonly PatchAttempt[],
  final: { readonly version: number; readonly name: string },
  initialName: string | undefined,
): { lost: string[]; visible: number } {
  const lost: string[] = [];
  let visible = 0;
  const acks = patches.filter((p) => p.outcome === 'acknowledged');
  const byVersion = new Map<number, number>();
  for (const ack of acks) byVersion.set(ack.version!, (byVersion.get(ack.version!) ?? 0) + 1);
  for (const [version, count] of byVersion)
    if (count > 1) lost.push(`${count} PATCHes acknowledged as version ${version}`);
  for (const ack of acks) {
    if (ack.version! > final.version)
      lost.push(`version ${ack.version} acknowledged, the user is at ${final.version}`);
    else if (ack.version === final.version) {
      if (final.name === ack.value) visible += 1;
      else lost.push(`version ${final.version} acknowledged "${ack.value}", holds "${final.name}"`);
    }
  }
  if (final.name !== initialName && !patches.some((p) => p.value === final.name))
    lost.push(`holds "${final.name}", which no PATCH sent`);
  return { lost, visible };
}
