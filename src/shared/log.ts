import { toPrintable } from './printable.ts';

/**
 * One structured JSON line per decision. Lambda ships stdout to CloudWatch line by line, so each
 * decision is one queryable record (Logs Insights filters on `code` directly): `time` (ISO 8601),
 * `level` (`INFO`: the audit trail of who was let in, and why not), then the caller's fields,
 * empty ones (undefined, null, '') left out. Callers pass only fields that are safe to log:
 * never a token, a secret or a request body.
 *
 * Written here rather than through a logging library: a line is a handful of flat fields, and
 * Powertools' Logger, which wrote it before, cost about 5 ms of the authorizer's cold start (its
 * import and first use) and 3–4 µs a line, a large part of a decision the authorizer makes in
 * tens of µs. A decision's line is also its metrics document (metrics.ts): no log level drops it.
 */
export type LogEntry = Record<string, string | number | boolean | undefined | string[]>;
export type Logger = (entry: LogEntry) => void;

/** What a line holds: when, its level, then the entry's non-empty fields, in the entry's order. */
export function lineFields(entry: LogEntry, at: number = Date.now()): Record<string, unknown> {
  // JSON.stringify leaves undefined out by itself; an empty string or null must be dropped here.
  let empty = false;
  for (const key in entry) {
    const value = entry[key];
    if (value === '' || value === null) {
      empty = true;
      break;
    }
  }
  if (!empty) return { time: isoTime(at), level: 'INFO', ...entry };
  const fields: Record<string, unknown> = { time: isoTime(at), level: 'INFO' };
  for (const key in entry) {
    const value = entry[key];
    if (value !== undefined && value !== null && value !== '') fields[key] = value;
  }
  return fields;
}

// `Date.prototype.toISOString` costs about as much as the rest of a line: the text up to the
// second is reused while the second lasts, and only the milliseconds are written per line.
let isoSecond = NaN;
let isoPrefix = '';

/** `at` (ms since the epoch) as `toISOString` writes it: `2026-12-03T10:15:30.123Z`. */
export function isoTime(at: number): string {
  const second = Math.floor(at / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const ms = at - second * 1000;
  return `${isoPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** One line on stdout, as Lambda ships it to CloudWatch Logs. */
export function writeLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

export const jsonLineLogger: Logger = (entry) => writeLine(JSON.stringify(lineFields(entry)));

/** For tests and benchmarks that must not write to stdout. */
export const silentLogger: Logger = () => {};

/**
 * Attacker-controlled values (a `kid`, a claim) pass through here before they reach a log line:
 * cut to `max` UTF-16 units, so a value can never make a line longer than that, then made
 * printable (src/shared/printable.ts), so it cannot change how a reader sees the line. A cut
 * through a surrogate pair leaves a lone half, which is replaced like any other.
 */
export const clip = (value: unknown, max = 64): string | undefined =>
  typeof value === 'string' ? toPrintable(value.slice(0, max)) : undefined;
