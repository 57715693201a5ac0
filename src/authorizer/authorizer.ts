import type {
  APIGatewayAuthorizerResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import { clip, jsonLineLogger, type LogEntry, type Logger } from '../shared/log.ts';
import { emfAuthorizerMetrics, type AuthorizerMetrics, type Outcome } from '../shared/metrics.ts';
import { afterScheme, bearerToken } from './bearer.ts';
import { callerClaims } from '../issuers/claims.ts';
import type { IssuerConfig } from '../issuers/issuer-config.ts';
import { TokenRejected } from '../issuers/token-rejected.ts';
import { encodeContext, type AuthorizerContext } from '../shared/context-codec.ts';
import type { AuthorizerConfig } from './authorizer-config.ts';
import { createApiKeySource, secretsManagerSecret, type ApiKeySource } from './api-keys.ts';
import { AuthorizerFailure } from './errors.ts';
import { keyResolverFor, type KeyResolver } from './keys/key-resolver.ts';
import { prefetchWithin, type Prefetchable } from './keys/prefetch.ts';
import { allowPolicy, stageWideResource } from './policy.ts';
import { MAX_TOKEN_LENGTH } from './compact-jws.ts';
import { createTokenVerifier, type VerifiedToken } from './verify-token.ts';
import type { VerifiedTokenCache } from './verified-tokens.ts';

export interface AuthorizerDependencies {
  readonly config: AuthorizerConfig;
  /**
   * The keys of each trusted issuer. Defaults to one remote JWKS resolver per issuer, so one
   * issuer's outage (and its backoff) never touches another's; tests and benchmarks may pass
   * their own (one without `prefetch` is simply not prefetched).
   */
  readonly keysFor?: (issuer: IssuerConfig) => JWTVerifyGetKey | KeyResolver;
  /**
   * Where the log lines go. Unset (in Lambda): each decision's line is its metrics document
   * (src/shared/metrics.ts), one line for both, and the init's lines go to stdout. Set (tests):
   * every line goes here, and the metrics get their own documents.
   */
  readonly log?: Logger;
  /** The decisions and key set events as metrics (default: CloudWatch EMF on stdout). */
  readonly metrics?: AuthorizerMetrics;
  /** The tokens verified before (default: a bounded cache; src/authorizer/verified-tokens.ts). */
  readonly verifiedTokens?: VerifiedTokenCache;
  /**
   * The API key of each caller's usage plan (default: from the configured plans and key secret;
   * none when the configuration has no usage plans).
   */
  readonly apiKeys?: ApiKeySource;
}

export interface TokenAuthorizer {
  /** `context`: Lambda's, for its request id in the log line (a TOKEN event carries no other). */
  (
    event: APIGatewayTokenAuthorizerEvent,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<APIGatewayAuthorizerResult>;
  /**
   * Loads every issuer's keys and the usage plans' key secret now, all at once, and waits at most
   * `withinMs` for them; logs one line per issuer (and one for the API keys) saying how it went.
   * Never rejects and decides nothing (handler.ts calls it during the Lambda init).
   */
  readonly prefetchKeys: (withinMs: number) => Promise<void>;
}

/**
 * Layer 1: authenticate, never authorize. Reads top to bottom as
 * extract → verify → decide → respond.
 *
 * - Valid token: Allow for the whole API stage, the token's claims in the context.
 * - Bad token: throw exactly `Error('Unauthorized')`, the one message API Gateway maps to 401.
 * - Could not decide: throw anything else; API Gateway answers 500, never an Allow.
 * No error path returns a policy.
 */
export function createAuthorizer({
  config,
  metrics = emfAuthorizerMetrics(),
  keysFor = (issuer) =>
    keyResolverFor(issuer, config, { onEvent: (event) => metrics.keySet(event, issuer.issuer) }),
  log,
  verifiedTokens,
  apiKeys = config.usagePlans &&
    createApiKeySource({
      usagePlans: config.usagePlans.plans,
      readSecret: secretsManagerSecret(config.usagePlans.secretId, config.usagePlans.endpoint),
    }),
}: AuthorizerDependencies): TokenAuthorizer {
  const initLog = log ?? jsonLineLogger;
  /**
   * One decision: its log line and its metrics, as one line unless a log is given. `shared`:
   * more of the line's fields, in an object the token's decisions share (an Allow's `who`).
   */
  const decided = (
    entry: LogEntry,
    outcome: Outcome,
    code: string,
    latencyMs: number,
    shared?: Readonly<LogEntry>,
  ) => {
    if (!log) return metrics.decision(outcome, code, latencyMs, entry, shared);
    log(shared ? { ...entry, ...shared } : entry);
    metrics.decision(outcome, code, latencyMs);
  };
  // What the init loads: each issuer's keys (its line names the issuer), and the API keys.
  const prefetchable: {
    about: { iss: string } | { source: 'api_keys' };
    resolver: Prefetchable;
  }[] = [];
  const verifyToken = createTokenVerifier(
    config,
    (issuer) => {
      const getKey = keysFor(issuer);
      if ('prefetch' in getKey)
        prefetchable.push({ about: { iss: clip(issuer.issuer, 128)! }, resolver: getKey });
      return getKey;
    },
    verifiedTokens ? { cache: verifiedTokens } : {},
  );
  if (apiKeys) prefetchable.push({ about: { source: 'api_keys' }, resolver: apiKeys });

  /** A token verified before, found without parsing the header again (verified-tokens.ts). */
  const verifiedBefore = (header: string | undefined) => {
    const token = afterScheme(header);
    return token === undefined ? undefined : verifyToken.verifiedBefore(token);
  };

  // What an Allow hands on depends on the verified token alone: worked out once per token, for
  // as long as the verified-token cache hands out the same (frozen) token object.
  const allows = new WeakMap<VerifiedToken, Allow>();
  const allowOf = (verified: VerifiedToken): Allow => {
    let allow = allows.get(verified);
    if (!allow) allows.set(verified, (allow = deriveAllow(verified)));
    return allow;
  };

  /**
   * The first decision of a container would run code V8 has not compiled yet: each function on
   * its first call, each regular expression on its first uses (the \p{…} classes of the printable
   * check cost most), 1.5–2 ms that the first caller would wait, several times a decision. Once
   * the keys have loaded, the init rehearses a decision instead, each step on made-up input (a
   * token that cannot pass, claims, an Allow's context, policy and line). Nothing of it is
   * written, kept or fetched. Without keys there is no rehearsal: the first request waits for
   * them on the network, which dwarfs the rest.
   */
  async function rehearse(): Promise<void> {
    if (!verifyToken.rehearse()) return;
    // The decision line, written nowhere.
    const dry = emfAuthorizerMetrics(REHEARSAL_METRICS, () => {});
    const record: typeof decided = (entry, outcome, code, latencyMs, shared) =>
      dry.decision(outcome, code, latencyMs, entry, shared);
    await decide(
      { type: 'TOKEN', authorizationToken: `Bearer ${REHEARSAL_TOKEN}`, methodArn: REHEARSAL_ARN },
      undefined,
      record,
    ).catch(() => {});
    const issuer = config.issuers[0]!;
    const { context, who } = deriveAllow({
      claims: { sub: 'rehearsal', exp: 0, iss: issuer.issuer, scope: 'rehearsal' },
      issuer,
      clientId: '',
      header: { alg: 'none' },
    });
    allowPolicy(context.sub, stageWideResource(REHEARSAL_ARN), context);
    record(
      { decision: 'allow', code: 'token_valid', latencyMs: 0 },
      'allow',
      'token_valid',
      0,
      who,
    );
  }

  async function prefetchKeys(withinMs: number): Promise<void> {
    const reports = await prefetchWithin(
      prefetchable.map(({ resolver }) => resolver),
      withinMs,
    );
    reports.forEach((report, i) => {
      const { about } = prefetchable[i]!;
      const latencyMs = report.elapsedMs;
      if (report.status === 'failed')
        initLog({
          phase: 'init',
          code: report.failure.code,
          detail: report.failure.message,
          cause: clip(causeMessage(report.failure), 200),
          ...about,
          latencyMs,
        });
      else
        initLog({
          phase: 'init',
          code: initCode('iss' in about, report.status),
          ...about,
          latencyMs,
        });
    });
    // Best effort, as the prefetch: a rehearsal that stumbles leaves the code cold, no more.
    // Twice: V8 runs a regular expression's first use in its interpreter and compiles it to
    // machine code on the second, which would otherwise be the first request's.
    for (let round = 0; round < REHEARSALS; round += 1) await rehearse().catch(() => {});
  }

  const authorize = (
    event: APIGatewayTokenAuthorizerEvent,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<APIGatewayAuthorizerResult> => decide(event, context, decided);

  /** One decision, recorded by `record` (the rehearsal's writes its line nowhere). */
  async function decide(
    event: APIGatewayTokenAuthorizerEvent,
    context: Pick<Context, 'awsRequestId'> | undefined,
    record: typeof decided,
  ): Promise<APIGatewayAuthorizerResult> {
    const started = performance.now();
    const latencyMs = () => Math.round((performance.now() - started) * 1000) / 1000;
    const lambdaRequestId = clip(context?.awsRequestId);
    try {
      const resource = stageWideResource(event.methodArn);
      let verified = verifiedBefore(event.authorizationToken);
      if (!verified) {
        // Awaited only when jose has to fetch or wait (verify-token.ts): a promise costs a turn.
        const pending = verifyToken(bearerToken(event.authorizationToken));
        verified = pending instanceof Promise ? await pending : pending;
      }
      const { context, scopesDropped, who } = allowOf(verified);
      // The caller's usage plan key; its value goes to API Gateway only, the log names the plan.
      // Looked up by the whole client id, as the clientIds allowlist checks it: the context's copy
      // is cut to 256 characters, and a longer id sharing a listed id's first 256 must not get
      // that client's plan.
      const usage = apiKeys && (await apiKeys.keyFor(context.iss, verified.clientId));
      const ms = latencyMs();
      record(
        {
          decision: 'allow',
          code: 'token_valid',
          plan: usage?.plan,
          scopesDropped: scopesDropped || undefined,
          lambdaRequestId,
          latencyMs: ms,
        },
        'allow',
        'token_valid',
        ms,
        who,
      );
      return allowPolicy(context.sub, resource, context, usage?.value);
    } catch (error) {
      if (error instanceof TokenRejected) {
        const ms = latencyMs();
        record(
          {
            decision: 'deny',
            code: error.code,
            ...unverifiedOrigin(event.authorizationToken),
            lambdaRequestId,
            latencyMs: ms,
          },
          'deny',
          error.code,
          ms,
        );
        throw new Error('Unauthorized');
      }
      const failure =
        error instanceof AuthorizerFailure
          ? error
          : new AuthorizerFailure('internal_error', undefined, { cause: error });
      const ms = latencyMs();
      record(
        {
          decision: 'error',
          code: failure.code,
          detail: failure.message,
          cause: clip(causeMessage(failure), 200),
          ...unverifiedOrigin(event.authorizationToken),
          lambdaRequestId,
          latencyMs: ms,
        },
        'error',
        failure.code,
        ms,
      );
      throw new Error(`AuthorizerFailure: ${failure.code}`);
    }
  }

  return Object.assign(authorize, { prefetchKeys });
}

/** An Allow's parts that depend on the token alone: its context, and who it names in the log. */
interface Allow {
  readonly context: Readonly<AuthorizerContext>;
  readonly scopesDropped: number;
  readonly who: Readonly<Record<'sub' | 'clientId' | 'iss' | 'kid', string | undefined>>;
}

function deriveAllow(verified: VerifiedToken): Allow {
  const { context, scopesDropped } = encodeContext(callerClaims(verified));
  return {
    context: Object.freeze(context),
    scopesDropped,
    who: Object.freeze({
      sub: clip(context.sub, 128),
      clientId: clip(context.clientId),
      iss: clip(context.iss, 128),
      kid: clip(verified.header.kid),
    }),
  };
}

const REHEARSALS = 2;
const REHEARSAL_METRICS = { namespace: 'rehearsal', disabled: false };
// What the rehearsal decides on: a compact JWS that names no issuer, and a method ARN.
const REHEARSAL_TOKEN = `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.AA`;
const REHEARSAL_ARN = 'arn:aws:execute-api:us-east-1:000000000000:rehearsal/stage/GET/';

/**
 * Where a refused token says it comes from (its `iss` and `kid`), for the log only: useful to
 * spot an issuer missing from the configuration, or a rotation problem. Neither is verified, and
 * anyone can write them: clipped and made printable (clip). A token too long to verify is not
 * decoded for the log either, so a refusal costs no more than the length check that made it.
 */
function unverifiedOrigin(authorization: string | undefined): { iss?: string; kid?: string } {
  try {
    const token = bearerToken(authorization);
    if (token.length > MAX_TOKEN_LENGTH) return {};
    const iss = clip(decodeJwt(token).iss, 128);
    const kid = clip(decodeProtectedHeader(token).kid);
    return { ...(iss ? { iss } : {}), ...(kid ? { kid } : {}) };
  } catch {
    return {};
  }
}

const initCode = (issuer: boolean, status: 'loaded' | 'pending') =>
  issuer
    ? status === 'loaded'
      ? 'keys_prefetched'
      : 'keys_prefetch_pending'
    : status === 'loaded'
      ? 'api_keys_loaded'
      : 'api_keys_pending';

function causeMessage(error: Error): string | undefined {
  const cause = error.cause;
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
