import { configFromEnvironment } from './cold-start.ts';
import type { Env } from './env.ts';
import { isoTime, lineText, members, sharedMembers, writeLine, type LogEntry } from './log.ts';

/**
 * The decisions as CloudWatch metrics, in Embedded Metric Format: a JSON document on stdout,
 * which CloudWatch Logs turns into metrics without an API call on the request path. The part
 * operators graph and alarm on (README, Operating it; the alarms in serverless.yml).
 *
 * One line per decision: given the decision's log fields, the document carries them too (EMF
 * lets a document hold any other member beside `_aws`), so the line Logs Insights queries and
 * the metrics CloudWatch extracts are one serialisation, not two.
 *
 * The documents are the ones Powertools for AWS Lambda's Metrics writes for the same metrics
 * (a test holds them to it), from the variables it reads: the namespace from
 * POWERTOOLS_METRICS_NAMESPACE (serverless.yml: `<service>-<stage>`), none written when
 * POWERTOOLS_METRICS_DISABLED is true. Written here rather than through it: each document has a
 * fixed shape (its dimension sets and metric definitions never change, only values), and
 * Powertools' Metrics cost about 5 ms of the authorizer's cold start (its import, its console,
 * its first document) and 6–10 µs a document, more than the rest of a decision on a token
 * verified before (README, Performance).
 *
 * Dimensions are bounded sets only: the layer (`service`), the outcome, the code (the
 * catalogue's), the route (serverless.yml's), the issuer (AUTH_ISSUERS'): never a subject or a
 * token, which only the log fields may name (`sub`).
 */
export type Outcome = 'allow' | 'deny' | 'error';

export interface AuthorizerMetrics {
  /**
   * One per decision of layer 1. `line`: the decision's log fields, written in the same
   * document, which is then the decision's one line; `shared`: more of its fields, in an object
   * many lines share (frozen: its text is written once, see `sharedMembers` in log.ts).
   */
  decision(
    outcome: Outcome,
    code: string,
    latencyMs: number,
    line?: LogEntry,
    shared?: Readonly<LogEntry>,
  ): void;
  /** What one issuer's key set did: fetched, failed to fetch, or served stale while failing. */
  keySet(event: KeySetEvent, issuer: string): void;
}

export type KeySetEvent = 'fetched' | 'fetch_failed' | 'stale_served';

export interface RouteMetrics {
  /** One per response of layer 2; `line` as for `AuthorizerMetrics.decision`. */
  response(route: string, code: string, status: number, latencyMs: number, line?: LogEntry): void;
}

/** Where the documents go, read once (at cold start) from Powertools' own variables. */
export interface MetricsSettings {
  readonly namespace: string;
  /** No metrics: a decision's line is then a plain log line. */
  readonly disabled: boolean;
}

// What Powertools names the namespace when none is set.
const DEFAULT_NAMESPACE = 'default_namespace';
// The spellings Powertools reads as true for a boolean variable.
const TRUE = new Set(['1', 'y', 'yes', 't', 'true', 'on']);

export function loadMetricsSettings(env: Env): MetricsSettings {
  return Object.freeze({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE?.trim() || DEFAULT_NAMESPACE,
    disabled: TRUE.has(env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase() ?? ''),
  });
}

const fromEnvironment = () => configFromEnvironment(loadMetricsSettings);

type Unit = 'Count' | 'Milliseconds';

/**
 * A writer of one document shape for one `service`: these dimension sets (each with `service`
 * first, as Powertools adds its default dimension) and these metrics. Each call gives the
 * dimensions' values in the order the sets name them, and the metrics' values in the order of
 * `definitions`. Everything that does not change between calls is written once: the `_aws`
 * member, the metrics' names, and the dimension members of each combination of values met.
 */
function documentWriter(
  { namespace, disabled }: MetricsSettings,
  service: string,
  dimensionSets: readonly (readonly string[])[],
  definitions: Readonly<Record<string, Unit>>,
  write: (line: string) => void,
) {
  type Write = (
    dimensions: readonly string[],
    values: readonly number[],
    line?: LogEntry,
    shared?: Readonly<LogEntry>,
  ) => void;
  if (disabled) {
    const plain: Write = (_dimensions, _values, line, shared) => {
      if (line) write(lineText(line, Date.now(), shared && sharedMembers(shared)));
    };
    return plain;
  }
  const shape = JSON.stringify([
    {
      Namespace: namespace,
      Dimensions: dimensionSets.map((set) => ['service', ...set]),
      Metrics: Object.entries(definitions).map(([Name, Unit]) => ({ Name, Unit })),
    },
  ]);
  const head = `{"_aws":{"Timestamp":`;
  const tail = `,"CloudWatchMetrics":${shape}},`;
  const names = dimensionSets.flat();
  const metricNames = Object.keys(definitions).map((name) => `,${JSON.stringify(name)}:`);
  // A line's own fields that the document names again (dimensions, metrics) are left to it.
  const named = new Set(['service', ...names, ...Object.keys(definitions)]);
  // The dimension members of each combination of values met, in a tree of their values
  // (bounded: outcomes × codes, routes × codes × status classes, issuers).
  type Node = { text?: string; next: Map<string, Node> };
  const combinations: Node = { next: new Map() };
  const dimensionMembers = (values: readonly string[]): string => {
    let node = combinations;
    for (const value of values) {
      let next = node.next.get(value);
      if (!next) node.next.set(value, (next = { next: new Map() }));
      node = next;
    }
    return (node.text ??= `"service":${JSON.stringify(service)}${members(
      Object.fromEntries(names.map((name, i) => [name, values[i]])),
    )}`);
  };
  const document: Write = (dimensions, values, line, shared) => {
    const at = Date.now();
    const logged = line
      ? `"time":"${isoTime(at)}","level":"INFO"${members(line, named)}${shared ? sharedMembers(shared) : ''},`
      : '';
    let measured = '';
    for (let i = 0; i < metricNames.length; i += 1)
      measured += `${metricNames[i]}${Number.isFinite(values[i]) ? values[i] : 'null'}`;
    write(`${head}${at}${tail}${logged}${dimensionMembers(dimensions)}${measured}}`);
  };
  return document;
}

const KEY_SET_METRIC: Record<KeySetEvent, string> = {
  fetched: 'JwksFetched',
  fetch_failed: 'JwksFetchFailed',
  stale_served: 'JwksStaleServed',
};

/** `write`: where each document goes (default: a line on stdout). */
export function emfAuthorizerMetrics(
  settings: MetricsSettings = fromEnvironment(),
  write: (line: string) => void = writeLine,
): AuthorizerMetrics {
  // Two dimension sets: by outcome (rates, the alarms), and by code (which failure or refusal:
  // each code belongs to one outcome). They share no key but `service`.
  const decisions = documentWriter(
    settings,
    'authorizer',
    [['outcome'], ['code']],
    { Decisions: 'Count', DecisionLatency: 'Milliseconds' },
    write,
  );
  const keySets = Object.fromEntries(
    Object.entries(KEY_SET_METRIC).map(([event, metric]) => [
      event,
      documentWriter(settings, 'authorizer', [['issuer']], { [metric]: 'Count' }, write),
    ]),
  ) as Record<KeySetEvent, ReturnType<typeof documentWriter>>;
  return {
    decision(outcome, code, latencyMs, line, shared) {
      decisions([outcome, code], [1, latencyMs], line, shared);
    },
    keySet(event, issuer) {
      keySets[event]([issuer], [1]);
    },
  };
}

export function emfRouteMetrics(
  settings: MetricsSettings = fromEnvironment(),
  write: (line: string) => void = writeLine,
): RouteMetrics {
  // By route and code (which route refuses what), and by status class (rates); sets that share
  // no key, as above.
  const responses = documentWriter(
    settings,
    'routes',
    [['route', 'code'], ['statusClass']],
    { Responses: 'Count', ResponseLatency: 'Milliseconds' },
    write,
  );
  return {
    response(route, code, status, latencyMs, line) {
      responses([route, code, `${Math.floor(status / 100)}xx`], [1, latencyMs], line);
    },
  };
}

/** For tests and benchmarks that must not write to stdout. */
export const silentAuthorizerMetrics: AuthorizerMetrics = {
  decision: () => {},
  keySet: () => {},
};
export const silentRouteMetrics: RouteMetrics = { response: () => {} };
