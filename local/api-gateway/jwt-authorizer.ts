import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { Authorization, AuthorizationStep, AuthorizerStep } from './authorization.ts';
import type { JwtConfiguration, JwtIssuer } from './jwt-configuration.ts';
import { headerValue } from './proxy-event.ts';
import { stepTimer } from './request-trace.ts';

/**
 * API Gateway's native JWT authorizer for REST APIs, as the local gateway emulates it: no Lambda
 * runs; the gateway validates the token against the configured issuers and passes its claims to
 * the integration. What AWS documents is fixed here: the issuer matched exactly, its discovery
 * document (`<issuer>/.well-known/openid-configuration`, which must name the same issuer) read
 * for `jwks_uri`, keys cached per issuer and fetched again for an unknown key, one allow-list of
 * algorithms (RS/ES only), the audience any-of, the additional claims (one exact string each),
 * the method's scopes any-of from `scope` or `scp` (403), and the claims in the Lambda proxy
 * event as typed top-level JSON under `requestContext.authorizer.claims`.
 *
 * What AWS leaves undocumented for REST APIs is an option, with the reading the model takes by
 * default named next to it (README, "The native JWT authorizer, locally"). The contract tests run
 * under the other readings where the answer depends on them.
 */
export interface ModelJwtAuthorizer {
  readonly type: 'JWT';
  readonly configuration: JwtConfiguration;
  /** The header the token is read from (the authorizer's identity source; default Authorization). */
  readonly identityHeader?: string;
  /**
   * The `Bearer ` prefix (not documented for REST; HTTP APIs take the token with or without
   * it): `optional` (default) strips it when present, `required` refuses a token without it.
   */
  readonly bearer?: 'optional' | 'required';
  /** Leeway on `exp` and `nbf`, in seconds (not documented for REST; default 0: none). */
  readonly clockSkewSeconds?: number;
  /**
   * The gateway response type of a 401 (missing or invalid token): not documented. `UNAUTHORIZED`
   * (default) or `DEFAULT_4XX` (no type of its own: the default 4XX response, status 401).
   */
  readonly unauthorizedType?: 'UNAUTHORIZED' | 'DEFAULT_4XX';
  /**
   * How long a validated token's claims are kept per token header value: whether AWS caches JWT
   * validation results is not documented. 0 (default): every request is validated. The method's
   * scopes are checked on every request, cached or not.
   */
  readonly resultTtlInSeconds?: number;
  /**
   * Fetches discovery and the JWKS (default: the global fetch). Tests route an issuer's public
   * URLs to a local one with it.
   */
  readonly fetch?: typeof fetch;
}

// AWS keeps an issuer's keys "up to 1 hour, best effort".
const KEYS_MAX_AGE_MS = 3_600_000;
const FETCH_TIMEOUT_MS = 5000;

/** Why the gateway refused a token, for the trace (`$context.authorizer.error`) only. */
class Refused extends Error {
  override readonly name = 'Refused';
}

interface CacheEntry {
  readonly claims: JWTPayload;
  readonly expiresAt: number;
}

export function createJwtAuthorizer(
  authorizer: ModelJwtAuthorizer,
  { now }: { now: () => number },
): AuthorizationStep {
  const {
    configuration,
    bearer = 'optional',
    clockSkewSeconds = 0,
    unauthorizedType = 'UNAUTHORIZED',
    resultTtlInSeconds = 0,
  } = authorizer;
  const fetchImpl = authorizer.fetch ?? fetch;
  const identityHeader = (authorizer.identityHeader ?? 'Authorization').toLowerCase();
  const byIssuer = new Map(configuration.issuers.map((entry) => [entry.issuer, entry]));
  const keySets = new Map<string, Promise<JWTVerifyGetKey>>();
  const cache = new Map<string, CacheEntry>();
  let validations = 0;
  let cacheHits = 0;

  /**
   * The issuer's keys, from the `jwks_uri` of its discovery document, read once (AWS reads it
   * when the authorizer is created or updated); a failed read is tried again on the next token.
   */
  function keysOf(entry: JwtIssuer): Promise<JWTVerifyGetKey> {
    let keys = keySets.get(entry.issuer);
    if (!keys) {
      keys = discover(entry);
      keySets.set(entry.issuer, keys);
      keys.catch(() => keySets.delete(entry.issuer));
    }
    return keys;
  }

  async function discover(entry: JwtIssuer): Promise<JWTVerifyGetKey> {
    const url = `${entry.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Refused(`discovery answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== entry.issuer)
      throw new Refused(`discovery names issuer ${String(document.issuer)}, not ${entry.issuer}`);
    if (typeof document.jwks_uri !== 'string') throw new Refused('discovery names no jwks_uri');
    if (entry.jwksUrl !== undefined && entry.jwksUrl !== document.jwks_uri)
      throw new Refused(`${entry.source}.jwksUrl differs from the jwks_uri of discovery`);
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cacheMaxAge: KEYS_MAX_AGE_MS,
      // "An unknown signing key triggers a refetch": no cooldown in between.
      cooldownDuration: 0,
      timeoutDuration: FETCH_TIMEOUT_MS,
      [customFetch]: (input, init) => fetchImpl(input, init),
    });
  }

  /** The token's claims once every documented check passed; throws Refused otherwise. */
  async function validate(token: string): Promise<JWTPayload> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new Refused('not a JWT');
    }
    const entry = typeof iss === 'string' ? byIssuer.get(iss) : undefined;
    if (!entry) throw new Refused('issuer not configured');
    const keys = await keysOf(entry);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: entry.issuer,
        audience: [...entry.audiences],
        algorithms: [...configuration.defaultAlgorithms],
        clockTolerance: clockSkewSeconds,
        currentDate: new Date(now()),
        // Not documented: a token without exp is refused (HTTP APIs require it; stricter).
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new Refused(error.code);
      throw error;
    }
    for (const claim of entry.additionalClaims) {
      const value = payload[claim.claimName];
      if (value === undefined) {
        if (claim.required) throw new Refused(`${claim.claimName} missing`);
        continue;
      }
      // SINGLE_STRING: a claim of another type is refused (not documented; stricter); with
      // several expected values any one suffices (not documented).
      if (typeof value !== 'string' || !(claim.expectedValues ?? [value]).includes(value))
        throw new Refused(`${claim.claimName} is not an expected value`);
    }
    return payload;
  }

  return {
    async authorize({ headers, scopes }, trace) {
      const traced = stepTimer(now);
      const refuse = (step: AuthorizerStep, error: string): Authorization => {
        trace.authorize = traced(401, 'Unauthorized');
        if (step.step !== 'not-called')
          trace.authorizer = { source: 'invoked', ...traced(401, error) };
        return {
          kind: 'refused',
          type: unauthorizedType,
          message: 'Unauthorized',
          ...(unauthorizedType === 'DEFAULT_4XX' ? { status: 401 } : {}),
          step,
        };
      };
      const header = headerValue(headers, identityHeader);
      if (header === undefined || header === '') return refuse({ step: 'not-called' }, 'no token');
      const prefixed = /^bearer /i.test(header);
      if (!prefixed && bearer === 'required')
        return refuse({ step: 'not-called' }, 'no Bearer prefix');
      const token = prefixed ? header.slice('bearer '.length) : header;

      let claims: JWTPayload;
      let step: AuthorizerStep;
      const cached = cache.get(header);
      if (cached && cached.expiresAt > now()) {
        cacheHits += 1;
        claims = cached.claims;
        step = { step: 'cached', ttlLeftMs: cached.expiresAt - now() };
      } else {
        cache.delete(header);
        validations += 1;
        try {
          claims = await validate(token);
        } catch (error) {
          if (error instanceof Refused) return refuse({ step: 'invoked' }, error.message);
          // Discovery or the JWKS unreachable: not documented; the token is not validated, so
          // it is refused like an invalid one (never let in).
          return refuse(
            { step: 'invoked' },
            error instanceof Error ? error.message : String(error),
          );
        }
        if (resultTtlInSeconds > 0) {
          cache.set(header, { claims, expiresAt: now() + resultTtlInSeconds * 1000 });
          step = { step: 'invoked', ttlLeftMs: resultTtlInSeconds * 1000 };
        } else step = { step: 'invoked' };
      }
      trace.authorizer = { source: step.step === 'cached' ? 'cached' : 'invoked', ...traced(200) };

      if (scopes.length > 0 && !scopes.some((scope) => scopesOf(claims).has(scope))) {
        // Documented: 403 for a valid token without any of the method's scopes. The message
        // is not: HTTP APIs answer {"message":"Forbidden"}.
        trace.authorize = traced(403, 'Forbidden');
        return { kind: 'refused', type: 'ACCESS_DENIED', message: 'Forbidden', step };
      }
      trace.authorize = traced(200);
      // Each claim with its JSON type, top-level claims only (nested objects stay objects).
      // No principalId or other key beside `claims`: none is documented.
      return {
        kind: 'allowed',
        eventAuthorizer: () => ({ claims: structuredClone(claims) }),
        step,
      };
    },
    invocations: () => 0,
    validations: () => validations,
    cacheHits: () => cacheHits,
    cacheSize: () => [...cache.values()].filter((entry) => entry.expiresAt > now()).length,
  };
}

/**
 * The scopes the gateway reads: `scope` and `scp`, each a space-separated string or an array of
 * strings. Which wins when both are present is not documented: the model reads both (the looser
 * reading; layer 2 enforces every scope of the route whatever the gateway let through).
 */
function scopesOf(claims: JWTPayload): Set<string> {
  const names = new Set<string>();
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === 'string') for (const name of value.split(' ')) if (name) names.add(name);
    if (Array.isArray(value))
      for (const name of value) if (typeof name === 'string') names.add(name);
  }
  return names;
}
