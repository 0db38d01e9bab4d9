import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors, VALIDATOR_OPTIONS } from '@app/platform';
import { AddContactPointDto } from './customer.dtos';

/** The problems the API answers for this body of POST /v1/customers/:id/contact-points. */
function problems(body: object) {
  return flattenValidationErrors(validateSync(plainToInstance(AddContactPointDto, body), VALIDATOR_OPTIONS));
}

describe('AddContactPointDto: a value that does not suit its kind', () => {
  it.each([
    ['email', 'not-an-address', 'value must be an email address for an email contact point'],
    ['phone', '0044 20 7123 4567', 'value must be a phone number in E.164 form, e.g. +442071234567, for a phone contact point'],
    ['address', '', 'value must be the address as text for an address contact point'],
  ])('names the rule of a %s contact point (it said "an email address for a address contact point")', (kind, value, message) => {
    expect(problems({ kind, value })).toContainEqual({ field: 'value', message: expect.stringContaining(message) });
    expect(problems({ kind, value }).filter((problem) => /contact point/.test(problem.message)).map((problem) => problem.message).join(' ')).not.toMatch(/email address for a(n)? (phone|address)|a address/);
  });

  it('takes a value that suits its kind', () => {
    expect(problems({ kind: 'email', value: 'ada@example.com' })).toEqual([]);
    expect(problems({ kind: 'phone', value: '+442071234567' })).toEqual([]);
    expect(problems({ kind: 'address', value: '1 Road, London' })).toEqual([]);
  });

  it('refuses a kind it does not know on kind, without naming a rule of another kind for the value', () => {
    expect(problems({ kind: 'fax', value: '+442071234567' }).map((problem) => problem.field)).toEqual(['kind']);
    const refused = problems({ kind: 'fax', value: '' });
    expect(refused.map((problem) => problem.field)).toContain('kind');
    expect(refused.filter((problem) => problem.field === 'value').map((problem) => problem.message)).toContainEqual(expect.stringContaining("value must suit the contact point's kind (email, phone, address)"));
  });
});
