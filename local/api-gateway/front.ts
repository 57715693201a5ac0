import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createGatewayModel,
  MAX_PAYLOAD_BYTES,
  type GatewayModel,
  type GatewayResponse,
  type GatewayStats,
} from './model.ts';
import { accessLogFormatOf, accessLogWriter } from './access-log.ts';
import { lambdaInvoker } from './lambda-invoke.ts';
import { perRouteAuthorizer } from './per-route-authorizer.ts';
import {
  nativeServiceGateway,
  serviceGateway,
  type NativeReadings,
  type ServiceDefinition,
} from './service.ts';
import type { IssuerRules } from '../../src/issuers/issuer-config.ts';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';

/**
 * The local API Gateway: an HTTP server on the API port that answers as the deployed REST API
 * does, by running the API Gateway model (the one the contract tests use) over the service as
 * serverless.yml resolves it. With `layer1: native`, API Gateway's JWT authorizer validates the
 * tokens (jwt-authorizer.ts) and no authorizer function runs. With our authorizer: the identity
 * header and its validation expression, the
 * authorizer cache with the configured TTL, IAM evaluation of the cached policy against each
 * request's methodArn, the usage plans' API keys and throttling (429), the gateway responses,
 * CORS preflights, unknown routes, the payload limit. The authorizer and the route functions are the real bundles, invoked through
 * serverless-offline's Lambda endpoint (local/api-gateway/lambda-invoke.ts).
 */
export type AuthorizerMode = 'stage-wide' | 'per-route';

export interface FrontOptions {
  readonly port: number;
  readonly service: ServiceDefinition;
  /** serverless-offline's Lambda invoke endpoint, e.g. `http://127.0.0.1:3002`. */
  readonly lambdaUrl: string;
  /** `per-route`: the classic authorizer blueprint's policy, to show the cache trap. */
  readonly authorizer?: AuthorizerMode;
  /** Other things the port serves outside the stage (the reference page). */
  readonly extra?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /**
   * Called once per request, after the answer, with its access-log line: the deployed stage's
   * format (serverless.yml) filled in from what the gateway model knows (access-log.ts).
   */
  readonly onRequest?: (accessLogLine: string) => void;
  /** The clock the cache and the throttling buckets run on (tests). */
  readonly now?: () => number;
  /** The key secret the authorizer's API keys start with: turns on throttling and usage plans. */
  readonly apiKeysSecret?: string;
  /**
   * With `layer1: native` (service.layer1): the trusted issuers the functions read, from which the
   * native JWT authorizer is configured, and how it reads what AWS does not document.
   */
  readonly native?: { readonly rules: IssuerRules; readonly readings?: NativeReadings };
}

export interface GatewayFront {
  /** The stage's base URL: `http://127.0.0.1:3000/dev`. */
  readonly url: string;
  readonly origin: string;
  stats(): GatewayStats;
  close(): Promise<void>;
}

/** A local-only header with what the authorizer cache did; API Gateway sends nothing like it. */
export const CACHE_HEADER = 'x-local-authorizer-cache';

// Kept past the limit so the model sees the body is too large, without buffering all of it.
const READ_LIMIT = MAX_PAYLOAD_BYTES + 16;

export async function startGatewayFront(options: FrontOptions): Promise<GatewayFront> {
  const { service } = options;
  const stage = service.config.provider.stage;
  const lambda = lambdaInvoker(options.lambdaUrl);
  const verify = lambda.invoke(service.authorizer.functionName) as (
    event: APIGatewayTokenAuthorizerEvent,
  ) => Promise<APIGatewayAuthorizerResult>;
  const routes = service.routes.map((route) => ({
    method: route.method,
    path: route.path,
    name: route.functionName,
    handler: lambda.invoke(route.functionName),
    apiKeyRequired: route.apiKeyRequired,
  }));
  const model: GatewayModel = createGatewayModel({
    ...(service.layer1 === 'native'
      ? nativeGateway(service, routes, options)
      : serviceGateway(service, routes, {
          authorizer: options.authorizer === 'per-route' ? perRouteAuthorizer(verify) : verify,
          ...(options.apiKeysSecret === undefined ? {} : { apiKeysSecret: options.apiKeysSecret }),
        })),
    stage,
    region: service.config.provider.region,
    ...(options.now ? { now: options.now } : {}),
  });

  const writeAccessLog = options.onRequest && accessLogWriter(accessLogFormatOf(service.config));
  const logged = (request: IncomingMessage, answered: GatewayResponse) => {
    if (writeAccessLog && answered.trace)
      options.onRequest!(
        writeAccessLog({ response: answered, trace: answered.trace, sourceIp: peerOf(request) }),
      );
  };
  const server = createServer((request, response) => {
    if (options.extra?.(request, response)) return;
    void answer(request, model, stage)
      .then((answered) => {
        send(response, answered, request.method === 'HEAD');
        logged(request, answered);
      })
      .catch(() => {
        // Only a bug in the front, or a function answering headers HTTP cannot carry, gets
        // here: answer as API Gateway's own 500 would, if nothing was sent yet.
        if (response.headersSent) return response.destroy();
        const failed = model.answer('DEFAULT_5XX', 'Internal server error', request.method);
        send(response, failed, false);
        logged(request, failed);
      });
  });
  // A gateway keeps connections open between requests, as API Gateway does.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/${stage}`,
    origin,
    stats: () => model.stats(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      lambda.close();
    },
  };
}

/** Layer 1 as API Gateway's native JWT authorizer: no Lambda authorizer is ever invoked. */
function nativeGateway(
  service: ServiceDefinition,
  routes: Parameters<typeof nativeServiceGateway>[1],
  options: FrontOptions,
) {
  if (!options.native)
    throw new Error(
      'layer1 is native: the local gateway needs the issuer rules the functions read',
    );
  if (options.authorizer === 'per-route')
    throw new Error(
      '--authorizer per-route replaces our Lambda authorizer; with layer1=native there is none',
    );
  return nativeServiceGateway(service, routes, {
    rules: options.native.rules,
    ...(options.native.readings ? { readings: options.native.readings } : {}),
    throttled: options.apiKeysSecret !== undefined,
  });
}

async function answer(
  request: IncomingMessage,
  model: GatewayModel,
  stage: string,
): Promise<GatewayResponse> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const prefix = `/${stage}`;
  const body = await readBody(request);
  // Outside the stage nothing is deployed: API Gateway answers as for an unknown route.
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`))
    return model.answer(
      'MISSING_AUTHENTICATION_TOKEN',
      'Missing Authentication Token',
      request.method,
    );
  const { headers, multiValueHeaders } = headersOf(request);
  return model.request({
    method: request.method ?? 'GET',
    path: url.pathname.slice(prefix.length) || '/',
    headers,
    multiValueHeaders,
    query: queryOf(url.searchParams),
    ...(body === undefined ? {} : { body }),
  });
}

/** The body as text, cut a little past API Gateway's limit (the model refuses it then). */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    if (size >= READ_LIMIT) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  if (size === 0) return undefined;
  return Buffer.concat(chunks).subarray(0, READ_LIMIT).toString('utf8');
}

/**
 * Headers with the client's own spelling, as API Gateway REST passes them on: a header sent more
 * than once has its last value in `headers` and every value in `multiValueHeaders`.
 */
function headersOf(request: IncomingMessage): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const value = raw[i + 1]!;
    const name =
      Object.keys(headers).find((key) => key.toLowerCase() === raw[i]!.toLowerCase()) ?? raw[i]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function queryOf(params: URLSearchParams): Record<string, string | string[]> | undefined {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  return Object.keys(query).length ? query : undefined;
}

function send(response: ServerResponse, answered: GatewayResponse, head: boolean): void {
  const headers: Record<string, string | number> = { ...answered.headers };
  const cache = cacheHeader(answered);
  if (cache) headers[CACHE_HEADER] = cache;
  headers['content-length'] = Buffer.byteLength(answered.body);
  response.writeHead(answered.statusCode, headers);
  response.end(head ? undefined : answered.body);
}

function cacheHeader(answered: GatewayResponse): string | undefined {
  if (answered.authorizer === 'not-called') return undefined;
  const state = answered.authorizer === 'cached' ? 'hit' : 'miss';
  const left = answered.authorizerCacheTtlLeftMs;
  return left === undefined ? `${state}; not cached` : `${state}; ttl=${Math.ceil(left / 1000)}`;
}

/** The TCP peer, as API Gateway's `$context.identity.sourceIp` has it (no IPv4-mapped prefix). */
function peerOf(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');
}
