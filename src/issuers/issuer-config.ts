import {
  ConfigError,
  readInteger,
  readList,
  readOptionalString,
  readUrl,
  type Env,
} from '../shared/env.ts';
import {
  normaliseTyp,
  PRESET_NAMES,
  PRESETS,
  TENANT_PLACEHOLDER,
  type ClaimPath,
  type PresetName,
} from './presets.ts';
import type { AccessTokenMarks } from './token-kind.ts';

/**
 * The trusted issuers, read once at cold start from `AUTH_ISSUERS` (or the single-issuer
 * variables) and the clock tolerance: what every layer that accepts a token applies. Our Lambda
 * authorizer (src/authorizer/) verifies with them; behind API Gateway's native JWT authorizer,
 * layer 2 applies the rules the gateway cannot (src/issuers/claim-rules.ts). Every variable is
 * documented in README §Configuration and §Use it with your auth server.
 */
export interface IssuerRules {
  /** The trusted issuers; a token is checked against the one its `iss` names, and no other. */
  readonly issuers: readonly IssuerConfig[];
  readonly clockToleranceSeconds: number;
}

/** One trusted issuer, its preset's defaults applied. */
export interface IssuerConfig {
  /** Where the entry came from, for messages: `AUTH_ISSUERS[1]` or `AUTH_ISSUER`. */
  readonly source: string;
  /** The exact `iss`, or an Entra ID template with `{tenantid}` (then `tenants` is set). */
  readonly issuer: string;
  readonly preset: PresetName;
  /** Accepted `aud` values (a token must name one); empty when the issuer sends none. */
  readonly audience: readonly string[];
  /** When set, the token's client id must be one of these. */
  readonly clientIds: readonly string[] | undefined;
  /** For a `{tenantid}` template: the tenants whose tokens are accepted. */
  readonly tenants: readonly string[] | undefined;
  /** Where the keys are; unset: `jwks_uri` from the issuer's discovery document. */
  readonly jwksUrl: URL | undefined;
  readonly algorithms: readonly string[];
  readonly scopeClaims: readonly ClaimPath[];
  readonly clientIdClaims: readonly string[];
  /** Accepted `typ` headers, normalised; unset: not checked. */
  readonly tokenTypes: readonly string[] | undefined;
  readonly requiredClaims: readonly string[];
  /** How the preset tells an access token from an ID token (not overridable). */
  readonly accessToken: AccessTokenMarks;
  /** The furthest ahead `exp` may lie: a longer-lived token is refused. */
  readonly maxTokenLifetimeSeconds: number;
}

// Asymmetric algorithms only. HS* would let anyone holding the public key (that is, everyone)
// mint tokens if a verifier ever fed a public key to an HMAC check; `none` needs no key at all.
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

// A day: the longest access-token lifetime Cognito, Okta and Entra ID allow, and Auth0's default
// (Auth0 can issue tokens for up to 30 days: raise this to match). Bounds what a leaked token is
// worth and keeps `exp` a date every layer can hold (1e13 is not).
const DEFAULT_MAX_TOKEN_LIFETIME = 86_400;
const LIFETIME_RANGE = { min: 60, max: 31_536_000 };

// The single-issuer shorthand: one `generic` entry.
const SHORTHAND = [
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_JWKS_URL',
  'AUTH_ALGORITHMS',
  'AUTH_TOKEN_TYPE',
] as const;

const ENTRY_FIELDS = new Set([
  'issuer',
  'preset',
  'audience',
  'clientIds',
  'tenants',
  'jwksUrl',
  'algorithms',
  'scopeClaims',
  'tokenType',
  'maxTokenLifetimeSeconds',
]);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function loadIssuerRules(env: Env): IssuerRules {
  const maxTokenLifetimeSeconds = readInteger(env, 'AUTH_MAX_TOKEN_LIFETIME_SECONDS', {
    fallback: DEFAULT_MAX_TOKEN_LIFETIME,
    ...LIFETIME_RANGE,
  });
  const issuers = readOptionalString(env, 'AUTH_ISSUERS')
    ? issuersFromJson(env, maxTokenLifetimeSeconds)
    : [issuerFromShorthand(env, maxTokenLifetimeSeconds)];

  return Object.freeze({
    issuers: Object.freeze(issuers),
    // A few seconds absorbs clock skew between the issuer and Lambda; more would stretch every
    // token's lifetime for nothing.
    clockToleranceSeconds: readInteger(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', {
      fallback: 5,
      min: 0,
      max: 300,
    }),
  });
}

function issuerFromShorthand(env: Env, maxTokenLifetimeSeconds: number): IssuerConfig {
  const issuer = readOptionalString(env, 'AUTH_ISSUER');
  if (!issuer)
    throw new ConfigError('AUTH_ISSUER', 'is required and is not set (or set AUTH_ISSUERS)');
  const jwksUrl = readOptionalString(env, 'AUTH_JWKS_URL');
  const tokenType = readOptionalString(env, 'AUTH_TOKEN_TYPE');
  return resolveEntry(
    'AUTH_ISSUER',
    {
      issuer,
      preset: 'generic',
      audience: readList(env, 'AUTH_AUDIENCE', []),
      algorithms: readList(env, 'AUTH_ALGORITHMS', DEFAULT_ALGORITHMS),
      ...(jwksUrl ? { jwksUrl } : {}),
      ...(tokenType ? { tokenType } : {}),
    },
    maxTokenLifetimeSeconds,
    // The shorthand's fields are environment variables: name them in errors.
    {
      issuer: 'AUTH_ISSUER',
      audience: 'AUTH_AUDIENCE',
      jwksUrl: 'AUTH_JWKS_URL',
      algorithms: 'AUTH_ALGORITHMS',
      tokenType: 'AUTH_TOKEN_TYPE',
    },
  );
}

function issuersFromJson(env: Env, maxTokenLifetimeSeconds: number): IssuerConfig[] {
  const both = SHORTHAND.filter((name) => readOptionalString(env, name));
  if (both.length)
    throw new ConfigError(
      'AUTH_ISSUERS',
      `is set together with ${both.join(', ')}: configure issuers one way, either AUTH_ISSUERS or the single-issuer variables`,
    );
  let entries: unknown;
  try {
    entries = JSON.parse(env.AUTH_ISSUERS!);
  } catch (error) {
    throw new ConfigError('AUTH_ISSUERS', `is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(entries) || entries.length === 0)
    throw new ConfigError('AUTH_ISSUERS', 'must be a JSON array with one entry per issuer');
  const issuers = entries.map((entry, i) =>
    resolveEntry(`AUTH_ISSUERS[${i}]`, entry, maxTokenLifetimeSeconds),
  );
  const seen = new Map<string, string>();
  for (const { issuer, source } of issuers) {
    if (seen.has(issuer))
      throw new ConfigError(`${source}.issuer`, `repeats ${seen.get(issuer)}'s issuer ${issuer}`);
    seen.set(issuer, source);
  }
  return issuers;
}

type FieldNames = Partial<Record<string, string>>;

/**
 * One entry, checked field by field in this order (the first failing check is the error); an
 * error names the entry and the field. Each check is an assertion below.
 */
function resolveEntry(
  source: string,
  entry: unknown,
  maxTokenLifetimeSeconds: number,
  names: FieldNames = {},
): IssuerConfig {
  const where = (field: string) => names[field] ?? `${source}.${field}`;
  assertEntry(source, entry);
  assertKnownFields(entry, where);

  const presetName = entry.preset ?? 'generic';
  assertPreset(where('preset'), presetName);
  const preset = PRESETS[presetName];

  const issuer = text(entry.issuer, where('issuer'));
  const template = issuer.includes(TENANT_PLACEHOLDER);
  assertIssuer(where('issuer'), issuer, presetName);

  const audience = optionalTexts(entry.audience, where('audience'), true) ?? [];
  assertAudience(where('audience'), audience, presetName);
  const clientIds = optionalTexts(entry.clientIds, where('clientIds'));
  assertClientIds(where('clientIds'), clientIds, presetName);
  const tenants = optionalTexts(entry.tenants, where('tenants'));
  assertTenants(where('tenants'), tenants, template);

  const algorithms =
    optionalTexts(entry.algorithms, where('algorithms')) ??
    (DEFAULT_ALGORITHMS as readonly string[]);
  assertAlgorithms(where('algorithms'), algorithms);

  const jwksUrlText =
    entry.jwksUrl === undefined ? undefined : text(entry.jwksUrl, where('jwksUrl'));
  const jwksUrl = jwksUrlText ?? preset.jwksUrl?.(issuer);

  const tokenTypes = optionalTexts(entry.tokenType, where('tokenType'), true) ?? preset.tokenTypes;
  const maxLifetime = entry.maxTokenLifetimeSeconds ?? maxTokenLifetimeSeconds;
  assertLifetime(where('maxTokenLifetimeSeconds'), maxLifetime);

  return Object.freeze({
    source,
    issuer,
    preset: presetName,
    audience: Object.freeze(audience),
    clientIds: clientIds && Object.freeze(clientIds),
    tenants: tenants && Object.freeze(tenants),
    jwksUrl: jwksUrl === undefined ? undefined : readUrl(where('jwksUrl'), jwksUrl),
    algorithms: Object.freeze([...algorithms]),
    scopeClaims: Object.freeze(
      scopeClaims(entry.scopeClaims, where('scopeClaims')) ?? preset.scopeClaims,
    ),
    clientIdClaims: preset.clientIdClaims,
    tokenTypes: tokenTypes && Object.freeze(tokenTypes.map(normaliseTyp)),
    requiredClaims: preset.requiredClaims,
    accessToken: preset.accessToken,
    maxTokenLifetimeSeconds: maxLifetime,
  });
}

// The checks of an entry, one rule each. Each throws a ConfigError naming the field (`name`:
// `AUTH_ISSUERS[0].audience`, or the shorthand's variable) with what to fix.

function assertEntry(source: string, entry: unknown): asserts entry is Record<string, unknown> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new ConfigError(source, 'must be an object with at least "issuer" and "preset"');
}

function assertKnownFields(entry: Record<string, unknown>, where: (field: string) => string) {
  for (const field of Object.keys(entry))
    if (!ENTRY_FIELDS.has(field))
      throw new ConfigError(
        where(field),
        `is not a field of an issuer entry (${[...ENTRY_FIELDS].join(', ')})`,
      );
}

function assertPreset(name: string, value: unknown): asserts value is PresetName {
  if (!(PRESET_NAMES as readonly unknown[]).includes(value))
    throw new ConfigError(name, `must be one of ${PRESET_NAMES.join(', ')}`);
}

/** An absolute https URL; a `{tenantid}` template with preset entra only; what the preset accepts. */
function assertIssuer(name: string, issuer: string, presetName: PresetName) {
  if (issuer.includes(TENANT_PLACEHOLDER) && presetName !== 'entra')
    throw new ConfigError(name, `may hold ${TENANT_PLACEHOLDER} with preset entra only`);
  // No trailing-slash normalisation: the issuer is compared exactly (Auth0's ends in `/`).
  readUrl(name, issuer.replace(TENANT_PLACEHOLDER, 'tenant'));
  const problem = PRESETS[presetName].checkIssuer?.(issuer);
  if (problem) throw new ConfigError(name, problem);
}

function assertAudience(name: string, audience: readonly string[], presetName: PresetName) {
  const expected = PRESETS[presetName].audience;
  if (expected === 'required' && audience.length === 0)
    throw new ConfigError(name, 'is required: the audience your API is known by');
  if (expected === 'absent' && audience.length > 0)
    throw new ConfigError(
      name,
      `must be left out: ${presetName} access tokens carry no aud; list clientIds instead`,
    );
}

function assertClientIds(
  name: string,
  clientIds: readonly string[] | undefined,
  presetName: PresetName,
) {
  const why = PRESETS[presetName].clientIdsRequired;
  if (why && !clientIds?.length)
    throw new ConfigError(name, `is required for ${presetName}: ${why}`);
}

/** Tenant ids (GUIDs), listed exactly when the issuer is a `{tenantid}` template. */
function assertTenants(name: string, tenants: readonly string[] | undefined, template: boolean) {
  if (template && !tenants?.length)
    throw new ConfigError(
      name,
      `is required with a ${TENANT_PLACEHOLDER} issuer: the tenant ids (GUIDs) whose tokens are accepted`,
    );
  if (!template && tenants)
    throw new ConfigError(name, `applies to a ${TENANT_PLACEHOLDER} issuer only`);
  for (const tenant of tenants ?? [])
    if (!GUID.test(tenant))
      throw new ConfigError(name, `lists "${tenant}", which is not a tenant id (GUID)`);
}

function assertAlgorithms(name: string, algorithms: readonly string[]) {
  if (algorithms.length === 0) throw new ConfigError(name, 'must list at least one algorithm');
  for (const alg of algorithms)
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg))
      throw new ConfigError(
        name,
        `may list only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}), got "${alg}"`,
      );
}

function assertLifetime(name: string, seconds: unknown): asserts seconds is number {
  if (
    !Number.isInteger(seconds) ||
    (seconds as number) < LIFETIME_RANGE.min ||
    (seconds as number) > LIFETIME_RANGE.max
  )
    throw new ConfigError(
      name,
      `must be an integer from ${LIFETIME_RANGE.min} to ${LIFETIME_RANGE.max}`,
    );
}

function text(value: unknown, name: string): string {
  if (typeof value === 'string' && value.trim()) return value.trim();
  throw new ConfigError(
    name,
    value === undefined ? 'is required and is not set' : 'must be a non-empty string',
  );
}

/** A list of strings, or (when `single`) one string standing for a list of one. */
function optionalTexts(value: unknown, name: string, single = false): string[] | undefined {
  if (value === undefined) return undefined;
  if (single && typeof value === 'string') return value.trim() ? [value.trim()] : [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && v.trim()))
    return value.map((v: string) => v.trim());
  throw new ConfigError(
    name,
    `must be ${single ? 'a string or ' : ''}an array of non-empty strings`,
  );
}

function scopeClaims(value: unknown, name: string): ClaimPath[] | undefined {
  if (value === undefined) return undefined;
  const path = (v: unknown) =>
    (typeof v === 'string' && v !== '') ||
    (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== ''));
  if (Array.isArray(value) && value.length > 0 && value.every(path)) return value as ClaimPath[];
  throw new ConfigError(
    name,
    'must be a non-empty array of claim names, or of paths into nested claims (["realm_access", "roles"])',
  );
}
