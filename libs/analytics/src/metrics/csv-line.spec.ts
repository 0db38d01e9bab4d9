import { csvField, csvLine } from './csv-line';

describe('CSV line', () => {
  it('quotes fields with commas and quotes, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Lovelace, Ada')).toBe('"Lovelace, Ada"');
    expect(csvField('the "Countess"')).toBe('"the ""Countess"""');
  });

  it('neutralises text older events may hold: one record stays one line, no control or bidi character gets out', () => {
    expect(csvField('two\nlines')).toBe('two lines');
    expect(csvField('cr\rhere and crlf\r\nthere')).toBe('cr here and crlf there');
    expect(csvField('nul\u0000bel\u0007tab\tnel\u0085')).toBe('nul bel tab nel ');
    expect(csvField('line\u2028sep')).toBe('line sep');
    expect(csvField('Ada\u202Egnp.exe\u2066x\u2069')).toBe('Adagnp.exex');
    expect(csvField('lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00')).toBe('"lone \uFFFD high, lone \uFFFD low, pair \uD83D\uDE00"');
  });

  it('writes numbers as they are and null as an empty field', () => {
    expect(csvLine(['c-1', 42, -1000, null, 0])).toBe('c-1,42,-1000,,0\r\n');
  });

  it('defuses spreadsheet formulas, also behind white space and in full-width forms', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('  =1+1')).toBe("'  =1+1");
    expect(csvField('\t=1+1')).toBe("' =1+1");
    expect(csvField('\uFF1D1+1')).toBe("'\uFF1D1+1");
    expect(csvField('a=b')).toBe('a=b');
  });
});
