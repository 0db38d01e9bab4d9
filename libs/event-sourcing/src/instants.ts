// What Chronicle takes as an instant, in one place: the API's validation, the CLI's options and the
// store ports all ask isInstant, so an input one of them takes, the others take too. A local time
// ("2026-01-01T10:00:00") names a different instant in every zone (Node reads it in its own), so an
// instant must say its offset or Z.

/** RFC 3339 date-time: date, `T`, time to the minute or finer, and `Z` or `±hh:mm`. */
export const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** What an instant looks like, in words, for refusals. */
export const INSTANT_EXAMPLE = 'an ISO-8601 date and time with its offset or Z, e.g. 2026-11-20T10:15:00Z';

/** The clock parts of an instant that matches INSTANT_PATTERN: hour, minute, second, offset hours and minutes. */
const CLOCK_PARTS = /T(\d{2}):(\d{2})(?::(\d{2}))?.*?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * The pattern, a real calendar date and clock time (no 30 February, no 24:00, no minute 60, no offset
 * beyond ±23:59), and one Date reads. Any year of four digits: validator's isISO8601, used here
 * before, refused years 0000–0099 as malformed (it checks the day with a Date that reads them as
 * 1900–1999) while 0100 on passed.
 */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !INSTANT_PATTERN.test(value) || !isCalendarDay(value.slice(0, 10))) return false;
  const [, hour, minute, second = '00', offsetHours = '00', offsetMinutes = '00'] = CLOCK_PARTS.exec(value) ?? [];
  return Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59 && Number(offsetHours) <= 23 && Number(offsetMinutes) <= 59 && !Number.isNaN(Date.parse(value));
}

/** A UTC calendar day, as report ranges take them: `2026-11-30`. */
export const CALENDAR_DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The pattern and a day the calendar has: no 30 February, no month 13 or day 00 (Date would roll the
 * first over into March and cannot read the others at all).
 */
export function isCalendarDay(value: unknown): value is string {
  if (typeof value !== 'string' || !CALENDAR_DAY_PATTERN.test(value)) return false;
  const midnight = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(midnight.getTime()) && midnight.toISOString().slice(0, 10) === value;
}

/**
 * A store port was handed something that is not an instant (or an invalid Date) for `argument`. A
 * RangeError, as Date's own refusal is, but one that says which argument and what it takes, and that
 * the caller (not the store) is at fault: nothing was read or written.
 */
export class InvalidInstantError extends RangeError {
  constructor(readonly argument: string) {
    super(`${argument} must be ${INSTANT_EXAMPLE}`);
    this.name = 'InvalidInstantError';
  }
}

/** `value` as given when it is an instant (isInstant); throws InvalidInstantError naming `argument` otherwise. */
export function requireInstant(argument: string, value: unknown): string {
  if (!isInstant(value)) throw new InvalidInstantError(argument);
  return value;
}

/** `value` when it is a Date that holds a time; throws InvalidInstantError naming `argument` for an Invalid Date or a non-Date. */
export function requireValidDate(argument: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidInstantError(argument);
  return value;
}
