import { expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('keeps the generated route validators in step with schemas/ (run `npm run schemas` after an edit)', () => {
  const output = execFileSync(process.execPath, ['tools/compile-schemas.ts', '--check'], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(output).toMatch(/up to date/);
});
