/**
 * `npm run load`: a bounded load run against the local stack `npm start` runs (started here on
 * free loopback ports, stopped at the end): valid, invalid-token and wrong-scope calls mixed,
 * every answer checked against the status it must have. Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePorts, startLocalStack } from '../../local/stack.ts';

const AMOUNT = Number(process.env.LOAD_REQUESTS ?? 6000);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 10);

const keysDir = mkdtempSync(join(tmpdir(), 'load-keys-'));
const stack = await startLocalStack({
  ports: await freePorts(),
  keysDir,
});
try {
  const [reader, writer, admin] = (await Promise.all(
    ['reader', 'writer', 'admin'].map((c) => stack.tokenFor(c)),
  )) as [string, string, string];
  const base = new URL(stack.apiUrl);
  const id = '9b2f4c1e-0000-4000-8000-000000000000';
  const kinds = {
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
      body: JSON.stringify({ email: 'load@example.com', name: 'Load' }),
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
  } as const;
  const seen: Record<string, { total: number; unexpected: Record<number, number> }> = {};
  const requests = Object.entries(kinds).map(([name, kind]) => {
    seen[name] = { total: 0, unexpected: {} };
    return {
      method: kind.method,
      path: `${base.pathname}${kind.path}`,
      headers: {
        ...(kind.token ? { authorization: `Bearer ${kind.token}` } : {}),
        ...('body' in kind ? { 'content-type': 'application/json' } : {}),
      },
      ...('body' in kind ? { body: kind.body } : {}),
      onResponse: (status: number) => {
        const s = seen[name]!;
        s.total += 1;
        if (status !== kind.expected) s.unexpected[status] = (s.unexpected[status] ?? 0) + 1;
      },
    };
  });
  process.stderr.write(
    `load: ${AMOUNT} requests, ${CONNECTIONS} connections, ${requests.length} kinds against ${stack.apiUrl}\n`,
  );
  const result = await autocannon({
    url: base.origin,
    connections: CONNECTIONS,
    amount: AMOUNT,
    requests,
    timeout: 20,
  });
  const unexpected = Object.values(seen).reduce(
    (n, s) => n + Object.values(s.unexpected).reduce((a, b) => a + b, 0),
    0,
  );
  const lines = [
    `requests: ${result.requests.total} in ${result.duration} s, ${CONNECTIONS} connections`,
    `throughput: ${result.requests.average.toFixed(0)} req/s average`,
    `latency ms: p50 ${result.latency.p50}, p90 ${result.latency.p90}, p99 ${result.latency.p99}, max ${result.latency.max}`,
    `errors: ${result.errors}, timeouts: ${result.timeouts}, 5xx: ${result['5xx']}`,
    ...Object.entries(seen).map(
      ([name, s]) =>
        `  ${name.padEnd(40)} ${String(s.total).padStart(5)} × ${kinds[name as keyof typeof kinds].expected}${
          Object.keys(s.unexpected).length ? `  UNEXPECTED ${JSON.stringify(s.unexpected)}` : ''
        }`,
    ),
    unexpected === 0 && result.errors === 0
      ? 'every answer had its expected status'
      : `${unexpected} unexpected answers`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (unexpected > 0 || result.errors > 0 || result.requests.total < AMOUNT) process.exitCode = 1;
} finally {
  await stack.stop();
  rmSync(keysDir, { recursive: true, force: true });
}
