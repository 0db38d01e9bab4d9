// The platform's field decorators through class-validator and class-transformer, as the validation pipe runs them.
import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsString, validate, ValidateNested } from 'class-validator';
import { Clearable, Optional } from './optional-fields';
import { MultiLineText, NotBlank, SingleLineText, TrimSpaces, trimSpaces } from './text-fields';
import { IsInstant } from './time-fields';

class Inner {
  @Optional() @IsString() @SingleLineText() label?: string;
}

class Sample {
  @Optional() @IsString() @SingleLineText() name?: string;
  @Optional() @IsString() @MultiLineText() note?: string;
  @Optional() @IsString() @NotBlank() subject?: string;
  @Optional() @TrimSpaces() @IsString() @NotBlank() @SingleLineText() firstName?: string;
  @Optional() @IsInstant() at?: string;
  @Clearable() @IsString() city?: string | null;
  @Optional() @ValidateNested() @Type(() => Inner) inner?: Inner;
}

async function problems(body: Record<string, unknown>): Promise<Record<string, string[]>> {
  const errors = await validate(plainToInstance(Sample, body));
  const found: Record<string, string[]> = {};
  const walk = (list: typeof errors, path: string) => {
    for (const error of list) {
      const field = path ? `${path}.${error.property}` : error.property;
      if (error.constraints) found[field] = Object.keys(error.constraints).sort();
      if (error.children?.length) walk(error.children, field);
    }
  };
  walk(errors, '');
  return found;
}

describe('field decorators', () => {
  it('refuses JSON null for an optional field, at any depth, and accepts it leaving the field out', async () => {
    expect(await problems({})).toEqual({});
    expect(await problems({ name: null, inner: { label: null } })).toEqual({ name: ['isDefined', 'isString'], 'inner.label': ['isDefined', 'isString'] });
  });

  it('lets null clear a clearable field and still checks a value given', async () => {
    expect(await problems({ city: null })).toEqual({});
    expect(await problems({ city: 7 })).toEqual({ city: ['isString'] });
  });

  it('applies the single-line and free-text rules, and normalises CRLF in free text', async () => {
    expect(await problems({ name: 'Ada\nLovelace' })).toEqual({ name: ['isSingleLineText'] });
    expect(await problems({ note: 'one\r\ntwo\tthree' })).toEqual({});
    expect(plainToInstance(Sample, { note: 'one\r\ntwo' }).note).toBe('one\ntwo');
    expect(await problems({ note: 'one\rtwo' })).toEqual({ note: ['isMultiLineText'] });
  });

  it('names the offending character in the message', async () => {
    const [error] = await validate(plainToInstance(Sample, { name: 'Ada\u202E' }));
    expect(error.constraints?.isSingleLineText).toContain('bidi control U+202E at position 4');
  });

  it('trims spaces before the text rules, but leaves controls and line breaks for them to refuse', async () => {
    expect(trimSpaces('\u00A0 Ann\u3000\uFEFF ')).toBe('Ann');
    expect(trimSpaces('\tAnn\n')).toBe('\tAnn\n');
    expect(plainToInstance(Sample, { firstName: '  Ann ' }).firstName).toBe('Ann');
    expect(await problems({ firstName: '  Ann ' })).toEqual({});
    for (const firstName of ['Ann\n', 'Ann\u000b', '\tAnn', 'Ann\r', 'Ann\f', 'Ann\u2028', ' Ann\n ']) {
      expect(await problems({ firstName })).toEqual({ firstName: ['isSingleLineText'] });
    }
  });

  it('refuses a blank required text', async () => {
    expect(await problems({ subject: ' \t ' })).toEqual({ subject: ['isNotBlank'] });
  });

  // Found from outside: a subject, reply or forget reason of only a zero-width space was taken as said.
  it.each([
    ['a zero-width space', '\u200B'],
    ['a word joiner', '\u2060'],
    ['soft hyphens', '\u00AD\u00AD'],
    ['a BOM and spaces', ' \uFEFF '],
    ['a Hangul filler', '\u3164'],
    ['a variation selector', '\uFE0F'],
    ['a combining grapheme joiner and an ideographic space', '\u034F\u3000'],
  ])('refuses a required text of only %s (nothing shows)', async (_what, subject) => {
    expect(await problems({ subject })).toEqual({ subject: ['isNotBlank'] });
  });

  it.each([['x'], ['\u200BAda'], ['\u00ADa'], ['\u{1F600}'], ['\u0301']])('takes a required text with something to show: %j', async (subject) => {
    expect(await problems({ subject })).toEqual({});
  });

  it.each([
    ['2026-11-20T10:15:00Z', true],
    ['2026-11-20T10:15Z', true],
    ['2026-11-20T10:15:00.123456+01:00', true],
    ['2026-11-20T10:15:00-05:30', true],
    ['2026-11-20T10:15:00', false],
    ['2026-11-20', false],
    ['2026-11-20 10:15:00Z', false],
    ['2026-02-30T10:15:00Z', false],
    ['2026-11-20T25:00:00Z', false],
    ['2026-11-20T10:15:00+0100', false],
  ])('an instant %s is %s', async (at, valid) => {
    expect(await problems({ at })).toEqual(valid ? {} : { at: ['isInstant'] });
  });
});
