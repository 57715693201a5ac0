import process from 'node:process';
import { createDefaultEsmPreset } from 'ts-jest';

// The tests run on Lambda's Node major. `node_modules/.bin/jest` called directly starts on
// whatever `node` is first on PATH (this machine's system Node is 20), where the handlers'
// dependencies (middy 7) do not load; `npm test` and `npx jest` put Node 24 first.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24)
  throw new Error(
    `jest is running on Node ${process.version}; run it through npm (npm test, npx jest) so node_modules/.bin/node (Node 24) is used`,
  );

// ESM + TypeScript: ts-jest transpiles each file (tsconfig has isolatedModules, so no type check
// here; `npm run typecheck` does that once for the whole tree).
/** @type {import('jest').Config} */
export default {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.json' }),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
  // Two cores on every machine of this project (CI included).
  maxWorkers: 2,
  testTimeout: 20_000,
};
