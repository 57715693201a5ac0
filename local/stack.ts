import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAuthServer, type AuthServer } from './auth-server.ts';
import { DEFAULT_PORTS as LOCAL_DEFAULT_PORTS, LOCAL_STAGE } from '../tools/local-endpoints.ts';
import { createTables, newNamespace, startDynamoLocal } from './dynamo.ts';
import { pickFreePorts, portIsFree } from './ports.ts';
import { stopChild } from './processes.ts';
import { startGatewayFront, type AuthorizerMode, type GatewayFront } from './api-gateway/front.ts';
import type { GatewayStats } from './api-gateway/model.ts';
import { loadServiceDefinition, type ServiceDefinition } from './api-gateway/service.ts';
import { buildReferenceSite, REFERENCE_PATHS, type ReferenceSite } from './reference-site.ts';
import { startLocalSecret } from './secrets-manager.ts';
import type { RouteRow } from '../tools/route-table.ts';
import { loadIssuerRules, type IssuerRules } from '../src/issuers/issuer-config.ts';
import type { Layer1, NativeReadings } from './api-gateway/service.ts';
import { jwtConfigurationOf } from './api-gateway/jwt-configuration.ts';

/**
 * The whole service on localhost: the OAuth servers, DynamoDB Local with the tables, `sls
 * offline` running the real authorizer and handlers against them as a Lambda runtime, a
 * Secrets Manager stand-in holding the usage plans' key secret, and in front the local API
 * Gateway (local/api-gateway/front.ts) answering as the deployed REST API does. `npm start`, the end-to-end tests and the load run all start it through here.
 */
export interface StackPorts {
  /** The local API Gateway: the API, the OpenAPI document and the reference page. */
  readonly api: number;
  /** serverless-offline's Lambda invoke endpoint, which the local gateway calls. */
  readonly lambda: number;
  /** serverless-offline's own HTTP server (not the API: kept for comparisons). */
  readonly offline: number;
  readonly issuer: number;
  /** The second auth server the API trusts at the same time. */
  readonly partner: number;
  readonly dynamo: number;
}

export interface StackOptions {
  readonly ports: StackPorts;
  /** Where each auth server keeps its private signing keys (created on first start). */
  readonly keysDir: string;
  /** Where sls offline's output goes (default: kept in memory, shown if start-up fails). */
  readonly onOutput?: (chunk: string) => void;
  /** Extra environment for the functions (e.g. AUTH_* tuning). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * `sls --param key=value` for both `sls print` and `sls offline` (e.g. authorizerTtl: '0').
   * `usagePlans` replaces the local plans (localUsagePlans below); `layer1: 'native'` puts API
   * Gateway's native JWT authorizer in front (default: env LAYER1, else our authorizer).
   */
  readonly params?: Readonly<Record<string, string>>;
  /** With layer1 native: how the local JWT authorizer reads what AWS does not document. */
  readonly nativeReadings?: NativeReadings;
  /** `per-route`: the classic authorizer blueprint's Allow for `event.methodArn` only. */
  readonly authorizer?: AuthorizerMode;
  /**
   * Called after each request the local gateway answers, with its access-log line in the
   * deployed format (`npm start -- --verbose`).
   */
  readonly onRequest?: (accessLogLine: string) => void;
  /** Build and serve the reference page (about half a second; default true). */
  readonly reference?: boolean;
  /** More AUTH_ISSUERS entries beside the two local auth servers (tests). */
  readonly extraIssuers?: readonly Readonly<Record<string, unknown>>[];
  /**
   * A DynamoDB Local of the stack's own that keeps its tables in files here rather than in
   * memory, even under jest (whose shared instance nobody may restart): what
   * `restartDynamo()` needs.
   */
  readonly dynamoDataDir?: string;
  /** The clock of the local gateway's authorizer cache and throttling (tests). */
  readonly now?: () => number;
}

export interface LocalStack {
  /** The stage's URL on the local API Gateway: `http://127.0.0.1:3000/dev`. */
  readonly apiUrl: string;
  /** The same stage straight on serverless-offline's HTTP server (no gateway model). */
  readonly offlineUrl: string;
  /**
   * The `x-api-key` serverless-offline's own server wants on the routes (they are `private`): a
   * key it makes up at start, not one of the usage plans', which only the local gateway knows.
   */
  readonly offlineApiKey: string | undefined;
  /** The OpenAPI document and the reference page, when built. */
  readonly documentUrl?: string;
  readonly referenceUrl?: string;
  /** The authorizer's TTL the local gateway caches with (serverless.yml, or --param). */
  readonly authorizerTtl: number;
  /** Which layer 1 the local gateway runs: our Lambda authorizer, or the native JWT authorizer. */
  readonly layer1: Layer1;
  /** The trusted issuers as the functions read them (AUTH_ISSUERS of the stack). */
  readonly issuerRules: IssuerRules;
  /** The stage's limits and the usage plans the local gateway throttles with. */
  readonly throttling: ServiceDefinition['throttling'];
  /** The route table the local gateway serves (`npm run routes`). */
  readonly routes: readonly RouteRow[];
  /** What the local gateway did so far: authorizer invocations, cache hits, handler calls. */
  gatewayStats(): GatewayStats;
  /** oidc-provider, trusted as an RFC 9068 issuer (as a generic one behind the native authorizer). */
  readonly auth: AuthServer;
  /** A second oidc-provider with keys of its own, trusted at the same time (preset generic). */
  readonly partner: AuthServer;
  readonly dynamoEndpoint: string;
  /** A token from the real token endpoint, for one of local/clients.json's clients. */
  tokenFor(clientId: string, scope?: string): Promise<string>;
  /**
   * Kills DynamoDB Local (SIGKILL: a crash, requests in flight unanswered) and starts it again on
   * the same port and data files; resolves once it answers. Needs `dynamoDataDir`.
   */
  restartDynamo(): Promise<void>;
  /**
   * Kills the Lambda runtime (sls offline and every function worker it runs, SIGKILL) and starts
   * it again on the same ports; resolves once it answers. Every function then cold-starts, with
   * empty caches, as in freshly recycled Lambda containers.
   */
  restartRuntime(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Stage params that lift the throttling far above what this machine can send: for the load run
 * and the chaos soak, which measure the service, not its limits (429s would hide what they look
 * for; the end-to-end suite tests the limits themselves).
 */
export const UNTHROTTLED_PARAMS: Readonly<Record<string, string>> = {
  throttleRateLimit: '10000',
  throttleBurstLimit: '5000',
  usagePlans: JSON.stringify({ default: { rateLimit: 10_000, burstLimit: 5000 } }),
};

export const DEFAULT_PORTS: StackPorts = LOCAL_DEFAULT_PORTS;
const STAGE = LOCAL_STAGE;
// The tables' names serverless.yml gives the stage (`${self:service}-${sls:stage}-users`, ...).
const TABLE_PREFIX = `two-layer-authz-${STAGE}`;
const ROOT = join(import.meta.dirname, '..');
const READY_TIMEOUT_MS = 90_000;

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly port: number;
  readonly role: string;
  constructor(role: string, port: number) {
    super(`port ${port} (${role}) is already in use`);
    this.role = role;
    this.port = port;
  }
}

/** Fails fast, naming the port, rather than letting three servers half-start. */
async function assertPortsFree(ports: StackPorts): Promise<void> {
  for (const [role, port] of Object.entries(ports)) {
    if (port === 0) continue;
    if (!(await portIsFree(port))) throw new PortInUseError(role, port);
  }
}

/** Free loopback ports, for tests that run next to a developer's own `npm start`. */
export async function freePorts(): Promise<StackPorts> {
  const [api, lambda, offline, issuer, partner, dynamo] = (await pickFreePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { api, lambda, offline, issuer, partner, dynamo };
}

export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const { ports } = options;
  await assertPortsFree(ports);
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const auth = await startAuthServer({
      port: ports.issuer,
      keysFile: join(options.keysDir, 'jwks.json'),
    });
    cleanups.push(() => auth.close());
    const partner = await startAuthServer({
      port: ports.partner,
      keysFile: join(options.keysDir, 'partner-jwks.json'),
    });
    cleanups.push(() => partner.close());
    // The usage plans' key secret, as the deployed authorizer reads it at init.
    const keySecret = await startLocalSecret(`two-layer-authz-${STAGE}-api-keys`);
    cleanups.push(() => keySecret.close());
    // DynamoDB Local (a JVM, about 1.5 s) starts while sls offline does: the functions need the
    // tables only when the first request comes. Under jest, the test run's shared instance.
    const dbPath = options.dynamoDataDir;
    const shared = dbPath ? undefined : process.env.TEST_DYNAMODB_ENDPOINT;
    const dynamo = newNamespace(shared ?? `http://127.0.0.1:${ports.dynamo}`);
    let server = shared ? undefined : startDynamoLocal(ports.dynamo, dbPath ? { dbPath } : {});
    server?.catch(() => undefined);
    cleanups.push(async () => (await server?.catch(() => undefined))?.close());
    const tables = (server ?? Promise.resolve()).then(() => createTables(dynamo, TABLE_PREFIX));
    tables.catch(() => undefined);

    const layer1 = layer1Of(options.params?.layer1 ?? process.env.LAYER1);
    const params = {
      layer1,
      // The native authorizer cannot name a client's API key: one plan for everyone.
      usagePlans: layer1 === 'native' ? NATIVE_USAGE_PLANS : localUsagePlans(auth),
      ...options.params,
    };
    // `sls print` (about a second) runs while sls offline builds and starts.
    const service = loadServiceDefinition(ROOT, { params, stage: STAGE });
    service.catch(() => undefined);
    const offlineEnv = {
      // Two issuers at once, each verified with its own keys and rules. No jwksUrl: the
      // authorizer reads jwks_uri from each issuer's discovery document, as it would for most
      // production auth servers. oidc-provider issues RFC 9068 access tokens (typ at+jwt).
      AUTH_ISSUERS: JSON.stringify([
        ...localIssuers(auth, partner, layer1),
        ...(options.extraIssuers ?? []),
      ]),
      // A rotated key is picked up within a second (the e2e tests rotate keys).
      AUTH_JWKS_COOLDOWN_SECONDS: '1',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      API_KEYS_SECRET_ID: keySecret.secretId,
      SECRETS_MANAGER_ENDPOINT: keySecret.endpoint,
      // serverless-offline copies AWS_* into every function: the key selects the namespace.
      AWS_ACCESS_KEY_ID: dynamo.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamo.secretAccessKey,
      ...options.env,
    };
    const issuerRules = loadIssuerRules(offlineEnv);
    // An entry the native authorizer cannot express stops the stack now, naming it, before sls
    // offline starts.
    if (layer1 === 'native') jwtConfigurationOf(issuerRules);
    let offline = spawnOffline(ports, params, offlineEnv);
    cleanups.push(() => stopChild(offline.child, { group: true }));
    offline.onOutput(options.onOutput);
    const offlineUrl = `http://127.0.0.1:${ports.offline}/${STAGE}`;
    const apiOrigin = `http://127.0.0.1:${ports.api}`;
    const site: Promise<ReferenceSite | undefined> =
      options.reference === false
        ? Promise.resolve(undefined)
        : service.then((definition) =>
            buildReferenceSite(
              ROOT,
              { tokenUrl: auth.tokenUrl, localApiUrl: `${apiOrigin}/${STAGE}` },
              definition.table,
            ),
          );
    site.catch(() => undefined);
    await waitUntilReady(`${offlineUrl}/me`, offline);
    await tables;
    const reference = await site;
    if ((await service).layer1 !== layer1)
      throw new Error(`sls print resolved layer1 to ${(await service).layer1}, not ${layer1}`);
    const front: GatewayFront = await startGatewayFront({
      port: ports.api,
      service: await service,
      lambdaUrl: `http://127.0.0.1:${ports.lambda}`,
      ...(options.authorizer ? { authorizer: options.authorizer } : {}),
      ...(reference ? { extra: reference.handle } : {}),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
      ...(options.now ? { now: options.now } : {}),
      apiKeysSecret: keySecret.secret,
      ...(layer1 === 'native'
        ? {
            native: {
              // The same issuer rules the functions read, from the same variables.
              rules: issuerRules,
              ...(options.nativeReadings ? { readings: options.nativeReadings } : {}),
            },
          }
        : {}),
    });
    cleanups.push(() => front.close());

    return {
      apiUrl: front.url,
      offlineUrl,
      offlineApiKey: /Key with token: '([^']+)'/.exec(offline.output())?.[1],
      ...(reference
        ? {
            documentUrl: `${front.origin}${REFERENCE_PATHS.document}`,
            referenceUrl: `${front.origin}${REFERENCE_PATHS.page}`,
          }
        : {}),
      authorizerTtl: (await service).authorizer.resultTtlInSeconds,
      layer1,
      issuerRules,
      throttling: (await service).throttling,
      routes: (await service).table.routes,
      gatewayStats: () => front.stats(),
      auth,
      partner,
      dynamoEndpoint: dynamo.endpoint,
      tokenFor: (clientId, scope) => requestToken(auth, clientId, scope),
      async restartDynamo() {
        if (!dbPath || !server)
          throw new Error('restartDynamo needs a DynamoDB Local of the stack (dynamoDataDir)');
        await (await server).crash();
        server = startDynamoLocal(ports.dynamo, { dbPath });
        await server;
      },
      async restartRuntime() {
        await stopChild(offline.child, { group: true, crash: true });
        offline = spawnOffline(ports, params, offlineEnv);
        offline.onOutput(options.onOutput);
        await waitUntilReady(`${offlineUrl}/me`, offline);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The AUTH_ISSUERS entries of the local stack: what a user writes for their own servers.
 *
 * Behind the native JWT authorizer the first server is trusted as `generic`, not `rfc9068`: the
 * RFC 9068 preset tells an access token from an ID token by the `typ` header (at+jwt), which the
 * native authorizer neither checks nor passes on, so a deploy would refuse that entry. As generic,
 * an ID token is still kept out: oidc-provider's ID tokens name the client in `aud`, never the
 * API's audience (which no client id equals), so the gateway refuses them; one that named the
 * API anyway is refused by layer 2 for its ID-token claims (nonce, at_hash, c_hash). Both entries
 * list the algorithms the servers sign with: the native authorizer takes one list of RS/ES
 * algorithms for every issuer, and the default list has EdDSA.
 */
export const localIssuers = (
  auth: Pick<AuthServer, 'issuer' | 'audience'>,
  partner: Pick<AuthServer, 'issuer' | 'audience'>,
  layer1: Layer1,
) =>
  layer1 === 'native'
    ? [
        {
          issuer: auth.issuer,
          preset: 'generic',
          audience: auth.audience,
          algorithms: NATIVE_ALGS,
        },
        {
          issuer: partner.issuer,
          preset: 'generic',
          audience: partner.audience,
          algorithms: NATIVE_ALGS,
        },
      ]
    : [
        { issuer: auth.issuer, preset: 'rfc9068', audience: auth.audience },
        { issuer: partner.issuer, preset: 'generic', audience: partner.audience },
      ];
// oidc-provider signs access tokens with ES256 and publishes an RS256 key besides.
const NATIVE_ALGS = ['ES256', 'RS256'];

/** serverless.yml's default plan for every client: the native authorizer names no API key. */
const NATIVE_USAGE_PLANS = JSON.stringify({ default: { rateLimit: 50, burstLimit: 100 } });

function layer1Of(value: string | undefined): Layer1 {
  const layer1 = value?.trim() || 'lambda';
  if (layer1 !== 'lambda' && layer1 !== 'native')
    throw new Error(
      `layer1 is lambda (our authorizer) or native (the JWT authorizer), not "${layer1}"`,
    );
  return layer1;
}

/**
 * The local USAGE_PLANS: serverless.yml's default plan for every client, and a small plan for the
 * `limited` client of the first auth server (the same client id at the second server is another
 * client: it gets the default plan), to see a 429 by hand: five requests at once, then one a
 * second, twenty a day.
 */
export const localUsagePlans = (auth: AuthServer): string =>
  JSON.stringify({
    default: { rateLimit: 50, burstLimit: 100 },
    trial: {
      rateLimit: 1,
      burstLimit: 5,
      quota: { limit: 20, period: 'DAY' },
      clients: [{ issuer: auth.issuer, clientId: 'limited' }],
    },
  });

interface Offline {
  readonly child: ChildProcess;
  output(): string;
  onOutput(listener: ((chunk: string) => void) | undefined): void;
}

function spawnOffline(
  ports: StackPorts,
  params: Readonly<Record<string, string>>,
  env: Record<string, string>,
): Offline {
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'sls'),
    [
      'offline',
      'start',
      '--stage',
      STAGE,
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(ports.offline),
      '--lambdaPort',
      String(ports.lambda),
      ...Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
    ],
    {
      cwd: ROOT,
      // Its own process group, so stopping it also stops the workers it forks.
      detached: true,
      env: {
        ...process.env,
        ...env,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let listener: ((chunk: string) => void) | undefined;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    listener?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output: () => output, onOutput: (l) => (listener = l) };
}

async function waitUntilReady(url: string, offline: Offline): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (offline.child.exitCode !== null)
      throw new Error(`sls offline exited (${offline.child.exitCode}):\n${offline.output()}`);
    try {
      // Any HTTP answer (401 without a token) means the routes are up.
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(
    `sls offline did not answer ${url} within ${READY_TIMEOUT_MS / 1000} s:\n${offline.output()}`,
  );
}

/** The standard client-credentials request, as any client of the auth server makes it. */
export async function requestToken(
  auth: AuthServer,
  clientId: string,
  scope?: string,
): Promise<string> {
  const client = auth.clients.find((c) => c.id === clientId);
  if (!client) throw new Error(`no local client "${clientId}" in local/clients.json`);
  const response = await fetch(auth.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: scope ?? client.scope }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`token request for ${clientId} failed: ${response.status} ${body.error}`);
  return body.access_token;
}
