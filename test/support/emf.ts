import { jest } from '@jest/globals';

/**
 * The CloudWatch Embedded Metric Format documents a piece of code writes to stdout, as
 * CloudWatch Logs would read them, and what Powertools wrote to stderr meanwhile (its warnings).
 */
export interface EmfDocument {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

export async function emfWrittenBy(
  run: () => unknown,
): Promise<{ documents: EmfDocument[]; warnings: string[] }> {
  const write = jest.spyOn(process.stdout, 'write');
  const warn = jest.spyOn(process.stderr, 'write');
  try {
    await Promise.resolve()
      .then(run)
      .catch(() => undefined);
    return {
      documents: write.mock.calls
        .map(([chunk]) => String(chunk))
        .filter((line) => line.startsWith('{"_aws"'))
        .map((line) => JSON.parse(line) as EmfDocument),
      warnings: warn.mock.calls.map(([chunk]) => String(chunk)),
    };
  } finally {
    write.mockRestore();
    warn.mockRestore();
  }
}
