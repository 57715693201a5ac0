import { isRecord } from './json-values.ts';
import type { FunctionConfig } from './serverless-config.ts';

/**
 * The `http` events of serverless.yml's functions as Serverless resolved them: the REST API
 * routes the route table joins with the schema files and the route lint checks. Build-time only.
 */
export interface HttpEvent {
  readonly method: string;
  readonly path: string;
  readonly authorizer?: unknown;
  readonly private?: unknown;
}

/** One http event with the function that serves it. */
export interface FunctionHttpEvent {
  readonly name: string;
  readonly fn: FunctionConfig;
  readonly http: HttpEvent;
}

export const SERVERLESS_YML = 'serverless.yml';

/** Every http event of every function, in serverless.yml's order. */
export function httpEventsOf(
  functions: Readonly<Record<string, FunctionConfig>>,
): FunctionHttpEvent[] {
  const found: FunctionHttpEvent[] = [];
  for (const [name, fn] of Object.entries(functions))
    for (const event of fn.events ?? []) {
      const http = httpEvent(event.http);
      if (http) found.push({ name, fn, http });
    }
  return found;
}

/** `GET /users/{userId}`: how messages and the join name a route. */
export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/** `{ method, path }` or the shorthand `GET users/{id}`; path with one leading slash, none trailing. */
function httpEvent(value: unknown): HttpEvent | undefined {
  if (typeof value === 'string') {
    const [method = '', path = ''] = value.trim().split(/\s+/);
    return { method: method.toUpperCase(), path: normalisePath(path) };
  }
  if (!isRecord(value)) return undefined;
  return {
    method: String(value.method ?? '').toUpperCase(),
    path: normalisePath(String(value.path ?? '')),
    authorizer: value.authorizer,
    private: value.private,
  };
}

// API Gateway resources have no trailing slash; Serverless deploys `things/{id}/` as `/things/{id}`.
const normalisePath = (path: string) => `/${path.replace(/^\/+/, '').replace(/\/$/, '')}`;
