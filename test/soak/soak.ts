import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuthServer, type AuthServer } from '../../local/auth-server.ts';
import { freePorts, requestToken, startLocalStack, UNTHROTTLED_PARAMS } from '../../local/stack.ts';
import { clientLoop, newCreate, pursueCreate, type ClientKind, type SoakWorld } from './clients.ts';
import { faultOutcomes, runChecks, type FaultOutcome, type SoakChecks } from './checks.ts';
import { runFaults } from './faults.ts';
import { Ledger, type Exchange } from './ledger.ts';
import { Pacer } from './pacer.ts';
import type { SoakProfile } from './profile.ts';
import { refusedTokens, tokenOf, tokenSource } from './tokens.ts';

/**
 * The chaos soak: the local stack (`npm start`'s, on free loopback ports, with DynamoDB Local on
 * data files of its own) under mixed clients while four faults happen one after the other
 * (faults.ts), then the checks (checks.ts). Everything it starts it stops; all traffic stays on
 * 127.0.0.1.
 */
export interface SoakResult {
  readonly profile: SoakProfile;
  readonly startedAt: Date;
  /** Requests the clients sent while the faults ran (the settling and checks not included). */
  readonly requests: number;
  readonly loadMs: number;
  /** Requests of the settling and the checks. */
  readonly afterRequests: number;
  readonly checks: SoakChecks;
  readonly faults: readonly FaultOutcome[];
  /** Before the first fault. */
  readonly baseline: { readonly requests: number; readonly failures: number };
  readonly creates: {
    readonly total: number;
    readonly created: number;
    readonly retried: number;
    readonly settled: number;
    readonly refused: number;
    readonly unresolved: number;
  };
  readonly patches: Readonly<Record<string, number>>;
  readonly oldKey: Ledger['retired'] & { readonly validDuringGrace: number };
  /** Answers no client should get whatever the faults (a 500 where a 503 belongs, a 4xx out of place). */
  readonly unexpected: { readonly count: number; readonly examples: readonly string[] };
  /** Status counts per kind of request. */
  readonly statuses: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The machine's 1-minute load average at the start and at the end. */
  readonly loadAverage: readonly [number, number];
  /** The four counts that must be zero are. */
  readonly passed: boolean;
  /** Every request and its answer, in order (`npm run soak -- --trace file`). */
  readonly exchanges: readonly Exchange[];
}

// The authorizer's key set is refreshed after at most this long (the smallest the
// configuration allows), so a removed key stops working within it.
const JWKS_CACHE_MAX_AGE_SECONDS = 30;
const CLOCK_TOLERANCE_SECONDS = 5;
// How long the settling may take to get a final answer for every create still pending.
const SETTLE_MS = 60_000;

export async function runSoak(
  profile: SoakProfile,
  { log = () => undefined }: { log?: (line: string) => void } = {},
): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'soak-'));
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!;
  log(`starting the local stack (DynamoDB Local on data files in ${dir})…`);
  const stack = await startLocalStack({
    ports: await freePorts(),
    keysDir: dir,
    dynamoDataDir: dir,
    reference: false,
    params: UNTHROTTLED_PARAMS,
    env: {
      AUTH_JWKS_CACHE_MAX_AGE_SECONDS: String(JWKS_CACHE_MAX_AGE_SECONDS),
      AUTH_CLOCK_TOLERANCE_SECONDS: String(CLOCK_TOLERANCE_SECONDS),
    },
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const sources: { stop(): void }[] = [];
  let stranger: AuthServer | undefined;
  try {
    stranger = await startAuthServer({ port: 0, keysFile: join(dir, 'stranger.json') });
    const ledger = new Ledger({ retiredToleranceMs: (JWKS_CACHE_MAX_AGE_SECONDS + 5) * 1000 });
    ledger.followIssuer(stack.auth.issuer, stack.auth.publishedKids());
    const tokens = { refreshMs: profile.tokenRefreshMs, spares: profile.spareTokens };
    const writer = await tokenSource(stack.auth, 'writer', tokens);
    const reader = await tokenSource(stack.auth, 'reader', tokens);
    const partnerReader = await tokenSource(stack.partner, 'reader', tokens);
    const refused = await refusedTokens(stack.auth, stranger, {
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    });
    sources.push(writer, reader, partnerReader, refused);
    // The users the patch clients race on, created before the load.
    const hotUsers: string[] = [];
    const world: SoakWorld = {
      apiUrl: stack.apiUrl,
      runId: randomBytes(4).toString('hex'),
      ledger,
      writer,
      reader,
      partnerReader,
      refused,
      oldKeyTokens: [],
      oldKeyProbes: { everyMs: profile.oldKeyProbeEveryMs, lastAt: 0 },
      creates: new Map(),
      createdIds: [],
      readMisses: new Set<string>(),
      patches: [],
      createRetryMs: profile.createRetryMs,
      hotUsers,
    };
    for (let i = 0; i < profile.hotUsers; i += 1) {
      const intent = newCreate(world);
      await pursueCreate(world, intent, { until: Date.now() + 30_000, op: 'setup:create' });
      if (intent.outcome !== 'created')
        throw new Error(`creating a user to patch answered ${intent.lastStatus}`);
      hotUsers.push([...intent.userIds][0]!);
    }

    const kinds = (Object.entries(profile.clients) as [ClientKind, number][]).flatMap(
      ([kind, count]) => Array.from({ length: count }, () => kind),
    );
    log(`load: ${kinds.length} clients, at most ${profile.ratePerSecond} requests/s`);
    const pacers = kinds.map(
      () =>
        new Pacer({
          ratePerSecond: profile.ratePerSecond / kinds.length,
          cap: Math.floor(profile.maxRequests / kinds.length),
        }),
    );
    const loadStartedAt = Date.now();
    const clients = kinds.map((kind, i) => clientLoop(world, kind, pacers[i]!));
    const windows = await runFaults(stack, world, profile, log);
    for (const pacer of pacers) pacer.stop();
    await Promise.all(clients);
    const loadEndedAt = Date.now();
    const requests = pacers.reduce((sum, pacer) => sum + pacer.sent, 0);
    log(
      `load over: ${requests} requests in ${((loadEndedAt - loadStartedAt) / 1000).toFixed(0)} s`,
    );

    // Creates still without a final answer: retried with their key as their clients would.
    const pending = [...world.creates.values()].filter((c) => c.outcome === 'pending');
    log(`settling ${pending.length} creates still pending…`);
    const settleUntil = Date.now() + SETTLE_MS;
    await Promise.all(
      pending.map((intent) =>
        pursueCreate(world, intent, { until: settleUntil, op: 'settle:create' }),
      ),
    );

    log('checking…');
    const admin = tokenOf(await requestToken(stack.auth, 'admin'), 'trusted');
    const checks = await runChecks(world, admin);
    const exchanges = ledger.exchanges;
    const firstFault = windows[0]!.startedAt;
    const baselineSpan = exchanges.filter(
      (e) => e.answeredAt < firstFault && !e.op.startsWith('setup:'),
    );
    const creates = [...world.creates.values()];
    const patchOutcomes: Record<string, number> = {};
    for (const p of world.patches) patchOutcomes[p.outcome] = (patchOutcomes[p.outcome] ?? 0) + 1;
    const unexpected = exchanges.filter(isUnexpected);
    const result: SoakResult = {
      profile,
      startedAt,
      requests,
      loadMs: loadEndedAt - loadStartedAt,
      afterRequests: exchanges.filter((e) => /^(settle|verify):/.test(e.op)).length,
      checks,
      faults: faultOutcomes(windows, exchanges, loadEndedAt),
      baseline: {
        requests: baselineSpan.length,
        failures: baselineSpan.filter((e) => e.status === 0 || e.status >= 500).length,
      },
      creates: {
        total: creates.length,
        created: creates.filter((c) => c.outcome === 'created').length,
        retried: creates.filter((c) => c.attempts > 1).length,
        settled: pending.filter((c) => c.outcome === 'created').length,
        refused: creates.filter((c) => c.outcome === 'refused').length,
        unresolved: creates.filter((c) => c.outcome === 'pending').length,
      },
      patches: patchOutcomes,
      oldKey: {
        ...ledger.retired,
        validDuringGrace: exchanges.filter(
          (e) => e.op === 'old-key' && e.answeredAt < windows[0]!.endedAt && e.status === 200,
        ).length,
      },
      unexpected: {
        count: unexpected.length,
        examples: unexpected
          .slice(0, 5)
          .map((e) => `${e.op} ${e.route} → ${e.status} ${e.code ?? ''}`),
      },
      statuses: statusCounts(exchanges.filter((e) => !/^(settle|verify|setup):/.test(e.op))),
      passed:
        checks.lostWrites.count === 0 &&
        checks.duplicates.count === 0 &&
        checks.lostUpdates.count === 0 &&
        checks.wrongDecisions.count === 0,
      loadAverage: [loadAtStart, loadavg()[0]!],
      exchanges,
    };
    return result;
  } finally {
    for (const source of sources) source.stop();
    await stranger?.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An answer that no fault excuses: a 500 from a function (`internal_error`: a fault of
 * DynamoDB or of the runtime must be a 503 or a gateway 5xx), or a 4xx the request could not
 * deserve. 401s are judged by the ledger, 404s on reads are lost writes.
 */
function isUnexpected(e: Exchange): boolean {
  const { status, code, op } = e;
  if (status === 500) return code !== 'authorizer_error';
  if (status === 0 || status > 500 || status < 400 || status === 401 || status === 429)
    return false;
  if (op.endsWith('create')) return !(status === 409 && code === 'request_in_progress');
  if (op === 'patch') return status !== 412;
  if (op.endsWith('read')) return status !== 404;
  return true;
}

function statusCounts(exchanges: readonly Exchange[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const e of exchanges) {
    const kind = (counts[e.op] ??= {});
    const label = e.status === 0 ? 'none' : String(e.status);
    kind[label] = (kind[label] ?? 0) + 1;
  }
  return counts;
}
