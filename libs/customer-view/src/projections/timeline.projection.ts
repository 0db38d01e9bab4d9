// The `timeline` read model: one row per customer-facing event, paged newest first by the
// query side with a cursor on (occurredAt, id).
import type { Actor, RecordedEvent } from '@app/event-sourcing';
import type { DocumentChange, DocumentQuery, DocumentRef, Projection, ProjectionView } from '@app/read-store';
import { businessTime } from './business-time';
import { isCatalogueEvent, type CatalogueEvent, type CatalogueEventType } from './catalogue-event';
import { forgetCatalogueData, isCustomerForgotten } from './forgotten';
import { summarise, timelineChannel, type TimelineChannel } from './timeline-entry';

export const TIMELINE_COLLECTION = 'timeline';

/** Fields of a `timeline` document; its id is the event id. */
export type TimelineEntryFields = {
  readonly customerId: string;
  readonly eventId: string;
  /** The event type (`CallLogged`, `PurchaseCompleted`, …). */
  readonly type: CatalogueEventType;
  /** Coarse grouping for filters and icons: call, email, chat, purchase, survey, note, ticket, profile. */
  readonly channel: TimelineChannel;
  /** The event type again, under the name the console filters use; always equal to `type`. */
  readonly kind: CatalogueEventType;
  /** Business time, normalised to UTC ISO-8601 so it sorts as a string. */
  readonly occurredAt: string;
  /** Store commit time (UTC ISO-8601). */
  readonly recordedAt: string;
  /** Global log position of the event. */
  readonly position: number;
  /** The stream the event belongs to (`call-42`, `ticket-7`, `order-9`, `customer-1`). */
  readonly streamId: string;
  /** One human line, e.g. `Inbound call, 5m 12s, resolved`, `Purchase 3 items, 59.90 EUR`. */
  readonly summary: string;
  /** The event payload as stored (current schema version). */
  readonly data: unknown;
  readonly actor: Actor;
  /** The publishing system (`shop`, `helpdesk`, `console`, …). */
  readonly source: string;
};

export type TimelineEntryDocument = TimelineEntryFields & { readonly id: string; readonly lastPosition: number };

export function timelineEntry(event: RecordedEvent): TimelineEntryFields | null {
  if (!isCatalogueEvent(event)) return null;
  return {
    customerId: event.metadata.customerId,
    eventId: event.eventId,
    type: event.type,
    channel: timelineChannel(event),
    kind: event.type,
    occurredAt: businessTime(event),
    recordedAt: event.recordedAt,
    position: event.position,
    streamId: event.streamId,
    summary: summarise(event),
    data: event.data,
    actor: event.metadata.actor,
    source: event.metadata.source,
  };
}

/** A row as the forgotten customer's: personal values in `data` FORGOTTEN, the summary said again from them. */
export function forgottenTimelineEntry(row: TimelineEntryFields): TimelineEntryFields {
  const data = forgetCatalogueData(row.type, row.data);
  return { ...row, data, summary: summarise({ type: row.type, data } as CatalogueEvent) };
}

function fieldsOf(doc: TimelineEntryDocument): TimelineEntryFields {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

export const timelineProjection: Projection = {
  name: 'timeline',
  collections: [
    {
      name: TIMELINE_COLLECTION,
      indexes: [
        {
          fields: [
            { field: 'customerId', direction: 'asc' },
            { field: 'occurredAt', direction: 'desc' },
            { field: 'eventId', direction: 'desc' },
          ],
        },
        {
          // `id` last as well, so a channel-filtered page can use the same (occurredAt, id) cursor.
          fields: [
            { field: 'customerId', direction: 'asc' },
            { field: 'channel', direction: 'asc' },
            { field: 'occurredAt', direction: 'desc' },
            { field: 'eventId', direction: 'desc' },
          ],
        },
      ],
    },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return isCatalogueEvent(event) ? [{ collection: TIMELINE_COLLECTION, id: event.eventId }] : [];
  },

  touchesWhere(event: RecordedEvent): readonly DocumentQuery[] {
    return isCustomerForgotten(event) ? [{ collection: TIMELINE_COLLECTION, filter: { customerId: event.metadata.customerId } }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    const entry = timelineEntry(event);
    if (!entry) return [];
    const scrubbed = isCustomerForgotten(event)
      ? view.found<TimelineEntryDocument>(TIMELINE_COLLECTION).map((row): DocumentChange => ({ collection: TIMELINE_COLLECTION, id: row.id, doc: forgottenTimelineEntry(fieldsOf(row)) }))
      : [];
    return [...scrubbed, { collection: TIMELINE_COLLECTION, id: event.eventId, doc: entry }];
  },
};
