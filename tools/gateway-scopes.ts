import type { RouteProblem } from './lint-rules.ts';
import { isRecord } from './json-values.ts';

/**
 * The API Gateway methods of a packaged CloudFormation template, with their route and how they
 * are authorized, and the route lint's rule on the scopes API Gateway's native JWT authorizer
 * checks (`gateway_scopes_looser`). Build-time only: the native authorizer plugin runs the rule
 * on the template it writes, and `npm run lint:routes -- --template <file>` on any packaged one.
 */
export interface GatewayMethod {
  /** The method's logical id (`ApiGatewayMethodUsersGet`). */
  readonly id: string;
  readonly method: string;
  /** `/users/{userId}`, from the chain of AWS::ApiGateway::Resource parents. */
  readonly path: string;
  readonly authorizationType: string | undefined;
  /** The logical id the method's AuthorizerId refers to (`Ref`). */
  readonly authorizer: string | undefined;
  readonly scopes: readonly string[];
  readonly apiKeyRequired: boolean;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

const refOf = (value: unknown): string | undefined =>
  isRecord(value) && typeof value.Ref === 'string' ? value.Ref : undefined;

/** Every AWS::ApiGateway::Method of the template. */
export function gatewayMethods(resources: Readonly<Record<string, Resource>>): GatewayMethod[] {
  // The root resource is `Fn::GetAtt [RestApi, RootResourceId]`: no Ref, so the path ends there.
  const pathOf = (id: unknown, depth = 0): string => {
    const ref = refOf(id);
    const resource = ref === undefined ? undefined : resources[ref];
    if (resource?.Type !== 'AWS::ApiGateway::Resource' || depth > 64) return '';
    const { ParentId, PathPart } = resource.Properties ?? {};
    return `${pathOf(ParentId, depth + 1)}/${String(PathPart)}`;
  };
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::ApiGateway::Method')
    .map(([id, { Properties: p = {} }]) => ({
      id,
      method: String(p.HttpMethod).toUpperCase(),
      path: pathOf(p.ResourceId) || '/',
      authorizationType: typeof p.AuthorizationType === 'string' ? p.AuthorizationType : undefined,
      authorizer: refOf(p.AuthorizerId),
      scopes: Array.isArray(p.AuthorizationScopes) ? p.AuthorizationScopes.map(String) : [],
      apiKeyRequired: p.ApiKeyRequired === true,
    }));
}

/**
 * `gateway_scopes_looser`: a JWT method's scopes must be exactly its route's one required scope,
 * or none. The gateway lets through a token holding any one of a method's scopes, read from
 * `scope` or `scp`, while a route's `x-scopes` are all required: a method listing a scope the
 * route does not require, or any scope of a route requiring several, would let the gateway pass
 * what the route's own declaration refuses. Layer 2 checks every route's scopes in full; a
 * method without scopes leaves them to it.
 */
export function gatewayScopeProblems(
  routes: readonly {
    readonly method: string;
    readonly path: string;
    readonly scopes: readonly string[];
  }[],
  methods: readonly GatewayMethod[],
  file: string,
): RouteProblem[] {
  const problems: RouteProblem[] = [];
  for (const method of methods) {
    if (method.authorizationType !== 'JWT' || method.scopes.length === 0) continue;
    const route = routes.find((r) => r.method === method.method && r.path === method.path);
    const required = route?.scopes ?? [];
    if (method.scopes.length === 1 && required.length === 1 && method.scopes[0] === required[0])
      continue;
    const listed = JSON.stringify(method.scopes);
    problems.push({
      file: `${file} (${method.id}, ${method.method} ${method.path})`,
      code: 'gateway_scopes_looser',
      message: !route
        ? `has gateway scopes ${listed} but no route of the schema files: a JWT method's scopes are its route's`
        : required.length > 1
          ? `has gateway scopes ${listed}, which the gateway checks any-of, but its route requires all of ${JSON.stringify(required)}: leave the method without scopes (layer 2 checks them all)`
          : `has gateway scopes ${listed} but its route requires ${required.length ? JSON.stringify(required) : 'none'}: a method's scopes may only be its route's one required scope`,
    });
  }
  return problems;
}
