// Business time as the read models store it: UTC ISO-8601 (`…Z`), so times from publishers with
// different offsets sort and compare correctly as strings (the timeline cursor depends on it).
import type { RecordedEvent } from '@app/event-sourcing';
import { utcInstant } from '@app/tickets/projections/ticket-sla';

export function businessTime(event: RecordedEvent): string {
  return utcInstant(event.metadata.occurredAt);
}

/** The later of two UTC instants; events of different streams may arrive out of business-time order. */
export function later(current: string | null, candidate: string): string {
  return current === null || candidate > current ? candidate : current;
}

export function earlier(current: string | null, candidate: string): string {
  return current === null || candidate < current ? candidate : current;
}
