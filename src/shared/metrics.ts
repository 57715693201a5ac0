import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { lineFields, writeLine, type LogEntry } from './log.ts';

/**
 * The decisions as CloudWatch metrics, in Embedded Metric Format: a JSON document on stdout,
 * which CloudWatch Logs turns into metrics without an API call on the request path. The part
 * operators graph and alarm on (README, Operating it; the alarms in serverless.yml).
 *
 * One line per decision: given the decision's log fields, the document carries them too (EMF
 * lets a document hold any other member beside `_aws`), so the line Logs Insights queries and
 * the metrics CloudWatch extracts are one serialisation, not two. Powertools for AWS Lambda's
 * Metrics defines the document: its namespace (POWERTOOLS_METRICS_NAMESPACE, which Powertools
 * reads itself; serverless.yml: `<service>-<stage>`), dimension sets and metric definitions are
 * serialised by Powertools once, when the writer is made, and each decision fills in its values.
 * Building the whole document through Powertools for every decision cost 6–10 µs, several times
 * the rest of a cached decision (see README, Performance); the shape never changes, only values.
 *
 * Dimensions are bounded sets only: the layer (`service`), the outcome, the code (the
 * catalogue's), the route (serverless.yml's), the issuer (AUTH_ISSUERS'): never a subject or a
 * token, which only the log fields may name (`sub`).
 */
export type Outcome = 'allow' | 'deny' | 'error';

export interface AuthorizerMetrics {
  /**
   * One per decision of layer 1. `line`: the decision's log fields, written in the same
   * document, which is then the decision's one line.
   */
  decision(outcome: Outcome, code: string, latencyMs: number, line?: LogEntry): void;
  /** What one issuer's key set did: fetched, failed to fetch, or served stale while failing. */
  keySet(event: KeySetEvent, issuer: string): void;
}

export type KeySetEvent = 'fetched' | 'fetch_failed' | 'stale_served';

export interface RouteMetrics {
  /** One per response of layer 2; `line` as for `AuthorizerMetrics.decision`. */
  response(route: string, code: string, status: number, latencyMs: number, line?: LogEntry): void;
}

const KEY_SET_METRIC: Record<KeySetEvent, string> = {
  fetched: 'JwksFetched',
  fetch_failed: 'JwksFetchFailed',
  stale_served: 'JwksStaleServed',
};

type Dimensions = Record<string, string>;
type Values = Record<string, number>;
type Definitions = Record<string, (typeof MetricUnit)[keyof typeof MetricUnit]>;

/** Powertools' Metrics, with whether it is switched off readable (a protected method). */
class MetricsDocument extends Metrics {
  get switchedOff(): boolean {
    return this.isDisabled();
  }
}

/**
 * A writer of one document shape: these dimensions (by set) and these metrics, as Powertools
 * serialises them, with values filled in per call. When Powertools' metrics are disabled
 * (POWERTOOLS_METRICS_DISABLED, or POWERTOOLS_DEV), a line with log fields is still written,
 * as a plain log line.
 */
function documentWriter(
  metrics: MetricsDocument,
  dimensionSets: string[][],
  definitions: Definitions,
) {
  if (metrics.switchedOff)
    return (_dimensions: Dimensions, _values: Values, line?: LogEntry) => {
      if (line) writeLine(JSON.stringify(lineFields(line)));
    };
  // The sets are added as Powertools' users add them: the first as plain dimensions, the others
  // as dimension sets. Only the document's shape is kept, and the values of the dimensions no
  // call fills in (Powertools' default dimension, `service`).
  const [first = [], ...others] = dimensionSets;
  for (const name of first) metrics.addDimension(name, '-');
  for (const set of others)
    metrics.addDimensions(Object.fromEntries(set.map((name) => [name, '-'])));
  for (const [name, unit] of Object.entries(definitions)) metrics.addMetric(name, unit, 0);
  const document: Record<string, unknown> = metrics.serializeMetrics();
  metrics.clearMetrics();
  metrics.clearDimensions();
  const { _aws } = document as ReturnType<Metrics['serializeMetrics']>;
  const filled = new Set(dimensionSets.flat());
  const defaults: Dimensions = {};
  for (const name of new Set(_aws.CloudWatchMetrics.flatMap((m) => m.Dimensions.flat())))
    if (!filled.has(name)) defaults[name] = String(document[name]);
  const head = `{"_aws":{"Timestamp":`;
  const shape = `,"CloudWatchMetrics":${JSON.stringify(_aws.CloudWatchMetrics)}}`;

  return (dimensions: Dimensions, values: Values, line?: LogEntry) => {
    const at = Date.now();
    const fields = line ? lineFields(line, at) : {};
    Object.assign(fields, defaults, dimensions, values);
    writeLine(`${head}${at}${shape},${JSON.stringify(fields).slice(1)}`);
  };
}

export function emfAuthorizerMetrics(): AuthorizerMetrics {
  const metrics = new MetricsDocument({ serviceName: 'authorizer' });
  // Two dimension sets: by outcome (rates, the alarms), and by code (which failure or refusal:
  // each code belongs to one outcome). They share no key but `service`.
  const write = documentWriter(metrics, [['outcome'], ['code']], {
    Decisions: MetricUnit.Count,
    DecisionLatency: MetricUnit.Milliseconds,
  });
  return {
    decision(outcome, code, latencyMs, line) {
      write({ outcome, code }, { Decisions: 1, DecisionLatency: latencyMs }, line);
    },
    keySet(event, issuer) {
      // Rare (a load, a failure): Powertools writes these documents whole.
      const single = metrics.singleMetric();
      single.addDimensions({ issuer });
      single.addMetric(KEY_SET_METRIC[event], MetricUnit.Count, 1);
    },
  };
}

export function emfRouteMetrics(): RouteMetrics {
  const metrics = new MetricsDocument({ serviceName: 'routes' });
  // By route and code (which route refuses what), and by status class (rates); sets that share
  // no key, as above.
  const write = documentWriter(metrics, [['route', 'code'], ['statusClass']], {
    Responses: MetricUnit.Count,
    ResponseLatency: MetricUnit.Milliseconds,
  });
  return {
    response(route, code, status, latencyMs, line) {
      write(
        { route, code, statusClass: `${Math.floor(status / 100)}xx` },
        { Responses: 1, ResponseLatency: latencyMs },
        line,
      );
    },
  };
}

/** For tests and benchmarks that must not write to stdout. */
export const silentAuthorizerMetrics: AuthorizerMetrics = {
  decision: () => {},
  keySet: () => {},
};
export const silentRouteMetrics: RouteMetrics = { response: () => {} };
