import { HttpProblem } from '../route-chain/problem.ts';

/**
 * Optimistic concurrency for a resource: each item keeps a `version` number, bumped by every
 * write; it is published as a strong ETag (`"3"`), and a write sent with `If-Match` is made
 * conditional on it in DynamoDB itself, so of two clients that read version 3, one writes and
 * the other gets 412 instead of silently overwriting (RFC 9110 §13.1.1). Without `If-Match` a
 * write applies to whatever version is current (last writer wins), as before.
 */
export const VERSION_ATTRIBUTE = 'version';

export const etagOf = (version: number) => `"${version}"`;

/** What `If-Match` asks for: any current version (`*`), or one of these. */
export type IfMatch = { readonly any: true } | { readonly versions: readonly number[] };

/**
 * The header as the route schema let it through (schemas/components/IfMatch.json refuses what is
 * not `*` or a list of entity tags with 400); undefined when absent.
 */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  // Weak tags (W/) never match under the strong comparison If-Match uses (§13.1.1), and tags
  // that are not ours (not a version number) cannot match either: both are left out.
  const versions = [...header.matchAll(/(W\/)?"([^"]*)"/g)]
    .filter((tag) => !tag[1] && /^(0|[1-9][0-9]{0,14})$/.test(tag[2]!))
    .map((tag) => Number(tag[2]));
  return { versions };
}

/**
 * The condition that makes a write apply only to a version `If-Match` names (empty when no
 * header): `#version IN (:v0, :v1)`, or nothing to add for `*` (the item must exist anyway).
 * A list with no version of ours can never match: the write must not happen.
 */
export function versionCondition(ifMatch: IfMatch | undefined): {
  condition?: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  impossible: boolean;
} {
  if (!ifMatch || 'any' in ifMatch) return { names: {}, values: {}, impossible: false };
  if (ifMatch.versions.length === 0) return { names: {}, values: {}, impossible: true };
  const values = Object.fromEntries(ifMatch.versions.map((v, i) => [`:ifMatch${i}`, v]));
  return {
    condition: `#version IN (${Object.keys(values).join(', ')})`,
    names: { '#version': VERSION_ATTRIBUTE },
    values,
    impossible: false,
  };
}

export const preconditionFailed = () =>
  new HttpProblem(
    'precondition_failed',
    'The resource has changed since the version If-Match names; read it again and retry',
  );
