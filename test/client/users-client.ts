import createClient from 'openapi-fetch';
import type { components, paths } from './api.ts';

/**
 * A client of the sample API as its users would write one: the types are generated from the
 * OpenAPI document (`npm run client:types`, openapi-typescript), the calls made by openapi-fetch.
 * Nothing here restates a resource: if the document stopped naming a success body, `data` would
 * be `unknown` and the assertions at the end would fail `npm run typecheck`.
 */
type Schemas = components['schemas'];
export type User = Schemas['User'];
export type UserPage = Schemas['UserPage'];
export type Me = Schemas['Me'];
export type Problem = Schemas['Problem'];

export interface Result<T> {
  readonly status: number;
  readonly data: T | undefined;
  readonly problem: Problem | undefined;
  readonly headers: Headers;
}

export function usersClient(
  baseUrl: string,
  token?: string,
  fetch?: (request: Request) => Promise<Response>,
) {
  const client = createClient<paths>({
    baseUrl,
    ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
    ...(fetch ? { fetch } : {}),
  });
  const result = async <T>(
    call: Promise<{ data?: T; error?: Problem; response: Response }>,
  ): Promise<Result<T>> => {
    const { data, error, response } = await call;
    return { status: response.status, data, problem: error, headers: response.headers };
  };
  return {
    me: (): Promise<Result<Me>> => result(client.GET('/me')),
    listUsers: (query: { limit?: number; cursor?: string } = {}): Promise<Result<UserPage>> =>
      result(client.GET('/users', { params: { query } })),
    getUser: (userId: string): Promise<Result<User>> =>
      result(client.GET('/users/{userId}', { params: { path: { userId } } })),
    createUser: (
      body: Schemas['NewUser'],
      { idempotencyKey }: { idempotencyKey?: string } = {},
    ): Promise<Result<User>> =>
      result(
        client.POST('/users', {
          body,
          params: { header: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} },
        }),
      ),
    updateUser: (
      userId: string,
      body: Schemas['UserPatch'],
      { ifMatch }: { ifMatch?: string } = {},
    ): Promise<Result<User>> =>
      result(
        client.PATCH('/users/{userId}', {
          params: { path: { userId }, header: ifMatch ? { 'if-match': ifMatch } : {} },
          body,
        }),
      ),
    deleteUser: (
      userId: string,
      { ifMatch }: { ifMatch?: string } = {},
    ): Promise<Result<undefined>> =>
      result(
        client.DELETE('/users/{userId}', {
          params: { path: { userId }, header: ifMatch ? { 'if-match': ifMatch } : {} },
        }),
      ),
  };
}

// The success bodies are typed from named components, not `unknown`: each line fails to compile
// if the document stops naming the body its operation answers.
type IsUnknown<T> = unknown extends T ? true : false;
type Success<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : never
  : never;
type Expect<T extends false> = T;
export type SuccessBodiesAreTyped = [
  Expect<IsUnknown<Success<'/me', 'get'>>>,
  Expect<IsUnknown<Success<'/users', 'get'>>>,
  Expect<IsUnknown<Success<'/users', 'post'>>>,
  Expect<IsUnknown<Success<'/users/{userId}', 'get'>>>,
  Expect<IsUnknown<Success<'/users/{userId}', 'patch'>>>,
];
const typedUser: User['role'] = 'member';
const typedPage: UserPage['nextCursor'] = null;
export { typedPage, typedUser };
