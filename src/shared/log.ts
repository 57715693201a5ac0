import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { toPrintable } from './printable.ts';

/**
 * One structured JSON line per decision. Lambda ships stdout to CloudWatch line by line, so each
 * decision is one queryable record (Logs Insights filters on `code` directly). Written through
 * Powertools for AWS Lambda's Logger, which honours the log level Lambda's advanced logging
 * controls set (AWS_LAMBDA_LOG_LEVEL, or POWERTOOLS_LOG_LEVEL), with a formatter that keeps the
 * line to our own fields: `time`, `level`, then what the caller passes. Callers pass only fields
 * that are safe to log: never a token, a secret or a request body.
 */
export type LogEntry = Record<string, string | number | boolean | undefined | string[]>;
export type Logger = (entry: LogEntry) => void;

const DECISION = 'decision';

class DecisionLineFormatter extends LogFormatter {
  override formatAttributes(
    attributes: { timestamp: Date; logLevel: string; message: string },
    additional: Record<string, unknown>,
  ): LogItem {
    return new LogItem({
      attributes: {
        time: attributes.timestamp.toISOString(),
        level: attributes.logLevel,
        // Our lines carry their meaning in their fields; the Logger's own lines (a warning
        // about its configuration) in their message.
        ...(attributes.message === DECISION ? {} : { message: attributes.message }),
        ...additional,
      },
    });
  }
}

let powertools: PowertoolsLogger | undefined;
// Built on first use: a function that never logs pays nothing for it.
const logger = () =>
  (powertools ??= new PowertoolsLogger({
    logFormatter: new DecisionLineFormatter() as unknown as LogFormatter,
  }));

export const jsonLineLogger: Logger = (entry) => {
  // Decisions are INFO: the audit trail of who was let in, and why not.
  logger().info(DECISION, entry as Record<string, unknown> as never);
};

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
