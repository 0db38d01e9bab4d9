// The one definition of an instant, as the API, the CLI and the store ports take it.
import { InvalidInstantError, isCalendarDay, isInstant, requireInstant, requireValidDate } from './instants';

describe('instants', () => {
  it.each([
    '2026-11-20T10:15:00Z', '2026-11-20T10:15Z', '2026-11-20T11:15:00.123+01:00', '2024-02-29T00:00:00Z', '2026-11-20T23:59:59.999999999-23:59',
    // Every four-digit year, as the calendar days take them: 0000–0099 were refused as malformed, 0100 on taken.
    '0001-01-01T00:00:00Z', '0099-12-31T23:59:59Z', '0100-01-01T00:00:00Z', '0000-02-29T00:00:00Z', '9999-12-31T23:59:59Z',
  ])('takes %s', (value) => {
    expect(isInstant(value)).toBe(true);
    expect(requireInstant('from', value)).toBe(value);
  });

  it.each([
    '2026-02-30T10:00:00Z', // no such day
    '2026-11-20T24:00:00Z',
    '2026-11-20T10:60:00Z',
    '2026-11-20T10:15:60Z', // a leap second: Date cannot hold it
    '2026-11-20T10:15:00+24:00',
    '2026-11-20T10:15:00+01:60',
    '0001-02-29T00:00:00Z', // no such day in year 1
    '2026-11-20T10:00:00', // a local time: read in the machine's zone
    '2026-11-20',
    '+275760-09-13T00:00:00Z', // out of Date's range
    'yesterday',
    '',
    1_700_000_000_000,
    undefined,
  ])('refuses %j with an InvalidInstantError naming the argument', (value) => {
    expect(isInstant(value)).toBe(false);
    let thrown: unknown;
    try {
      requireInstant('recordedFrom', value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInstantError);
    expect(thrown).toBeInstanceOf(RangeError);
    expect(thrown).toMatchObject({ argument: 'recordedFrom', name: 'InvalidInstantError', message: expect.stringMatching(/^recordedFrom must be an ISO-8601 date and time with its offset or Z/) });
  });

  it('requireValidDate refuses an Invalid Date, naming the argument', () => {
    expect(() => requireValidDate('until', new Date('nope'))).toThrow(new InvalidInstantError('until'));
    const at = new Date('2026-11-20T10:15:00Z');
    expect(requireValidDate('until', at)).toBe(at);
  });
});

describe('calendar days', () => {
  it.each(['2026-11-30', '2024-02-29', '0001-01-01', '9999-12-31'])('takes %s', (value) => {
    expect(isCalendarDay(value)).toBe(true);
  });

  // Month 13 and day 00 make an Invalid Date, whose toISOString throws (a 500 on the report routes
  // once); 30 February is a Date in March.
  it.each(['2026-13-01', '2026-00-01', '2026-12-00', '2026-12-32', '2026-12-99', '2026-02-30', '2025-02-29', '2026-1-01', '2026-11-30T00:00:00Z', ' 2026-11-30', '', 20261130, null, undefined])(
    'refuses %j without throwing',
    (value) => {
      expect(isCalendarDay(value)).toBe(false);
    },
  );
});
