// The wording of validation problems and the query-string rules every route shares.
import { BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { validateBatchItem } from '../commands/command-batch';
import { Clearable, Optional } from '../validation/optional-fields';
import { createValidationPipe, flattenValidationErrors, queryStringProblems, RequestValidationError } from './validation';

describe('query strings', () => {
  it('names a parameter given with an empty value, alone or among repeats', () => {
    expect(queryStringProblems({ minPosition: '', cursor: 'abc', type: ['A', ''] }).map((p) => p.field)).toEqual(['minPosition', 'type']);
    expect(queryStringProblems({ cursor: '' })[0].message).toBe('cursor must not be empty: give a value or leave the parameter out');
    expect(queryStringProblems({ cursor: 'abc', limit: '5' })).toEqual([]);
  });

  it('refuses a parameter with an empty name with a message that says so', () => {
    expect(queryStringProblems({ '': '1' })).toEqual([{ field: '', message: 'a field or parameter must have a name (an empty name is not allowed)' }]);
  });

  it('words an unknown field, and one with an empty name', () => {
    const problems = flattenValidationErrors([
      { property: 'color', constraints: { whitelistValidation: 'property color should not exist' }, children: [] },
      { property: '', constraints: { whitelistValidation: 'property  should not exist' }, children: [] },
    ]);
    expect(problems).toEqual([
      { field: 'color', message: 'unknown field (not allowed)' },
      { field: '', message: 'a field or parameter must have a name (an empty name is not allowed)' },
    ]);
    expect(new RequestValidationError(problems)).toBeInstanceOf(BadRequestException);
  });
});

class Line {
  @IsInt() @Min(1) quantity!: number;
}

class Order {
  @IsString() @MaxLength(500) reason!: string;
  @Optional() @IsString() @MaxLength(50) label?: string;
  @Clearable() @IsString() city?: string | null;
  @IsArray() @ValidateNested({ each: true }) @Type(() => Line) lines!: Line[];
}

describe('a required field left out or null', () => {
  const problemsOf = async (body: object, prefix = '') => {
    try {
      await validateBatchItem(Order, body, prefix);
      return [];
    } catch (error) {
      return [...(error as RequestValidationError).problems];
    }
  };

  it('is named once as required, with what it takes, at any depth and in a batch item', async () => {
    expect(await problemsOf({ lines: [{}] })).toEqual([
      { field: 'reason', message: 'reason is required: it must be a string and must be shorter than or equal to 500 characters' },
      { field: 'lines[0].quantity', message: 'quantity is required: it must be an integer number and must not be less than 1' },
    ]);
    expect(await problemsOf({ reason: 'ok' }, 'items[2]')).toEqual([{ field: 'items[2].lines', message: 'lines is required: it must be an array' }]);
  });

  it('says null is not a value of a required field, and keeps the one message of an optional field sent as null', async () => {
    expect(await problemsOf({ reason: null, label: null, lines: [] })).toEqual([
      { field: 'reason', message: 'reason is required and cannot be null: it must be a string and must be shorter than or equal to 500 characters' },
      { field: 'label', message: 'label must not be null: leave the field out to give none' },
    ]);
  });

  it('takes null where it clears, and says of a value that is there but no text that it must be a string, alone', async () => {
    expect(await problemsOf({ reason: 'ok', city: null, lines: [] })).toEqual([]);
    // Its length rule beside it said nothing about a number.
    expect(await problemsOf({ reason: 7, lines: [] })).toEqual([{ field: 'reason', message: 'reason must be a string' }]);
    expect(await problemsOf({ reason: 'x'.repeat(501), lines: [] })).toEqual([{ field: 'reason', message: 'reason must be shorter than or equal to 500 characters' }]);
  });

  it('is worded the same by the validation pipe', async () => {
    const refused = await createValidationPipe().transform({ lines: [] }, { type: 'body', metatype: Order }).catch((error: unknown) => error);
    expect((refused as RequestValidationError).problems).toEqual([{ field: 'reason', message: 'reason is required: it must be a string and must be shorter than or equal to 500 characters' }]);
  });
});
