// The one check that scripts and tests run on Lambda's Node major (nodejs24.x). Plain JavaScript
// on purpose: it must also load on an older `node` first on PATH, to say what is wrong rather
// than fail on TypeScript syntax. `npm run` puts node_modules/.bin (the `node` package) first.
import process from 'node:process';

export const LAMBDA_NODE_MAJOR = 24;

/** Why this process cannot run the project's code, or undefined when it can. */
export function nodeVersionProblem() {
  const major = Number(process.versions.node.split('.')[0]);
  return major === LAMBDA_NODE_MAJOR
    ? undefined
    : `running on Node ${process.version}, not ${LAMBDA_NODE_MAJOR} (the Lambda runtime): run through npm (npm test, npx jest) so node_modules/.bin/node is used`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`node ${process.version} (${process.execPath})\n`);
  const problem = nodeVersionProblem();
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}
