// The CLI's --anchor: a UTC day or an instant with its offset, as the API takes instants.
import { InvalidArgumentError } from 'commander';
import { pastInstant } from './chronicle-cli';

describe("pastInstant (the demo seed's --anchor)", () => {
  it.each([
    ['2026-11-30', '2026-11-30T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-11-30T10:00:00Z', '2026-11-30T10:00:00.000Z'],
    ['2026-11-30T11:00:00+01:00', '2026-11-30T10:00:00.000Z'],
  ])('takes %s as %s', (value, instant) => {
    expect(pastInstant(value).toISOString()).toBe(instant);
  });

  it.each([
    '2026-02-30', // Date would roll it over to 2 March
    '2025-02-29',
    '2026-11-30T10:00:00', // a local time: read in this machine's zone
    '2026-11-30T10', // forms Date cannot read or reads differently
    '2026-W49',
    '2026-337',
    '2026-11-30T10:00:00+01',
    'yesterday',
    '',
  ])('refuses %j, naming what it takes', (value) => {
    expect(() => pastInstant(value)).toThrow(InvalidArgumentError);
    expect(() => pastInstant(value)).toThrow(/UTC date .* or an ISO-8601 date and time with its offset/);
  });

  it('refuses a time in the future', () => {
    expect(() => pastInstant(new Date(Date.now() + 86_400_000).toISOString())).toThrow('must not lie in the future');
  });
});
