import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { thingsRoute } from '../support/events.ts';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { createAuthorizer } from '../../src/authorizer/authorizer.ts';
import { loadAuthorizerConfig } from '../../src/authorizer/authorizer-config.ts';
import { routeHandler } from '../../src/route-chain/route-handler.ts';
import { isoTime, jsonLineLogger } from '../../src/shared/log.ts';
import {
  emfAuthorizerMetrics,
  emfRouteMetrics,
  loadMetricsSettings,
} from '../../src/shared/metrics.ts';
import { lambdaContext, proxyEvent } from '../support/events.ts';
import { startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * One line per decision: in Lambda (no log given), each decision of either layer writes one JSON
 * line that is both its log line (the fields readers query) and its Embedded Metric Format
 * document (the metrics CloudWatch extracts), the document Powertools' Metrics writes for the
 * same metrics.
 */
const NAMESPACE = 'two-layer-authz-test';
const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/me';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer(['ES256']);
});
afterAll(() => issuer.close());

/** Every line written to stdout while `run` runs, parsed. */
async function linesOf(run: () => unknown): Promise<Record<string, unknown>[]> {
  const write = jest.spyOn(process.stdout, 'write');
  try {
    await Promise.resolve()
      .then(run)
      .catch(() => undefined);
    return write.mock.calls
      .map(([chunk]) => String(chunk))
      .map((text) => {
        expect(text.endsWith('\n')).toBe(true);
        expect(text.slice(0, -1)).not.toContain('\n');
        return JSON.parse(text) as Record<string, unknown>;
      });
  } finally {
    write.mockRestore();
  }
}

const authorizer = () =>
  createAuthorizer({
    config: loadAuthorizerConfig({
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl.href,
    }),
    metrics: emfAuthorizerMetrics({ namespace: NAMESPACE, disabled: false }),
  });
const call = (authorize: ReturnType<typeof authorizer>, token: string) =>
  authorize(
    { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN },
    { awsRequestId: 'lambda-1' },
  );

describe('layer 1 writes one line per decision, both log line and metrics', () => {
  it('for an Allow: the log fields, and Decisions and DecisionLatency by outcome and by code', async () => {
    const authorize = authorizer();
    const token = await issuer.sign({ claims: { sub: 'user-7', client_id: 'reader' } });
    await call(authorize, token); // the first decision also loads the key set
    const lines = await linesOf(() => call(authorize, token));
    expect(lines).toHaveLength(1);
    const [line] = lines as [Record<string, unknown>];
    expect(line).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: NAMESPACE,
            Dimensions: [
              ['service', 'outcome'],
              ['service', 'code'],
            ],
            Metrics: [
              { Name: 'Decisions', Unit: 'Count' },
              { Name: 'DecisionLatency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'INFO',
      decision: 'allow',
      code: 'token_valid',
      sub: 'user-7',
      clientId: 'reader',
      iss: issuer.issuer,
      kid: issuer.keys[0]!.kid,
      lambdaRequestId: 'lambda-1',
      latencyMs: expect.any(Number),
      service: 'authorizer',
      outcome: 'allow',
      Decisions: 1,
      DecisionLatency: line.latencyMs,
    });
    expect(new Date(line.time as string).getTime()).toBe(
      (line._aws as { Timestamp: number }).Timestamp,
    );
    expect(JSON.stringify(line)).not.toContain(token.split('.')[2]);
  });

  it('for a refusal: its code in the log fields and as a dimension, never the token', async () => {
    const authorize = authorizer();
    await authorize.prefetchKeys(2000);
    const expired = await issuer.sign({ claims: { sub: 'someone', exp: 1_000_000 } });
    const [line, ...more] = await linesOf(() => call(authorize, expired));
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      decision: 'deny',
      code: 'token_expired',
      outcome: 'deny',
      Decisions: 1,
      iss: issuer.issuer,
    });
    expect(JSON.stringify(line)).not.toContain(expired);
    expect(JSON.stringify(line)).not.toContain('someone');
  });

  it('leaves empty fields out, as the log line always has (no client id)', async () => {
    const authorize = authorizer();
    const token = await issuer.sign();
    await call(authorize, token);
    const [line] = await linesOf(() => call(authorize, token));
    expect(line).not.toHaveProperty('clientId');
    expect(line).toHaveProperty('sub', 'user-1');
  });

  it('writes a plain log line when the metrics are switched off (POWERTOOLS_METRICS_DISABLED)', async () => {
    const authorize = createAuthorizer({
      config: loadAuthorizerConfig({
        AUTH_ISSUER: issuer.issuer,
        AUTH_AUDIENCE: issuer.audience,
        AUTH_JWKS_URL: issuer.jwksUrl.href,
      }),
      metrics: emfAuthorizerMetrics(loadMetricsSettings({ POWERTOOLS_METRICS_DISABLED: 'true' })),
    });
    const token = await issuer.sign();
    await call(authorize, token);
    const [line, ...more] = await linesOf(() => call(authorize, token));
    expect(more).toEqual([]);
    expect(line).not.toHaveProperty('_aws');
    expect(line).toMatchObject({ level: 'INFO', decision: 'allow', code: 'token_valid' });
  });
});

describe('layer 2 writes one line per response, both log line and metrics', () => {
  const route = thingsRoute();

  it('with the route, the code, the status and both request ids', async () => {
    const handler = routeHandler(
      route,
      async () => ({ statusCode: 200, headers: {}, body: '{}' }),
      {
        config: { corsOrigins: ['*'] },
        metrics: emfRouteMetrics({ namespace: NAMESPACE, disabled: false }),
      },
    );
    const event = proxyEvent({
      path: '/things/1',
      authorizer: {
        sub: 'user-2',
        scope: 'things:read',
        exp: Math.floor(Date.now() / 1000) + 60,
        iss: 'https://issuer.example',
        clientId: 'c',
      },
    });
    const lines = await linesOf(() => handler(event, lambdaContext() as never));
    expect(lines).toEqual([
      expect.objectContaining({
        route: 'GET /things/{id}',
        decision: 'allow',
        code: 'ok',
        status: 200,
        sub: 'user-2',
        requestId: event.requestContext.requestId,
        service: 'routes',
        statusClass: '2xx',
        Responses: 1,
        ResponseLatency: expect.any(Number),
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Dimensions: [
                ['service', 'route', 'code'],
                ['service', 'statusClass'],
              ],
            }),
          ],
        }),
      }),
    ]);
  });
});

describe('the documents are the ones Powertools Metrics writes for the same metrics', () => {
  /** What Powertools' Metrics writes for `record`, with its own console on stdout. */
  async function powertools(service: string, record: (metrics: Metrics) => void) {
    const saved = process.env.POWERTOOLS_METRICS_NAMESPACE;
    process.env.POWERTOOLS_METRICS_NAMESPACE = NAMESPACE;
    try {
      const metrics = new Metrics({ serviceName: service });
      return await linesOf(() => record(metrics));
    } finally {
      process.env.POWERTOOLS_METRICS_NAMESPACE = saved;
    }
  }
  const withoutTime = (doc: Record<string, unknown>) => ({
    ...doc,
    _aws: { ...(doc._aws as object), Timestamp: 0 },
  });
  const settings = { namespace: NAMESPACE, disabled: false };

  it.each([
    ['allow', 'token_valid', 0.125],
    ['deny', 'token_expired', 1.5],
    ['error', 'jwks_unavailable', 1500],
  ] as const)('a decision of layer 1 (%s, %s)', async (outcome, code, latencyMs) => {
    const ours = await linesOf(() =>
      emfAuthorizerMetrics(settings).decision(outcome, code, latencyMs),
    );
    const theirs = await powertools('authorizer', (metrics) => {
      metrics.addDimension('outcome', outcome);
      metrics.addDimensions({ code });
      metrics.addMetric('Decisions', MetricUnit.Count, 1);
      metrics.addMetric('DecisionLatency', MetricUnit.Milliseconds, latencyMs);
      metrics.publishStoredMetrics();
    });
    expect(ours.map(withoutTime)).toEqual(theirs.map(withoutTime));
  });

  it.each([
    ['fetched', 'JwksFetched'],
    ['fetch_failed', 'JwksFetchFailed'],
    ['stale_served', 'JwksStaleServed'],
  ] as const)('a key set event (%s)', async (event, name) => {
    const ours = await linesOf(() =>
      emfAuthorizerMetrics(settings).keySet(event, 'https://issuer.example'),
    );
    const theirs = await powertools('authorizer', (metrics) => {
      const single = metrics.singleMetric();
      single.addDimensions({ issuer: 'https://issuer.example' });
      single.addMetric(name, MetricUnit.Count, 1);
    });
    expect(ours.map(withoutTime)).toEqual(theirs.map(withoutTime));
  });

  it('a response of layer 2', async () => {
    const ours = await linesOf(() =>
      emfRouteMetrics(settings).response('POST /users', 'conflict', 409, 3.25),
    );
    const theirs = await powertools('routes', (metrics) => {
      metrics.addDimension('route', 'POST /users');
      metrics.addDimension('code', 'conflict');
      metrics.addDimensions({ statusClass: '4xx' });
      metrics.addMetric('Responses', MetricUnit.Count, 1);
      metrics.addMetric('ResponseLatency', MetricUnit.Milliseconds, 3.25);
      metrics.publishStoredMetrics();
    });
    expect(ours.map(withoutTime)).toEqual(theirs.map(withoutTime));
  });

  it('reads the namespace and the switch from the variables Powertools reads', () => {
    expect(loadMetricsSettings({})).toEqual({ namespace: 'default_namespace', disabled: false });
    expect(
      loadMetricsSettings({
        POWERTOOLS_METRICS_NAMESPACE: ' shop-prod ',
        POWERTOOLS_METRICS_DISABLED: 'No',
      }),
    ).toEqual({ namespace: 'shop-prod', disabled: false });
    for (const yes of ['1', 'true', 'TRUE', 'yes', 'on'])
      expect(loadMetricsSettings({ POWERTOOLS_METRICS_DISABLED: yes }).disabled).toBe(true);
  });
});

describe('log lines', () => {
  it('write the time as toISOString does, whatever the millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (at) => {
        expect(isoTime(at)).toBe(new Date(at).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('are one JSON line each: time, level, then the fields given, empty ones left out', async () => {
    const [line, ...more] = await linesOf(() =>
      jsonLineLogger({ phase: 'init', code: 'keys_prefetched', detail: '', kid: undefined, n: 0 }),
    );
    expect(more).toEqual([]);
    expect(Object.keys(line!)).toEqual(['time', 'level', 'phase', 'code', 'n']);
  });
});
