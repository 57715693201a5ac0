import { ConfigError, readList, type Env } from '../shared/env.ts';

/**
 * The route chain's HTTP settings, read once at cold start: which browser origins may read the
 * responses (CORS_ALLOWED_ORIGINS).
 */
export interface HttpConfig {
  /** Origins allowed to read responses in a browser (`*` for any; tokens are bearer, not cookies). */
  readonly corsOrigins: readonly string[];
}

// What a browser sends in `Origin`: scheme, host and optional port, nothing else. middy's
// http-cors also matches one leading `*.` label. An entry with a path or a trailing slash would
// never match any request, silently.
const ORIGIN = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i;

export function loadHttpConfig(env: Env): HttpConfig {
  const origins = readList(env, 'CORS_ALLOWED_ORIGINS', ['*']);
  if (origins.includes('*') && origins.length > 1)
    throw new ConfigError('CORS_ALLOWED_ORIGINS', 'is either * alone or a list of origins');
  for (const origin of origins)
    if (origin !== '*' && !ORIGIN.test(origin))
      throw new ConfigError(
        'CORS_ALLOWED_ORIGINS',
        `lists "${origin}", which is not an origin (scheme://host[:port], no path)`,
      );
  return Object.freeze({ corsOrigins: Object.freeze(origins) });
}
