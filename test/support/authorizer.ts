import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { createAuthorizer, type TokenAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { keyResolverFor } from '../../src/authorizer/keys/key-resolver.ts';
import type { LogEntry } from '../../src/shared/log.ts';
import type { TestIssuer } from './issuer.ts';

export interface AuthorizerUnderTest {
  readonly authorize: TokenAuthorizer;
  readonly logs: LogEntry[];
  readonly lastLog: () => LogEntry | undefined;
}

/**
 * The real authorizer, configured for a test issuer, with its log lines captured. `now`: the
 * clock its key resolvers decide refreshes by (cache age, cooldown, backoff), for tests that
 * walk through minutes of them.
 */
export function authorizerFor(
  issuer: TestIssuer,
  env: Record<string, string> = {},
  { now }: { now?: () => number } = {},
): AuthorizerUnderTest {
  const logs: LogEntry[] = [];
  const config = loadAuthorizerConfig({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: issuer.jwksUrl.href,
    ...env,
  });
  const authorize = createAuthorizer({
    config,
    log: (entry) => logs.push(entry),
    ...(now ? { keysFor: (entry) => keyResolverFor(entry, config, { now }) } : {}),
  });
  return { authorize, logs, lastLog: () => logs.at(-1) };
}

/** The real authorizer trusting these AUTH_ISSUERS entries. */
export function authorizerForIssuers(
  entries: readonly Record<string, unknown>[],
  env: Record<string, string> = {},
): AuthorizerUnderTest {
  const logs: LogEntry[] = [];
  const config = loadAuthorizerConfig({ AUTH_ISSUERS: JSON.stringify(entries), ...env });
  const authorize = createAuthorizer({ config, log: (entry) => logs.push(entry) });
  return { authorize, logs, lastLog: () => logs.at(-1) };
}

export type Outcome =
  | { kind: 'allow'; result: APIGatewayAuthorizerResult }
  | { kind: 'unauthorized' }
  | { kind: 'error'; message: string };

/** What API Gateway would make of an authorizer call: Allow policy, 401, or 500. */
export async function outcomeOf(promise: Promise<APIGatewayAuthorizerResult>): Promise<Outcome> {
  try {
    return { kind: 'allow', result: await promise };
  } catch (error) {
    const message = (error as Error).message;
    return message === 'Unauthorized' ? { kind: 'unauthorized' } : { kind: 'error', message };
  }
}

/**
 * One decision on `Bearer <token>` for this methodArn: what API Gateway would make of it, the
 * code the decision logged, and how long it took.
 */
export async function decisionOf(sut: AuthorizerUnderTest, token: string, methodArn: string) {
  const started = performance.now();
  const outcome = await outcomeOf(
    sut.authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn }),
  );
  return { outcome, code: sut.lastLog()?.code, elapsedMs: performance.now() - started };
}
