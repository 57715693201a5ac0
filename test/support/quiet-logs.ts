// The decision log and the metrics (EMF documents) write JSON lines straight to stdout (what
// Lambda ships to CloudWatch). In jest that is noise between test results; tests that assert on
// them inject their own or spy on stdout. Set SHOW_DECISION_LOGS=1 to see them.
if (!process.env.SHOW_DECISION_LOGS) {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && (chunk.startsWith('{"time":') || chunk.startsWith('{"_aws":'))
      ? true
      : (write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
}

// The local auth server runs oidc-provider with its in-memory adapter on purpose (README, Local
// stack); its warning about that would print a console block with a stack in every e2e run.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('development-only in-memory adapter')) return;
  warn(...args);
};

// serverless.yml gives every function its metrics namespace; tests build functions in process.
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'two-layer-authz-test';
