/**
 * Whether a new route can join the API: not when its method and path are already a route, and
 * not when API Gateway would put it on a resource another route already holds under another
 * name. A REST API is a tree of resources, one per path segment, and a resource may have only
 * one path-variable child: `/users/{id}` and `/users/{userId}/audit` cannot both deploy
 * ("A sibling ({id}) of this resource already has a variable path part -- only one is
 * allowed"), and `GET /users/{id}` would answer the very requests `GET /users/{userId}` does.
 * Build-time only (npm run route:new).
 */
export interface KnownRoute {
  readonly method: string;
  readonly path: string;
  /** Where it is declared, for the message: a schema file, or serverless.yml's function. */
  readonly where: string;
}

export interface RouteClash {
  readonly code: 'route_exists' | 'path_variable_clash';
  readonly message: string;
}

const VARIABLE = /^\{[^}]+\}$/;
const segmentsOf = (path: string) => path.split('/').filter(Boolean);

/** The first reason `method path` cannot be added beside `known`, or undefined. */
export function routeClash(
  method: string,
  path: string,
  known: readonly KnownRoute[],
): RouteClash | undefined {
  const segments = segmentsOf(path);
  const same = known.find((k) => k.method === method && k.path === path);
  if (same)
    return {
      code: 'route_exists',
      message: `${method} ${path} already exists (${same.where})`,
    };
  for (const route of known) {
    const theirs = segmentsOf(route.path);
    for (let i = 0; i < Math.min(segments.length, theirs.length); i += 1) {
      const [mine, other] = [segments[i]!, theirs[i]!];
      if (VARIABLE.test(mine) && VARIABLE.test(other) && mine !== other) {
        const parent = `/${segments.slice(0, i).join('/')}`;
        return {
          code: 'path_variable_clash',
          message: `API Gateway keeps one path variable per resource: ${route.method} ${route.path} (${route.where}) already has ${other} under ${parent}, so ${method} ${path} would not deploy beside it; write ${other} there instead of ${mine}`,
        };
      }
      // Below different resources, nothing further can clash with this route.
      if (mine !== other) break;
    }
  }
  return undefined;
}
