/**
 * `npm run soak`: the chaos soak (test/soak/soak.ts) on the full profile: mixed clients against
 * the local stack while the issuer's key rotates, its JWKS goes away, DynamoDB Local is killed and
 * the Lambda runtime is killed, each in turn; then the four checks. Prints the report, writes it to
 * test/soak/RESULTS.md, and exits 1 unless lost writes, duplicates, lost updates and wrong
 * decisions are all 0. `-- --short` runs CI's profile (and writes no report); `-- --trace FILE`
 * writes every request and its answer as JSON lines. Not part of `npm test`
 * (which runs the short profile: test/soak/soak.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, SHORT } from './profile.ts';
import { markdownReport } from './report.ts';
import { runSoak } from './soak.ts';

const { values } = parseArgs({
  options: { short: { type: 'boolean', default: false }, trace: { type: 'string' } },
});
const profile = values.short ? SHORT : FULL;
const started = Date.now();
const log = (line: string) =>
  process.stderr.write(
    `soak ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s: ${line}\n`,
  );

const result = await runSoak(profile, { log });
const report = markdownReport(result);
process.stdout.write(`\n${report}`);
if (values.trace) {
  // One JSON line per request (times relative to the start), the token shown by kid and origin.
  const t0 = result.exchanges[0]?.sentAt ?? 0;
  const lines = result.exchanges.map(({ token, ...e }) =>
    JSON.stringify({
      ...e,
      sentAt: e.sentAt - t0,
      answeredAt: e.answeredAt - t0,
      ...(token ? { kid: token.kid, origin: token.origin } : {}),
    }),
  );
  const faults = result.faults.map((f) =>
    JSON.stringify({ fault: f.name, startedAt: f.startedAt - t0, endedAt: f.endedAt - t0 }),
  );
  writeFileSync(values.trace, `${[...faults, ...lines].join('\n')}\n`);
}
if (!values.short) {
  const out = join(import.meta.dirname, 'RESULTS.md');
  writeFileSync(out, report);
  log(`written to ${out}`);
}
process.exit(result.passed ? 0 : 1);
