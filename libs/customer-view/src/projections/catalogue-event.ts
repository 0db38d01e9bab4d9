// The events the customer view projects: the customer, interaction and ticket catalogues, as read
// back from a store and still discriminated by `type`, so a switch narrows `data`.
import type { DomainEvent, RecordedEvent } from '@app/event-sourcing';
import { CUSTOMER_EVENT_TYPES, type CustomerEvent } from '@app/customers/domain/customer.events';
import { INTERACTION_EVENT_TYPES, type InteractionEvent } from '@app/interactions/domain/interaction.events';
import { TICKET_EVENT_TYPES, type TicketEvent } from '@app/tickets/domain/ticket.events';

type Recorded<E> = E extends DomainEvent<infer T extends string, infer D> ? RecordedEvent<T, D> : never;

export type CatalogueEvent = Recorded<CustomerEvent | InteractionEvent | TicketEvent>;
export type CatalogueEventType = CatalogueEvent['type'];

/** Every catalogue event type (for a subscription filtered by type). */
export const CATALOGUE_EVENT_TYPES: readonly CatalogueEventType[] = [...CUSTOMER_EVENT_TYPES, ...INTERACTION_EVENT_TYPES, ...TICKET_EVENT_TYPES];

const CATALOGUE_TYPES: ReadonlySet<string> = new Set<string>(CATALOGUE_EVENT_TYPES);

/** Events outside the catalogue (loyalty, segments, future types) are ignored by these projections. */
export function isCatalogueEvent(event: RecordedEvent): event is CatalogueEvent {
  return CATALOGUE_TYPES.has(event.type);
}

export function assertUnreachable(value: never): never {
  // The type only: an event's data may hold personal values, and this message may reach a log.
  throw new Error(`Unhandled event type ${String((value as { type?: unknown } | null)?.type)}`);
}
