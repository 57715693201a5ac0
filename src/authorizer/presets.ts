import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { TokenRejected } from './errors.ts';

/**
 * What each auth server puts in its access tokens, from its own documentation (linked per
 * preset). A preset gives an `AUTH_ISSUERS` entry its defaults: where scopes and the client id
 * are, which `typ` header is an access token's, which claims must be present, whether `aud` is
 * there at all, and where the keys are. Any default can be overridden per entry.
 */
export const PRESET_NAMES = [
  'cognito',
  'auth0',
  'okta',
  'entra',
  'keycloak',
  'hydra',
  'zitadel',
  'rfc9068',
  'generic',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A top-level claim (`"scope"`, `"https://example.com/roles"`), or a path into one. */
export type ClaimPath = string | readonly string[];

export interface Preset {
  /** The issuer's documentation of its access tokens. */
  readonly docs: string;
  /** Claims whose values become scopes: space-separated strings, arrays, or an object's keys. */
  readonly scopeClaims: readonly ClaimPath[];
  /** Where the OAuth client id is; the first present wins. */
  readonly clientIdClaims: readonly string[];
  /** The `typ` header values of an access token (`application/` optional); unset: not checked. */
  readonly tokenTypes?: readonly string[];
  /** Claims a token must carry besides `iss`, `exp` and `sub`. */
  readonly requiredClaims: readonly string[];
  /**
   * `required`: the entry lists its audiences and a token must name one. `absent`: the issuer's
   * access tokens carry no `aud` (Cognito), so the entry must list `clientIds` instead.
   */
  readonly audience: 'required' | 'absent';
  /** The JWKS location the issuer documents; unset: read `jwks_uri` from discovery. */
  readonly jwksUrl?: (issuer: string) => string;
  /** A configuration this issuer cannot serve, as a sentence; undefined when fine. */
  readonly checkIssuer?: (issuer: string) => string | undefined;
  /** Refusals decidable from the header alone, before any signature work. */
  readonly checkHeader?: (header: ProtectedHeaderParameters) => void;
  /** Refusals of the verified claims. */
  readonly checkClaims?: (claims: JWTPayload) => void;
}

/** The placeholder of Entra ID's multi-tenant issuer template. */
export const TENANT_PLACEHOLDER = '{tenantid}';
const ENTRA_V1 = /^https:\/\/sts\.windows\.net\/([^/]+)\/$/;
const ENTRA_V2 = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/;

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  cognito: {
    docs: 'https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html',
    scopeClaims: ['scope'],
    clientIdClaims: ['client_id'],
    requiredClaims: ['client_id', 'token_use'],
    // "Amazon Cognito ID tokens have an aud claim that contains the app client ID. Access tokens
    // have a client_id claim that also contains the app client ID." (Verified Permissions guide)
    audience: 'absent',
    jwksUrl: (issuer) => `${issuer}/.well-known/jwks.json`,
    checkClaims: (claims) => {
      // ID tokens come from the same pool and keys, with token_use "id".
      if (claims.token_use !== 'access')
        throw new TokenRejected('wrong_token_type', 'Cognito token_use is not "access"');
    },
  },
  auth0: {
    docs: 'https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles',
    // With RBAC and "Add Permissions in the Access Token", permissions come as an array.
    scopeClaims: ['scope', 'permissions'],
    clientIdClaims: ['azp', 'client_id'],
    // The Auth0 profile says JWT, the RFC 9068 profile at+jwt.
    tokenTypes: ['JWT', 'at+jwt'],
    requiredClaims: [],
    audience: 'required',
    // Auth0 issuers end in a slash: https://{tenant}.auth0.com/
    jwksUrl: (issuer) => `${issuer.replace(/\/?$/, '/')}.well-known/jwks.json`,
  },
  okta: {
    docs: 'https://developer.okta.com/docs/reference/api/oidc/',
    scopeClaims: ['scp'],
    clientIdClaims: ['cid'],
    requiredClaims: [],
    audience: 'required',
    jwksUrl: (issuer) => `${issuer}/v1/keys`,
    checkIssuer: (issuer) =>
      /\/oauth2\/[^/]+$/.test(issuer)
        ? undefined
        : 'is not a custom authorization server (https://{domain}/oauth2/{serverId}); tokens of the Okta org authorization server are for Okta alone to validate (developer.okta.com/docs/guides/validate-access-tokens)',
  },
  entra: {
    docs: 'https://learn.microsoft.com/entra/identity-platform/access-tokens',
    // Delegated permissions in scp (a space-separated string), application permissions in roles.
    scopeClaims: ['scp', 'roles'],
    clientIdClaims: ['azp', 'appid'],
    requiredClaims: ['tid'],
    audience: 'required',
    jwksUrl: (issuer) => {
      const v1 = ENTRA_V1.exec(issuer);
      const tenant = (v1 ?? ENTRA_V2.exec(issuer))?.[1] ?? 'common';
      const id = tenant === TENANT_PLACEHOLDER ? 'common' : tenant;
      return `https://login.microsoftonline.com/${id}/discovery/${v1 ? '' : 'v2.0/'}keys`;
    },
    checkIssuer: (issuer) =>
      ENTRA_V1.test(issuer) || ENTRA_V2.test(issuer)
        ? undefined
        : 'is not an Entra ID issuer (https://login.microsoftonline.com/{tenant}/v2.0 or https://sts.windows.net/{tenant}/)',
    checkHeader: (header) => {
      // Tokens for Microsoft Graph carry a nonce header and a signature over its hash: they are
      // not for this API, and no one but Microsoft can verify them.
      if ('nonce' in header)
        throw new TokenRejected('graph_token', 'a nonce header: a token for Microsoft Graph');
    },
  },
  keycloak: {
    docs: 'https://www.keycloak.org/docs/latest/server_admin/#audience-support',
    scopeClaims: ['scope', ['realm_access', 'roles']],
    clientIdClaims: ['azp', 'client_id'],
    requiredClaims: ['typ'],
    audience: 'required',
    jwksUrl: (issuer) => `${issuer}/protocol/openid-connect/certs`,
    checkClaims: (claims) => {
      // Keycloak marks the token kind in the payload: "Bearer" for access, "ID" for ID tokens.
      if (claims.typ !== 'Bearer')
        throw new TokenRejected('wrong_token_type', 'Keycloak typ is not "Bearer"');
    },
  },
  hydra: {
    docs: 'https://www.ory.sh/docs/oauth2-oidc/jwt-access-token',
    // `strategies.jwt.scope_claim`: list (scp, the default), string (scope), or both.
    scopeClaims: ['scp', 'scope'],
    clientIdClaims: ['client_id'],
    requiredClaims: ['client_id'],
    audience: 'required',
  },
  zitadel: {
    docs: 'https://zitadel.com/docs/apis/openidoauth/claims',
    // Roles are the keys of an object: { "<role>": { "<orgId>": "<domain>" } }.
    scopeClaims: ['scope', 'urn:zitadel:iam:org:project:roles'],
    clientIdClaims: ['client_id'],
    requiredClaims: [],
    audience: 'required',
    jwksUrl: (issuer) => `${issuer}/oauth/v2/keys`,
  },
  rfc9068: {
    docs: 'https://www.rfc-editor.org/rfc/rfc9068',
    scopeClaims: ['scope'],
    clientIdClaims: ['client_id'],
    // §2.1: typ MUST be application/at+jwt, SHOULD be written at+jwt; both compare equal.
    tokenTypes: ['at+jwt'],
    // §2.2: iss, exp, aud, sub, client_id, iat and jti are REQUIRED.
    requiredClaims: ['client_id', 'iat', 'jti'],
    audience: 'required',
  },
  generic: {
    docs: 'https://www.rfc-editor.org/rfc/rfc7519',
    scopeClaims: ['scope', 'scp'],
    clientIdClaims: ['client_id', 'azp', 'cid'],
    requiredClaims: [],
    audience: 'required',
  },
};

/** `application/at+jwt` and `AT+JWT` are `at+jwt` (RFC 7515 §4.1.9: the prefix may be left out). */
export const normaliseTyp = (typ: string): string =>
  typ.toLowerCase().replace(/^application\//, '');
