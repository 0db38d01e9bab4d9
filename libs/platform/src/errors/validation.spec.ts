// The wording of validation problems and the query-string rules every route shares.
import { BadRequestException } from '@nestjs/common';
import { flattenValidationErrors, queryStringProblems, RequestValidationError } from './validation';

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
