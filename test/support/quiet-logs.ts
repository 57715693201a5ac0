// The decision log writes JSON lines straight to stdout (what Lambda ships to CloudWatch). In
// jest that is noise between test results; tests that assert on log lines inject their own
// logger. Set SHOW_DECISION_LOGS=1 to see them.
if (!process.env.SHOW_DECISION_LOGS) {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('{"time":')
      ? true
      : (write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
}
