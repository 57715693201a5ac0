import { SERVERLESS_YML } from './http-events.ts';
import { isRecord } from './json-values.ts';
import type { LintRule, RouteProblem } from './lint-rules.ts';
import type { FunctionConfig } from './serverless-config.ts';

/** The authorizer's settings as API Gateway keeps them (one set per authorizer). */
export interface AuthorizerSettings {
  readonly name: string;
  readonly type: string;
  readonly resultTtlInSeconds: unknown;
  readonly identitySource: string;
  readonly identityValidationExpression: string | undefined;
}

// API Gateway's range for resultTtlInSeconds (0 turns the cache off).
const MAX_TTL = 3600;
/** The handler of our TOKEN authorizer: the only function a route may name as its authorizer. */
export const AUTHORIZER_HANDLER = 'src/authorizer/handler.handler';

export interface AuthorizerOf {
  /** Set when the route is behind our TOKEN authorizer. */
  readonly ours?: string;
  /** The TTL when it is an explicit integer in API Gateway's range. */
  readonly ttl?: number;
  /** Set when the event names an authorizer by name, ours or not. */
  readonly settings?: AuthorizerSettings;
  readonly problem?: { readonly code: LintRule; readonly message: string };
}

/** The settings of an http event's `authorizer:` object, with API Gateway's defaults filled in. */
export const settingsOf = (spec: Record<string, unknown>): AuthorizerSettings => ({
  name: String(spec.name),
  type: spec.type === undefined ? 'token' : String(spec.type).toLowerCase(),
  resultTtlInSeconds: spec.resultTtlInSeconds,
  identitySource: String(spec.identitySource ?? 'method.request.header.Authorization'),
  identityValidationExpression:
    typeof spec.identityValidationExpression === 'string'
      ? spec.identityValidationExpression
      : undefined,
});

/**
 * The authorizer of an http event. It must be our TOKEN authorizer: a function of this service
 * whose handler is AUTHORIZER_HANDLER, named by the string form or `name:` (an `arn:` or an
 * `authorizerId:` makes Serverless call something else), with `type` absent or `token`, and an
 * explicit TTL: left unset, API Gateway caches for 300 s. Build-time only.
 */
export function authorizerOf(
  value: unknown,
  functions: Readonly<Record<string, FunctionConfig>>,
): AuthorizerOf {
  if (value === undefined || value === null || value === false)
    return {
      problem: {
        code: 'authorizer_missing',
        message:
          'the http event has no authorizer: every route must sit behind the token authorizer',
      },
    };
  const spec: Record<string, unknown> =
    typeof value === 'string' ? { name: value } : isRecord(value) ? value : {};
  const name = spec.name;
  // Object.hasOwn, not `in`: `toString` is "in" every object.
  if (typeof name !== 'string' || !Object.hasOwn(functions, name))
    return {
      problem: {
        code: 'authorizer_missing',
        message: `the http event has no authorizer of this service (${JSON.stringify(name ?? value)} is not one of its functions): every route must sit behind the token authorizer`,
      },
    };
  const settings = settingsOf(spec);
  const notOurs = (why: string): AuthorizerOf => ({
    settings,
    problem: {
      code: 'authorizer_not_ours',
      message: `the authorizer ${why}: every route must sit behind the token authorizer (a function with handler ${AUTHORIZER_HANDLER}, type token)`,
    },
  });
  const handler = functions[name]!.handler;
  if (spec.arn !== undefined)
    return notOurs(`has an arn, so Serverless calls that Lambda instead of function ${name}`);
  if (spec.authorizerId !== undefined)
    return notOurs('has an authorizerId, so API Gateway uses that authorizer');
  if (settings.type !== 'token') return notOurs(`has type ${JSON.stringify(spec.type)}, not token`);
  if (handler !== AUTHORIZER_HANDLER)
    return notOurs(`is function ${name}, whose handler is ${JSON.stringify(handler ?? null)}`);
  const ttl = explicitTtl(settings.resultTtlInSeconds);
  if (ttl === undefined)
    return {
      ours: name,
      settings,
      problem: {
        code: 'authorizer_ttl_not_explicit',
        message: `the authorizer's resultTtlInSeconds resolves to ${JSON.stringify(settings.resultTtlInSeconds) ?? 'nothing'}: set an integer from 0 to ${MAX_TTL} (left unset, API Gateway caches for 300 s)`,
      },
    };
  return { ours: name, ttl, settings };
}

/** An integer 0–3600, written as a number or as a string of digits; anything else is not explicit. */
function explicitTtl(value: unknown): number | undefined {
  const ttl =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : undefined;
  return ttl !== undefined && Number.isInteger(ttl) && ttl >= 0 && ttl <= MAX_TTL ? ttl : undefined;
}

/** One route's use of a named authorizer: where (`function getUser, GET /users/{userId}`) and its settings. */
export interface AuthorizerUse {
  readonly where: string;
  readonly settings: AuthorizerSettings;
}

/**
 * API Gateway keeps one resultTtlInSeconds, type, identity source and validation expression per
 * authorizer, and Serverless writes the authorizer once per http event naming it, so one event's
 * settings win for every route: the routes of one authorizer must agree.
 */
export function authorizerDisagreements(uses: readonly AuthorizerUse[]): RouteProblem[] {
  const byAuthorizer = new Map<string, AuthorizerUse[]>();
  for (const use of uses)
    byAuthorizer.set(use.settings.name, [...(byAuthorizer.get(use.settings.name) ?? []), use]);
  const problems: RouteProblem[] = [];
  const keys = [
    'resultTtlInSeconds',
    'type',
    'identitySource',
    'identityValidationExpression',
  ] as const;
  for (const [name, named] of byAuthorizer) {
    for (const key of keys) {
      const values = new Map<string, string[]>();
      for (const use of named) {
        const shown = JSON.stringify(use.settings[key]) ?? 'unset';
        values.set(shown, [...(values.get(shown) ?? []), use.where]);
      }
      if (values.size > 1)
        problems.push({
          file: `${SERVERLESS_YML} (authorizer ${name})`,
          code: 'authorizer_settings_differ',
          message: `its routes disagree on ${key} (${[...values].map(([v, where]) => `${v}: ${where.join('; ')}`).join(' / ')}); API Gateway keeps one ${key} per authorizer, so give every route the same`,
        });
    }
  }
  return problems;
}
