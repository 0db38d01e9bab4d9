// Builds RecordedEvent envelopes for projection specs: metadata filled in, per-stream revisions
// and increasing global positions assigned in creation order, event ids readable and sortable.
import type { Actor, DomainEvent, RecordedEvent } from '@app/event-sourcing';

export interface RecordOptions {
  /** Business time (ISO-8601). */
  readonly at: string;
  /** Defaults to `data.customerId`, which every catalogue event carries. */
  readonly customerId?: string;
  readonly actor?: Actor;
  readonly source?: string;
  readonly eventId?: string;
}

export class RecordedEventFactory {
  private position = 0;
  private readonly revisions = new Map<string, number>();

  /** @param positionStep gaps between global positions, as real stores leave them. */
  constructor(private readonly positionStep = 1) {}

  record<E extends DomainEvent>(streamId: string, event: E, options: RecordOptions): RecordedEvent<E['type'], E['data']> {
    this.position += this.positionStep;
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    const customerId = options.customerId ?? (event.data as { customerId?: string }).customerId;
    if (!customerId) throw new Error(`No customerId for ${event.type} on ${streamId}`);
    return {
      type: event.type,
      data: event.data,
      eventId: options.eventId ?? `00000000-0000-4000-8000-${String(this.position).padStart(12, '0')}`,
      streamId,
      revision,
      position: this.position,
      recordedAt: options.at,
      metadata: {
        customerId,
        schemaVersion: 1,
        occurredAt: options.at,
        actor: options.actor ?? { type: 'service', id: 'test-publisher' },
        source: options.source ?? 'test',
        correlationId: `corr-${this.position}`,
        causationId: null,
      },
    };
  }
}
