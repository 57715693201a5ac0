import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { clip } from '../../src/shared/log.ts';
import { isPrintable, toPrintable } from '../../src/shared/printable.ts';
import { isValidSubject, MAX_SUBJECT_LENGTH } from '../../src/shared/subject.ts';

// Characters that change how the text around them is shown, listed from the Unicode character
// database by hand (not derived from the rule under test): controls (Cc), format characters
// (Cf), the line and paragraph separators (Zl, Zp), and surrogate halves (Cs).
const CC = [...range(0x00, 0x1f), ...range(0x7f, 0x9f)];
const CF = [
  0xad,
  ...range(0x600, 0x605),
  0x61c,
  0x6dd,
  0x70f,
  0x180e,
  ...range(0x200b, 0x200f),
  ...range(0x202a, 0x202e),
  ...range(0x2060, 0x2064),
  ...range(0x2066, 0x206f),
  0xfeff,
  ...range(0xfff9, 0xfffb),
  0x110bd,
  ...range(0x1d173, 0x1d17a),
  0xe0001,
  ...range(0xe0020, 0xe007f),
];
const SEPARATORS = [0x2028, 0x2029];
const LONE_SURROGATES = [0xd800, 0xdbff, 0xdc00, 0xdfff];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** One character the rule must refuse, as a string (a lone surrogate is one UTF-16 unit). */
const unprintable = fc
  .constantFrom(...CC, ...CF, ...SEPARATORS, ...LONE_SURROGATES)
  .map((code) =>
    code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : String.fromCodePoint(code),
  );

/** Letters and digits of several scripts, ASCII punctuation and symbols, spaces, and emoji. */
const printableCharacter = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0xc0, max: 0x24f }),
    fc.integer({ min: 0x391, max: 0x3c9 }),
    fc.integer({ min: 0x410, max: 0x44f }),
    fc.integer({ min: 0x5d0, max: 0x5ea }),
    fc.integer({ min: 0x4e00, max: 0x9fff }),
    fc.integer({ min: 0x1d400, max: 0x1d44f }),
    fc.integer({ min: 0x1f600, max: 0x1f64f }),
  )
  .map((code) => String.fromCodePoint(code));

// Well-formed text of any code points (no lone surrogate), around the character under test.
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

describe('printable text', () => {
  it('refuses any text that holds a control, format, separator or lone surrogate character', () => {
    fc.assert(
      fc.property(anyText, unprintable, anyText, (before, bad, after) => {
        expect(isPrintable(`${before}${bad}${after}`)).toBe(false);
        expect(isValidSubject(`${before}${bad}${after}`)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts any text of letters, digits, punctuation, symbols, spaces and whole emoji', () => {
    fc.assert(
      fc.property(fc.string({ unit: printableCharacter, maxLength: 300 }), (text) => {
        expect(isPrintable(text)).toBe(true);
      }),
    );
  });

  it.each([
    ['a right-to-left override', 'adm\u202Ein'],
    ['a zero-width joiner', 'ad\u200Dmin'],
    ['a line separator', 'a\u2028b'],
    ['a paragraph separator', 'a\u2029b'],
    ['a lone high surrogate', 'a\uD800'],
    ['a lone low surrogate', '\uDC00a'],
    ['two high surrogates', '\uD83D\uD83D'],
    ['a newline', 'a\nb'],
  ])('refuses a subject with %s', (_name, sub) => {
    expect(isValidSubject(sub)).toBe(false);
  });
});

describe('a subject (sub)', () => {
  it(`accepts any printable text of 1 to ${MAX_SUBJECT_LENGTH} characters, counted in code points`, () => {
    fc.assert(
      fc.property(
        fc.string({ unit: printableCharacter, minLength: 1, maxLength: MAX_SUBJECT_LENGTH }),
        (sub) => {
          expect(isValidSubject(sub)).toBe(true);
        },
      ),
    );
    expect(isValidSubject('😀'.repeat(MAX_SUBJECT_LENGTH))).toBe(true);
  });

  it('refuses an empty subject, one longer than the maximum, and anything not a string', () => {
    for (const sub of [
      '',
      'u'.repeat(MAX_SUBJECT_LENGTH + 1),
      '😀'.repeat(MAX_SUBJECT_LENGTH + 1),
      42,
      null,
      undefined,
      ['a'],
    ])
      expect(isValidSubject(sub)).toBe(false);
  });
});

describe('what a log line shows of an outside value (clip)', () => {
  it('is at most the bound, printable, and the value itself when it already was both', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.string({ unit: fc.constantFrom('\uD800', '\uDC00', '\u202E', '\n'), maxLength: 3 }),
        fc.integer({ min: 1, max: 200 }),
        (text, noise, max) => {
          const value = `${noise}${text}`;
          const shown = clip(value, max)!;
          expect(shown.length).toBeLessThanOrEqual(max);
          expect(isPrintable(shown)).toBe(true);
          if (value.length <= max && isPrintable(value)) expect(shown).toBe(value);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('replaces each character that is not printable with U+FFFD, one for one', () => {
    expect(toPrintable('adm\u202Ein\n\uD800')).toBe('adm\uFFFDin\uFFFD\uFFFD');
    expect(clip('ab😀', 3)).toBe('ab\uFFFD');
    expect(clip(42)).toBeUndefined();
  });
});
