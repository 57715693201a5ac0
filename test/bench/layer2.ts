import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import route from '../../src/generated/routes/create-user.js';
import { json } from '../../src/route-chain/respond.ts';
import { routeHandler } from '../../src/route-chain/route-handler.ts';
import { lambdaContext, proxyEvent } from '../support/events.ts';
import { compare, type Stats } from './measure.ts';

/**
 * Layer 2, warm: POST /users through our middy chain (header normalisation, context and scope
 * checks, JSON body parsing, precompiled validation, problem mapping, CORS, and the decision's
 * one line of log fields and metrics, as in Lambda, dropped at stdout by run.ts) against
 * a plain async handler doing the same JSON.parse and the same precompiled validator.
 */
export const VARIANTS = {
  plain: 'plain handler: JSON.parse + precompiled ajv',
  chain: 'our middy chain (create-user route)',
} as const;

export async function benchLayer2(options: {
  samples: number;
  opsPerSample: number;
}): Promise<Record<string, Stats>> {
  const reply = { userId: '6f1c2a9e-0000-4000-8000-000000000001', email: 'ada@example.com' };
  const chained = routeHandler(route, async () => json(201, reply), {
    config: { corsOrigins: ['*'] },
  });
  const plain = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const body: unknown = JSON.parse(event.body ?? '');
    if (!route.validate({ ...event, body })) return json(400, { errors: route.validate.errors });
    return json(201, reply);
  };
  const body = JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace', role: 'member' });
  // A fresh event per call: the chain parses the body in place, as it does in Lambda.
  const event = () =>
    proxyEvent({
      method: 'POST',
      path: '/users',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x' },
      body,
    });
  const context: Context = lambdaContext();
  const variants = {
    [VARIANTS.plain]: async () => expect201(await plain(event())),
    [VARIANTS.chain]: async () =>
      expect201(
        (await chained(event(), context as Parameters<typeof chained>[1])) as APIGatewayProxyResult,
      ),
  };
  for (const run of Object.values(variants)) await run();
  return compare(variants, options);
}

function expect201(result: APIGatewayProxyResult): void {
  if (result.statusCode !== 201)
    throw new Error(`expected 201, got ${result.statusCode}: ${result.body}`);
}
