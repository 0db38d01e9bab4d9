import 'reflect-metadata';
import { IsEmail, IsString, MaxLength, registerDecorator, validate, validateSync } from 'class-validator';
import { SingleLineText } from '../validation/text-fields';
import { flattenValidationErrors, VALIDATOR_OPTIONS } from './validation';

/** A rule of our own that throws on one value, as validator.js does on text it cannot decode. */
function ThrowsOnBoom(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'throwsOnBoom',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown) {
          if (value === 'boom') throw new RangeError('Invalid time value');
          return typeof value === 'string';
        },
        defaultMessage: () => 'code must be a known code',
      },
    });
}

class Contact {
  @IsEmail() @MaxLength(254) @SingleLineText() email!: string;
  @IsString() @ThrowsOnBoom() code!: string;
}

const contact = (fields: Partial<Contact>): Contact => Object.assign(new Contact(), { email: 'ada@example.com', code: 'ok', ...fields });

describe('a validation rule that throws', () => {
  it('refuses its field with the rule\'s message, and the field\'s other rules still name the character (no 500)', () => {
    // validator.js's isEmail throws URIError on a lone surrogate; the text rule says which character it is.
    const problems = flattenValidationErrors(validateSync(contact({ email: 'x\uD800@example.com' }), VALIDATOR_OPTIONS));
    expect(problems.map((problem) => problem.field)).toEqual(['email', 'email']);
    expect(problems.map((problem) => problem.message)).toEqual(
      expect.arrayContaining(['email must be an email', expect.stringContaining('unpaired surrogate U+D800 at position 2')]),
    );
  });

  it('refuses only the field whose rule threw, in the asynchronous validation the pipe runs too', async () => {
    const problems = flattenValidationErrors(await validate(contact({ code: 'boom' }), VALIDATOR_OPTIONS));
    expect(problems).toEqual([{ field: 'code', message: 'code must be a known code' }]);
  });

  it('changes nothing for values the rules read without throwing', () => {
    expect(validateSync(contact({}), VALIDATOR_OPTIONS)).toEqual([]);
    expect(flattenValidationErrors(validateSync(contact({ email: 'not an address' }), VALIDATOR_OPTIONS))).toEqual([{ field: 'email', message: 'email must be an email' }]);
  });
});
