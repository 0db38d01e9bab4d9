// Which characters Chronicle's text may hold. Control characters hide in exports and logs (a NUL
// truncates a C string, a BEL rings, a newline splits a CSV row or a log line), bidi overrides make
// text read differently from what it is ("Ada\u202Egnp.exe"), and a lone surrogate is not Unicode at
// all (it cannot be encoded as UTF-8 and breaks drivers). One definition serves validation at the
// edge and the neutralising of what older versions may have stored.

/** Single-line text (names, subjects, ids, labels) or free text (notes, replies, comments). */
export type TextKind = 'single-line' | 'multi-line';

/** What is wrong with a string, and where (0-based UTF-16 index). */
export interface TextFault {
  readonly index: number;
  readonly codePoint: number;
  readonly reason: 'control character' | 'line break' | 'bidi control' | 'unpaired surrogate';
}

const TAB = 0x09;
const LF = 0x0a;

function isBidiControl(code: number): boolean {
  // Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI). The marks
  // LRM/RLM/ALM stay allowed: right-to-left text needs them and they cannot reorder anything.
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** U+2028 and U+2029 break lines like LF but are not controls: only LF breaks a line here. */
function isUnicodeLineBreak(code: number): boolean {
  return code === 0x2028 || code === 0x2029;
}

/** The first character `text` may not hold as `kind`, or null when it is clean. */
export function textFault(text: string, kind: TextKind): TextFault | null {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index += 1;
        continue;
      }
      return { index, codePoint: code, reason: 'unpaired surrogate' };
    }
    if (code >= 0xdc00 && code <= 0xdfff) return { index, codePoint: code, reason: 'unpaired surrogate' };
    if (isControl(code)) {
      if (kind === 'multi-line' && (code === LF || code === TAB)) continue;
      return { index, codePoint: code, reason: code === LF || code === 0x0d ? 'line break' : 'control character' };
    }
    if (isUnicodeLineBreak(code)) return { index, codePoint: code, reason: 'line break' };
    if (isBidiControl(code)) return { index, codePoint: code, reason: 'bidi control' };
  }
  return null;
}

/** `U+202E at position 4`: how a refusal names the character (1-based, as people count). */
export function describeTextFault(fault: TextFault): string {
  return `${fault.reason} U+${fault.codePoint.toString(16).toUpperCase().padStart(4, '0')} at position ${fault.index + 1}`;
}

/**
 * Text made safe for one line of an export, whatever was stored: controls and line breaks become a
 * space, bidi controls are dropped, a lone surrogate becomes U+FFFD.
 */
export function neutraliseText(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[index] + text[index + 1];
        index += 1;
      } else {
        out += '\uFFFD';
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) out += '\uFFFD';
    else if (isControl(code) || isUnicodeLineBreak(code)) out += code === 0x0d && text.charCodeAt(index + 1) === LF ? '' : ' ';
    else if (!isBidiControl(code)) out += text[index];
  }
  return out;
}

/**
 * What a text that says nothing is made of, as a character class: white space and the characters
 * that show nothing (zero-width space and joiners, word joiner, soft hyphen, BOM, Hangul fillers,
 * variation selectors, bidi marks: Unicode's default-ignorable code points of the BMP). The OpenAPI
 * document's pattern for required text uses the same class.
 */
export const BLANK_CHARACTERS = '\\s\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0';
const SAYS_SOMETHING = new RegExp(`[^${BLANK_CHARACTERS}]`);

/** Whether a text shows anything: not empty, not only white space or characters that show nothing (a zero-width space). */
export function saysSomething(text: string): boolean {
  return SAYS_SOMETHING.test(text);
}
