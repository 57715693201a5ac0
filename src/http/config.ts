import { readList, type Env } from '../shared/env.ts';

export interface HttpConfig {
  /** Origins allowed to read responses in a browser (`*` for any; tokens are bearer, not cookies). */
  readonly corsOrigins: readonly string[];
}

export function loadHttpConfig(env: Env): HttpConfig {
  return Object.freeze({
    corsOrigins: Object.freeze(readList(env, 'CORS_ALLOWED_ORIGINS', ['*'])),
  });
}
