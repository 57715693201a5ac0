import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { thingsRoute } from '../support/events.ts';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { HttpProblem } from '../../src/shared/problems.ts';
import { routeHandler } from '../../src/route-chain/route-handler.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { emfRouteMetrics } from '../../src/shared/metrics.ts';
import { emfWrittenBy, type EmfDocument as Emf } from '../support/emf.ts';
import { lambdaContext, proxyEvent } from '../support/events.ts';
import { generateSigningKey, startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * The metrics as CloudWatch reads them: the Embedded Metric Format documents the functions write
 * to stdout, parsed here as CloudWatch Logs would, for one allowed, one refused and one failed
 * decision of each layer, and for the key set's fetch, failure and stale serving.
 */
/** The EMF documents written while `run` runs; Powertools must warn about none of them. */
async function emfOf(run: () => Promise<unknown>): Promise<Emf[]> {
  const { documents, warnings } = await emfWrittenBy(run);
  // Powertools writes its warnings (a dimension defined twice, no namespace) to stderr: none.
  expect(warnings).toEqual([]);
  return documents;
}

/** Each metric of a document with its value and the dimension sets it is published under. */
const metricsIn = (doc: Emf) =>
  doc._aws.CloudWatchMetrics.flatMap(({ Namespace, Dimensions, Metrics }) =>
    Metrics.map(({ Name, Unit }) => ({
      namespace: Namespace,
      name: Name,
      unit: Unit,
      value: doc[Name],
      dimensions: Object.fromEntries(
        Dimensions.map((set) => [set.join('+'), Object.fromEntries(set.map((d) => [d, doc[d]]))]),
      ),
    })),
  );

const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/me';
let issuer: TestIssuer;
beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'two-layer-authz-test';
  issuer = await startTestIssuer(['ES256']);
});
afterAll(() => issuer.close());

const authorizer = (env: Record<string, string> = {}) =>
  createAuthorizer({
    config: loadAuthorizerConfig({
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl.href,
      ...env,
    }),
    log: silentLogger,
  });
const call = (authorize: ReturnType<typeof authorizer>, token: string) =>
  authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN });

describe('layer 1 metrics (EMF)', () => {
  it('publishes an allowed decision: Decisions and DecisionLatency by outcome, and by code', async () => {
    const authorize = authorizer();
    const token = await issuer.sign();
    await call(authorize, token); // the first decision also fetches the key set
    const [doc, ...more] = await emfOf(() => call(authorize, token));
    expect(more).toEqual([]);
    expect(metricsIn(doc!)).toEqual([
      {
        namespace: 'two-layer-authz-test',
        name: 'Decisions',
        unit: 'Count',
        value: 1,
        dimensions: {
          'service+outcome': { service: 'authorizer', outcome: 'allow' },
          'service+code': { service: 'authorizer', code: 'token_valid' },
        },
      },
      expect.objectContaining({
        name: 'DecisionLatency',
        unit: 'Milliseconds',
        value: expect.any(Number),
      }),
    ]);
  });

  it('publishes a refused decision with its code, and never the token or the subject', async () => {
    const authorize = authorizer();
    const expired = await issuer.sign({ claims: { sub: 'someone', exp: 1_000_000 } });
    await call(authorize, await issuer.sign());
    const docs = await emfOf(() => call(authorize, expired));
    const decisions = docs.flatMap(metricsIn).filter((m) => m.name === 'Decisions');
    expect(decisions).toEqual([
      expect.objectContaining({
        value: 1,
        dimensions: expect.objectContaining({
          'service+outcome': { service: 'authorizer', outcome: 'deny' },
          'service+code': { service: 'authorizer', code: 'token_expired' },
        }),
      }),
    ]);
    expect(JSON.stringify(docs)).not.toContain(expired);
    expect(JSON.stringify(docs)).not.toContain('someone');
  });

  it('publishes a failed decision (JWKS down) with its code, and the key set failure by issuer', async () => {
    const authorize = authorizer();
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    try {
      const docs = await emfOf(async () => call(authorize, await issuer.sign()));
      const all = docs.flatMap(metricsIn);
      expect(all.find((m) => m.name === 'Decisions')).toMatchObject({
        dimensions: {
          'service+outcome': { service: 'authorizer', outcome: 'error' },
          'service+code': { service: 'authorizer', code: 'jwks_unavailable' },
        },
      });
      expect(all.find((m) => m.name === 'JwksFetchFailed')).toMatchObject({
        value: 1,
        dimensions: { 'service+issuer': { service: 'authorizer', issuer: issuer.issuer } },
      });
    } finally {
      issuer.setJwksBehaviour({ kind: 'keys' });
    }
  });

  it('counts key set fetches and the answers served from a stale set while the issuer is down', async () => {
    const authorize = authorizer({ AUTH_JWKS_COOLDOWN_SECONDS: '1' });
    const token = await issuer.sign();
    const fetched = (await emfOf(() => call(authorize, token))).flatMap(metricsIn);
    expect(fetched.map((m) => m.name)).toContain('JwksFetched');
    issuer.setJwksBehaviour({ kind: 'status', status: 503 });
    try {
      // A kid the set does not have makes the authorizer refetch (past the cooldown), which fails.
      const stranger = await generateSigningKey('ES256');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const failed = (
        await emfOf(async () => call(authorize, await issuer.sign({ key: stranger })))
      )
        .flatMap(metricsIn)
        .map((m) => m.name);
      expect(failed).toEqual(expect.arrayContaining(['JwksFetchFailed', 'Decisions']));
      // While the issuer stays down, the last good set keeps answering for the keys it has.
      const stale = (await emfOf(() => call(authorize, token))).flatMap(metricsIn);
      expect(stale.map((m) => m.name)).toEqual(
        expect.arrayContaining(['JwksStaleServed', 'Decisions']),
      );
      expect(stale.find((m) => m.name === 'Decisions')).toMatchObject({
        dimensions: { 'service+outcome': { service: 'authorizer', outcome: 'allow' } },
      });
    } finally {
      issuer.setJwksBehaviour({ kind: 'keys' });
    }
  });
});

describe('layer 2 metrics (EMF)', () => {
  const route = thingsRoute();

  const handler = (outcome: 'ok' | 'conflict' | 'crash') =>
    routeHandler(
      route,
      async () => {
        if (outcome === 'conflict') throw new HttpProblem('conflict');
        if (outcome === 'crash') throw new TypeError('boom');
        return { statusCode: 200, headers: {}, body: '{}' };
      },
      { log: silentLogger, metrics: emfRouteMetrics() },
    );
  const event = (scope = 'things:read') =>
    proxyEvent({
      path: '/things/1',
      authorizer: {
        sub: 'u',
        scope,
        exp: Math.floor(Date.now() / 1000) + 60,
        iss: 'https://issuer.example',
        clientId: 'c',
      },
    });

  it.each([
    ['an answered request', 'ok', event(), 'ok', '2xx'],
    ['a refusal by scope', 'ok', event('other'), 'insufficient_scope', '4xx'],
    ['a refusal by the route', 'conflict', event(), 'conflict', '4xx'],
    ['a failure', 'crash', event(), 'internal_error', '5xx'],
  ] as const)(
    'publishes %s: Responses by route and code, and by status class',
    async (_name, outcome, input, code, statusClass) => {
      const [doc, ...more] = await emfOf(() => handler(outcome)(input, lambdaContext() as never));
      expect(more).toEqual([]);
      expect(metricsIn(doc!)[0]).toEqual({
        namespace: 'two-layer-authz-test',
        name: 'Responses',
        unit: 'Count',
        value: 1,
        dimensions: {
          'service+route+code': { service: 'routes', route: 'GET /things/{id}', code },
          'service+statusClass': { service: 'routes', statusClass },
        },
      });
    },
  );
});
