import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { loadLocalClients, type LocalClient, type LocalClients } from './local-clients.ts';

export type { LocalClient };

/**
 * The local OAuth 2.0 authorization server: oidc-provider (a certified OpenID/OAuth server), not
 * a token helper. Clients use the standard protocol: `POST /token` with client credentials
 * (`client_secret_basic`), discovery at `/.well-known/openid-configuration`, keys at its
 * `jwks_uri`. Access tokens are JWTs for this API (resource indicators, `accessTokenFormat:
 * 'jwt'`), so layer 1 verifies them exactly as it verifies a production auth server's.
 */
export interface AuthServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Private signing keys; generated on first start and kept here (out of git). */
  readonly keysFile: string;
  /** Default: local/clients.json, checked and completed from the routes (local-clients.ts). */
  readonly clients?: LocalClients;
}

export interface AuthServer {
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly audience: string;
  readonly clients: readonly LocalClient[];
  /** Signs from now on with a new key (new kid); the old public key stays in the JWKS. */
  rotateKeys(): Promise<string>;
  /**
   * Publishes a new key without signing with it yet, as issuers do ahead of a rotation (keys
   * enter the JWKS before they sign anything, so verifiers have them in time); the next
   * `rotateKeys()` signs with it. Returns its kid.
   */
  announceKey(): Promise<string>;
  /**
   * Removes a key from the JWKS: the end of a rotation's grace period, after which tokens it
   * signed no longer verify. The key new tokens are signed with cannot be retired.
   */
  retireKey(kid: string): Promise<void>;
  /** The kids the JWKS publishes now. */
  publishedKids(): string[];
  /**
   * Puts the issuer's keys out of reach until called again with `undefined`. `down`: nothing
   * listens on its port, so discovery, the JWKS and the token endpoint all refuse connections
   * (the host is down). `failing`: the JWKS endpoint answers 503 while discovery and the token
   * endpoint work (keys served from another host, or a CDN, that fails).
   */
  jwksOutage(mode: JwksOutage | undefined): Promise<void>;
  /** The kid new tokens are signed with. */
  currentKid(): string;
  close(): Promise<void>;
}

export type JwksOutage = 'down' | 'failing';

const HOST = '127.0.0.1';
// oidc-provider's JWKS route (its default), which discovery names as jwks_uri.
const JWKS_PATH = '/jwks';

export async function startAuthServer({
  port,
  keysFile,
  clients: local = loadLocalClients(),
}: AuthServerOptions): Promise<AuthServer> {
  let keys = await loadOrCreateKeys(keysFile);
  let server: Server | undefined = await listen(port);
  const actualPort = (server.address() as AddressInfo).port;
  // http on loopback only: the authorizer's config refuses plain http anywhere else.
  const issuer = `http://${HOST}:${actualPort}`;
  let outage: JwksOutage | undefined;
  let provider = createProvider(issuer, keys, local);
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    if (outage === 'failing' && request.url?.split('?')[0] === JWKS_PATH) {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      response.end('{"error":"temporarily_unavailable"}');
      return;
    }
    void provider(request, response);
  };
  mount(server, handle);

  /** oidc-provider reads its keys once: a new provider with these keys takes over the port. */
  let announced: string | undefined;
  function publish(next: JWK[]): void {
    keys = next;
    writeFileSync(keysFile, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
    provider = createProvider(issuer, keys, local);
  }

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    audience: local.audience,
    clients: local.clients,
    currentKid: () => keys[0]!.kid!,
    publishedKids: () => keys.map((k) => k.kid!),
    async announceKey() {
      const next = await generateKey('ES256');
      announced = next.kid!;
      publish([...keys, next]);
      server?.closeIdleConnections();
      return announced;
    },
    async rotateKeys() {
      // oidc-provider signs with the first key of the alg; keeping the old key published lets
      // tokens already issued verify until they expire, as a real rotation does.
      const next = keys.find((k) => k.kid === announced) ?? (await generateKey('ES256'));
      announced = undefined;
      const others = keys.filter((k) => k.kid !== next.kid);
      publish([
        next,
        ...others.filter((k) => k.alg === 'RS256'),
        ...others.filter((k) => k.alg === 'ES256'),
      ]);
      // Connections kept alive by clients are closed so that their next request meets the new
      // provider, as after a restart of the server.
      server?.closeIdleConnections();
      return keys[0]!.kid!;
    },
    async retireKey(kid) {
      if (kid === keys[0]!.kid) throw new Error(`${kid} signs new tokens: rotate before retiring`);
      publish(keys.filter((k) => k.kid !== kid));
      server?.closeIdleConnections();
    },
    async jwksOutage(mode) {
      outage = mode;
      if (mode === 'down' && server) {
        await close(server);
        server = undefined;
      } else if (mode !== 'down' && !server) {
        server = await listen(actualPort);
        mount(server, handle);
      }
    },
    close: async () => {
      if (server) await close(server);
      server = undefined;
    },
  };
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => unknown;

function createProvider(issuer: string, keys: readonly JWK[], local: LocalClients): RequestHandler {
  const scopes = local.scopes.join(' ');
  const ttlOf = new Map(local.clients.map((c) => [c.id, c.accessTokenTtlSeconds]));
  const provider = new Provider(issuer, {
    clients: local.clients.map((c) => ({
      client_id: c.id,
      client_secret: c.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // The scopes this client may be granted; others it asks for are dropped from the token.
      scope: c.scope,
    })),
    jwks: { keys: keys as JWK[] },
    scopes: [...local.scopes],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Clients may omit `resource`: the one API this server issues tokens for.
        defaultResource: () => local.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== local.audience) throw new Error(`unknown resource ${resource}`);
          return {
            scope: scopes,
            audience: local.audience,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx, _token, client) =>
        ttlOf.get(client.clientId) ?? local.accessTokenTtlSeconds,
    },
  });
  // Errors are answered to the client per the protocol; the server's own log stays quiet.
  provider.on('server_error', (_ctx, error) =>
    process.stderr.write(`auth server error: ${(error as Error).message}\n`),
  );
  return provider.callback();
}

function mount(server: Server, handle: RequestHandler): void {
  server.removeAllListeners('request');
  server.on('request', handle);
}

async function listen(port: number): Promise<Server> {
  const server = createServer();
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve());
  });
  return server;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function loadOrCreateKeys(file: string): Promise<JWK[]> {
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { keys: JWK[] }).keys;
  // ES256 signs the access tokens; oidc-provider also wants an RS256 key for its OpenID side.
  const keys = [await generateKey('ES256'), await generateKey('RS256')];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
  return keys;
}

async function generateKey(alg: 'ES256' | 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}
