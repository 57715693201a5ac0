import { createHash } from 'node:crypto';
import { ConfigError } from '../shared/env.ts';

/**
 * The usage plans (`USAGE_PLANS`): who gets which request rate, burst and quota at API Gateway.
 * Read by the authorizer at cold start (which plan, so which API key, a client has), by the
 * Serverless plugin that writes one AWS::ApiGateway::UsagePlan per plan and one API key per
 * client (tools/serverless-throttling.ts), and by the local API Gateway model. One parser, so the
 * three can never disagree on what a plan or a client is.
 *
 * A client is an issuer and the client id its preset reads (`clientIdOf` in claim-rules.ts): the
 * same id at two issuers is two clients. `default` serves every client no other plan lists.
 */
export const QUOTA_PERIODS = ['DAY', 'WEEK', 'MONTH'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];

export interface ClientRef {
  readonly issuer: string;
  readonly clientId: string;
}

export interface UsagePlan {
  /** Letters and digits: it is part of resource names and of the client's API key value. */
  readonly name: string;
  /** Steady-state requests per second for each client of the plan (its own bucket). */
  readonly rateLimit: number;
  /** The bucket's size: how many requests a client may send at once after a quiet spell. */
  readonly burstLimit: number;
  readonly quota: { readonly limit: number; readonly period: QuotaPeriod } | undefined;
  readonly clients: readonly ClientRef[];
}

export interface UsagePlans {
  /** Every plan, `default` first. */
  readonly plans: readonly UsagePlan[];
  readonly default: UsagePlan;
}

export const DEFAULT_PLAN = 'default';
const PLAN_NAME = /^[A-Za-z0-9]{1,32}$/;
const PLAN_FIELDS = new Set(['rateLimit', 'burstLimit', 'quota', 'clients']);
// API Gateway's account-level limits per Region (10,000 requests per second, a bucket of
// 5,000): a plan above them can never be reached.
const MAX_RATE = 10_000;
const MAX_BURST = 5_000;

/** Parses and checks `USAGE_PLANS`; an error names the plan and the field. */
export function parseUsagePlans(raw: string, variable = 'USAGE_PLANS'): UsagePlans {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(variable, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed))
    throw new ConfigError(variable, 'must be a JSON object of plans: {"default": {...}, ...}');
  if (!Object.hasOwn(parsed, DEFAULT_PLAN))
    throw new ConfigError(
      variable,
      `must have a "${DEFAULT_PLAN}" plan: it serves every client no other plan lists`,
    );
  const plans = Object.entries(parsed).map(([name, value]) =>
    planOf(name, value, `${variable}.${name}`),
  );
  const seen = new Map<string, string>();
  for (const plan of plans)
    for (const client of plan.clients) {
      const key = clientKey(client.issuer, client.clientId);
      const other = seen.get(key);
      if (other)
        throw new ConfigError(
          `${variable}.${plan.name}.clients`,
          `lists ${client.clientId} of ${client.issuer}, already in plan ${other}: a client has one plan`,
        );
      seen.set(key, plan.name);
    }
  const ordered = [
    plans.find((p) => p.name === DEFAULT_PLAN)!,
    ...plans.filter((p) => p.name !== DEFAULT_PLAN),
  ];
  return Object.freeze({ plans: Object.freeze(ordered), default: ordered[0]! });
}

function planOf(name: string, value: unknown, where: string): UsagePlan {
  if (!PLAN_NAME.test(name))
    throw new ConfigError(where, 'is not a plan name: 1 to 32 letters and digits');
  if (!isRecord(value))
    throw new ConfigError(where, 'must be an object with rateLimit and burstLimit');
  for (const field of Object.keys(value))
    if (!PLAN_FIELDS.has(field))
      throw new ConfigError(
        `${where}.${field}`,
        `is not a field of a plan (${[...PLAN_FIELDS].join(', ')})`,
      );
  const rateLimit = value.rateLimit;
  if (typeof rateLimit !== 'number' || !(rateLimit > 0) || rateLimit > MAX_RATE)
    throw new ConfigError(
      `${where}.rateLimit`,
      `must be a number of requests per second above 0 and at most ${MAX_RATE}`,
    );
  const burstLimit = value.burstLimit;
  if (
    !Number.isInteger(burstLimit) ||
    (burstLimit as number) < 1 ||
    (burstLimit as number) > MAX_BURST
  )
    throw new ConfigError(`${where}.burstLimit`, `must be an integer from 1 to ${MAX_BURST}`);
  return Object.freeze({
    name,
    rateLimit,
    burstLimit: burstLimit as number,
    quota: quotaOf(value.quota, `${where}.quota`),
    clients: Object.freeze(clientsOf(name, value.clients, `${where}.clients`)),
  });
}

function quotaOf(value: unknown, where: string): UsagePlan['quota'] {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.keys(value).some((k) => k !== 'limit' && k !== 'period'))
    throw new ConfigError(
      where,
      'must be {"limit": <requests>, "period": "DAY" | "WEEK" | "MONTH"}',
    );
  if (!Number.isInteger(value.limit) || (value.limit as number) < 1)
    throw new ConfigError(`${where}.limit`, 'must be a whole number of requests, at least 1');
  if (!(QUOTA_PERIODS as readonly unknown[]).includes(value.period))
    throw new ConfigError(`${where}.period`, `must be one of ${QUOTA_PERIODS.join(', ')}`);
  return Object.freeze({ limit: value.limit as number, period: value.period as QuotaPeriod });
}

function clientsOf(plan: string, value: unknown, where: string): ClientRef[] {
  if (value === undefined) return [];
  if (plan === DEFAULT_PLAN)
    throw new ConfigError(
      where,
      `must be left out: "${DEFAULT_PLAN}" serves every client no other plan lists`,
    );
  if (!Array.isArray(value))
    throw new ConfigError(where, 'must be an array of {"issuer": ..., "clientId": ...}');
  return value.map((client, i) => {
    const ok =
      isRecord(client) &&
      Object.keys(client).length === 2 &&
      typeof client.issuer === 'string' &&
      client.issuer.trim() !== '' &&
      typeof client.clientId === 'string' &&
      client.clientId.trim() !== '';
    if (!ok)
      throw new ConfigError(
        `${where}[${i}]`,
        'must be {"issuer": <the exact iss>, "clientId": <the client id its preset reads>}',
      );
    const { issuer, clientId } = client as { issuer: string; clientId: string };
    return Object.freeze({ issuer: issuer.trim(), clientId: clientId.trim() });
  });
}

const clientKey = (issuer: string, clientId: string) => `${issuer}\n${clientId}`;

/**
 * What an API key value ends with, after the stage's key secret: the plan's name, then (for a
 * listed client) a digest of its issuer and client id. The part is public; the secret before it
 * is what no one outside API Gateway and the authorizer knows. The plan is part of it because a
 * key may sit in one usage plan per stage: a client moved to another plan gets a new key.
 */
export function apiKeySuffix(plan: string, client?: ClientRef): string {
  if (!client) return plan;
  const digest = createHash('sha256')
    .update(clientKey(client.issuer, client.clientId))
    .digest('hex');
  return `${plan}${digest.slice(0, 32)}`;
}

/** One API key of the stage: the plan it is in, the client it is for (none: the default key). */
export interface PlanKey {
  readonly plan: UsagePlan;
  readonly client: ClientRef | undefined;
  readonly suffix: string;
}

/** Every API key the plans need: one per listed client, and one the default plan's clients share. */
export function planKeys({ plans }: UsagePlans): PlanKey[] {
  return plans.flatMap((plan): PlanKey[] =>
    plan.name === DEFAULT_PLAN
      ? [{ plan, client: undefined, suffix: apiKeySuffix(plan.name) }]
      : plan.clients.map((client) => ({ plan, client, suffix: apiKeySuffix(plan.name, client) })),
  );
}

/** The usage key a caller gets: the plan (for the log) and the key value (for API Gateway only). */
export interface UsageKey {
  readonly plan: string;
  readonly value: string;
}

/** Which key each client uses, given the stage's key secret: built once, a Map lookup per call. */
export function apiKeyTable(
  usagePlans: UsagePlans,
  secret: string,
): (issuer: string, clientId: string) => UsageKey {
  const byClient = new Map<string, UsageKey>();
  let fallback: UsageKey | undefined;
  for (const { plan, client, suffix } of planKeys(usagePlans)) {
    const key = Object.freeze({ plan: plan.name, value: `${secret}${suffix}` });
    if (client) byClient.set(clientKey(client.issuer, client.clientId), key);
    else fallback = key;
  }
  const shared = fallback!;
  return (issuer, clientId) => byClient.get(clientKey(issuer, clientId)) ?? shared;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
