/**
 * Side-by-side timing in one process: the variants of a comparison run interleaved, sample by
 * sample, so drift (CPU frequency, GC, a neighbour on the machine) hits them all alike. No
 * library does exactly this with async variants and median/min/max per op, so it is written here.
 */
export interface Stats {
  readonly name: string;
  /** Nanoseconds per operation. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
  readonly opsPerSample: number;
  /** Nanoseconds per operation of each sample, in the order the samples ran. */
  readonly values: readonly number[];
}

export type Operation = () => unknown;

export interface CompareOptions {
  readonly samples: number;
  readonly opsPerSample: number;
  readonly warmupOps?: number;
}

export async function compare(
  variants: Readonly<Record<string, Operation>>,
  { samples, opsPerSample, warmupOps = opsPerSample * 2 }: CompareOptions,
): Promise<Record<string, Stats>> {
  const names = Object.keys(variants);
  for (const name of names) await runOps(variants[name]!, warmupOps);
  const perOp: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let sample = 0; sample < samples; sample += 1) {
    // Rotate the order so no variant always runs right after another's garbage.
    const order = names.map((_, i) => names[(i + sample) % names.length]!);
    for (const name of order) {
      const started = process.hrtime.bigint();
      await runOps(variants[name]!, opsPerSample);
      perOp[name]!.push(Number(process.hrtime.bigint() - started) / opsPerSample);
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, summarise(name, perOp[name]!, opsPerSample)]),
  );
}

async function runOps(op: Operation, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const result = op();
    if (result instanceof Promise) await result;
  }
}

export function summarise(name: string, values: readonly number[], opsPerSample = 1): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    name,
    median,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    samples: sorted.length,
    opsPerSample,
    values,
  };
}

export const us = (ns: number) => (ns / 1000).toFixed(1);
export const ms = (ns: number) => (ns / 1e6).toFixed(1);
export const ratio = (a: Stats, b: Stats) => (a.median / b.median).toFixed(2);

/**
 * The median of the per-sample ratios a/b. Variants of one `compare` run side by side, one sample
 * of each per round, so a round's two samples share whatever the machine was doing then (another
 * process, CPU frequency, the thread pool's latency); dividing within the round cancels that drift,
 * which a ratio of two medians taken from different rounds does not.
 */
export function pairedRatio(a: Stats, b: Stats): number {
  if (a.values.length !== b.values.length) throw new Error('pairedRatio: samples from two runs');
  return summarise(
    'ratio',
    a.values.map((value, i) => value / b.values[i]!),
  ).median;
}

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
