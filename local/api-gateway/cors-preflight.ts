import { createRequire } from 'node:module';
import type { ServiceConfig } from '../../tools/serverless-config.ts';

/**
 * The CORS preflight Serverless deploys for each resource whose http events say `cors:`: an
 * OPTIONS method with a mock integration, no authorizer, answering 200 with these headers
 * (docs/api-gateway-authorizers.md G9). Each event's settings are resolved by Serverless's own
 * `getCors` (its defaults, `cors: true` included); the events of one path are merged and turned
 * into headers as its CloudFormation compiler does, and the route contract test holds the result
 * to the OPTIONS methods `sls package` writes.
 */
interface CorsSettings {
  readonly origin?: string;
  readonly origins?: readonly string[];
  readonly headers: readonly string[];
  readonly methods: readonly string[];
  readonly allowCredentials?: boolean;
  readonly maxAge?: number;
  readonly cacheControl?: string;
}

const require = createRequire(import.meta.url);
// Internal to osls (pinned in package.json); a change there fails the route contract test.
const { getCors } =
  require('serverless/lib/plugins/aws/package/compile/events/api-gateway/lib/validate.js') as {
    getCors(http: { method: string; cors: unknown }): CorsSettings;
  };

/** Resource template (`/users/{userId}`) → the preflight's response headers. */
export function corsPreflightOf(config: ServiceConfig): Record<string, Record<string, string>> {
  const byPath = new Map<string, CorsSettings>();
  for (const fn of Object.values(config.functions))
    for (const event of fn.events ?? []) {
      const http = event.http as { method?: string; path?: string; cors?: unknown } | undefined;
      if (!http?.cors || !http.method || http.path === undefined) continue;
      const path = `/${http.path.replace(/^\/+|\/+$/g, '')}`;
      const own = getCors({ method: http.method, cors: http.cors });
      const merged = byPath.get(path);
      byPath.set(
        path,
        merged
          ? {
              ...own,
              headers: union(own.headers, merged.headers),
              methods: union(own.methods, merged.methods),
              allowCredentials: Boolean(merged.allowCredentials || own.allowCredentials),
              maxAge: own.maxAge ?? merged.maxAge,
              cacheControl: own.cacheControl ?? merged.cacheControl,
            }
          : own,
      );
    }
  return Object.fromEntries([...byPath].map(([path, cors]) => [path, preflightHeaders(cors)]));
}

function preflightHeaders(cors: CorsSettings): Record<string, string> {
  // A list of origins is answered with the first one; the mock integration's template then
  // echoes a matching Origin, which a local gateway without templates does not.
  const origin = cors.origins?.length ? cors.origins[0]! : (cors.origin ?? '*');
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Headers': cors.headers.join(','),
    'Access-Control-Allow-Methods': cors.methods
      .join(',')
      .replace('ANY', 'DELETE,GET,HEAD,PATCH,POST,PUT'),
  };
  if (cors.allowCredentials) headers['Access-Control-Allow-Credentials'] = 'true';
  if (cors.maxAge) headers['Access-Control-Max-Age'] = String(cors.maxAge);
  if (cors.cacheControl) headers['Cache-Control'] = cors.cacheControl;
  return headers;
}

const union = (first: readonly string[], second: readonly string[]) => [
  ...new Set([...first, ...second]),
];
