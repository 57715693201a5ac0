import { join } from 'node:path';
import {
  loadResponseContract,
  type ResponseContract,
  type SeenResponse,
} from '../../tools/response-contract.ts';

/**
 * Every response a test sees, held to what its route declares in schemas/ (x-responses). The
 * shared test helpers (handlers on DynamoDB Local, the gateway model's routes, the end-to-end calls)
 * call this on each answer, so a response outside the contract fails the test that saw it.
 */
let contract: ResponseContract | undefined;
const loaded = () => (contract ??= loadResponseContract(join(import.meta.dirname, '..', '..')));

export class ResponseContractViolation extends Error {
  override readonly name = 'ResponseContractViolation';
}

/** Throws, naming the route, the status and what is wrong, unless the response is declared. */
export function expectDeclaredResponse(route: string, response: SeenResponse): void {
  const violations = loaded().violations(route, response);
  if (violations.length)
    throw new ResponseContractViolation(
      `${route} answered ${response.statusCode} outside its contract: ${violations.join('; ')}`,
    );
}

/** The same for an answer API Gateway gave on its own: a problem+json of the catalogue. */
export function expectDeclaredGatewayAnswer(response: SeenResponse): void {
  const violations = loaded().gatewayViolations(response);
  if (violations.length)
    throw new ResponseContractViolation(
      `the gateway answered ${response.statusCode} outside its contract: ${violations.join('; ')}`,
    );
}

/** The route (`"GET /users/{userId}"`) a request answers to, if any. */
export const routeOf = (method: string, path: string) => loaded().routeOf(method, path);

/**
 * The service's routes with every answer of their handlers checked against the contract, for
 * the API Gateway model (the contract tests).
 */
export function checkedRoutes<
  R extends { method: string; path: string; handler: (...args: never[]) => Promise<unknown> },
>(routes: readonly R[]): R[] {
  return routes.map((route) => ({
    ...route,
    handler: async (...args: Parameters<R['handler']>) => {
      const response = (await route.handler(...args)) as SeenResponse;
      expectDeclaredResponse(`${route.method} ${route.path}`, response);
      return response;
    },
  }));
}
