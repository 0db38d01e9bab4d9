// SLA arithmetic shared by the tickets read model and the customer 360 ticket figures, so both
// agree on what a breach is. Pure: times are ISO-8601 strings taken from events, never a clock.

/**
 * Answers of utcInstant already given: every projection of an event asks for the same occurredAt
 * (five or six times per event), and the parse and print cost 5% of a rebuild's projection time.
 * A pure function's memo: bounded, emptied when full.
 */
const UTC_INSTANTS = new Map<string, string>();
const UTC_INSTANTS_KEPT = 4_096;

/** An ISO-8601 instant in UTC (`…Z`), so read-model times sort and compare as strings. */
export function utcInstant(iso: string): string {
  const known = UTC_INSTANTS.get(iso);
  if (known !== undefined) return known;
  const ms = Date.parse(iso);
  const utc = Number.isNaN(ms) ? iso : new Date(ms).toISOString();
  if (UTC_INSTANTS.size >= UTC_INSTANTS_KEPT) UTC_INSTANTS.clear();
  UTC_INSTANTS.set(iso, utc);
  return utc;
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
