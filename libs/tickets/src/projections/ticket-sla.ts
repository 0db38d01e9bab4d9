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

/** Both due times of a ticket opened at `openedAt` under an SLA policy (on opening, and again from the opening when its priority changes). */
export function slaDueTimes(openedAt: string, sla: { readonly firstResponseMinutes: number; readonly resolutionMinutes: number }): { firstResponseDueAt: string; resolutionDueAt: string } {
  return { firstResponseDueAt: slaDueAt(openedAt, sla.firstResponseMinutes), resolutionDueAt: slaDueAt(openedAt, sla.resolutionMinutes) };
}

/** True when `at` is strictly after the due time; a missing due time is never breached. */
export function isLate(at: string, dueAt: string | null): boolean {
  return dueAt !== null && Date.parse(at) > Date.parse(dueAt);
}

/** Exact minutes between two instants (fractional when seconds are involved). */
export function minutesBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 60_000;
}

/** A ticket's verdict on each SLA target: true where the target was missed. */
export type SlaBreaches = { readonly firstResponse: boolean; readonly resolution: boolean };

/** What a ticket's verdicts depend on while it is open. */
export type OpenTicketSla = {
  /** The first-response verdict given at the first agent reply (firstReplyBreached); null while unanswered. */
  readonly firstResponseBreached: boolean | null;
  readonly firstResponseDueAt: string | null;
  readonly resolutionDueAt: string | null;
};

/**
 * The first-response verdict given when the first agent reply comes while the ticket is open:
 * missed when it came after its due time then in force (a later priority change does not undo it).
 */
export function firstReplyBreached(repliedAt: string, firstResponseDueAt: string | null): boolean {
  return isLate(repliedAt, firstResponseDueAt);
}

/**
 * Both SLA verdicts of a ticket at the instant it first leaves the open state, whichever way it
 * leaves: first resolved, or closed without ever being resolved. Every read model that counts
 * breaches judges them here, so they agree.
 * - first response: the verdict given at the first agent reply; with no agent reply at all, missed
 *   when the ticket left after its due time (the due time passed unanswered);
 * - resolution: missed when the ticket left after its due time (closing an open ticket ends it
 *   as surely as resolving it).
 * Both are final from then on: a reply, resolve or close after a reopen is not judged again.
 */
export function slaBreachesOnLeavingOpen(ticket: OpenTicketSla, leftAt: string): SlaBreaches {
  return {
    firstResponse: ticket.firstResponseBreached ?? isLate(leftAt, ticket.firstResponseDueAt),
    resolution: isLate(leftAt, ticket.resolutionDueAt),
  };
}
