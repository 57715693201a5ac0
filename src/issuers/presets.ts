import type { ProtectedHeaderParameters } from 'jose';
import { TokenRejected } from './token-rejected.ts';
import type { AccessTokenMarks } from './token-kind.ts';

/**
 * What each auth server puts in its access tokens, from its own documentation (linked per
 * preset). A preset gives an `AUTH_ISSUERS` entry its defaults: where scopes and the client id
 * are, which `typ` header is an access token's, how an access token is told from an ID token,
 * which claims must be present, whether `aud` is there at all, and where the keys are. The
 * defaults can be overridden per entry; the access-token marks cannot.
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

// OpenID Connect Core defines these for ID tokens only: `nonce` (§2) echoes the authentication
// request, `at_hash` and `c_hash` (§3.1.3.6, §3.3.2.11) bind the ID token to the access token and
// the code issued with it. None of the issuers below puts them in its access tokens, except
// Keycloak (see its preset).
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash'] as const;

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
  /** How its access tokens are told from its ID tokens. */
  readonly accessToken: AccessTokenMarks;
  /**
   * Why an entry must list `clientIds` for this issuer: its `aud` alone cannot say that a token
   * is for this API. Unset: `clientIds` is optional.
   */
  readonly clientIdsRequired?: string;
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
    requiredClaims: ['client_id'],
    // ID tokens come from the same pool and keys, with token_use "id" (and the client in aud,
    // not client_id); access tokens say "access".
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS, kindClaims: { token_use: 'access' } },
    // "Amazon Cognito ID tokens have an aud claim that contains the app client ID. Access tokens
    // have a client_id claim that also contains the app client ID." (Verified Permissions guide)
    audience: 'absent',
    clientIdsRequired: 'without aud, the client id is what says a token is for this API',
    jwksUrl: (issuer) => `${issuer}/.well-known/jwks.json`,
  },
  auth0: {
    docs: 'https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles',
    // With RBAC and "Add Permissions in the Access Token", permissions come as an array.
    scopeClaims: ['scope', 'permissions'],
    clientIdClaims: ['azp', 'client_id'],
    // The Auth0 profile says JWT, the RFC 9068 profile at+jwt.
    tokenTypes: ['JWT', 'at+jwt'],
    requiredClaims: [],
    // Both profiles name the client (azp in the Auth0 profile, client_id in the RFC 9068 one);
    // an ID token names it only in aud, and its header typ is JWT like the Auth0 profile's
    // (auth0.com/docs/secure/tokens/id-tokens/id-token-structure).
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS, accessTokenClaims: ['azp', 'client_id'] },
    audience: 'required',
    // Auth0 issuers end in a slash: https://{tenant}.auth0.com/
    jwksUrl: (issuer) => `${issuer.replace(/\/?$/, '/')}.well-known/jwks.json`,
  },
  okta: {
    docs: 'https://developer.okta.com/docs/reference/api/oidc/',
    scopeClaims: ['scp'],
    clientIdClaims: ['cid'],
    requiredClaims: [],
    // cid is a reserved claim of every access token; an ID token names the client only in aud
    // (and carries amr, idp, and at_hash when issued with an access token). Both carry auth_time.
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS, accessTokenClaims: ['cid'] },
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
    // Every access token names its client: azp in v2.0 tokens, appid in v1.0 ones, app-only
    // tokens included (they carry roles and no scp). An ID token has neither; its aud is the
    // client id of the app the user signed in to, the API's own when one registration serves
    // both, and it carries the user's app roles in roles (id-token-claims-reference).
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS, accessTokenClaims: ['azp', 'appid'] },
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
    requiredClaims: [],
    // Keycloak names the kind in the payload: typ "Bearer" for access tokens, "ID" for ID tokens
    // (both carry azp). Before version 25 it copied the request's nonce into access tokens too,
    // and a compatibility mapper still can: nonce is no mark here.
    accessToken: { idTokenClaims: ['at_hash', 'c_hash'], kindClaims: { typ: 'Bearer' } },
    audience: 'required',
    jwksUrl: (issuer) => `${issuer}/protocol/openid-connect/certs`,
  },
  hydra: {
    docs: 'https://www.ory.sh/docs/oauth2-oidc/jwt-access-token',
    // `strategies.jwt.scope_claim`: list (scp, the default), string (scope), or both.
    scopeClaims: ['scp', 'scope'],
    clientIdClaims: ['client_id'],
    requiredClaims: [],
    // The jwt strategy puts client_id in every access token; an ID token (fosite's ID token
    // claims) names the client only in aud, and carries rat, sid and at_hash instead.
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS, accessTokenClaims: ['client_id'] },
    audience: 'required',
  },
  zitadel: {
    docs: 'https://zitadel.com/docs/apis/openidoauth/claims',
    // Roles are the keys of an object: { "<role>": { "<orgId>": "<domain>" } }.
    scopeClaims: ['scope', 'urn:zitadel:iam:org:project:roles'],
    // JWT access tokens name their client in client_id; the claims table lists azp for them.
    clientIdClaims: ['client_id', 'azp'],
    requiredClaims: [],
    // The claims table: jti is in JWT access tokens and never in ID tokens; nonce (and at_hash)
    // in ID tokens only. azp and client_id are no marks: ID tokens carry both.
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS, accessTokenClaims: ['jti'] },
    audience: 'required',
    // "By default all client id's and the project id are included" in aud, ID tokens' included.
    clientIdsRequired:
      'ZITADEL puts the project id and the client id of every application in the project in the aud of every token, ID tokens included, so the audience alone accepts any of those applications; list the client ids (client_id) of the applications whose access tokens may call this API',
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
    // §4: the typ header tells the two apart (an ID token says JWT or nothing); the claims do
    // when the header is out of reach. auth_time, acr and amr may be in either (§2.2.1).
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS },
    audience: 'required',
  },
  generic: {
    docs: 'https://www.rfc-editor.org/rfc/rfc7519',
    scopeClaims: ['scope', 'scp'],
    clientIdClaims: ['client_id', 'azp', 'cid'],
    requiredClaims: [],
    // No claim is in every access token of every issuer: only an ID token's own claims mark it.
    // `tokenType` (at+jwt) is the sure rule where the issuer sets it.
    accessToken: { idTokenClaims: ID_TOKEN_CLAIMS },
    audience: 'required',
  },
};

/** `application/at+jwt` and `AT+JWT` are `at+jwt` (RFC 7515 §4.1.9: the prefix may be left out). */
export const normaliseTyp = (typ: string): string =>
  typ.toLowerCase().replace(/^application\//, '');
