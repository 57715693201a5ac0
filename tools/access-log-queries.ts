/**
 * The CloudWatch Logs Insights queries README's "Operating it" gives for the stage's access log
 * (serverless.yml, `provider.logs.restApi.format`) and the functions' decision lines, each with
 * the same computation in plain code, so that it runs on a log of the local stack
 * (`npm start -- --verbose | tee local.log`, then `npm run access-log -- local.log`). Logs Insights
 * itself only runs in AWS: the two versions sit side by side here, and the tests hold the
 * README to these texts and every field a query reads to the deployed format.
 *
 * Every value of an access-log line is a string, `-` where API Gateway had none (the format
 * quotes them all so a `-` keeps the line valid JSON). Logs Insights reads numeric strings as
 * numbers in `pct` and arithmetic, as it does for the fields `parse` extracts; the queries filter
 * `-` out first.
 */

/** One line of the access log: every format key, every value a string. */
export type AccessLogLine = Readonly<Record<string, string>>;

/** One decision line of a function (src/shared/log.ts): layer 1 has no `route`, layer 2 has. */
export interface DecisionLine {
  readonly decision: string;
  readonly code: string;
  readonly route?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly lambdaRequestId?: string;
}

export interface LocalLog {
  readonly access: readonly AccessLogLine[];
  readonly decisions: readonly DecisionLine[];
}

export type Row = Readonly<Record<string, string | number>>;

export interface LogQuery {
  readonly title: string;
  /** Which log groups to select in Logs Insights. */
  readonly logGroups: 'access' | 'authorizer' | 'routes' | 'all';
  readonly query: string;
  /** The same computation over a local log; absent for a query that needs values you fill in. */
  readonly local?: (log: LocalLog) => Row[];
}

/**
 * The output of `npm start -- --verbose`, or any file of JSON log lines: JSON lines are kept
 * (access-log lines by their keys, decision lines by `decision` and `code`), everything else
 * (sls offline's own lines, EMF metrics, the banner) is skipped.
 */
export function readLog(text: string): LocalLog {
  const access: AccessLogLine[] = [];
  const decisions: DecisionLine[] = [];
  for (const line of text.split('\n')) {
    const record = parseObject(line.trim());
    if (!record) continue;
    if (typeof record.extendedRequestId === 'string' && 'authorizerStatus' in record)
      access.push(record as AccessLogLine);
    else if (typeof record.decision === 'string' && typeof record.code === 'string')
      decisions.push(record as unknown as DecisionLine);
  }
  return { access, decisions };
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const ran = (line: AccessLogLine, field: string) =>
  line[field] !== undefined && line[field] !== '-';

/** Logs Insights' `bin(…)` on the request's time, as an ISO timestamp. */
const bin = (line: AccessLogLine, minutes: number) => {
  const size = minutes * 60_000;
  return new Date(Math.floor(Number(line.requestTimeEpoch) / size) * size).toISOString();
};

/** The nearest-rank percentile (Logs Insights' `pct` approximates the same). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Groups by the key `keyOf` gives, then makes one row per group. */
function groupRows<T>(
  items: readonly T[],
  keyOf: (item: T) => Row,
  rowOf: (key: Row, items: T[]) => Row,
): Row[] {
  const groups = new Map<string, { key: Row; items: T[] }>();
  for (const item of items) {
    const key = keyOf(item);
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? groups.set(id, { key, items: [] }).get(id)!;
    group.items.push(item);
  }
  return [...groups.values()].map(({ key, items: grouped }) => rowOf(key, grouped));
}

const byCount = (field: string) => (rows: Row[]) =>
  rows.sort((a, b) => Number(b[field]) - Number(a[field]));

/** Layer 1's answers: API Gateway's own responses for the authorizer and the policy. */
export const LAYER_1_RESPONSE_TYPES = [
  'UNAUTHORIZED',
  'ACCESS_DENIED',
  'AUTHORIZER_FAILURE',
  'AUTHORIZER_CONFIGURATION_ERROR',
] as const;

export const QUERIES = {
  authorizerLatency: {
    title: 'Authorizer latency, p50 and p99, per 5 minutes (runs of the authorizer function)',
    logGroups: 'access',
    query: [
      'filter authorizerRequestId != "-"',
      '| stats count(*) as runs, pct(authorizerLatency, 50) as p50, pct(authorizerLatency, 99) as p99,',
      '    pct(authorizerIntegrationLatency, 99) as lambdaP99 by bin(5m)',
    ].join('\n'),
    local: ({ access }) =>
      groupRows(
        access.filter((line) => ran(line, 'authorizerRequestId')),
        (line) => ({ 'bin(5m)': bin(line, 5) }),
        (key, lines) => {
          const latency = lines.map((line) => Number(line.authorizerLatency));
          const lambda = lines.map((line) => Number(line.authorizerIntegrationLatency));
          return {
            ...key,
            runs: lines.length,
            p50: percentile(latency, 50),
            p99: percentile(latency, 99),
            lambdaP99: percentile(lambda, 99),
          };
        },
      ),
  },
  authorizerCache: {
    title: 'Authorizer cache hits per hour (a hit: the authorizer step answered without a run)',
    logGroups: 'access',
    query: [
      'filter authorizerStatus != "-"',
      '| parse @message /"authorizerRequestId":"(?<authorizerRun>[^"-][^"]*)"/',
      '| stats count(*) as authorized, count(authorizerRun) as runs,',
      '    100 * (authorized - runs) / authorized as hitPercent by bin(1h)',
    ].join('\n'),
    local: ({ access }) =>
      groupRows(
        access.filter((line) => ran(line, 'authorizerStatus')),
        (line) => ({ 'bin(1h)': bin(line, 60) }),
        (key, lines) => {
          const runs = lines.filter((line) => ran(line, 'authorizerRequestId')).length;
          return {
            ...key,
            authorized: lines.length,
            runs,
            hitPercent: (100 * (lines.length - runs)) / lines.length,
          };
        },
      ),
  },
  layer1Refusals: {
    title: 'Layer 1 refusals: what API Gateway answered, and whether the authorizer ran',
    logGroups: 'access',
    query: [
      `filter errorResponseType in [${LAYER_1_RESPONSE_TYPES.map((type) => `"${type}"`).join(', ')}]`,
      '| stats count(*) as refusals by errorResponseType, status, authorizerStatus, authorizerError',
      '| sort refusals desc',
    ].join('\n'),
    local: ({ access }) =>
      byCount('refusals')(
        groupRows(
          access.filter((line) =>
            (LAYER_1_RESPONSE_TYPES as readonly string[]).includes(line.errorResponseType!),
          ),
          (line) => ({
            errorResponseType: line.errorResponseType!,
            status: line.status!,
            authorizerStatus: line.authorizerStatus!,
            authorizerError: line.authorizerError!,
          }),
          (key, lines) => ({ ...key, refusals: lines.length }),
        ),
      ),
  },
  layer1Reasons: {
    title: 'Layer 1 reasons: why the authorizer refused or could not decide',
    logGroups: 'authorizer',
    query: [
      'filter decision in ["deny", "error"]',
      '| stats count(*) as decisions by decision, code',
      '| sort decisions desc',
    ].join('\n'),
    local: ({ decisions }) =>
      byCount('decisions')(
        groupRows(
          decisions.filter(
            (line) => line.route === undefined && ['deny', 'error'].includes(line.decision),
          ),
          (line) => ({ decision: line.decision, code: line.code }),
          (key, lines) => ({ ...key, decisions: lines.length }),
        ),
      ),
  },
  layer2Refusals: {
    title: 'Layer 2 refusals: what the route functions answered, by problem code',
    logGroups: 'routes',
    query: [
      'filter decision in ["deny", "reject"]',
      '| stats count(*) as refusals by route, status, code',
      '| sort refusals desc',
    ].join('\n'),
    local: ({ decisions }) =>
      byCount('refusals')(
        groupRows(
          decisions.filter(
            (line) => line.route !== undefined && ['deny', 'reject'].includes(line.decision),
          ),
          (line) => ({ route: line.route!, status: line.status ?? '-', code: line.code }),
          (key, lines) => ({ ...key, refusals: lines.length }),
        ),
      ),
  },
  oneRequest: {
    title: 'One request through both layers (the access log and every function log group)',
    logGroups: 'all',
    query: [
      'filter requestId = "<requestId>" or lambdaRequestId = "<authorizerRequestId>"',
      '| fields @timestamp, @log, status, errorResponseType, authorizerStatus, decision, code, route',
      '| sort @timestamp asc',
    ].join('\n'),
  },
  serverErrors: {
    title: '5xx by route, and which layer answered them',
    logGroups: 'access',
    query: [
      'filter status like /^5/',
      '| stats count(*) as answers by httpMethod, resourcePath, status, errorResponseType,',
      '    integrationStatus, authorizerError',
      '| sort answers desc',
    ].join('\n'),
    local: ({ access }) =>
      byCount('answers')(
        groupRows(
          access.filter((line) => /^5/.test(line.status ?? '')),
          (line) => ({
            httpMethod: line.httpMethod!,
            resourcePath: line.resourcePath!,
            status: line.status!,
            errorResponseType: line.errorResponseType!,
            integrationStatus: line.integrationStatus!,
            authorizerError: line.authorizerError!,
          }),
          (key, lines) => ({ ...key, answers: lines.length }),
        ),
      ),
  },
} satisfies Record<string, LogQuery>;
