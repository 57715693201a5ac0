import { AuthorizerFailure } from './errors.ts';
import { createFailureBackoff } from './keys/failure-backoff.ts';
import type { Prefetchable, PrefetchOutcome } from './keys/prefetch.ts';
import { apiKeyTable, type UsageKey, type UsagePlans } from './usage-plans.ts';

/**
 * The API key each caller's requests count against, for API Gateway's usage plans. The REST
 * API's key source is AUTHORIZER: API Gateway takes the key from `usageIdentifierKey` in our
 * answer (it must be a key of a usage plan on the stage, or the request gets 403), so clients
 * never hold one and cannot pick another's.
 *
 * Where the values live: every key value is the stage's key secret (a Secrets Manager secret
 * CloudFormation generates) followed by a public suffix (usage-plans.ts). CloudFormation gives
 * the secret to each AWS::ApiGateway::ApiKey through a dynamic reference, so no value is in the
 * template, the repository or a deploy log; the authorizer reads the secret once per container,
 * at init, and keeps the table in memory: one GetSecretValue call per cold start (overlapped with
 * the JWKS prefetch), none on the warm path, which is one Map lookup. Neither the secret nor a key
 * value is ever logged: log lines name the plan.
 */
export interface ApiKeySource extends Prefetchable {
  /** The key of this client (by issuer and client id), or the default plan's when none is listed. */
  keyFor(issuer: string, clientId: string): Promise<UsageKey>;
}

export interface ApiKeySourceOptions {
  readonly usagePlans: UsagePlans;
  /** Reads the stage's key secret (default: from Secrets Manager, secretsManagerSecret below). */
  readonly readSecret: () => Promise<string>;
  /** How long after a failed read the secret is not asked for again (default 2 s). */
  readonly failureBackoffMs?: number;
  readonly now?: () => number;
}

// What CloudFormation generates (letters and digits, ExcludePunctuation); API Gateway wants an
// API key value of at least 20 characters.
const SECRET = /^[A-Za-z0-9]{20,128}$/;

export function createApiKeySource(options: ApiKeySourceOptions): ApiKeySource {
  const backoff = createFailureBackoff(options.failureBackoffMs ?? 2000, options.now ?? Date.now);
  let table: ReturnType<typeof apiKeyTable> | undefined;
  let loading: Promise<ReturnType<typeof apiKeyTable>> | undefined;
  let prefetched: Promise<PrefetchOutcome> | undefined;

  async function read(): Promise<ReturnType<typeof apiKeyTable>> {
    let secret: string;
    try {
      secret = await options.readSecret();
    } catch (cause) {
      throw new AuthorizerFailure('api_keys_unavailable', 'the API key secret could not be read', {
        cause,
      });
    }
    if (!SECRET.test(secret))
      throw new AuthorizerFailure(
        'api_keys_unavailable',
        'the API key secret is not 20 to 128 letters and digits',
      );
    return apiKeyTable(options.usagePlans, secret);
  }

  /** One read at a time: requests that arrive while it runs wait for it. */
  function load(): Promise<ReturnType<typeof apiKeyTable>> {
    loading ??= read()
      .then((loaded) => {
        table = loaded;
        backoff.clear();
        return loaded;
      })
      .finally(() => (loading = undefined));
    return loading;
  }

  async function keyFor(issuer: string, clientId: string): Promise<UsageKey> {
    if (table) return table(issuer, clientId);
    const failing = backoff.active();
    if (failing) throw failing;
    try {
      return (await load())(issuer, clientId);
    } catch (error) {
      const failure =
        error instanceof AuthorizerFailure
          ? error
          : new AuthorizerFailure('api_keys_unavailable', undefined, { cause: error });
      backoff.record(failure);
      throw failure;
    }
  }

  /**
   * The init's read. As with the JWKS prefetch, a failure is reported but leaves no backoff: the
   * first request tries again for itself.
   */
  const prefetch = (): Promise<PrefetchOutcome> =>
    (prefetched ??= load().then(
      (): PrefetchOutcome => ({ status: 'loaded' }),
      (error: unknown): PrefetchOutcome => ({
        status: 'failed',
        failure:
          error instanceof AuthorizerFailure
            ? error
            : new AuthorizerFailure('api_keys_unavailable', undefined, { cause: error }),
      }),
    ));

  return { keyFor, prefetch };
}

// One attempt may take 1 s, two attempts at most, and 2 s in all: inside the init's bound, and
// far inside the authorizer's 5 s timeout when a request has to read it itself.
const CONNECTION_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const READ_BUDGET_MS = 2000;

/**
 * Reads the secret's string with the AWS SDK's Secrets Manager client, which the Lambda runtime
 * provides (it is left out of the bundle): imported on first use, so an authorizer without usage
 * plans never loads it. IAM: `secretsmanager:GetSecretValue` on this one secret (serverless.yml).
 */
export function secretsManagerSecret(
  secretId: string,
  endpoint: URL | undefined,
): () => Promise<string> {
  return async () => {
    const { SecretsManagerClient, GetSecretValueCommand } =
      await import('@aws-sdk/client-secrets-manager');
    const client = new SecretsManagerClient({
      ...(endpoint ? { endpoint: endpoint.href } : {}),
      maxAttempts: 2,
      requestHandler: {
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
    try {
      const { SecretString } = await client.send(
        new GetSecretValueCommand({ SecretId: secretId }),
        {
          abortSignal: AbortSignal.timeout(READ_BUDGET_MS),
        },
      );
      if (typeof SecretString !== 'string') throw new Error('the secret has no SecretString');
      return SecretString;
    } finally {
      client.destroy();
    }
  };
}
