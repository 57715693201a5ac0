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

/**
 * A line is written as text, member by member, each value through JSON.stringify: the same JSON
 * as stringifying the whole object, without building that object first, which cost a decision
 * on a token verified before about a third of its time. `members` gives `,"name":value` for
 * each non-empty field but those in `skip` (named again later in the line, where they win).
 */
export function members(fields: Readonly<LogEntry>, skip?: ReadonlySet<string>): string {
  let text = '';
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined || value === null || value === '' || skip?.has(key)) continue;
    text += `,${quote(key)}:${JSON.stringify(value)}`;
  }
  return text;
}

// Field names come from the code, a few dozen in all: each quoted once.
const quoted = new Map<string, string>();
function quote(name: string): string {
  let text = quoted.get(name);
  if (text === undefined) quoted.set(name, (text = JSON.stringify(name)));
  return text;
}

/**
 * `members` of fields that many lines share (an Allow's subject, client, issuer and key id are
 * the same on every decision on one token), written once per object and kept as long as the
 * object is: they are most of a line's text. The object must not change (freeze it), and none
 * of its fields may be one the line names elsewhere.
 */
const membersOf = new WeakMap<object, string>();
export function sharedMembers(fields: Readonly<LogEntry>): string {
  let text = membersOf.get(fields);
  if (text === undefined) membersOf.set(fields, (text = members(fields)));
  return text;
}

/** A line's text: `{"time":…,"level":"INFO",…}`, then `rest` (more members) before the close. */
export const lineText = (entry: Readonly<LogEntry>, at: number, rest = ''): string =>
  `{"time":"${isoTime(at)}","level":"INFO"${members(entry)}${rest}}`;

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

export const jsonLineLogger: Logger = (entry) => writeLine(lineText(entry, Date.now()));

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
