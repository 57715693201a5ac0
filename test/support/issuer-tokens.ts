import type { PresetName } from '../../src/issuers/presets.ts';

/**
 * Access tokens shaped as each auth server documents its own: the claim names, header fields and
 * value formats of the pages each preset cites (src/issuers/presets.ts), with made-up values.
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
  /**
   * An ID token of the same issuer, shaped as its documentation shows (linked beside it), and
   * the entry fields under which its audience and client would pass: only its kind can refuse it.
   */
  readonly idToken: {
    readonly entry: Record<string, unknown>;
    readonly header: Record<string, unknown>;
    readonly claims: () => Record<string, unknown>;
  };
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
    // docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
    idToken: {
      entry: {},
      header: {},
      claims: () => ({
        sub: '2f1c8a4e-6b1d-4e0c-9a7a-0d6a4b1c2e3f',
        'cognito:groups': ['admin'],
        email_verified: true,
        iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
        'cognito:username': 'janedoe',
        nonce: 'abcdefg',
        origin_jti: '7d3f0a4c-1b2e-4c5d-8e9f-0a1b2c3d4e5f',
        aud: '3k9vq2mexample7h1n0d4r5s6t',
        event_id: '3f7e2a9c-0b1d-4e5f-8a6b-7c8d9e0f1a2b',
        token_use: 'id',
        auth_time: now(),
        jti: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        email: 'janedoe@example.com',
        ...times(),
      }),
    },
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
    // auth0.com/docs/secure/tokens/id-tokens/id-token-structure (aud: the application's client id)
    idToken: {
      entry: { audience: ['https://api.acme.example/orders', 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja'] },
      header: { typ: 'JWT' },
      claims: () => ({
        iss: 'https://acme-prod.eu.auth0.com/',
        sub: 'auth0|6553da60a54af58e29493993',
        aud: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
        name: 'Jane Doe',
        given_name: 'Jane',
        family_name: 'Doe',
        email: 'janedoe@example.com',
        picture: 'https://example.com/janedoe/me.jpg',
        ...times(36_000),
      }),
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
      auth_time: now(),
      ...times(),
    }),
    expected: { scope: 'openid orders.read', clientId: '0oa5sso3mrYKdvde0357' },
    // developer.okta.com/docs/reference/api/oidc/#id-token-payload (custom authorization server)
    idToken: {
      entry: { audience: ['api://default', '0oa5sso3mrYKdvde0357'] },
      header: {},
      claims: () => ({
        ver: 1,
        sub: '00ujmkLgagxeRrAg20g3',
        iss: 'https://acme.okta.com/oauth2/default',
        aud: '0oa5sso3mrYKdvde0357',
        amr: ['pwd'],
        idp: '00ok1u7AsAkrwdZL3z0g3',
        jti: 'ID.4eAWJOCMB3SX8XewDfVR',
        auth_time: now(),
        at_hash: 'cpqKfdQA5eH891Ff5oJr_Q',
        name: 'Jane Doe',
        preferred_username: 'jane.doe@acme.example',
        ...times(),
      }),
    },
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
    // learn.microsoft.com/entra/identity-platform/id-token-claims-reference (v2.0): aud is the
    // client id of the app the user signed in to, which is the API's own when one registration
    // serves both; the user's app roles come in roles.
    idToken: {
      entry: {},
      header: { typ: 'JWT' },
      claims: () => ({
        aud: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
        iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
        nbf: now(),
        aio: 'AXQAi/8IAAAAhr7eBJLMu',
        name: 'Abe Lincoln',
        nonce: '123523',
        oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
        preferred_username: 'abeli@contoso.com',
        rh: 'I',
        roles: ['users:admin'],
        sub: 'pqrfqLdoTgzk2AbV-sNg2oBlxPVnqz4ebMeM5UKnVA8',
        tid: TENANT,
        uti: 'AbCdEfGhIjKlMnOp-QrStU',
        ver: '2.0',
        ...times(),
      }),
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
    // keycloak.org/docs/latest/server_admin/#_client_scopes_evaluate (the generated ID token)
    idToken: {
      entry: { audience: ['orders-api', 'acme-web'] },
      header: { typ: 'JWT' },
      claims: () => ({
        auth_time: now(),
        jti: '5c0a2f7e-3b1d-4e8a-9c6f-1d2e3f4a5b6c',
        iss: 'https://sso.acme.example/realms/acme',
        aud: 'acme-web',
        sub: '8befeac4-8963-49da-a9ac-f310e8d922d8',
        typ: 'ID',
        azp: 'acme-web',
        nonce: '1a21d63a-930b-457f-9445-0858645f77ba',
        sid: '54db1502-a5dc-4a27-af62-eeef0694a628',
        at_hash: 'SVG6Dl6cqfTy6IxzBy1urw',
        acr: '1',
        email_verified: true,
        realm_access: { roles: ['default-roles-acme', 'offline_access', 'uma_authorization'] },
        preferred_username: 'jane',
        ...times(300),
      }),
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
    // github.com/ory/fosite token/jwt/claims_id_token.go: the ID token Hydra signs (aud: the client)
    idToken: {
      entry: { audience: ['https://api.acme.example/orders', 'acme-web'] },
      header: { typ: 'JWT' },
      claims: () => ({
        at_hash: '7jG_bBlmSapKjM1aaUkBFg',
        aud: ['acme-web'],
        auth_time: now(),
        iss: 'https://auth.acme.example',
        jti: '249c4828-595f-4665-9453-4d8ab2db23b0',
        rat: now(),
        sid: 'b1ef49ac-f42b-457e-b3e1-295a91aaefc9',
        sub: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
        ...times(),
      }),
    },
  },
  // zitadel.com/docs/apis/openidoauth/claims (application token type JWT, role assertion on)
  zitadel: {
    preset: 'zitadel',
    entry: {
      issuer: 'https://acme-x1y2z3.zitadel.cloud',
      preset: 'zitadel',
      audience: '277513855423452789',
      clientIds: ['277513866532563890@acme'],
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
    // zitadel.com/docs/apis/openidoauth/claims (the ID token column): aud holds the project id and
    // every client id of the project; azp and client_id name the client that signed the user in.
    idToken: {
      entry: {},
      header: { typ: 'JWT' },
      claims: () => ({
        iss: 'https://acme-x1y2z3.zitadel.cloud',
        sub: '277513890345671234',
        aud: ['277513866532563890@acme', '277513855423452789', '277513877641674901@acme'],
        azp: '277513866532563890@acme',
        client_id: '277513866532563890@acme',
        auth_time: now(),
        amr: ['pwd'],
        nonce: 'blQtVEJHNTF0WHhFQmhqZ0RqeHJsdzdkd2d',
        at_hash: 'mcH8FiS4zkwI-4tZZbow8w',
        'urn:zitadel:iam:org:project:roles': {
          'users:admin': { '277513800111222333': 'acme.zitadel.cloud' },
        },
        ...times(43_200),
      }),
    },
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
    // openid.net/specs/openid-connect-core-1_0.html#IDToken (the ID token of the same server)
    idToken: {
      entry: { audience: ['https://rs.example.com/', 's6BhdRkqt3'] },
      header: { typ: 'JWT' },
      claims: () => ({
        iss: 'https://as.example.com/',
        sub: '5ba552d67',
        aud: 's6BhdRkqt3',
        nonce: 'n-0S6_WzA2Mj',
        auth_time: now(),
        acr: 'urn:mace:incommon:iap:silver',
        ...times(),
      }),
    },
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
    // openid.net/specs/openid-connect-core-1_0.html#IDToken
    idToken: {
      entry: { audience: ['https://api.example.com', 'web'] },
      header: { typ: 'JWT' },
      claims: () => ({
        iss: 'https://issuer.example.com',
        sub: 'user-1',
        aud: 'web',
        nonce: 'n-0S6_WzA2Mj',
        auth_time: now(),
        acr: 'urn:mace:incommon:iap:silver',
        ...times(),
      }),
    },
  },
} satisfies Record<PresetName, IssuerShape>;
