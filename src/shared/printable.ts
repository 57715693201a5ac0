/**
 * What "printable" means for text that came from outside (a token's `sub`, and whatever the log
 * shows of a token): no character that changes how the text around it is shown instead of
 * showing itself. Such a character lets a value pose as another in a log line or an admin page:
 * `"adm\u202Ein"` displays as `adm` + `ni` reversed, `"a\u2028b"` as two lines.
 *
 * - Cc, control characters: NUL, escape sequences, newlines, C1 controls;
 * - Cf, format characters: bidirectional overrides and isolates, zero-width spaces and joiners,
 *   the byte order mark, soft hyphens, language tags;
 * - Zl and Zp: the line and paragraph separators, which JSON leaves unescaped;
 * - Cs: a surrogate that is not half of a pair. A whole pair is one character outside the Basic
 *   Multilingual Plane (an emoji, a mathematical letter) and is printable; with the `u` flag the
 *   pattern sees a pair as that one character, so only a lone half matches.
 *
 * Everything else passes, letters and digits of any script, punctuation, symbols and spaces
 * included: a subject is an identifier an issuer chose, not ours to restrict further.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const EVERY_NOT_PRINTABLE = new RegExp(NOT_PRINTABLE.source, 'gu');

export const isPrintable = (text: string): boolean => !NOT_PRINTABLE.test(text);

/** The text with each character that is not printable replaced by U+FFFD, the replacement character. */
export const toPrintable = (text: string): string => text.replace(EVERY_NOT_PRINTABLE, '\uFFFD');
