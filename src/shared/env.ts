/**
 * Typed readers for environment variables, used only by the config modules at cold start. A bad
 * value throws a `ConfigError` that names the variable, so a misconfigured deploy fails on its
 * first invocation with a message that says what to fix, instead of misbehaving later.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.variable = variable;
  }
}

export function readString(env: Env, name: string, fallback?: string): string {
  const value = env[name]?.trim();
  if (value) return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(name, 'is required and is not set');
}

export function readOptionalString(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

export function readInteger(
  env: Env,
  name: string,
  { fallback, min, max }: { fallback: number; min: number; max: number },
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export const readList = (env: Env, name: string, fallback: readonly string[]): string[] => {
  const raw = env[name]?.trim();
  if (!raw) return [...fallback];
  return raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
};

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * This machine's own addresses, after WHATWG URL normalisation (which turns `2130706433`,
 * `0x7f.1` and the like into dotted IPv4): loopback (localhost, 127/8, ::1), the unspecified
 * address (0.0.0.0, ::, which reach loopback), link-local (169.254/16, fe80::/10), and their
 * IPv4-mapped IPv6 forms.
 */
export const isLocalHost = (url: URL): boolean => {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^(127|0)\.\d+\.\d+\.\d+$/.test(host) ||
    /^169\.254\.\d+\.\d+$/.test(host) ||
    host === '[::1]' ||
    host === '[::]' ||
    /^\[fe[89ab][0-9a-f]:/.test(host) ||
    /^\[::ffff:(7f[0-9a-f]{2}|0{0,4}[0-9a-f]{1,2}|a9fe):/.test(host)
  );
};

/**
 * An https URL, or plain http on loopback only (the local OAuth server). Keys and issuers fetched
 * over plain http anywhere else could be swapped by anyone on the path.
 */
export const isTrustedUrl = (url: URL): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));

export function readUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${value}"`);
  }
  if (isTrustedUrl(url)) return url;
  throw new ConfigError(
    name,
    `must use https (plain http is allowed on localhost only), got "${value}"`,
  );
}
