/**
 * One structured JSON line per decision. Lambda ships stdout to CloudWatch line by line, so a
 * single `JSON.stringify` per event keeps each decision one queryable record (Logs Insights can
 * filter on `code` directly). Callers pass only fields that are safe to log: never a token,
 * a secret or a request body.
 */
export type LogEntry = Record<string, string | number | boolean | undefined | string[]>;
export type Logger = (entry: LogEntry) => void;

export const jsonLineLogger: Logger = (entry) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

/** For tests and benchmarks that must not write to stdout. */
export const silentLogger: Logger = () => {};

/** Attacker-controlled values (a `kid`, a claim) are clipped before they reach a log line. */
export const clip = (value: unknown, max = 64): string | undefined =>
  typeof value === 'string' ? value.slice(0, max) : undefined;
