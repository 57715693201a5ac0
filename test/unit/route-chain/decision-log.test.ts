import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decisionLog } from '../../../src/route-chain/decision-log.ts';
import { HttpProblem, type RouteProblemCode } from '../../../src/shared/problems.ts';
import { PROBLEMS } from '../../../src/shared/problems.ts';
import type { LogEntry } from '../../../src/shared/log.ts';

/** One JSON line per request, with the route, the decision and its code; never the request. */
const ROUTE = { method: 'POST', path: '/users' } as never;
const recorded: { route: string; code: string; status: number }[] = [];
function run(outcome: { response?: { statusCode: number }; problem?: HttpProblem; error?: Error }) {
  const logs: LogEntry[] = [];
  recorded.length = 0;
  const middleware = decisionLog(ROUTE, (entry) => logs.push(entry), {
    response: (route, code, status) => recorded.push({ route, code, status }),
  });
  const request = {
    event: {
      body: '{"password":"hunter2"}',
      headers: { Authorization: 'Bearer secret.token.x' },
      requestContext: { requestId: 'apigw-1' },
    },
    context: { caller: { sub: 'user-1' }, awsRequestId: 'lambda-1' },
    response: outcome.response,
    error: outcome.problem ? new Error('rendered') : outcome.error,
    internal: outcome.problem ? { problem: outcome.problem } : {},
  };
  middleware.before!(request as never);
  if (outcome.response) middleware.after!(request as never);
  else middleware.onError!(request as never);
  return logs;
}

describe('the decision log', () => {
  it('writes one line for an answered request: allow, ok, the status, the caller and both request ids', () => {
    expect(run({ response: { statusCode: 201 } })).toEqual([
      {
        route: 'POST /users',
        decision: 'allow',
        code: 'ok',
        status: 201,
        sub: 'user-1',
        requestId: 'apigw-1',
        lambdaRequestId: 'lambda-1',
        latencyMs: expect.any(Number),
      },
    ]);
  });

  it('records the same decision as a metric: the route, the code and the status', () => {
    run({ response: { statusCode: 201 } });
    expect(recorded).toEqual([{ route: 'POST /users', code: 'ok', status: 201 }]);
    run({ problem: new HttpProblem('conflict') });
    expect(recorded).toEqual([{ route: 'POST /users', code: 'conflict', status: 409 }]);
  });

  it('logs the cause of an unexpected error, which the client never sees', () => {
    const problem = new HttpProblem('internal_error', 'An unexpected error occurred', {
      cause: new TypeError('x is undefined'),
    });
    expect(run({ problem })[0]).toMatchObject({
      decision: 'error',
      code: 'internal_error',
      status: 500,
      error: 'TypeError: x is undefined',
    });
  });

  it('names every refusal by its problem code, its decision by its status, never the request', () => {
    const codes = Object.keys(PROBLEMS).filter(
      (code) => !['access_denied', 'authorizer_error', 'gateway_error'].includes(code),
    ) as RouteProblemCode[];
    fc.assert(
      fc.property(fc.constantFrom(...codes), (code) => {
        const [line, ...more] = run({ problem: new HttpProblem(code) });
        const status = PROBLEMS[code].status;
        expect(more).toEqual([]);
        expect(line).toMatchObject({
          code,
          status,
          decision: status === 401 || status === 403 ? 'deny' : status >= 500 ? 'error' : 'reject',
        });
        expect(JSON.stringify(line)).not.toMatch(/hunter2|secret\.token/);
      }),
    );
  });
});
