/**
 * How the authorizer times its use of an issuer's JWKS, shared by every trusted issuer
 * (`AUTH_JWKS_*`, read once in issuer-config.ts).
 */
export interface JwksTiming {
  /** Each fetch (the key set, or the discovery document that names it) gives up after this. */
  readonly timeoutMs: number;
  /** An unknown kid refetches the set, unless a fetch succeeded less than this long ago. */
  readonly cooldownMs: number;
  /** How long a set answers before it is refreshed. */
  readonly cacheMaxAgeMs: number;
  /**
   * The longest a loaded key set may keep serving while the issuer cannot be reached
   * (stale-if-error), counted from when it loaded. Past that, a failed refresh is a failure.
   */
  readonly maxStaleMs: number;
}
