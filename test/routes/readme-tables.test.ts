import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  README_BLOCKS,
  readmeBlock,
  readmeTables,
  withReadmeBlocks,
} from '../../tools/route-docs.ts';
import { projectRouteTable } from '../support/route-table.ts';

/**
 * README's route and scope tables are written from the route table (`npm run routes --
 * --readme`), so a route added, removed or re-scoped shows in README or fails here.
 */
const ROOT = join(import.meta.dirname, '..', '..');

describe("README's tables", () => {
  it.each(README_BLOCKS)(
    'has the %s table the route table gives (npm run routes -- --readme writes it)',
    async (block) => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const generated = await readmeTables(projectRouteTable());
      expect({
        fix: 'npm run routes -- --readme',
        block,
        table: readmeBlock(readme, block),
      }).toEqual({
        fix: 'npm run routes -- --readme',
        block,
        table: generated[block],
      });
    },
  );

  it('lists every route and every scope of the route table', async () => {
    const { routes, scope } = {
      routes: projectRouteTable().routes,
      scope: new Set(projectRouteTable().routes.flatMap((r) => r.scopes)),
    };
    const generated = await readmeTables(projectRouteTable());
    for (const route of routes)
      expect(generated.routes).toContain(`\`${route.method} ${route.path}\``);
    for (const name of scope) expect(generated.scopes).toContain(`| \`${name}\``);
  });

  it('replaces only the text between the markers, and leaves a README without them alone', () => {
    const text = 'intro\n<!-- routes:begin -->\nold\n<!-- routes:end -->\noutro\n';
    expect(withReadmeBlocks(text, { routes: '| new |' })).toBe(
      'intro\n<!-- routes:begin -->\n\n| new |\n\n<!-- routes:end -->\noutro\n',
    );
    expect(readmeBlock(withReadmeBlocks(text, { routes: '| new |' }), 'routes')).toBe('| new |');
    expect(withReadmeBlocks('no markers\n', { routes: '| new |' })).toBe('no markers\n');
    expect(readmeBlock('no markers\n', 'scopes')).toBeUndefined();
  });
});
