import { VersionMismatch } from './errors.ts';
import { NO_CONDITION, type Condition } from './conditions.ts';

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
  // The schema bounds the header (256 characters: at most about 60 tags), and DynamoDB takes up
  // to 100 values in an IN: a list can never reach DynamoDB's limit.
  return { versions: [...new Set(versions)] };
}

/** Whether the version `If-Match` asks for is this one (no header: any). */
export const matchesVersion = (ifMatch: IfMatch | undefined, version: number) =>
  !ifMatch || 'any' in ifMatch || ifMatch.versions.includes(version);

/**
 * The condition that the stored item is still at `version`. Version 0 is an item written before
 * versions were kept: it has no `version` attribute at all, which an equality never matches.
 * That says nothing of whether the item exists (a missing item has no `version` either): a write
 * joins it with `itemExists` (conditions.ts).
 */
export function atVersion(version: number): Condition & { condition: string } {
  const names = { '#version': VERSION_ATTRIBUTE };
  return version === 0
    ? { condition: 'attribute_not_exists(#version)', names, values: {} }
    : { condition: '#version = :atVersion', names, values: { ':atVersion': version } };
}

/**
 * The condition that makes a write apply only to a version `If-Match` names (nothing to add
 * without the header, or for `*`). Like `atVersion`, it leaves the item's existence to
 * `itemExists`. A list with no version of ours can never match: the write must not happen.
 */
export function versionCondition(
  ifMatch: IfMatch | undefined,
): Condition & { impossible: boolean } {
  if (!ifMatch || 'any' in ifMatch) return { ...NO_CONDITION, impossible: false };
  if (ifMatch.versions.length === 0) return { ...NO_CONDITION, impossible: true };
  const stored = ifMatch.versions.filter((v) => v > 0);
  const values = Object.fromEntries(stored.map((v, i) => [`:ifMatch${i}`, v]));
  const alternatives = [
    ...(stored.length ? [`#version IN (${Object.keys(values).join(', ')})`] : []),
    ...(ifMatch.versions.includes(0) ? ['attribute_not_exists(#version)'] : []),
  ];
  return {
    condition: `(${alternatives.join(' OR ')})`,
    names: { '#version': VERSION_ATTRIBUTE },
    values,
    impossible: false,
  };
}

export const preconditionFailed = () => new VersionMismatch();
