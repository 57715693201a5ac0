import { matchRoute, matchTemplate, type RouteMatch } from '../../tools/route-matcher.ts';

/**
 * Which method of the API a request reaches, by API Gateway's rule (tools/route-matcher.ts, the
 * one matcher: literal before `{p}` before `{p+}`, segment by segment), and the methodArn a
 * TOKEN authorizer is sent for it.
 */
export interface RoutableMethod {
  readonly method: string;
  /** The resource template, e.g. `/users/{userId}` (`{name+}` is greedy). */
  readonly path: string;
}

export type Resolution<R extends RoutableMethod> =
  /** A method of the API, with the path's values for its parameters. */
  | ({ readonly kind: 'route' } & RouteMatch<R>)
  /** The OPTIONS mock of a resource with CORS on (G9). */
  | {
      readonly kind: 'preflight';
      readonly resource: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  /** No such resource or method. */
  | { readonly kind: 'unknown' };

/**
 * A resource with CORS on has an OPTIONS method of its own, a mock integration without
 * authorization (G9); any other request goes to the method the matcher picks, if any.
 */
export function resolveRequest<R extends RoutableMethod>(
  routes: readonly R[],
  corsPreflight: Readonly<Record<string, Readonly<Record<string, string>>>>,
  method: string,
  path: string,
): Resolution<R> {
  if (method.toUpperCase() === 'OPTIONS') {
    const resource = Object.keys(corsPreflight).find((template) => matchTemplate(template, path));
    if (resource !== undefined)
      return { kind: 'preflight', resource, headers: corsPreflight[resource]! };
  }
  const match = matchRoute(routes, method, path);
  return match ? { kind: 'route', ...match } : { kind: 'unknown' };
}

// L2: with authorization on, a methodArn longer than 1,600 bytes is answered 414.
export const MAX_METHOD_ARN_BYTES = 1600;

export interface ApiCoordinates {
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
}

/** The methodArn API Gateway builds from the request: the real path values, not the template. */
export const methodArnOf = (
  { region, accountId, apiId, stage }: ApiCoordinates,
  method: string,
  path: string,
): string =>
  `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method.toUpperCase()}/${path.replace(/^\//, '')}`;
