import { isPrintable } from './printable.ts';

/**
 * The rule a token's `sub` must meet, in both layers: 1 to 255 characters, all printable. It
 * becomes the policy's principalId, a field of every decision log line, and `createdBy` in stored
 * data, where a reader takes it at its word. 255 is what most issuers document as their maximum
 * (theirs are UUIDs or shorter); counted in code points, so a character outside the Basic
 * Multilingual Plane (an emoji) counts once, not as its two UTF-16 halves.
 */
export const MAX_SUBJECT_LENGTH = 255;

export function isValidSubject(sub: unknown): sub is string {
  // A code point is one or two UTF-16 units: past twice the maximum no count is needed.
  if (typeof sub !== 'string' || sub === '' || sub.length > 2 * MAX_SUBJECT_LENGTH) return false;
  return isPrintable(sub) && [...sub].length <= MAX_SUBJECT_LENGTH;
}
