// SLA arithmetic shared by the tickets read model and the customer 360 ticket figures, so both
// agree on what a breach is. Pure: times are ISO-8601 strings taken from events, never a clock.

/** An ISO-8601 instant in UTC (`…Z`), so read-model times sort and compare as strings. */
export function utcInstant(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

/** The instant `minutes` after `from`. */
export function slaDueAt(from: string, minutes: number): string {
  return new Date(Date.parse(from) + minutes * 60_000).toISOString();
}

/** True when `at` is strictly after the due time; a missing due time is never breached. */
export function isLate(at: string, dueAt: string | null): boolean {
  return dueAt !== null && Date.parse(at) > Date.parse(dueAt);
}

/** Exact minutes between two instants (fractional when seconds are involved). */
export function minutesBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 60_000;
}
