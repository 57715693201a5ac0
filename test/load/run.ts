/**
 * `npm run load`: a bounded load run against the local stack `npm start` runs (started here on
 * free loopback ports, stopped at the end): valid, invalid-token and wrong-scope calls mixed,
 * every answer checked against the status it must have. The same load goes to three targets:
 * serverless-offline's own HTTP server (no gateway model, the authorizer on every request), the
 * local API Gateway with serverless.yml's TTL (the authorizer cache on), and the local API
 * Gateway with the cache off (TTL 0, the authorizer on every request like sls offline: the
 * fair measure of what the front adds). Then one request at a time, for latency without queues.
 * Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  freePorts,
  startLocalStack,
  UNTHROTTLED_PARAMS,
  type LocalStack,
} from '../../local/stack.ts';

const AMOUNT = Number(process.env.LOAD_REQUESTS ?? 6000);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 10);
const SEQUENTIAL = Number(process.env.LOAD_SEQUENTIAL ?? 500);

interface Kind {
  readonly expected: number;
  readonly method: string;
  readonly path: string;
  readonly token: string | undefined;
  readonly body?: string;
  /** A body per request (emails are unique: every create brings its own). */
  readonly freshBody?: () => string;
}

let created = 0;

interface Row {
  target: string;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  unexpected: Record<string, Record<number, number>>;
  authorizerRuns?: number;
  cacheHits?: number;
}

async function kindsFor(stack: LocalStack): Promise<Record<string, Kind>> {
  const [reader, writer, admin] = (await Promise.all(
    ['reader', 'writer', 'admin'].map((c) => stack.tokenFor(c)),
  )) as [string, string, string];
  const id = '9b2f4c1e-0000-4000-8000-000000000000';
  return {
    'valid: GET /me (reader)': { expected: 200, method: 'GET', path: '/me', token: reader },
    'valid: GET /users (reader)': {
      expected: 200,
      method: 'GET',
      path: '/users?limit=5',
      token: reader,
    },
    'valid: POST /users (writer)': {
      expected: 201,
      method: 'POST',
      path: '/users',
      token: writer,
      freshBody: () =>
        JSON.stringify({
          email: `load-${process.pid}-${(created += 1)}@example.com`,
          name: 'Load',
        }),
    },
    'valid: GET /users/{id} unknown (admin)': {
      expected: 404,
      method: 'GET',
      path: `/users/${id}`,
      token: admin,
    },
    'invalid token': {
      expected: 401,
      method: 'GET',
      path: '/me',
      token: `${reader.slice(0, -6)}AAAAAA`,
    },
    'no token': { expected: 401, method: 'GET', path: '/me', token: undefined },
    'wrong scope: DELETE (reader)': {
      expected: 403,
      method: 'DELETE',
      path: `/users/${id}`,
      token: reader,
    },
    'wrong scope: POST (reader)': {
      expected: 403,
      method: 'POST',
      path: '/users',
      token: reader,
      body: JSON.stringify({ email: 'x@example.com', name: 'X' }),
    },
  };
}

async function loadRun(
  target: string,
  baseUrl: string,
  kinds: Record<string, Kind>,
  extraHeaders: Record<string, string> = {},
): Promise<Row> {
  const base = new URL(baseUrl);
  const unexpected: Record<string, Record<number, number>> = {};
  const requests = Object.entries(kinds).map(([name, kind]) => ({
    method: kind.method,
    path: `${base.pathname}${kind.path}`,
    headers: {
      ...extraHeaders,
      ...(kind.token ? { authorization: `Bearer ${kind.token}` } : {}),
      ...(kind.body || kind.freshBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(kind.body ? { body: kind.body } : {}),
    ...(kind.freshBody
      ? { setupRequest: (request: { path: string }) => ({ ...request, body: kind.freshBody!() }) }
      : {}),
    onResponse: (status: number) => {
      if (status === kind.expected) return;
      const seen = (unexpected[name] ??= {});
      seen[status] = (seen[status] ?? 0) + 1;
    },
  }));
  process.stderr.write(`load: ${target}: ${AMOUNT} requests, ${CONNECTIONS} connections…\n`);
  const result = await autocannon({
    url: base.origin,
    connections: CONNECTIONS,
    amount: AMOUNT,
    requests,
    timeout: 20,
  });
  if (result.errors) unexpected.errors = { 0: result.errors };
  return {
    target,
    requests: result.requests.total,
    seconds: result.duration,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    unexpected,
  };
}

/** GET /me one request at a time: what each target adds, without queueing behind others. */
async function sequential(
  baseUrl: string,
  token: string,
  extraHeaders: Record<string, string> = {},
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL + 50; i += 1) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/me`, {
      headers: { ...extraHeaders, authorization: `Bearer ${token}` },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET /me answered ${response.status}`);
    // The first 50 warm the sockets and the functions.
    if (i >= 50) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function withStack<T>(
  params: Record<string, string>,
  run: (stack: LocalStack) => Promise<T>,
): Promise<T> {
  const keysDir = mkdtempSync(join(tmpdir(), 'load-keys-'));
  const stack = await startLocalStack({
    ports: await freePorts(),
    keysDir,
    // Limits far above the run's rate: this measures the gateway, not the throttling.
    params: { ...UNTHROTTLED_PARAMS, ...params },
    reference: false,
  });
  try {
    return await run(stack);
  } finally {
    await stack.stop();
    rmSync(keysDir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
const latency: { target: string; times: number[] }[] = [];

await withStack({}, async (stack) => {
  const kinds = await kindsFor(stack);
  const reader = kinds['valid: GET /me (reader)']!.token!;
  // Its own server wants its own key on the (private) routes; the usage plans' it cannot know.
  const offlineKey: Record<string, string> = stack.offlineApiKey
    ? { 'x-api-key': stack.offlineApiKey }
    : {};
  latency.push({
    target: 'sls offline directly',
    times: await sequential(stack.offlineUrl, reader, offlineKey),
  });
  rows.push(await loadRun('sls offline directly', stack.offlineUrl, kinds, offlineKey));
  const cached = `local gateway, TTL ${stack.authorizerTtl} s`;
  latency.push({ target: cached, times: await sequential(stack.apiUrl, reader) });
  const start = stack.gatewayStats();
  const row = await loadRun(cached, stack.apiUrl, kinds);
  const end = stack.gatewayStats();
  rows.push({
    ...row,
    authorizerRuns: end.authorizerInvocations - start.authorizerInvocations,
    cacheHits: end.cacheHits - start.cacheHits,
  });
});

await withStack({ authorizerTtl: '0' }, async (stack) => {
  const kinds = await kindsFor(stack);
  const reader = kinds['valid: GET /me (reader)']!.token!;
  latency.push({ target: 'local gateway, TTL 0', times: await sequential(stack.apiUrl, reader) });
  const start = stack.gatewayStats();
  const row = await loadRun('local gateway, TTL 0', stack.apiUrl, kinds);
  const end = stack.gatewayStats();
  rows.push({
    ...row,
    authorizerRuns: end.authorizerInvocations - start.authorizerInvocations,
    cacheHits: end.cacheHits - start.cacheHits,
  });
});

const pad = (value: string | number, width: number) => String(value).padStart(width);
const lines = [
  `Load: ${AMOUNT} requests per target, ${CONNECTIONS} connections, 8 kinds mixed (valid, invalid token, no token, wrong scope); latency in ms`,
  '',
  `${'target'.padEnd(26)}${pad('req/s', 7)}${pad('p50', 6)}${pad('p90', 6)}${pad('p99', 6)}${pad('authorizer runs', 17)}${pad('cache hits', 12)}  answers`,
  ...rows.map(
    (r) =>
      `${r.target.padEnd(26)}${pad(r.rps, 7)}${pad(r.p50, 6)}${pad(r.p90, 6)}${pad(r.p99, 6)}${pad(r.authorizerRuns ?? '-', 17)}${pad(r.cacheHits ?? '-', 12)}  ${
        Object.keys(r.unexpected).length
          ? `UNEXPECTED ${JSON.stringify(r.unexpected)}`
          : 'every one as expected'
      }`,
  ),
  '',
  `One request at a time (GET /me, ${SEQUENTIAL} after 50 to warm up), ms:`,
  '',
  `${'target'.padEnd(26)}${pad('p50', 7)}${pad('p90', 7)}${pad('p99', 7)}`,
  ...latency.map(
    ({ target, times }) =>
      `${target.padEnd(26)}${[0.5, 0.9, 0.99].map((q) => pad(quantile(times, q).toFixed(2), 7)).join('')}`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
const failed = rows.some((r) => Object.keys(r.unexpected).length > 0 || r.requests < AMOUNT);
if (failed) process.exitCode = 1;
