/**
 * OAuth scopes, the one concept both layers share. Layer 1 normalises whatever the issuer put in
 * the token (scopes, roles, permissions) into one space-separated string of scope tokens (the RFC
 * 6749 §3.3 form, and a context value API Gateway accepts); layer 2 parses that string back and
 * checks a route's required scopes.
 */

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). Anything else is dropped rather
// than passed on, so a crafted claim cannot smuggle separators or control characters downstream.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** A scope name a token can carry and a schema can require (RFC 6749 §3.3). */
export const isScopeToken = (value: unknown): value is string =>
  typeof value === 'string' && SCOPE_TOKEN.test(value);

export const parseScopeString = (scope: string): Set<string> =>
  new Set(scope.split(' ').filter((s) => s.length > 0));

/** The required scopes the caller lacks. Several required scopes mean all of them (all-of). */
export const missingScopes = (
  required: readonly string[],
  granted: ReadonlySet<string>,
): string[] => required.filter((s) => !granted.has(s));
