import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import route from '../../src/generated/routes/get-me.js';
import { encodeContext } from '../../src/shared/context-codec.ts';
import { createGatewayClaimsAcceptor } from '../../src/issuers/claim-rules.ts';
import { loadIssuerRules } from '../../src/issuers/issuer-config.ts';
import { requireCaller, type CallerSource } from '../../src/route-chain/require-caller.ts';
import { json } from '../../src/route-chain/respond.ts';
import { routeHandler } from '../../src/route-chain/route-handler.ts';
import { jsonLineLogger } from '../../src/shared/log.ts';
import { proxyEvent as gatewayProxyEvent } from '../../local/api-gateway/proxy-event.ts';
import { lambdaContext } from '../support/events.ts';
import { SHAPES } from '../support/issuer-tokens.ts';
import { compare, pairedRatio, table, us, type Stats } from './measure.ts';

/**
 * What layer 2 pays behind API Gateway's native JWT authorizer: there, "who is calling" applies
 * the preset rules the gateway cannot (issuer selection, audience, nbf, token kind, required
 * claims, client, sub, lifetime, iat: src/issuers/claim-rules.ts) to the typed claims, and reads
 * the scopes from the preset's claims; behind our authorizer it decodes the context our
 * authorizer already checked. Both through the same step (src/route-chain/require-caller.ts),
 * warm, side by side; then GET /me through the whole chain, in each mode.
 *
 * `node test/bench/layer2-native.ts [--quick]` prints the table; `benchLayer2Native` is what the
 * bench run calls.
 */
export const VARIANTS = {
  context: "who is calling: our authorizer's context (decodeContext)",
  generic: "who is calling: the native authorizer's claims, generic preset",
  keycloak:
    "who is calling: the native authorizer's claims, keycloak preset (nested roles), 3rd of 3 issuers",
  chainContext: 'GET /me, whole chain: our context',
  chainClaims: "GET /me, whole chain: the native authorizer's claims (generic)",
} as const;

const now = () => Math.floor(Date.now() / 1000);
const GENERIC = {
  issuer: 'https://issuer.example.com',
  preset: 'generic',
  audience: 'https://api.example.com',
  algorithms: ['RS256'],
};
const KEYCLOAK = { ...SHAPES.keycloak.entry, algorithms: ['RS256'] };
const AUTH0 = { ...SHAPES.auth0.entry, algorithms: ['RS256'] };

const native = (entries: readonly Record<string, unknown>[]): CallerSource => ({
  layer1: 'native',
  accept: createGatewayClaimsAcceptor(loadIssuerRules({ AUTH_ISSUERS: JSON.stringify(entries) })),
});

/** The event a route gets: our authorizer's string context, or the native authorizer's claims. */
function eventWith(authorizer: Record<string, unknown>): APIGatewayProxyEvent {
  return gatewayProxyEvent({
    method: 'GET',
    path: '/me',
    headers: { Authorization: 'Bearer x' },
    authorizer,
    requestId: 'bench',
    stage: 'dev',
    accountId: '123456789012',
    apiId: 'abc123defg',
    requestTimeEpoch: Date.now(),
  });
}

export async function benchLayer2Native(options: {
  samples: number;
  opsPerSample: number;
}): Promise<Record<string, Stats>> {
  const genericClaims = {
    iss: GENERIC.issuer,
    sub: 'user-1',
    aud: GENERIC.audience,
    scope: 'users:read users:write users:admin',
    client_id: 'web',
    iat: now(),
    exp: now() + 600,
  };
  const keycloakClaims = { ...SHAPES.keycloak.claims(), iat: now(), exp: now() + 300 };
  // What our authorizer puts in its context for the same caller, as the route receives it
  // (every value a string, principalId beside it).
  const { context: encoded } = encodeContext({
    sub: 'user-1',
    scopes: genericClaims.scope.split(' '),
    exp: genericClaims.exp,
    iss: GENERIC.issuer,
    clientId: 'web',
  });
  const received = {
    ...Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, String(v)])),
    principalId: 'user-1',
    integrationLatency: 0,
  };

  const step = (source: CallerSource, authorizer: Record<string, unknown>) => {
    const { before } = requireCaller({ source });
    const request = { event: eventWith(authorizer), context: {} as { caller?: { sub: string } } };
    return () => {
      before!(request as never);
      if (request.context.caller?.sub === undefined) throw new Error('no caller');
    };
  };
  const chain = (source: CallerSource) =>
    routeHandler(route, async (_event, caller) => json(200, { sub: caller.sub }), {
      log: jsonLineLogger,
      config: { corsOrigins: ['*'] },
      callerSource: source,
    });
  const context: Context = lambdaContext();
  const call = async (
    handler: ReturnType<typeof chain>,
    authorizer: Record<string, unknown>,
  ): Promise<void> => {
    const result = (await handler(
      eventWith(authorizer),
      context as Parameters<typeof handler>[1],
    )) as APIGatewayProxyResult;
    if (result.statusCode !== 200)
      throw new Error(`expected 200, got ${result.statusCode}: ${result.body}`);
  };
  const ours = chain({ layer1: 'lambda' });
  const theirs = chain(native([GENERIC]));
  const variants = {
    [VARIANTS.context]: step({ layer1: 'lambda' }, received),
    [VARIANTS.generic]: step(native([GENERIC]), { claims: genericClaims }),
    [VARIANTS.keycloak]: step(native([GENERIC, AUTH0, KEYCLOAK]), { claims: keycloakClaims }),
    [VARIANTS.chainContext]: () => call(ours, received),
    [VARIANTS.chainClaims]: () => call(theirs, { claims: genericClaims }),
  };
  // Each must succeed once before it is timed: a refusal would be measured as a cheap answer.
  for (const run of Object.values(variants)) await run();
  return compare(variants, options);
}

/**
 * The figures as a table: median µs per request, min–max, the difference to our context's median,
 * and the ratio to it paired sample by sample (the ratio within each round, whose median is steady
 * on a busy machine where the medians drift).
 */
export function layer2NativeTable(stats: Record<string, Stats>): string {
  const base = (name: string) =>
    name.startsWith('GET') ? stats[VARIANTS.chainContext]! : stats[VARIANTS.context]!;
  return table(
    ['variant', 'median µs', 'min–max µs', '+µs over our context', '× our context (paired)'],
    Object.values(stats).map((s) => {
      const of = base(s.name);
      return [
        s.name,
        us(s.median),
        `${us(s.min)}–${us(s.max)}`,
        s === of ? '' : us(s.median - of.median),
        s === of ? '' : pairedRatio(s, of).toFixed(2),
      ];
    }),
  );
}

if (import.meta.main) {
  // The chain writes its decision line and EMF document to stdout, as in Lambda: produced (their
  // cost is part of each request) and dropped at the stream, as run.ts does.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && (chunk.startsWith('{"time":') || chunk.startsWith('{"_aws":'))
      ? true
      : (write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'two-layer-authz-bench';
  const quick = process.argv.includes('--quick');
  const stats = await benchLayer2Native(
    quick ? { samples: 5, opsPerSample: 500 } : { samples: 21, opsPerSample: 2000 },
  );
  process.stdout.write(`${layer2NativeTable(stats)}\n`);
}
