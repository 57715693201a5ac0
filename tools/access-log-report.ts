/**
 * `npm run access-log -- <file>` runs README's Logs Insights queries on a local log: the output
 * of `npm start -- --verbose` (the local gateway's access-log lines in the deployed format, and
 * the functions' decision lines), or `-` for stdin. Each query prints its rows as a table.
 */
import { readFileSync } from 'node:fs';
import { QUERIES, readLog, type LocalLog, type Row } from './access-log-queries.ts';
import { textTable } from './text-table.ts';

export function formatRows(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const header = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return textTable(
    header,
    rows.map((row) => header.map((name) => cellOf(row[name]))),
  );
}

const cellOf = (value: string | number | undefined) =>
  value === undefined
    ? ''
    : typeof value === 'number' && !Number.isInteger(value)
      ? value.toFixed(1)
      : String(value);

export function report(log: LocalLog): string {
  const sections = Object.values(QUERIES).flatMap((query) =>
    'local' in query ? [`${query.title}\n\n${formatRows(query.local(log))}`] : [],
  );
  return [
    `${log.access.length} access-log line(s), ${log.decisions.length} decision line(s)`,
    ...sections,
  ].join('\n\n');
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write(
      'usage: npm run access-log -- <file>   (the output of `npm start -- --verbose`; - for stdin)\n',
    );
    process.exit(2);
  }
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  process.stdout.write(`${report(readLog(text))}\n`);
}
