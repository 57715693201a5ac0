import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  completed,
  CLIENTS_FILE,
  LocalClientsError,
  loadLocalClients,
  routeScopes,
} from '../../local/local-clients.ts';

/**
 * local/clients.json as `npm start` runs it: checked before the auth servers start, so a scope
 * oidc-provider would refuse at token time ("scope must only contain Authorization Server
 * supported scope values", naming no file) is an error naming the file and the key instead, and
 * completed from the routes, so a route added with a new scope can be called locally at once.
 */
const FILE = JSON.parse(readFileSync(CLIENTS_FILE, 'utf8')) as {
  scopes: string[];
  clients: { id: string; scope: string; everyRouteScope?: boolean }[];
};
const AUDIT = { route: 'GET /users/{userId}/audit', scopes: ['users:audit'] };
const ROUTES = [{ route: 'GET /users', scopes: ['users:read'] }, AUDIT];

describe('local/clients.json, checked and completed from the routes', () => {
  it('refuses a client scope that neither "scopes" nor any route names, naming the file and the key', () => {
    const file = structuredClone(FILE);
    file.clients[1]!.scope = 'users:read users:adit';
    expect(() => completed(file, ROUTES, 'local/clients.json')).toThrow(
      new LocalClientsError(
        'local/clients.json: clients[1].scope ("writer") names "users:adit", which neither "scopes" nor any route\'s x-scopes (schemas/*.json) names: add it to "scopes", or correct the name',
      ),
    );
  });

  it('supports a scope a route names without it being listed in "scopes"', () => {
    const file = structuredClone(FILE);
    file.clients[1]!.scope = 'users:read users:audit';
    const local = completed(file, ROUTES, 'local/clients.json');
    expect(local.scopes).toContain('users:audit');
    expect(local.clients[1]!.scope).toBe('users:read users:audit');
  });

  it('grants every route scope to the client marked everyRouteScope (admin), and no other', () => {
    const local = completed(FILE, ROUTES, 'local/clients.json');
    const scopesOf = (id: string) => local.clients.find((c) => c.id === id)!.scope.split(' ');
    expect(scopesOf('admin')).toContain('users:audit');
    expect(scopesOf('writer')).not.toContain('users:audit');
    expect(local.warnings).toEqual([]);
  });

  it('warns, naming the route, about a scope a route needs that no client may be granted', () => {
    const file = structuredClone(FILE);
    for (const client of file.clients) delete client.everyRouteScope;
    expect(completed(file, ROUTES, 'local/clients.json').warnings).toEqual([
      'GET /users/{userId}/audit needs "users:audit", which no client of local/clients.json may be granted, so it answers 403 locally: add it to a client\'s "scope", or set "everyRouteScope": true on one',
    ]);
  });

  it.each([
    ['scopes', { scopes: 'users:read' }, /"scopes" must be a list/],
    ['clients', { clients: {} }, /"clients" must be a list/],
    [
      'a secret',
      { clients: [{ id: 'x', scope: '' }] },
      /clients\[0\]\.secret \("x"\) must be a string/,
    ],
    [
      'everyRouteScope',
      { clients: [{ id: 'x', secret: 's', scope: '', everyRouteScope: 'yes' }] },
      /true or false/,
    ],
  ])('refuses a malformed %s, naming the key', (_what, change, message) => {
    expect(() => completed({ ...FILE, ...change }, ROUTES, 'local/clients.json')).toThrow(message);
  });

  it("holds this project's file: every route scope granted to some client, no warning", () => {
    const routes = routeScopes(join(import.meta.dirname, '..', '..'));
    const local = loadLocalClients(routes);
    expect(local.warnings).toEqual([]);
    const granted = new Set(local.clients.flatMap((c) => c.scope.split(' ')));
    for (const route of routes) for (const scope of route.scopes) expect(granted).toContain(scope);
  });
});
