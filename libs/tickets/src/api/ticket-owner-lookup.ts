// Which customer a ticket belongs to, for commands on other streams that name a ticket (a survey
// about it): their deciders cannot read the ticket stream, so the handler asks here.
import { CodecEventStore, type EventStore } from '@app/event-store';
import { ticketStreamId } from '../domain/ticket.streams';

/** The customer of the ticket, or null when no such ticket was ever opened. */
export type TicketOwner = string | null;

/**
 * A ticket's customer from the head of its stream (its TicketOpened; every event carries the
 * customer id in its metadata, so nothing personal is decrypted). A ticket never changes hands.
 */
export class TicketOwnerLookup {
  private readonly stored: EventStore;

  constructor(store: EventStore) {
    this.stored = store instanceof CodecEventStore ? store.inner : store;
  }

  async of(ticketId: string): Promise<TicketOwner> {
    const [head] = await this.stored.readStream(ticketStreamId(ticketId), { maxCount: 1 });
    return head?.metadata.customerId ?? null;
  }

  /** Each ticket's customer, read in one query. */
  async ofMany(ticketIds: readonly string[]): Promise<Map<string, TicketOwner>> {
    const unique = [...new Set(ticketIds)];
    const owners = new Map<string, TicketOwner>();
    if (unique.length === 0) return owners;
    const streams = await this.stored.readStreams(unique.map(ticketStreamId));
    for (const ticketId of unique) owners.set(ticketId, streams.get(ticketStreamId(ticketId))?.[0]?.metadata.customerId ?? null);
    return owners;
  }
}
