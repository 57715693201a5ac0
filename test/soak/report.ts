import { cpus, totalmem, type } from 'node:os';
import type { SoakResult } from './soak.ts';

/** The soak's figures as markdown: printed by `npm run soak` and written to test/soak/RESULTS.md. */
const n = (value: number) => value.toLocaleString('en-US');
const seconds = (ms: number | undefined) =>
  ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`;

export function summaryTable(result: SoakResult): string {
  const { checks } = result;
  const rows = [
    ['lost writes', checks.lostWrites],
    ['duplicates', checks.duplicates],
    ['lost updates', checks.lostUpdates],
    ['wrong decisions', checks.wrongDecisions],
  ] as const;
  return [
    '| check | count | over |',
    '| --- | --- | --- |',
    ...rows.map(([name, check]) => `| ${name} | **${check.count}** | ${check.over} |`),
  ].join('\n');
}

export function faultTable(result: SoakResult): string {
  return [
    '| fault | what | window | recovered (first 2xx after it) | 5xx until recovered | last 5xx after it | span: requests (2xx) | span: 5xx and no answer |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.faults.map((f) => {
      const failures = Object.entries(f.failures)
        .sort(([, a], [, b]) => b - a)
        .map(([label, count]) => `${n(count)} × ${label}`)
        .join(', ');
      return `| ${f.name} | ${f.what} | ${seconds(f.endedAt - f.startedAt)} | ${seconds(f.recoveredAfterMs)} | ${n(f.failuresUntilRecovered)} | ${seconds(f.lastFailureAfterMs)} | ${n(f.requests)} (${n(f.successes)}) | ${failures || '0'} |`;
    }),
  ].join('\n');
}

function statusTable(result: SoakResult): string {
  const labels = [...new Set(Object.values(result.statuses).flatMap((s) => Object.keys(s)))].sort();
  return [
    `| request | ${labels.join(' | ')} |`,
    `| --- | ${labels.map(() => '---').join(' | ')} |`,
    ...Object.entries(result.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([op, counts]) =>
          `| ${op} | ${labels.map((l) => (counts[l] ? n(counts[l]) : '')).join(' | ')} |`,
      ),
  ].join('\n');
}

export function markdownReport(result: SoakResult): string {
  const { profile, creates, oldKey } = result;
  const cpu = cpus();
  const examples = Object.entries(result.checks)
    .flatMap(([name, check]) => check.examples.map((e: string) => `- ${name}: ${e}`))
    .concat(result.unexpected.examples.map((e) => `- unexpected: ${e}`));
  return `# Soak results

Written by \`npm run soak\` on ${result.startedAt.toISOString().slice(0, 10)} (profile \`${profile.name}\`).
Machine: ${cpu.length} × ${cpu[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${type()}; Node ${process.version}; load average ${result.loadAverage.map((l) => l.toFixed(1)).join(' → ')} (start → end: the stack shares the cores with whatever else runs).
Load: **${n(result.requests)} requests in ${(result.loadMs / 1000).toFixed(0)} s** from ${Object.entries(
    profile.clients,
  )
    .map(([kind, count]) => `${count} ${kind}${count > 1 ? 's' : ''}`)
    .join(
      ', ',
    )} (at most ${profile.ratePerSecond} a second, cap ${n(profile.maxRequests)}), then ${n(result.afterRequests)} requests to settle the creates left pending and to check. All on 127.0.0.1.

## The four counts (each must be 0)

${summaryTable(result)}

${result.passed ? 'All four are 0.' : '**Not all four are 0**: the soak failed.'}

## Faults

The window runs from the fault's start to its end (the key removed, the issuer back, DynamoDB or the runtime answering again); recovery from its end to the first 2xx answered after it; its span from its start to the next fault's start (or the end of the load). Before the first fault: ${n(result.baseline.requests)} requests, ${n(result.baseline.failures)} 5xx.

${faultTable(result)}

- **Key rotation**: ${n(oldKey.validDuringGrace)} tokens of the old key, never used before, let in during the grace period; after its removal ${n(oldKey.allowedInWindow)} let in while the authorizer's key set still held it (allowed up to the set's 30 s refresh), ${n(oldKey.refused)} refused with 401, the first ${seconds(oldKey.firstRefusedAfterMs)} after the removal.
- **Creates**: ${n(creates.total)} Idempotency-Keys, ${n(creates.created)} answered 201, ${n(creates.retried)} after retries with the same key (${n(creates.settled)} of them after the load, in the settling), ${n(creates.refused)} refused, ${n(creates.unresolved)} left without an answer.
- **PATCHes**: ${Object.entries(result.patches)
    .map(([outcome, count]) => `${n(count)} ${outcome.replace('_', ' ')}`)
    .join(', ')}.
- **Unexpected answers** (a 500 from a function, a 4xx the request could not deserve): ${n(result.unexpected.count)}.

## Answers by kind of request (during the load)

${statusTable(result)}
${examples.length ? `\n## Offenders (first few)\n\n${examples.join('\n')}\n` : ''}`;
}
