import { createDefaultEsmPreset } from 'ts-jest';
import { nodeVersionProblem } from './tools/node-version.mjs';

// `node_modules/.bin/jest` called directly starts on whatever `node` is first on PATH.
const problem = nodeVersionProblem();
if (problem) throw new Error(`jest is ${problem}`);

// ESM + TypeScript: ts-jest transpiles each file (tsconfig has isolatedModules, so no type check
// here; `npm run typecheck` does that once for the whole tree).
/** @type {import('jest').Config} */
export default {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.json' }),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Two cores on every machine of this project (CI included).
  maxWorkers: 2,
  testTimeout: 20_000,
};
