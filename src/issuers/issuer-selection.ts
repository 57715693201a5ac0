import type { IssuerConfig } from './issuer-config.ts';
import { TokenRejected } from './token-rejected.ts';
import { TENANT_PLACEHOLDER } from './presets.ts';

/** The issuer a token names, once we know we trust it. */
export interface SelectedIssuer {
  readonly config: IssuerConfig;
  /** The exact `iss` the token must carry (a template's, with the tenant filled in). */
  readonly iss: string;
  /** For a `{tenantid}` template: the tenant the token's `iss` names; `tid` must say the same. */
  readonly tenant?: string;
}

const TENANT = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/**
 * Picks the trusted issuer by the token's exact, still unverified `iss`, so that the token is
 * then verified with that issuer's keys, audience and rules and no other's: a token claiming
 * issuer A is never checked against issuer B's keys. Nothing is ever fetched from a location
 * the token names; an `iss` no entry has is refused before any key is looked up.
 */
export function createIssuerSelection(
  issuers: readonly IssuerConfig[],
): (iss: unknown) => SelectedIssuer {
  const exact = new Map(
    issuers
      .filter((config) => !config.issuer.includes(TENANT_PLACEHOLDER))
      .map((config) => [config.issuer, { config, iss: config.issuer }] as const),
  );
  // Entra ID's multi-tenant issuer, https://login.microsoftonline.com/{tenantid}/v2.0: the
  // token's iss with a tenant id in place of the placeholder (Microsoft's "Validate the issuer").
  const templates = issuers
    .filter((config) => config.issuer.includes(TENANT_PLACEHOLDER))
    .map((config) => {
      const [before, after] = config.issuer.split(TENANT_PLACEHOLDER) as [string, string];
      return { config, pattern: new RegExp(`^${escape(before)}${TENANT}${escape(after)}$`) };
    });

  return (iss) => {
    if (iss === undefined) throw new TokenRejected('missing_claim', '"iss" missing');
    if (typeof iss !== 'string') throw new TokenRejected('unknown_issuer', '"iss" is not a string');
    const known = exact.get(iss);
    if (known) return known;
    for (const { config, pattern } of templates) {
      const tenant = pattern.exec(iss)?.[1];
      if (tenant === undefined) continue;
      if (!config.tenants?.includes(tenant))
        throw new TokenRejected(
          'tenant_not_allowed',
          `tenant ${tenant} is not in ${config.source}.tenants`,
        );
      return { config, iss, tenant };
    }
    throw new TokenRejected('unknown_issuer', 'no trusted issuer has this "iss"');
  };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
