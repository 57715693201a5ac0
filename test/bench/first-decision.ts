import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Format, type Platform } from 'esbuild';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { parse } from 'yaml';
import { startLocalSecret } from '../../local/secrets-manager.ts';
import { summarise, type Stats } from './measure.ts';

/**
 * Cold start to first decision: fresh Node processes import a bundle (the Lambda init), then make
 * two decisions on two real RS256 tokens, against an issuer on loopback that answers discovery and
 * the JWKS after an added delay, the round trip to a real auth server. Two tokens, so that the
 * second decision does the work of the first (the same token again would be answered from the
 * authorizer's cache of verified tokens). The authorizer bundle is
 * the one `sls package` built (cold-start.ts unzips it); the anchor is jose alone
 * (jose-anchor.ts), built here with the same esbuild settings.
 */
export const ISSUER_LATENCY_MS = 50;
/** How long an "initialised ahead" container sits between its init and its first request. */
export const AHEAD_WAIT_MS = 300;

export const VARIANTS = {
  discoveryOnDemand: 'discovery (issuer only), on demand',
  discoveryAhead: `discovery (issuer only), initialised ahead (${AHEAD_WAIT_MS} ms idle)`,
  jwksOnDemand: 'known JWKS URL, on demand',
  jwksAhead: `known JWKS URL, initialised ahead (${AHEAD_WAIT_MS} ms idle)`,
  plansOnDemand: 'known JWKS URL and usage plans (key secret read at init), on demand',
  jose: 'plain jose (createRemoteJWKSet + jwtVerify), known JWKS URL',
} as const;
export type VariantKey = keyof typeof VARIANTS;

export interface FirstDecisionStats {
  readonly name: string;
  /** Loading and evaluating the bundle, up to its first network request (or to the end), ns. */
  readonly importTime: Stats;
  /** The whole init: until the module's top-level work (await included) is done, ns. */
  readonly init: Stats;
  readonly first: Stats;
  readonly second: Stats;
  /** init + first decision − import, per process: what the network work cost the caller, ns. */
  readonly overImport: Stats;
  /** The most requests any first decision sent (0: it never waited on the network). */
  readonly firstDecisionRequests: number;
}

export interface FirstDecisionResult {
  readonly runs: number;
  readonly variants: Record<VariantKey, FirstDecisionStats>;
  /** Node's HTTP clients in a fresh process, against loopback without added delay, ns. */
  readonly httpClients: Record<
    'fetch' | 'nodeHttp',
    { readonly first: Stats; readonly second: Stats }
  >;
}

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, '.serverless', 'bench-cold', 'jose-anchor');
const AUDIENCE = 'https://api.example.test';
const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/dev/GET/users/42';
const run = promisify(execFile);

// What the child runs. node:http first, as the Lambda runtime loads it before the handler (see
// cold-start.ts). node:http's request (the authorizer's key fetches, on plain HTTP here) and the
// global fetch (plain jose's) are wrapped to note when the first request leaves and how many do,
// without changing what the first one costs. ESM imports of a built-in module see the wrapper once
// syncBuiltinESMExports has run.
const DECIDE = `
const http = (await import('node:http')).default;
let requests = 0;
let firstRequestAt;
const counted = (send) => (...args) => {
  requests += 1;
  firstRequestAt ??= performance.now();
  return send(...args);
};
http.request = counted(http.request);
http.get = counted(http.get);
(await import('node:module')).syncBuiltinESMExports();
globalThis.fetch = counted(globalThis.fetch);
const eventOf = (token) => ({ type: 'TOKEN', authorizationToken: 'Bearer ' + token, methodArn: ${JSON.stringify(ARN)} });
const allowed = (result) => result?.policyDocument?.Statement?.[0]?.Effect === 'Allow';
const t0 = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE);
const t1 = performance.now();
const wait = Number(process.env.BENCH_WAIT_MS);
if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
const before = requests;
const t2 = performance.now();
const first = await handler(eventOf(process.env.BENCH_TOKEN));
const t3 = performance.now();
const firstRequests = requests - before;
const second = await handler(eventOf(process.env.BENCH_TOKEN_2));
const t4 = performance.now();
if (!allowed(first) || !allowed(second)) throw new Error('the token was not allowed');
const importMs = Math.min(firstRequestAt ?? t1, t1) - t0;
process.stdout.write('\\nBENCH ' + JSON.stringify({ importMs, initMs: t1 - t0, firstMs: t3 - t2, secondMs: t4 - t3, firstRequests }) + '\\n');
`;

// Node's two HTTP clients in a fresh process, each asked twice: the first call pays for loading
// the client, the second is the request alone.
const TWICE = (get: string) => `
const http = (await import('node:http')).default;
const get = ${get};
const t0 = performance.now();
await get();
const t1 = performance.now();
await get();
const t2 = performance.now();
process.stdout.write('\\nBENCH ' + JSON.stringify({ firstMs: t1 - t0, secondMs: t2 - t1 }) + '\\n');
`;
const FETCH_TWICE = TWICE('async () => (await fetch(process.env.BENCH_PING)).text()');
const NODE_HTTP_TWICE = TWICE(`() => new Promise((resolve, reject) =>
  http.get(process.env.BENCH_PING, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject))`);

export async function benchFirstDecision(
  authorizerBundle: string,
  runs: number,
): Promise<FirstDecisionResult> {
  const anchorBundle = await buildAnchor();
  const issuer = await startSlowIssuer();
  // The usage plans' key secret, from a Secrets Manager stand-in as far away as the issuer.
  const secret = await startLocalSecret('bench-api-keys', undefined, ISSUER_LATENCY_MS);
  try {
    const [token, token2] = await Promise.all([issuer.sign(), issuer.sign()]);
    const jobs: {
      key: VariantKey | 'fetch' | 'http';
      script: string;
      env: Record<string, string>;
    }[] = [
      ...(
        [
          'discoveryOnDemand',
          'discoveryAhead',
          'jwksOnDemand',
          'jwksAhead',
          'plansOnDemand',
          'jose',
        ] as const
      ).map((key) => ({
        key,
        script: DECIDE,
        env: {
          AUTH_ISSUER: issuer.url,
          AUTH_AUDIENCE: AUDIENCE,
          ...(key.startsWith('discovery') ? {} : { AUTH_JWKS_URL: `${issuer.url}/jwks.json` }),
          ...(key === 'plansOnDemand'
            ? {
                USAGE_PLANS: '{"default":{"rateLimit":50,"burstLimit":100}}',
                API_KEYS_SECRET_ID: secret.secretId,
                SECRETS_MANAGER_ENDPOINT: secret.endpoint,
                AWS_REGION: 'eu-west-1',
                AWS_ACCESS_KEY_ID: 'bench',
                AWS_SECRET_ACCESS_KEY: 'bench',
              }
            : {}),
          BENCH_BUNDLE: pathToFileURL(key === 'jose' ? anchorBundle : authorizerBundle).href,
          BENCH_TOKEN: token,
          BENCH_TOKEN_2: token2,
          BENCH_WAIT_MS: String(key.endsWith('Ahead') ? AHEAD_WAIT_MS : 0),
        },
      })),
      { key: 'fetch', script: FETCH_TWICE, env: { BENCH_PING: `${issuer.url}/ping` } },
      { key: 'http', script: NODE_HTTP_TWICE, env: { BENCH_PING: `${issuer.url}/ping` } },
    ];
    const samples = new Map<string, Record<string, number>[]>(jobs.map((j) => [j.key, []]));
    for (let round = 0; round < runs; round += 1) {
      // Rotate the order so that no variant always follows the same one.
      for (let i = 0; i < jobs.length; i += 1) {
        const job = jobs[(i + round) % jobs.length]!;
        samples.get(job.key)!.push(await inFreshProcess(job.script, job.env));
      }
    }
    const ns = (key: string, field: string) => samples.get(key)!.map((s) => s[field]! * 1e6);
    const variants = Object.fromEntries(
      (Object.keys(VARIANTS) as VariantKey[]).map((key) => {
        const [imports, inits, firsts] = [
          ns(key, 'importMs'),
          ns(key, 'initMs'),
          ns(key, 'firstMs'),
        ];
        return [
          key,
          {
            name: VARIANTS[key],
            importTime: summarise('import', imports),
            init: summarise('init', inits),
            first: summarise('first decision', firsts),
            second: summarise('second decision', ns(key, 'secondMs')),
            overImport: summarise(
              'init + first decision − import',
              inits.map((init, i) => init + firsts[i]! - imports[i]!),
            ),
            firstDecisionRequests: Math.max(...samples.get(key)!.map((s) => s.firstRequests!)),
          },
        ];
      }),
    ) as Record<VariantKey, FirstDecisionStats>;
    return {
      runs,
      variants,
      httpClients: {
        fetch: {
          first: summarise('first fetch', ns('fetch', 'firstMs')),
          second: summarise('second fetch', ns('fetch', 'secondMs')),
        },
        nodeHttp: {
          first: summarise('first node:http request', ns('http', 'firstMs')),
          second: summarise('second node:http request', ns('http', 'secondMs')),
        },
      },
    };
  } finally {
    await issuer.close();
    await secret.close();
  }
}

async function inFreshProcess(
  script: string,
  env: Record<string, string>,
): Promise<Record<string, number>> {
  // The bench's own AUTH_* variables, if any, must not reach the bundle's configuration.
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('AUTH_'));
  // Asynchronous on purpose: the issuer answers from this process's event loop meanwhile.
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...Object.fromEntries(inherited), ...env },
    cwd: ROOT,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`the child printed no figures:\n${stdout}`);
  return JSON.parse(line.slice('BENCH '.length)) as Record<string, number>;
}

interface EsbuildSettings {
  readonly bundle: boolean;
  readonly minify: boolean;
  readonly sourcemap: boolean;
  readonly format: Format;
  readonly outputFileExtension: string;
  readonly platform: Platform;
  readonly target: string;
  readonly exclude: string[];
  readonly banner: Record<string, string>;
}

/** jose-anchor.ts, bundled with serverless.yml's own esbuild settings (custom.esbuild). */
async function buildAnchor(): Promise<string> {
  const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
    custom: { esbuild: EsbuildSettings };
  };
  const settings = yml.custom.esbuild;
  const outfile = join(OUT, `jose-anchor${settings.outputFileExtension}`);
  await build({
    entryPoints: [join(import.meta.dirname, 'jose-anchor.ts')],
    outfile,
    bundle: settings.bundle,
    minify: settings.minify,
    sourcemap: settings.sourcemap,
    format: settings.format,
    platform: settings.platform,
    target: settings.target,
    external: settings.exclude,
    banner: settings.banner,
    logLevel: 'warning',
  });
  return outfile;
}

interface SlowIssuer {
  readonly url: string;
  /** A new token each time (its own jti). */
  sign(): Promise<string>;
  close(): Promise<void>;
}

/**
 * An issuer on loopback, plain HTTP, whose discovery document and JWKS answer after
 * ISSUER_LATENCY_MS; `/ping` answers at once (for the HTTP client's own first-use cost).
 */
async function startSlowIssuer(): Promise<SlowIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = 'bench-rs256';
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256' }] });
  let url = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/ping') {
      res.end('pong');
      return;
    }
    const body =
      req.url === '/.well-known/openid-configuration'
        ? JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks.json` })
        : req.url === '/jwks.json'
          ? jwks
          : undefined;
    setTimeout(() => {
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }, ISSUER_LATENCY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sign: () =>
      new SignJWT({ scope: 'users:read', jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
        .setIssuer(url)
        .setAudience(AUDIENCE)
        .setSubject('bench-user')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
