import type { PresetName } from '../../src/authorizer/presets.ts';

/**
 * Access tokens shaped as each auth server documents its own: the claim names, header fields and
 * value formats of the pages each preset cites (src/authorizer/presets.ts), with made-up values.
 * Tests sign them with locally generated keys served as a JWKS on loopback; the `entry` is what a
 * user writes in AUTH_ISSUERS (the test adds `jwksUrl` pointing at its loopback JWKS).
 */
export interface IssuerShape {
  readonly preset: PresetName;
  readonly entry: Record<string, unknown>;
  /** Header fields besides alg and kid, as the issuer sends them (undefined: absent). */
  readonly header: Record<string, unknown>;
  readonly claims: () => Record<string, unknown>;
  /** What layer 2 should see in the authorizer context for these claims. */
  readonly expected: { readonly scope: string; readonly clientId: string };
}

const now = () => Math.floor(Date.now() / 1000);
const times = (lifetime = 3600) => ({ iat: now(), exp: now() + lifetime });
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const OTHER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

export const SHAPES = {
  // docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
  cognito: {
    preset: 'cognito',
    entry: {
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      preset: 'cognito',
      clientIds: ['3k9vq2mexample7h1n0d4r5s6t'],
    },
    header: {},
    claims: () => ({
      sub: '2f1c8a4e-6b1d-4e0c-9a7a-0d6a4b1c2e3f',
      'cognito:groups': ['admin'],
      token_use: 'access',
      scope: 'openid orders-api/orders.read',
      auth_time: now(),
      iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      origin_jti: '7d3f0a4c-1b2e-4c5d-8e9f-0a1b2c3d4e5f',
      jti: 'b9e8d7c6-5a4b-4c3d-9e2f-1a0b9c8d7e6f',
      client_id: '3k9vq2mexample7h1n0d4r5s6t',
      username: 'janedoe',
      ...times(),
    }),
    expected: { scope: 'openid orders-api/orders.read', clientId: '3k9vq2mexample7h1n0d4r5s6t' },
  },
  // auth0.com/docs/secure/tokens/access-tokens/access-token-profiles (Auth0 profile, RBAC on)
  auth0: {
    preset: 'auth0',
    entry: {
      issuer: 'https://acme-prod.eu.auth0.com/',
      preset: 'auth0',
      audience: 'https://api.acme.example/orders',
    },
    header: { typ: 'JWT' },
    claims: () => ({
      iss: 'https://acme-prod.eu.auth0.com/',
      sub: 'auth0|6553da60a54af58e29493993',
      aud: ['https://api.acme.example/orders', 'https://acme-prod.eu.auth0.com/userinfo'],
      scope: 'openid profile read:orders',
      gty: 'password',
      azp: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
      permissions: ['read:orders', 'write:orders'],
      ...times(86_400 - 60),
    }),
    expected: {
      scope: 'openid profile read:orders write:orders',
      clientId: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
    },
  },
  // developer.okta.com/docs/reference/api/oidc/ (custom authorization server)
  okta: {
    preset: 'okta',
    entry: {
      issuer: 'https://acme.okta.com/oauth2/default',
      preset: 'okta',
      audience: 'api://default',
    },
    header: {},
    claims: () => ({
      ver: 1,
      jti: 'AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE',
      iss: 'https://acme.okta.com/oauth2/default',
      aud: 'api://default',
      cid: '0oa5sso3mrYKdvde0357',
      uid: '00ujmkLgagxeRrAg20g3',
      scp: ['openid', 'orders.read'],
      sub: 'jane.doe@acme.example',
      ...times(),
    }),
    expected: { scope: 'openid orders.read', clientId: '0oa5sso3mrYKdvde0357' },
  },
  // learn.microsoft.com/entra/identity-platform/access-token-claims-reference (v2.0, delegated)
  entra: {
    preset: 'entra',
    entry: {
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      preset: 'entra',
      audience: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
    },
    header: { typ: 'JWT' },
    claims: () => ({
      aud: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      nbf: now(),
      aio: 'AXQAi/8IAAAA',
      azp: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
      azpacr: '0',
      name: 'Abe Lincoln',
      oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      preferred_username: 'abeli@contoso.com',
      rh: 'I',
      scp: 'access_as_user Orders.Read',
      sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
      tid: TENANT,
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '2.0',
      ...times(4500),
    }),
    expected: {
      scope: 'access_as_user Orders.Read',
      clientId: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
    },
  },
  // keycloak.org/docs/latest/server_admin/#audience-support (with an Audience mapper)
  keycloak: {
    preset: 'keycloak',
    entry: {
      issuer: 'https://sso.acme.example/realms/acme',
      preset: 'keycloak',
      audience: 'orders-api',
    },
    header: { typ: 'JWT' },
    claims: () => ({
      auth_time: now(),
      jti: '179a04e8-6a41-41bb-ab20-14d55a8518af',
      iss: 'https://sso.acme.example/realms/acme',
      aud: ['orders-api', 'account'],
      sub: '8befeac4-8963-49da-a9ac-f310e8d922d8',
      typ: 'Bearer',
      azp: 'acme-web',
      sid: '54db1502-a5dc-4a27-af62-eeef0694a628',
      acr: '1',
      'allowed-origins': ['https://app.acme.example'],
      realm_access: { roles: ['default-roles-acme', 'offline_access', 'uma_authorization'] },
      resource_access: {
        'orders-api': { roles: ['orders.read'] },
        account: { roles: ['manage-account', 'view-profile'] },
      },
      scope: 'openid email profile',
      email_verified: true,
      preferred_username: 'jane',
      ...times(300),
    }),
    expected: {
      scope: 'openid email profile default-roles-acme offline_access uma_authorization',
      clientId: 'acme-web',
    },
  },
  // ory.sh/docs/oauth2-oidc/jwt-access-token (strategies.access_token: jwt)
  hydra: {
    preset: 'hydra',
    entry: {
      issuer: 'https://auth.acme.example',
      preset: 'hydra',
      audience: 'https://api.acme.example/orders',
    },
    header: { typ: 'JWT' },
    claims: () => ({
      aud: ['https://api.acme.example/orders'],
      client_id: 'acme-web',
      ext: { tenant: 'acme' },
      iss: 'https://auth.acme.example',
      jti: '5a0c8b1e-0f3d-4c22-9d2f-3a7e1c9b8d40',
      nbf: now(),
      scp: ['openid', 'orders.read'],
      sub: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
      ...times(),
    }),
    expected: { scope: 'openid orders.read', clientId: 'acme-web' },
  },
  // zitadel.com/docs/apis/openidoauth/claims (application token type JWT, role assertion on)
  zitadel: {
    preset: 'zitadel',
    entry: {
      issuer: 'https://acme-x1y2z3.zitadel.cloud',
      preset: 'zitadel',
      audience: '277513855423452789',
    },
    header: { typ: 'JWT' },
    claims: () => ({
      iss: 'https://acme-x1y2z3.zitadel.cloud',
      sub: '277513890345671234',
      aud: ['277513855423452789', '277513866532563890@acme', '277513877641674901@acme'],
      nbf: now(),
      client_id: '277513866532563890@acme',
      jti: 'V2_277513899012345678-at_277513899012345679',
      'urn:zitadel:iam:org:project:roles': {
        'orders.read': { '277513800111222333': 'acme.zitadel.cloud' },
        'orders.write': { '277513800111222333': 'acme.zitadel.cloud' },
      },
      ...times(),
    }),
    expected: { scope: 'orders.read orders.write', clientId: '277513866532563890@acme' },
  },
  // rfc-editor.org/rfc/rfc9068 §2
  rfc9068: {
    preset: 'rfc9068',
    entry: {
      issuer: 'https://as.example.com/',
      preset: 'rfc9068',
      audience: 'https://rs.example.com/',
    },
    header: { typ: 'at+jwt' },
    claims: () => ({
      iss: 'https://as.example.com/',
      sub: '5ba552d67',
      aud: 'https://rs.example.com/',
      jti: 'dbe39bf3a3ba4238a513f51d6e1691c4',
      client_id: 's6BhdRkqt3',
      scope: 'openid profile reademail',
      ...times(),
    }),
    expected: { scope: 'openid profile reademail', clientId: 's6BhdRkqt3' },
  },
  generic: {
    preset: 'generic',
    entry: {
      issuer: 'https://issuer.example.com',
      preset: 'generic',
      audience: 'https://api.example.com',
    },
    header: { typ: 'JWT' },
    claims: () => ({
      iss: 'https://issuer.example.com',
      sub: 'user-1',
      aud: 'https://api.example.com',
      scope: 'users:read',
      client_id: 'web',
      ...times(),
    }),
    expected: { scope: 'users:read', clientId: 'web' },
  },
} satisfies Record<PresetName, IssuerShape>;
