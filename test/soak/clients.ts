import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from './ledger.ts';
import type { Pacer } from './pacer.ts';
import type { RefusedTokens, Token, TokenSource } from './tokens.ts';

/**
 * The soak's clients, each of one kind, looping against the local API Gateway as applications
 * using the API would, and retrying what the API says may be retried. Each paces itself to its
 * share of the soak's rate, so that every kind keeps sending while others wait on retries:
 *
 * - creator: `POST /users` with an `Idempotency-Key`, retried with the same key (and body) on a
 *   503 or 429 (after `Retry-After`), a 409 `request_in_progress`, any other 5xx from the gateway
 *   (an authorizer that could not decide, a function that could not be reached) and no answer;
 * - patcher: reads a user, then `PATCH`es it with `If-Match` on the version read; several clients
 *   change the same few users, so some PATCHes lose the race (412) and are not retried;
 * - reader: a created user, a page of users, `/me`, with a reader token of either auth server;
 * - prober: `/me` with an expired token, a forged signature, an unknown kid, an unknown issuer;
 *   and around the key rotation, tokens of the old key.
 */
export interface CreateIntent {
  readonly key: string;
  readonly email: string;
  readonly body: string;
  /** Every userId a 201 for this key named (more than one is a duplicate). */
  readonly userIds: Set<string>;
  attempts: number;
  outcome: 'pending' | 'created' | 'refused';
  lastStatus?: number;
}

export interface PatchAttempt {
  readonly userId: string;
  /** The version `If-Match` named. */
  readonly ifMatch: number;
  readonly value: string;
  /** acknowledged: 200; unknown: a 5xx or no answer, the write may or may not have happened. */
  outcome: 'acknowledged' | 'precondition_failed' | 'unknown' | 'refused';
  /** The version the 200's ETag names. */
  version?: number;
  status?: number;
}

export interface SoakWorld {
  readonly apiUrl: string;
  readonly runId: string;
  readonly ledger: Ledger;
  readonly writer: TokenSource;
  readonly reader: TokenSource;
  readonly partnerReader: TokenSource;
  readonly refused: RefusedTokens;
  /** Tokens of the key being rotated out, never used yet (filled just before the rotation). */
  readonly oldKeyTokens: Token[];
  readonly oldKeyProbes: { readonly everyMs: number; lastAt: number };
  readonly creates: Map<string, CreateIntent>;
  /** Ids from 201s, in order. */
  readonly createdIds: string[];
  /** Ids a read answered 404 for after their 201: lost writes seen during the run. */
  readonly readMisses: Set<string>;
  /** The users every patch client changes (so that PATCHes race). */
  readonly hotUsers: readonly string[];
  readonly patches: PatchAttempt[];
  /** How long a create keeps retrying during the run before it is left to the settling. */
  readonly createRetryMs: number;
}

export interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown> | undefined;
  readonly headers: Headers | undefined;
}

let sequence = 0;
const next = () => (sequence += 1);
const pick = <T>(items: readonly T[]): T | undefined =>
  items.length ? items[Math.floor(Math.random() * items.length)] : undefined;

/**
 * One request, recorded in the ledger. With a pacer, the request waits for a slot of the
 * client's budget first, and is not sent once the soak is over (undefined).
 */
export async function send(
  world: Pick<SoakWorld, 'apiUrl' | 'ledger'>,
  request: {
    op: string;
    route: string;
    path: string;
    token?: Token;
    body?: string;
    headers?: Record<string, string>;
    pacer?: Pacer;
  },
): Promise<Answer | undefined> {
  if (request.pacer && !(await request.pacer.slot())) return undefined;
  const [method] = request.route.split(' ');
  const sentAt = Date.now();
  let answer: Answer = { status: 0, json: undefined, headers: undefined };
  try {
    const response = await fetch(`${world.apiUrl}${request.path}`, {
      method,
      headers: {
        ...(request.token ? { authorization: `Bearer ${request.token.value}` } : {}),
        ...(request.body ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      ...(request.body ? { body: request.body } : {}),
      // Past API Gateway's 29 s integration timeout: the gateway always answers first.
      signal: AbortSignal.timeout(35_000),
    });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    answer = { status: response.status, json, headers: response.headers };
  } catch {
    // No answer: status 0.
  }
  const code = typeof answer.json?.code === 'string' ? answer.json.code : undefined;
  world.ledger.record({
    op: request.op,
    route: request.route,
    sentAt,
    answeredAt: Date.now(),
    status: answer.status,
    ...(code ? { code } : {}),
    ...(request.token ? { token: request.token } : {}),
  });
  return answer;
}

/** How long to wait before retrying a create, or undefined when its answer is final. */
export function createRetryDelay(answer: Answer, attempt: number): number | undefined {
  const { status } = answer;
  const retryable =
    status === 0 ||
    status >= 500 ||
    status === 429 ||
    (status === 409 && answer.json?.code === 'request_in_progress') ||
    // A 401 for a valid token is a wrong decision (the ledger counts it); a client would fetch
    // a new token and try again, which is what the next attempt does.
    status === 401;
  if (!retryable) return undefined;
  const retryAfter = Number(answer.headers?.get('retry-after'));
  if (retryAfter > 0) return retryAfter * 1000;
  return Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

export function newCreate(world: SoakWorld): CreateIntent {
  const key = randomUUID();
  const email = `soak-${world.runId}-${next()}@example.com`;
  const intent: CreateIntent = {
    key,
    email,
    // The key in the name: a second user for one key would show in a listing of all users.
    body: JSON.stringify({ email, name: `soak ${key}` }),
    userIds: new Set(),
    attempts: 0,
    outcome: 'pending',
  };
  world.creates.set(key, intent);
  return intent;
}

/**
 * Sends (and resends, with the same key and body) until a final answer or `until`; with no
 * pacer (the settling after the load, the setup) at once.
 */
export async function pursueCreate(
  world: SoakWorld,
  intent: CreateIntent,
  { until, pacer, op = 'create' }: { until: number; pacer?: Pacer; op?: string },
): Promise<void> {
  for (let attempt = 0; intent.outcome === 'pending' && Date.now() < until; attempt += 1) {
    const answer = await send(world, {
      op,
      route: 'POST /users',
      path: '/users',
      token: world.writer.current(),
      body: intent.body,
      headers: { 'idempotency-key': intent.key },
      ...(pacer ? { pacer } : {}),
    });
    if (!answer) return;
    intent.attempts += 1;
    intent.lastStatus = answer.status;
    if (answer.status === 201) {
      const userId = String(answer.json?.userId);
      if (!intent.userIds.has(userId)) world.createdIds.push(userId);
      intent.userIds.add(userId);
      intent.outcome = 'created';
      return;
    }
    const wait = createRetryDelay(answer, attempt);
    if (wait === undefined) {
      intent.outcome = 'refused';
      return;
    }
    await sleep(Math.min(wait, Math.max(0, until - Date.now())));
  }
}

const versionOf = (etag: string | null | undefined) => Number(/^"(\d+)"$/.exec(etag ?? '')?.[1]);

async function patch(world: SoakWorld, pacer: Pacer): Promise<void> {
  const userId = pick(world.hotUsers)!;
  const token = world.writer.current();
  const read = await send(world, {
    op: 'patch:read',
    route: 'GET /users/{userId}',
    path: `/users/${userId}`,
    token,
    pacer,
  });
  if (read?.status !== 200) return;
  const etag = read.headers!.get('etag')!;
  const value = `patch-${world.runId}-${next()}`;
  const attempt: PatchAttempt = { userId, ifMatch: versionOf(etag), value, outcome: 'unknown' };
  const answer = await send(world, {
    op: 'patch',
    route: 'PATCH /users/{userId}',
    path: `/users/${userId}`,
    token,
    body: JSON.stringify({ name: value }),
    headers: { 'if-match': etag },
    pacer,
  });
  if (!answer) return;
  world.patches.push(attempt);
  attempt.status = answer.status;
  if (answer.status === 200) {
    attempt.outcome = 'acknowledged';
    attempt.version = versionOf(answer.headers!.get('etag'));
  } else if (answer.status === 412) attempt.outcome = 'precondition_failed';
  else if (answer.status === 0 || answer.status >= 500) attempt.outcome = 'unknown';
  else attempt.outcome = 'refused';
}

async function readUser(world: SoakWorld, pacer: Pacer, token: Token, op: string): Promise<void> {
  const userId = pick(world.createdIds);
  if (!userId) return void (await sleep(50));
  const answer = await send(world, {
    op,
    route: 'GET /users/{userId}',
    path: `/users/${userId}`,
    token,
    pacer,
  });
  if (answer?.status === 404) world.readMisses.add(userId);
}

const REFUSED_KINDS = ['expired', 'bad-signature', 'unknown-kid', 'unknown-issuer'] as const;

async function refused(world: SoakWorld, pacer: Pacer): Promise<void> {
  const now = Date.now();
  const probes = world.oldKeyProbes;
  if (world.oldKeyTokens.length && now - probes.lastAt >= probes.everyMs) {
    probes.lastAt = now;
    const token = world.oldKeyTokens.shift()!;
    await send(world, { op: 'old-key', route: 'GET /me', path: '/me', token, pacer });
    return;
  }
  const kind = pick(REFUSED_KINDS)!;
  const valid = world.reader.current();
  const token =
    kind === 'expired'
      ? world.refused.expired()
      : kind === 'bad-signature'
        ? await world.refused.badSignature(valid)
        : kind === 'unknown-kid'
          ? await world.refused.unknownKid(valid)
          : world.refused.unknownIssuer();
  if (!token) return;
  await send(world, { op: `refused:${kind}`, route: 'GET /me', path: '/me', token, pacer });
}

/** What a reader does, by weight. */
const READS: readonly (readonly [number, (world: SoakWorld, pacer: Pacer) => Promise<unknown>])[] =
  [
    [50, (w, p) => readUser(w, p, w.reader.current(), 'read')],
    [30, (w, p) => readUser(w, p, w.partnerReader.current(), 'partner:read')],
    [
      10,
      (w, p) =>
        send(w, {
          op: 'list',
          route: 'GET /users',
          path: '/users?limit=10',
          token: w.reader.current(),
          pacer: p,
        }),
    ],
    [
      10,
      (w, p) =>
        send(w, { op: 'me', route: 'GET /me', path: '/me', token: w.reader.current(), pacer: p }),
    ],
  ];
const READ_WEIGHT = READS.reduce((sum, [weight]) => sum + weight, 0);

async function read(world: SoakWorld, pacer: Pacer): Promise<void> {
  let roll = Math.random() * READ_WEIGHT;
  const [, step] = READS.find(([weight]) => (roll -= weight) < 0) ?? READS[0]!;
  await step(world, pacer);
}

export type ClientKind = 'creator' | 'patcher' | 'reader' | 'prober';

const STEPS: Record<ClientKind, (world: SoakWorld, pacer: Pacer) => Promise<void>> = {
  creator: (world, pacer) =>
    pursueCreate(world, newCreate(world), { until: Date.now() + world.createRetryMs, pacer }),
  patcher: patch,
  reader: read,
  prober: refused,
};

/** One client: its kind's step, again and again, until its pacer says the soak is over. */
export async function clientLoop(world: SoakWorld, kind: ClientKind, pacer: Pacer): Promise<void> {
  while (!pacer.stopped) await STEPS[kind](world, pacer);
}
