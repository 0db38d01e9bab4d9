// The one check of every instant the API takes: what it admits is a full date-time with its offset
// that Date reads as written; everything else (ISO-8601 forms Date cannot read included) is refused.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsOptional, validate } from 'class-validator';
import { IsInstant, IsPositionOrInstant, isInstant, isPositionOrInstant } from './time-fields';

/** Valid ISO-8601 to class-validator's isISO8601, yet no instant: Date cannot read them, or reads a local time. */
const REFUSED = [
  '2026-12-03T07', // hour only
  '2026-W49', // ISO week
  '2026-337', // ordinal day
  '2026-12-03T07Z', // hour only, with Z
  '2026-12-03T07:00:00+01', // offset without minutes
  '2026-12-03', // bare date
  '2026-12-03T00:00:00', // local time
  '2026-12-03T00:00:00.000', // local time with milliseconds
  '2026-12-03T07:00:00,5Z', // decimal comma
  '20261203T070000Z', // basic format
  '2026-02-30T10:00:00Z', // Date would roll it over to 2 March
  '2026-11-20T24:00:00Z', // Date would read the next day
  '2026-11-20T23:59:60Z', // leap second
  '2026-11-20T10:15:00+24:00',
  '2026-11-20 10:15:00Z',
  '2026-11-20t10:15:00z',
  '',
];

const ADMITTED = ['2026-12-03T07:00Z', '2026-12-03T07:00:00Z', '2026-12-03T07:00:00+01:00', '2026-12-03T07:00:00.123456789-05:30', '2028-02-29T00:00:00Z'];

describe('isInstant', () => {
  it.each(REFUSED)('refuses %j', (value) => {
    expect(isInstant(value)).toBe(false);
  });

  it.each(ADMITTED)('admits %s, which Date reads', (value) => {
    expect(isInstant(value)).toBe(true);
    expect(Number.isNaN(Date.parse(value))).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 0, 1_796_256_000_000, new Date(), ['2026-12-03T07:00:00Z']]) expect(isInstant(value)).toBe(false);
  });
});

describe('isPositionOrInstant', () => {
  it.each(REFUSED)('refuses %j', (value) => {
    expect(isPositionOrInstant(value)).toBe(false);
  });

  it.each(['0', '1042', '999999999999999', ...ADMITTED])('admits %s', (value) => {
    expect(isPositionOrInstant(value)).toBe(true);
  });

  it.each(['-1', '1e3', '1.5', '1234567890123456'])('refuses the position %s', (value) => {
    expect(isPositionOrInstant(value)).toBe(false);
  });
});

class Query {
  @IsOptional() @IsInstant() from?: string;
  @IsOptional() @IsPositionOrInstant() asOf?: string;
}

describe('the decorators', () => {
  it('name the field and say what it takes, in the words of the other field rules', async () => {
    const errors = await validate(plainToInstance(Query, { from: '2026-12-03T07', asOf: '2026-W49' }));
    expect(Object.fromEntries(errors.map((error) => [error.property, error.constraints]))).toEqual({
      from: { isInstant: 'from must be an ISO-8601 date and time with its offset or Z, e.g. 2026-11-20T10:15:00Z' },
      asOf: { isPositionOrInstant: 'asOf must be a global position (digits) or an ISO-8601 date and time with its offset or Z, e.g. 2026-11-20T10:15:00Z' },
    });
  });

  it('let a valid value through', async () => {
    expect(await validate(plainToInstance(Query, { from: '2026-12-03T07:00:00+01:00', asOf: '42' }))).toEqual([]);
  });
});
