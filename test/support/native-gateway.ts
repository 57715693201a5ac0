import { loadIssuerRules, type IssuerRules } from '../../src/issuers/issuer-config.ts';
import type { TestIssuer } from './issuer.ts';

/**
 * What the tests of API Gateway's native JWT authorizer share: the issuer rules of some
 * AUTH_ISSUERS entries, and a fetch that serves the discovery document and JWKS of issuers that
 * live on the public internet (an Auth0 tenant, a Keycloak realm) from a local test issuer's keys,
 * as the native authorizer reads them (discovery, then its `jwks_uri`).
 */
export const rulesOf = (entries: readonly Record<string, unknown>[]): IssuerRules =>
  loadIssuerRules({ AUTH_ISSUERS: JSON.stringify(entries) });

/**
 * A fetch for the emulated native authorizer: `<issuer>/.well-known/openid-configuration` of each
 * of these (not loopback) issuers answers their discovery document, naming the entry's JWKS
 * location (or `<issuer>/keys`), and that location answers `keys`' JWKS. Anything else goes to the
 * network (the loopback test issuers).
 */
export function publicIssuersFetch(rules: IssuerRules, keys: TestIssuer): typeof fetch {
  const documents = new Map<string, Record<string, string>>();
  const jwks = new Set<string>();
  for (const entry of rules.issuers) {
    if (new URL(entry.issuer).hostname === '127.0.0.1') continue;
    const jwksUri = entry.jwksUrl?.href ?? `${entry.issuer.replace(/\/$/, '')}/keys`;
    documents.set(`${entry.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      issuer: entry.issuer,
      jwks_uri: jwksUri,
    });
    jwks.add(jwksUri);
  }
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const document = documents.get(url);
    if (document) return Response.json(document);
    if (jwks.has(url)) return fetch(keys.jwksUrl, init);
    return fetch(input, init);
  }) as typeof fetch;
}
