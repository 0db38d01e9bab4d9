// Month arithmetic on ISO-8601 instants in UTC: expiry and the rolling spend window count months.

/** `iso` plus `months` calendar months (UTC); the 31st of a shorter month clamps to its last day. */
export function addMonths(iso: string, months: number): string {
  const date = new Date(iso);
  const day = date.getUTCDate();
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString();
}

/** Normalises an instant to UTC ISO-8601 with milliseconds, so instants compare as strings. */
export function utc(iso: string): string {
  return new Date(iso).toISOString();
}

/** Months over which tier spend is measured. */
export const ROLLING_WINDOW_MONTHS = 12;
