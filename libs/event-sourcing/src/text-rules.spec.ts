import { describeTextFault, neutraliseText, textFault } from './text-rules';

describe('text rules', () => {
  it.each([
    ['NUL', 'a\u0000b', 1, 'control character'],
    ['BEL', 'a\u0007', 1, 'control character'],
    ['LF', 'a\nb', 1, 'line break'],
    ['CR', 'a\rb', 1, 'line break'],
    ['tab', 'a\tb', 1, 'control character'],
    ['DEL', 'a\u007F', 1, 'control character'],
    ['C1 NEL', '\u0085', 0, 'control character'],
    ['line separator', 'a\u2028', 1, 'line break'],
    ['RLO', 'ab\u202E', 2, 'bidi control'],
    ['LRE', '\u202A', 0, 'bidi control'],
    ['FSI', '\u2068x', 0, 'bidi control'],
    ['PDI', 'x\u2069', 1, 'bidi control'],
    ['lone high surrogate', 'a\uD800b', 1, 'unpaired surrogate'],
    ['lone low surrogate', 'a\uDC00', 1, 'unpaired surrogate'],
    ['high surrogate at the end', 'a\uD83D', 1, 'unpaired surrogate'],
  ])('refuses %s in single-line text, at its position', (_name, text, index, reason) => {
    expect(textFault(text, 'single-line')).toMatchObject({ index, reason });
  });

  it('accepts letters of every script, emoji (surrogate pairs, joiners) and the bidi marks RTL text needs', () => {
    for (const text of ['Ada Lovelace', 'Zoë Ærøskøbing', 'محمد\u200F', '李小龍', 'family 👨‍👩‍👧', 'a\u00A0b']) expect(textFault(text, 'single-line')).toBeNull();
  });

  it('allows LF and tab, and nothing else among controls, in multi-line text', () => {
    expect(textFault('line one\n\tline two', 'multi-line')).toBeNull();
    expect(textFault('a\r\nb', 'multi-line')).toMatchObject({ index: 1, reason: 'line break' });
    expect(textFault('a\u0000', 'multi-line')).toMatchObject({ reason: 'control character' });
    expect(textFault('a\u2029b', 'multi-line')).toMatchObject({ reason: 'line break' });
    expect(textFault('a\u202Db', 'multi-line')).toMatchObject({ reason: 'bidi control' });
  });

  it('names the character and its position as people count', () => {
    expect(describeTextFault({ index: 3, codePoint: 0x202e, reason: 'bidi control' })).toBe('bidi control U+202E at position 4');
    expect(describeTextFault({ index: 0, codePoint: 0, reason: 'control character' })).toBe('control character U+0000 at position 1');
  });

  it('neutralises stored text into one clean line', () => {
    expect(neutraliseText('a\u0000b\r\nc\u202Ed\uD800')).toBe('a b cd\uFFFD');
    expect(textFault(neutraliseText('\u0001\u0085\u2028\u2066\uDC00 ok 👍'), 'single-line')).toBeNull();
  });
});
