import type { RouteRow } from '../tools/route-table.ts';

/** `npm start`'s route list: each route of the route table with the scopes it needs, aligned. */
export function routeLines(routes: readonly RouteRow[]): string[] {
  const method = Math.max(...routes.map((r) => r.method.length));
  const path = Math.max(...routes.map((r) => r.path.length));
  return routes.map((r) =>
    `${r.method.padEnd(method)}  ${r.path.padEnd(path)}  ${r.scopes.length ? r.scopes.join(' ') : '(any authenticated caller)'}`.trimEnd(),
  );
}
