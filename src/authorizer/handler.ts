import { configFromEnvironment } from '../shared/cold-start.ts';
import { createAuthorizer } from './authorizer.ts';
import { loadAuthorizerConfig } from './authorizer-config.ts';

/**
 * The Lambda entry point. Configuration is read and validated once, at cold start. A bad value
 * fails the init with a log line naming the variable: API Gateway then answers 500 for every
 * request (no Allow is ever produced), which is what a misconfigured authorizer must do.
 */
const config = configFromEnvironment(loadAuthorizerConfig);
export const handler = createAuthorizer({ config });

// Lambda evaluates this module (the init phase, top-level await included, up to 10 s) before the
// first invoke, and with provisioned concurrency before any caller waits. Fetching every issuer's
// keys here (discovery first where the JWKS location is not known), and paying Node's lazy load
// of its HTTP client with them, takes that wait off the first request, or overlaps it with the
// rest of the cold start when a caller is already waiting. The wait is bounded by one JWKS
// timeout: an issuer that is down or hanging delays the init by at most that and never fails it;
// the first request then fetches as it always has (500 `jwks_unavailable` while the issuer is
// down), joining a prefetch still under way rather than starting another. The usage plans' key
// secret is read at the same time, under the same bound (src/authorizer/api-keys.ts).
await handler.prefetchKeys(config.jwks.timeoutMs);
