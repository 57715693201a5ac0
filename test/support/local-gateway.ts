import { expect } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessLogFormatOf } from '../../local/api-gateway/access-log.ts';
import { CACHE_HEADER } from '../../local/api-gateway/front.ts';
import type { GatewayResponseType } from '../../local/api-gateway/model.ts';
import type { ServiceDefinition } from '../../local/api-gateway/service.ts';
import {
  freePorts,
  startLocalStack,
  type LocalStack,
  type StackOptions,
} from '../../local/stack.ts';

/**
 * The local API Gateway (`npm start`) as the end-to-end tests of its own answers run it: a stack
 * on free ports whose function output and access log are kept, plain HTTP calls, and what each
 * gateway response of serverless.yml must look like on the wire.
 */
export interface Running {
  stack: LocalStack;
  /**
   * How many times sls offline ran the authorizer function, by its own log of each run. It logs
   * a run just after answering, so this waits (up to 5 s) until at least `atLeast` runs are
   * logged, then a moment more for any late line, and counts.
   */
  authorizerRuns(atLeast?: number): Promise<number>;
  /** What sls offline printed so far: the functions' own log lines among it. */
  output(): string;
  /** The access-log lines the local gateway wrote so far (`npm start -- --verbose`). */
  readonly accessLog: readonly string[];
  stop(): Promise<void>;
}

export async function running(
  keysDir: string,
  options: Partial<StackOptions> = {},
): Promise<Running> {
  let output = '';
  const accessLog: string[] = [];
  const stack = await startLocalStack({
    ports: await freePorts(),
    keysDir,
    reference: false,
    ...options,
    onOutput: (chunk) => (output += chunk),
    onRequest: (line) => accessLog.push(line),
  });
  // A run that returns logs its duration; one that throws (a refused token) its error.
  const logged = () =>
    output.match(/\(λ: authorizer\) RequestId|Lambda Error during invoke of '[\w-]+-authorizer'/g)
      ?.length ?? 0;
  return {
    stack,
    authorizerRuns: async (atLeast = 0) => {
      const deadline = Date.now() + 5000;
      while (logged() < atLeast && Date.now() < deadline) await sleep(50);
      await sleep(300);
      return logged();
    },
    output: () => output,
    accessLog,
    stop: () => stack.stop(),
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

export async function get(url: string, token?: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, {
    ...init,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...init.headers },
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/**
 * `calls` requests with one token, alternating `GET /me` and `GET /users`, each answered without
 * the authorizer cache (its header says so): their statuses, in order.
 */
export async function uncachedAlternating(apiUrl: string, token: string, calls = 10) {
  const statuses: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    const answer = await get(`${apiUrl}${i % 2 ? '/users' : '/me'}`, token);
    statuses.push(answer.status);
    expect(answer.headers.get(CACHE_HEADER)).toBe('miss; not cached');
  }
  return statuses;
}

/**
 * What API Gateway sends for a gateway response of serverless.yml: its status, its headers
 * and its template with `$context` filled in (G4), falling back to DEFAULT_4XX/5XX (G2).
 */
export function expectGatewayResponse(
  service: ServiceDefinition,
  answer: Answer,
  type: GatewayResponseType,
  message: string | null,
  status: number,
) {
  const family = status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const declared = service.gatewayResponses[type] ?? service.gatewayResponses[family]!;
  const requestId = answer.headers.get('x-amzn-requestid')!;
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  const body = declared
    .template!.replaceAll('$context.error.messageString', JSON.stringify(message))
    .replaceAll('$context.error.responseType', type)
    .replaceAll('$context.requestId', requestId);
  expect({ status: answer.status, body: answer.body }).toEqual({
    status: declared.statusCode ?? status,
    body,
  });
  for (const [name, value] of Object.entries(declared.headers ?? {}))
    expect([name, answer.headers.get(name)]).toEqual([name, value]);
}

/**
 * Calls the running gateway and returns the one access-log line the call wrote, checked to have
 * exactly the deployed format's fields, in order, and the answer's status.
 */
export function accessLogLineOf(gateway: Running, service: ServiceDefinition) {
  const keys = Object.keys(
    JSON.parse(
      accessLogFormatOf(service.config).replace(/\$context(?:\.[A-Za-z0-9_]+)+/g, '-'),
    ) as object,
  );
  return async (path: string, bearer?: string, init: RequestInit = {}) => {
    const before = gateway.accessLog.length;
    const answer = await get(`${gateway.stack.apiUrl}${path}`, bearer, init);
    expect(gateway.accessLog).toHaveLength(before + 1);
    const line = JSON.parse(gateway.accessLog.at(-1)!) as Record<string, string>;
    expect(Object.keys(line)).toEqual(keys);
    expect(line).toMatchObject({ status: String(answer.status), sourceIp: '127.0.0.1' });
    return { line, answer };
  };
}
