import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import type { RouteTable } from './route-table.ts';

/**
 * README's route and scope tables, generated from the route table (`npm run routes --
 * --markdown` prints them, `-- --readme` writes them between README's markers), so they cannot
 * drift from serverless.yml and schemas/: a test fails when README's differ. Formatted by
 * prettier, as `npm run lint` checks README. Build-time only.
 */
export const README_BLOCKS = ['routes', 'scopes'] as const;
export type ReadmeBlock = (typeof README_BLOCKS)[number];

const ANY_CALLER = 'any authenticated caller';
const markers = (block: ReadmeBlock) =>
  [`<!-- ${block}:begin -->`, `<!-- ${block}:end -->`] as const;

/** Each block's markdown, as prettier formats it. */
export async function readmeTables(table: RouteTable): Promise<Record<ReadmeBlock, string>> {
  // What the route table decides (route, scopes, function, schema), nothing a schema file's
  // prose says: editing a title leaves README as it is.
  const routes = [
    '| route | scopes (all of) | function | schema |',
    '| --- | --- | --- | --- |',
    ...table.routes.map(
      (r) =>
        `| \`${r.method} ${r.path}\` | ${r.scopes.length ? r.scopes.map((s) => `\`${s}\``).join(' ') : ANY_CALLER} | \`${r.function}\` | ${r.schemaFile ? `[${r.schemaFile.replace(/^schemas\//, '')}](${r.schemaFile})` : '(none)'} |`,
    ),
  ];
  const scopes = [...new Set(table.routes.flatMap((r) => r.scopes))].sort();
  const scopeRows = [
    '| scope | required by |',
    '| --- | --- |',
    ...scopes.map(
      (scope) =>
        `| \`${scope}\` | ${table.routes
          .filter((r) => r.scopes.includes(scope))
          .map((r) => `\`${r.method} ${r.path}\``)
          .join(', ')} |`,
    ),
  ];
  const options = {
    ...(await prettier.resolveConfig(join(import.meta.dirname, '..', 'README.md'))),
    parser: 'markdown',
  };
  return {
    routes: (await prettier.format(routes.join('\n'), options)).trimEnd(),
    scopes: (await prettier.format(scopeRows.join('\n'), options)).trimEnd(),
  };
}

/** The text between a block's markers, or undefined when README has no such block. */
export function readmeBlock(text: string, block: ReadmeBlock): string | undefined {
  const [begin, end] = markers(block);
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start === -1 || stop < start) return undefined;
  return text.slice(start + begin.length, stop).trim();
}

/** README with each block's text replaced; a block README does not mark is left out. */
export function withReadmeBlocks(
  text: string,
  blocks: Partial<Record<ReadmeBlock, string>>,
): string {
  let result = text;
  for (const [block, content] of Object.entries(blocks) as [ReadmeBlock, string][]) {
    const [begin, end] = markers(block);
    const start = result.indexOf(begin);
    const stop = result.indexOf(end);
    if (start === -1 || stop < start) continue;
    result = `${result.slice(0, start + begin.length)}\n\n${content}\n\n${result.slice(stop)}`;
  }
  return result;
}

/** Rewrites README.md's blocks from the route table; true when something changed. */
export async function writeReadmeTables(readme: string, table: RouteTable): Promise<boolean> {
  const before = readFileSync(readme, 'utf8');
  const after = withReadmeBlocks(before, await readmeTables(table));
  if (after !== before) writeFileSync(readme, after);
  return after !== before;
}
