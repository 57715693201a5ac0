import { isIP } from 'node:net';
import { parseUsagePlans } from '../src/authorizer/usage-plans.ts';
import {
  loadIssuerRules,
  type IssuerConfig,
  type IssuerRules,
} from '../src/issuers/issuer-config.ts';
import { PRESETS, TENANT_PLACEHOLDER } from '../src/issuers/presets.ts';
import { ConfigError, isLocalHost, readOptionalString, type Env } from '../src/shared/env.ts';

/**
 * What API Gateway's native JWT authorizer for REST APIs gets from our issuer configuration
 * (`layer1=native`): its `JwtConfiguration` and each method's scopes, derived from the same
 * `AUTH_ISSUERS` (src/issuers/issuer-config.ts) our Lambda authorizer verifies with, or the list
 * of what that authorizer cannot express, one refusal per entry and reason. Pure: the Serverless
 * plugin (tools/serverless-native-authorizer.ts) writes the result into the template.
 *
 * The native authorizer checks the signature against the keys named by the issuer's discovery
 * document, `iss` exactly, `aud` any-of, one algorithm list for every issuer, string claims with
 * exact values, and per method any one of its scopes from `scope` or `scp`. Every other rule of
 * an issuer's preset (client allowlists, ID-token marks, tenant, lifetime, `sub`, required
 * claims, scopes from other claims) is layer 2's, which applies them all to the claims the
 * gateway passes (src/issuers/claim-rules.ts). What neither can apply is refused here, so a
 * configuration never deploys looser than it reads.
 */

/** The stage parameter `layer1`. */
export const LAYER1_VALUES = ['lambda', 'native'] as const;
export type Layer1 = (typeof LAYER1_VALUES)[number];

/** The only algorithms the native authorizer takes (`defaultAlgorithms`, one list for all issuers). */
export const NATIVE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;

/** The claims API Gateway reads itself; `AdditionalClaims` may not name them. */
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'scope', 'scp']);

/** The claims the gateway reads a method's scopes from. */
const GATEWAY_SCOPE_CLAIMS = new Set(['scope', 'scp']);

export interface JwtAdditionalClaim {
  readonly ClaimName: string;
  readonly Format: 'SINGLE_STRING';
  readonly ExpectedValues: readonly string[];
  readonly Required: true;
}

export interface JwtIssuer {
  readonly Issuer: string;
  readonly Audiences: readonly string[];
  readonly AdditionalClaims?: readonly JwtAdditionalClaim[];
}

/** `AWS::ApiGateway::Authorizer.JwtConfiguration`. */
export interface JwtConfiguration {
  readonly DefaultAlgorithms: readonly string[];
  readonly Issuers: readonly JwtIssuer[];
}

/** What the native authorizer cannot express: where (`AUTH_ISSUERS[2].issuer`) and why. */
export interface NativeRefusal {
  readonly where: string;
  readonly reason: string;
}

export type NativeAuthorizerPlan =
  | {
      readonly ok: true;
      readonly rules: IssuerRules;
      readonly jwtConfiguration: JwtConfiguration;
    }
  | { readonly ok: false; readonly refusals: readonly NativeRefusal[] };

export const formatRefusal = ({ where, reason }: NativeRefusal): string => `${where}: ${reason}`;

/** `lambda` unless set; anything else is an error naming the parameter. */
export function layer1Of(value: unknown): Layer1 {
  const text = value === undefined || value === null ? '' : String(value).trim();
  if (text === '') return 'lambda';
  if ((LAYER1_VALUES as readonly string[]).includes(text)) return text as Layer1;
  throw new ConfigError('layer1', `must be ${LAYER1_VALUES.join(' or ')}, got "${text}"`);
}

export interface PlanOptions {
  /**
   * Refuse issuers API Gateway cannot reach from the internet (default). Off only for a local
   * model of the gateway, whose issuers run on this machine.
   */
  readonly publicIssuers?: boolean;
}

/**
 * The native authorizer's configuration for the issuers of `env` (the AUTH_* variables, as every
 * function gets them) and the usage plans of `usagePlans` (USAGE_PLANS), or every refusal.
 */
export function nativeAuthorizerPlan(
  env: Env,
  usagePlans: string | undefined,
  options: PlanOptions = {},
): NativeAuthorizerPlan {
  let rules: IssuerRules;
  try {
    rules = loadIssuerRules(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, refusals: [configRefusal(error), ...usagePlanRefusals(usagePlans)] };
  }
  const plan = nativePlanOfRules(rules, { ...options, explicit: explicitFields(env) });
  const planRefusals = usagePlanRefusals(usagePlans);
  if (!planRefusals.length) return plan;
  return { ok: false, refusals: [...(plan.ok ? [] : plan.refusals), ...planRefusals] };
}

/**
 * The same for issuer rules already loaded. `explicit`: the fields each entry (by source) sets
 * itself; unknown, every field counts as a default (an unset algorithm list loses what the
 * gateway cannot verify rather than being refused).
 */
export function nativePlanOfRules(
  rules: IssuerRules,
  {
    publicIssuers = true,
    explicit = new Map(),
  }: PlanOptions & { explicit?: ReadonlyMap<string, ReadonlySet<string>> } = {},
): NativeAuthorizerPlan {
  const refusals: NativeRefusal[] = [];
  const algorithms = new Map<IssuerConfig, readonly string[]>();
  for (const issuer of rules.issuers) {
    const entry = entryRefusals(issuer, explicit.get(issuer.source) ?? new Set(), publicIssuers);
    refusals.push(...entry.refusals);
    if (entry.algorithms) algorithms.set(issuer, entry.algorithms);
  }
  refusals.push(...algorithmListRefusals(algorithms));
  if (refusals.length) return { ok: false, refusals };
  return {
    ok: true,
    rules,
    jwtConfiguration: {
      DefaultAlgorithms: [...algorithms.values()][0]!,
      Issuers: rules.issuers.map(jwtIssuer),
    },
  };
}

/**
 * The method's `AuthorizationScopes`: the route's one required scope, when every issuer puts its
 * scopes in `scope` or `scp` (where the gateway reads them); otherwise none, and layer 2 alone
 * checks them. Our `x-scopes` are all-of and a method's scopes any-of, so a route requiring
 * several would be looser at the gateway than it reads; and an issuer whose scopes also come
 * from roles or permissions would see valid tokens refused 403. Layer 2 checks every route's
 * scopes in either case.
 */
export function gatewayScopes(
  routeScopes: readonly string[],
  rules: Pick<IssuerRules, 'issuers'>,
): string[] {
  if (routeScopes.length !== 1) return [];
  const gatewayReadsEveryScope = rules.issuers.every((issuer) =>
    issuer.scopeClaims.every((claim) => {
      const name = typeof claim === 'string' ? claim : claim.length === 1 ? claim[0] : undefined;
      return name !== undefined && GATEWAY_SCOPE_CLAIMS.has(name);
    }),
  );
  return gatewayReadsEveryScope ? [routeScopes[0]!] : [];
}

function jwtIssuer(issuer: IssuerConfig): JwtIssuer {
  // The preset's kind claims (Keycloak's `typ: Bearer`) are string claims with one exact value:
  // the gateway can check them too. Layer 2 still does, from the same preset data.
  const kind = Object.entries(issuer.accessToken.kindClaims ?? {}).filter(
    ([claim]) => !RESERVED_CLAIMS.has(claim),
  );
  return {
    Issuer: issuer.issuer,
    Audiences: [...issuer.audience],
    ...(kind.length
      ? {
          AdditionalClaims: kind.map(([claim, value]) => ({
            ClaimName: claim,
            Format: 'SINGLE_STRING' as const,
            ExpectedValues: [value],
            Required: true as const,
          })),
        }
      : {}),
  };
}

/** The refusals of one entry, and its algorithms at the gateway when they are expressible. */
function entryRefusals(
  issuer: IssuerConfig,
  explicit: ReadonlySet<string>,
  publicIssuers: boolean,
): { refusals: NativeRefusal[]; algorithms?: readonly string[] } {
  const where = fieldName(issuer.source);
  const refusals: NativeRefusal[] = [];
  const refuse = (field: string, reason: string) => refusals.push({ where: where(field), reason });
  const preset = PRESETS[issuer.preset];

  // Every other preset requires an audience already (loadIssuerRules): the gateway needs one.
  if (issuer.preset === 'cognito')
    refuse(
      'preset',
      "Cognito access tokens carry no aud, and the native JWT authorizer of a REST API requires aud to name one of the issuer's audiences (a client_id fallback is documented for HTTP APIs only); keep layer1=lambda for Cognito",
    );

  if (issuer.issuer.includes(TENANT_PLACEHOLDER))
    refuse(
      'issuer',
      `is a multi-tenant template (${TENANT_PLACEHOLDER}); the native JWT authorizer matches iss exactly: give each tenant an entry of its own with its exact issuer`,
    );
  const unreachable =
    publicIssuers && notPublic(new URL(issuer.issuer.replace(TENANT_PLACEHOLDER, 'tenant')));
  if (unreachable)
    refuse(
      'issuer',
      `${issuer.issuer} is ${unreachable}; API Gateway fetches the issuer's discovery document and keys from the public internet (the local stack's gateway can use local issuers)`,
    );

  // Unset, jwksUrl is the location the preset documents, which is what discovery names. No
  // network here: a local model of the gateway (publicIssuers off) compares it with what its
  // issuers' discovery documents name instead, when it reads them.
  const documented = preset.jwksUrl?.(issuer.issuer);
  if (
    publicIssuers &&
    issuer.jwksUrl &&
    (!documented || new URL(documented).href !== issuer.jwksUrl.href)
  )
    refuse(
      'jwksUrl',
      `is ${issuer.jwksUrl.href}; the native JWT authorizer reads jwks_uri from the issuer's discovery document and takes no other key set: leave jwksUrl out`,
    );

  const marks = issuer.accessToken;
  const claimMarks =
    (marks.accessTokenClaims?.length ?? 0) > 0 || Object.keys(marks.kindClaims ?? {}).length > 0;
  if (issuer.tokenTypes && !claimMarks)
    refuse(
      explicit.has('tokenType') ? 'tokenType' : 'preset',
      `requires the typ header ${issuer.tokenTypes.join(' or ')}; the native JWT authorizer neither checks nor passes a token's header, and preset ${issuer.preset} cannot tell an access token from an ID token by its claims, so layer 2 cannot apply it either`,
    );

  const unsupported = issuer.algorithms.filter(
    (alg) => !(NATIVE_ALGORITHMS as readonly string[]).includes(alg),
  );
  if (explicit.has('algorithms') && unsupported.length) {
    refuse(
      'algorithms',
      `lists ${unsupported.join(', ')}, which the native JWT authorizer cannot verify (it takes ${NATIVE_ALGORITHMS.join(', ')})`,
    );
    return { refusals };
  }
  // Left unset, the entry takes our default list, which names EdDSA for the issuers that use it:
  // at the gateway, only the algorithms it verifies (tokens signed otherwise meet 401 there).
  const algorithms = NATIVE_ALGORITHMS.filter((alg) => issuer.algorithms.includes(alg));
  if (algorithms.length === 0) {
    refuse(
      'algorithms',
      `has none of ${NATIVE_ALGORITHMS.join(', ')}, the only algorithms the native JWT authorizer verifies`,
    );
    return { refusals };
  }
  return { refusals, algorithms };
}

/** One refusal per entry whose algorithms differ from the first entry's. */
function algorithmListRefusals(
  algorithms: ReadonlyMap<IssuerConfig, readonly string[]>,
): NativeRefusal[] {
  const [first, ...rest] = algorithms;
  if (!first) return [];
  const [firstIssuer, firstList] = first;
  return rest
    .filter(([, list]) => list.join() !== firstList.join())
    .map(([issuer, list]) => ({
      where: fieldName(issuer.source)('algorithms'),
      reason: `gives ${list.join(', ')} at the gateway and ${firstIssuer.source} gives ${firstList.join(', ')}; the native JWT authorizer has one algorithm list for every issuer: give every entry the same algorithms`,
    }));
}

function usagePlanRefusals(raw: string | undefined): NativeRefusal[] {
  if (raw === undefined || raw.trim() === '') return [];
  let plans;
  try {
    plans = parseUsagePlans(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [configRefusal(error)];
  }
  return plans.plans
    .filter((plan) => plan.clients.length > 0)
    .map((plan) => ({
      where: `USAGE_PLANS.${plan.name}`,
      reason: `lists clients; a per-client usage plan needs our Lambda authorizer to name each client's API key, which the native JWT authorizer cannot: keep layer1=lambda, or serve every client from the default plan`,
    }));
}

const configRefusal = (error: ConfigError): NativeRefusal => ({
  where: error.variable,
  reason: error.message.slice(error.variable.length + 1),
});

// The single-issuer shorthand names its fields by their variables, as loadIssuerRules does.
const SHORTHAND_FIELDS: Readonly<Record<string, string>> = {
  issuer: 'AUTH_ISSUER',
  audience: 'AUTH_AUDIENCE',
  jwksUrl: 'AUTH_JWKS_URL',
  algorithms: 'AUTH_ALGORITHMS',
  tokenType: 'AUTH_TOKEN_TYPE',
  // The shorthand is always the generic preset; a preset refusal names the variable.
  preset: 'AUTH_ISSUER',
};

const fieldName =
  (source: string) =>
  (field: string): string =>
    source === 'AUTH_ISSUER' ? (SHORTHAND_FIELDS[field] ?? source) : `${source}.${field}`;

/**
 * The fields each entry sets itself, by source: an unset field takes the preset's or our
 * default, which the refusals treat differently from what a user wrote. Read after
 * loadIssuerRules accepted the same variables.
 */
function explicitFields(env: Env): Map<string, Set<string>> {
  if (!readOptionalString(env, 'AUTH_ISSUERS')) {
    const set = Object.entries(SHORTHAND_FIELDS)
      .filter(([, variable]) => variable !== 'AUTH_ISSUER' && readOptionalString(env, variable))
      .map(([field]) => field);
    return new Map([['AUTH_ISSUER', new Set(set)]]);
  }
  const entries = JSON.parse(env.AUTH_ISSUERS!) as Record<string, unknown>[];
  return new Map(entries.map((entry, i) => [`AUTH_ISSUERS[${i}]`, new Set(Object.keys(entry))]));
}

/**
 * Why a URL is not one API Gateway can reach on the public internet, or undefined: plain http,
 * this machine (loopback, link-local, unspecified), a private or shared address (RFC 1918,
 * RFC 6598, RFC 4193), or a name no public DNS answers (one label, .local, .internal, .home.arpa).
 */
export function notPublic(url: URL): string | undefined {
  if (isLocalHost(url)) return 'this machine (a loopback or link-local address)';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const bare = host.replace(/^\[|\]$/g, '');
  const ip = isIP(bare);
  if (ip === 4) {
    const [a, b] = bare.split('.').map(Number) as [number, number];
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
      return 'a private address (RFC 1918)';
    if (a === 100 && b >= 64 && b <= 127) return 'a shared address (RFC 6598)';
  } else if (ip === 6) {
    if (/^f[cd]/.test(bare)) return 'a private address (RFC 4193)';
  } else if (!host.includes('.') || /\.(local|internal|home\.arpa)$/.test(host))
    return 'a name public DNS does not resolve';
  return url.protocol === 'https:' ? undefined : 'not https';
}
