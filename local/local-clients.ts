import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isScopeToken, parseScopeString } from '../src/shared/scopes.ts';
import type { RouteProblem } from '../tools/lint-rules.ts';
import { loadSchemas } from '../tools/schema-checks.ts';
import { isRecord } from '../tools/json-values.ts';

/**
 * The local auth servers' clients, as `npm start` and the end-to-end tests run them: the file
 * `local/clients.json` checked and completed from the routes. oidc-provider refuses at token
 * time any scope it was not told it supports ("scope must only contain Authorization Server
 * supported scope values", naming no file), so the check runs first and names the file and the
 * key. The servers support the file's `scopes` and every scope a route's `x-scopes` names; a
 * client with `"everyRouteScope": true` may be granted all of the latter, so a route added with a
 * new scope can be called locally at once.
 */
export interface LocalClient {
  readonly id: string;
  readonly secret: string;
  /** The scopes it may be granted, space-separated. */
  readonly scope: string;
  readonly accessTokenTtlSeconds?: number;
  /** Also granted every scope any route's x-scopes names. */
  readonly everyRouteScope?: boolean;
}

export interface LocalClients {
  readonly audience: string;
  /** Every scope the servers support: the file's and the routes'. */
  readonly scopes: readonly string[];
  readonly accessTokenTtlSeconds: number;
  /** As the file lists them, `everyRouteScope` clients with the routes' scopes added. */
  readonly clients: readonly LocalClient[];
  /** Scopes a route needs that no client may be granted: such a route answers only 403 locally. */
  readonly warnings: readonly string[];
}

/** What the routes need: `GET /users` → `users:read`. */
export interface RouteScopes {
  readonly route: string;
  readonly scopes: readonly string[];
}

export class LocalClientsError extends Error {
  override readonly name = 'LocalClientsError';
}

const ROOT = join(import.meta.dirname, '..');
export const CLIENTS_FILE = join(ROOT, 'local', 'clients.json');

/** The routes' scopes, from the schema files (a file the route lint refuses is left out). */
export function routeScopes(root = ROOT): RouteScopes[] {
  const problems: RouteProblem[] = [];
  return loadSchemas(root, problems).map((s) => ({
    route: `${s.method} ${s.path}`,
    scopes: s.scopes,
  }));
}

/** Reads, checks and completes the clients file; throws naming the file and the key. */
export function loadLocalClients(
  routes: readonly RouteScopes[] = routeScopes(),
  file = CLIENTS_FILE,
): LocalClients {
  const name = relative(ROOT, file) || file;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LocalClientsError(`${name}: ${(error as Error).message}`);
  }
  return completed(raw, routes, name);
}

export function completed(
  raw: unknown,
  routes: readonly RouteScopes[],
  name: string,
): LocalClients {
  const fail = (key: string, problem: string) =>
    new LocalClientsError(`${name}: ${key} ${problem}`);
  if (!isRecord(raw)) throw fail('', 'must be a JSON object');
  if (typeof raw.audience !== 'string' || !raw.audience)
    throw fail('"audience"', 'must be the API’s audience (a string)');
  if (!Array.isArray(raw.scopes) || !raw.scopes.every(isScopeToken))
    throw fail('"scopes"', 'must be a list of scope names (no spaces)');
  const ttl = raw.accessTokenTtlSeconds;
  if (!Number.isInteger(ttl) || (ttl as number) < 1)
    throw fail('"accessTokenTtlSeconds"', 'must be a whole number of seconds');
  if (!Array.isArray(raw.clients)) throw fail('"clients"', 'must be a list of clients');

  const byRoutes = [...new Set(routes.flatMap((r) => r.scopes))].sort();
  const supported = [...new Set([...(raw.scopes as string[]), ...byRoutes])];
  const clients = raw.clients.map((client: unknown, i: number): LocalClient => {
    const key = `clients[${i}]`;
    if (!isRecord(client)) throw fail(key, 'must be an object');
    const id = client.id;
    if (typeof id !== 'string' || !id) throw fail(`${key}.id`, 'must be the client id (a string)');
    const at = `${key}.scope ("${id}")`;
    if (typeof client.secret !== 'string' || !client.secret)
      throw fail(`${key}.secret ("${id}")`, 'must be a string');
    if (typeof client.scope !== 'string') throw fail(at, 'must be a space-separated string');
    for (const scope of parseScopeString(client.scope))
      if (!supported.includes(scope))
        throw fail(
          at,
          `names "${scope}", which neither "scopes" nor any route's x-scopes (schemas/*.json) names: add it to "scopes", or correct the name`,
        );
    if (client.everyRouteScope !== undefined && typeof client.everyRouteScope !== 'boolean')
      throw fail(`${key}.everyRouteScope ("${id}")`, 'must be true or false');
    const own = [...parseScopeString(client.scope)];
    return {
      ...(client as unknown as LocalClient),
      scope: (client.everyRouteScope ? [...new Set([...own, ...byRoutes])] : own).join(' '),
    };
  });
  const granted = new Set(clients.flatMap((c) => [...parseScopeString(c.scope)]));
  const warnings = routes.flatMap((r) =>
    r.scopes
      .filter((scope) => !granted.has(scope))
      .map(
        (scope) =>
          `${r.route} needs "${scope}", which no client of ${name} may be granted, so it answers 403 locally: add it to a client's "scope", or set "everyRouteScope": true on one`,
      ),
  );
  return {
    audience: raw.audience,
    scopes: supported,
    accessTokenTtlSeconds: ttl as number,
    clients,
    warnings,
  };
}
