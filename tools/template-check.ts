/**
 * `npm run template:check [template.json]` (run by CI after `npm run package`): the packaged
 * CloudFormation template (default `.serverless/cloudformation-template-update-stack.json`)
 * against AWS's resource specification (tools/template-spec-check.ts), and its policies'
 * wildcards against README's list (tools/template-wildcards.ts). One line per problem; exit 1
 * on any.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatFindings } from './template-findings.ts';
import type { CfnTemplate } from './cfn-template.ts';
import { checkTemplate } from './template-spec-check.ts';
import { loadCfnSpec, staleExceptions } from './template-spec.ts';
import { allowedWildcards, compareWildcards, policyWildcards } from './template-wildcards.ts';

const ROOT = join(import.meta.dirname, '..');

if (import.meta.main) {
  const file =
    process.argv[2] ?? join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');
  const template = JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
  const started = performance.now();
  const spec = loadCfnSpec();
  const loaded = performance.now();
  const { findings, unjudged } = checkTemplate(template, spec);
  const checked = performance.now();
  const problems: string[] = [];
  if (findings.length) problems.push(formatFindings(findings));
  for (const exception of staleExceptions(spec))
    problems.push(
      `tools/template-spec.ts: stale_exception: the specification now knows ${exception.resourceType} ${exception.property}; delete its exception`,
    );
  const wildcards = compareWildcards(
    policyWildcards(template),
    allowedWildcards(readFileSync(join(ROOT, 'README.md'), 'utf8')),
  );
  for (const w of wildcards.unjustified)
    problems.push(
      `${w.path}: unjustified_wildcard: ${w.effect} ${w.element} ${w.value} is not in README's list of allowed wildcards`,
    );
  for (const w of wildcards.unused)
    problems.push(
      `README.md: unused_wildcard: ${w.resourceType} ${w.effect} ${w.element} ${w.value} is allowed but the template has none`,
    );
  for (const { path, exception } of unjudged)
    process.stdout.write(
      `${path}: not judged (newer than the specification; documented at ${exception.documentedAt})\n`,
    );
  const timing = `spec loaded in ${Math.round(loaded - started)} ms, checked in ${Math.round(checked - loaded)} ms`;
  if (problems.length) {
    process.stderr.write(`${problems.join('\n')}\ntemplate:check: problems found (${timing})\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `template:check: ${Object.keys(template.Resources).length} resources match the CloudFormation specification; every policy wildcard is in README (${timing})\n`,
    );
  }
}
