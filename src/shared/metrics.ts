import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The decisions as CloudWatch metrics, in Embedded Metric Format (Powertools for AWS Lambda):
 * one JSON document on stdout per invocation, which CloudWatch Logs turns into metrics without
 * an API call on the request path. The decision log line stays as it was; this is the part
 * operators graph and alarm on (README, Operating it; the alarms in serverless.yml).
 *
 * Namespace: POWERTOOLS_METRICS_NAMESPACE (serverless.yml: `<service>-<stage>`). Dimensions are
 * bounded sets only: the layer (`service`), the outcome, the code (the catalogue's), the route
 * (serverless.yml's), the issuer (AUTH_ISSUERS'): never a subject or a token.
 */
export type Outcome = 'allow' | 'deny' | 'error';

export interface AuthorizerMetrics {
  /** One per decision of layer 1. */
  decision(outcome: Outcome, code: string, latencyMs: number): void;
  /** What one issuer's key set did: fetched, failed to fetch, or served stale while failing. */
  keySet(event: KeySetEvent, issuer: string): void;
}

export type KeySetEvent = 'fetched' | 'fetch_failed' | 'stale_served';

export interface RouteMetrics {
  /** One per response of layer 2. */
  response(route: string, code: string, status: number, latencyMs: number): void;
}

const KEY_SET_METRIC: Record<KeySetEvent, string> = {
  fetched: 'JwksFetched',
  fetch_failed: 'JwksFetchFailed',
  stale_served: 'JwksStaleServed',
};

export function emfAuthorizerMetrics(): AuthorizerMetrics {
  // The namespace comes from POWERTOOLS_METRICS_NAMESPACE, which Powertools reads itself.
  const metrics = new Metrics({ serviceName: 'authorizer' });
  return {
    decision(outcome, code, latencyMs) {
      // Two dimension sets: by outcome (rates, the alarms), and by code (which failure or
      // refusal: each code belongs to one outcome). Powertools warns on every publish when two
      // sets share a key, so they share none but `service`.
      metrics.addDimension('outcome', outcome);
      metrics.addDimensions({ code });
      metrics.addMetric('Decisions', MetricUnit.Count, 1);
      metrics.addMetric('DecisionLatency', MetricUnit.Milliseconds, latencyMs);
      metrics.publishStoredMetrics();
    },
    keySet(event, issuer) {
      const single = metrics.singleMetric();
      single.addDimensions({ issuer });
      single.addMetric(KEY_SET_METRIC[event], MetricUnit.Count, 1);
    },
  };
}

export function emfRouteMetrics(): RouteMetrics {
  const metrics = new Metrics({ serviceName: 'routes' });
  return {
    response(route, code, status, latencyMs) {
      // By route and code (which route refuses what), and by status class (rates); sets that
      // share no key, as above.
      metrics.addDimension('route', route);
      metrics.addDimension('code', code);
      metrics.addDimensions({ statusClass: `${Math.floor(status / 100)}xx` });
      metrics.addMetric('Responses', MetricUnit.Count, 1);
      metrics.addMetric('ResponseLatency', MetricUnit.Milliseconds, latencyMs);
      metrics.publishStoredMetrics();
    },
  };
}

/** For tests and benchmarks that must not write to stdout. */
export const silentAuthorizerMetrics: AuthorizerMetrics = {
  decision: () => {},
  keySet: () => {},
};
export const silentRouteMetrics: RouteMetrics = { response: () => {} };
