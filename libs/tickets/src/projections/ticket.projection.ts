// The `tickets` read model: one document per support ticket, for the agent console, SLA reports
// and the helpdesk queue (open tickets ordered by resolution due time).
import type { DomainEvent, RecordedEvent } from '@app/event-sourcing';
import { FORGOTTEN } from '@app/event-sourcing';
import type { DocumentChange, DocumentQuery, DocumentRef, Projection, ProjectionView, ReadDocument } from '@app/read-store';
import { CUSTOMER_FORGOTTEN } from '@app/customers/domain/customer.events';
import {
  TICKET_EVENT_TYPES,
  type ReplyAuthor,
  type SlaPolicy,
  type TicketChannel,
  type TicketEvent,
  type TicketPriority,
} from '../domain/ticket.events';
import { isLate, minutesBetween, slaDueAt, utcInstant } from './ticket-sla';

export const TICKETS_COLLECTION = 'tickets';

/** Replies kept on the document; older ones stay in the event stream and the timeline. */
export const TICKET_REPLIES_KEPT = 100;

import type { TicketStatus } from '../domain/ticket.decider';

export type TicketReplyEntry = {
  /** `agent` or `customer`. */
  readonly author: ReplyAuthor;
  /** Agent id, or the customer's id in the source system; null when the source did not say. */
  readonly authorId: string | null;
  readonly body: string;
  /** Business time of the reply (UTC ISO-8601). */
  readonly at: string;
};

/** Fields of a `tickets` document. All times are UTC ISO-8601 business times from the events. */
export type TicketFields = {
  readonly ticketId: string;
  readonly customerId: string;
  /** Null only if events arrived for a ticket whose TicketOpened was never seen (defensive). */
  readonly subject: string | null;
  /** Where the customer raised it: email, phone, chat, web, store. */
  readonly channel: TicketChannel | null;
  readonly priority: TicketPriority | null;
  /** The SLA policy the ticket was opened under (targets in minutes). */
  readonly sla: SlaPolicy | null;
  /** `open` (also after a reopen), `resolved`, `closed`. */
  readonly status: TicketStatus;
  /** Agent currently assigned; null while unassigned. */
  readonly assigneeId: string | null;
  readonly openedAt: string | null;
  /** First agent reply; customer replies do not count as a response. */
  readonly firstResponseAt: string | null;
  /** openedAt + sla.firstResponseMinutes. Open tickets past this without a response are overdue. */
  readonly firstResponseDueAt: string | null;
  /** openedAt + sla.resolutionMinutes. */
  readonly resolutionDueAt: string | null;
  /** Latest resolution; null while open (also after a reopen). */
  readonly resolvedAt: string | null;
  /** First resolution; never cleared. SLA and resolution time are measured against it. */
  readonly firstResolvedAt: string | null;
  /** Minutes from openedAt to firstResolvedAt; null until first resolved. Sum and count it for means. */
  readonly resolutionMinutes: number | null;
  readonly closedAt: string | null;
  readonly reopenCount: number;
  /** The last TICKET_REPLIES_KEPT replies, oldest first. */
  readonly replies: readonly TicketReplyEntry[];
  /** All replies ever, including those no longer in `replies`. */
  readonly replyCount: number;
  /**
   * firstResponse: the first agent reply came after firstResponseDueAt, or the ticket was first
   * resolved after that time without any agent reply. resolution: first resolved after
   * resolutionDueAt. Breaches not yet decided (still open, overdue) are for the query side to
   * compute from the due times, since a projection has no clock.
   */
  readonly breaches: { readonly firstResponse: boolean; readonly resolution: boolean };
  /** Resolution text of the latest resolve; null while open. */
  readonly resolution: string | null;
};

export type TicketDocument = TicketFields & { readonly id: string; readonly lastPosition: number };

/** A ticket event as read back from a store, still discriminated by `type`. */
export type RecordedTicketEvent = TicketEvent extends infer E
  ? E extends DomainEvent<infer T extends string, infer D>
    ? RecordedEvent<T, D>
    : never
  : never;

const TICKET_TYPES: ReadonlySet<string> = new Set(TICKET_EVENT_TYPES);

export function isTicketEvent(event: RecordedEvent): event is RecordedTicketEvent {
  return TICKET_TYPES.has(event.type);
}

function emptyTicket(ticketId: string, customerId: string): TicketFields {
  return {
    ticketId,
    customerId,
    subject: null,
    channel: null,
    priority: null,
    sla: null,
    status: 'open',
    assigneeId: null,
    openedAt: null,
    firstResponseAt: null,
    firstResponseDueAt: null,
    resolutionDueAt: null,
    resolvedAt: null,
    firstResolvedAt: null,
    resolutionMinutes: null,
    closedAt: null,
    reopenCount: 0,
    replies: [],
    replyCount: 0,
    breaches: { firstResponse: false, resolution: false },
    resolution: null,
  };
}

function fieldsOf(doc: TicketDocument): TicketFields {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

/** Applies one ticket event to the ticket's fields. */
export function evolveTicket(ticket: TicketFields, event: RecordedTicketEvent): TicketFields {
  const at = utcInstant(event.metadata.occurredAt);
  switch (event.type) {
    case 'TicketOpened': {
      const { subject, channel, priority, sla } = event.data;
      return {
        ...ticket,
        subject,
        channel,
        priority,
        sla,
        status: 'open',
        openedAt: at,
        firstResponseDueAt: slaDueAt(at, sla.firstResponseMinutes),
        resolutionDueAt: slaDueAt(at, sla.resolutionMinutes),
      };
    }
    case 'TicketAssigned':
      return { ...ticket, assigneeId: event.data.agentId };
    case 'TicketReplied': {
      const reply: TicketReplyEntry = {
        author: event.data.author,
        authorId: event.data.authorId ?? null,
        body: event.data.body,
        at,
      };
      const isFirstResponse = event.data.author === 'agent' && ticket.firstResponseAt === null;
      return {
        ...ticket,
        replies: [...ticket.replies, reply].slice(-TICKET_REPLIES_KEPT),
        replyCount: ticket.replyCount + 1,
        firstResponseAt: isFirstResponse ? at : ticket.firstResponseAt,
        // Once first resolved, the first-response verdict is final (a reply after a reopen is not judged).
        breaches: isFirstResponse && ticket.firstResolvedAt === null
          ? { ...ticket.breaches, firstResponse: isLate(at, ticket.firstResponseDueAt) }
          : ticket.breaches,
      };
    }
    case 'TicketResolved': {
      const first = ticket.firstResolvedAt === null;
      return {
        ...ticket,
        status: 'resolved',
        resolvedAt: at,
        resolution: event.data.resolution,
        firstResolvedAt: first ? at : ticket.firstResolvedAt,
        resolutionMinutes: first && ticket.openedAt !== null ? minutesBetween(ticket.openedAt, at) : ticket.resolutionMinutes,
        breaches: first
          ? {
              firstResponse:
                ticket.breaches.firstResponse || (ticket.firstResponseAt === null && isLate(at, ticket.firstResponseDueAt)),
              resolution: isLate(at, ticket.resolutionDueAt),
            }
          : ticket.breaches,
      };
    }
    case 'TicketReopened':
      return { ...ticket, status: 'open', reopenCount: ticket.reopenCount + 1, resolvedAt: null, resolution: null, closedAt: null };
    case 'TicketClosed':
      return { ...ticket, status: 'closed', closedAt: at };
  }
}

/**
 * The ticket of a forgotten customer: its text (subject, replies, resolution) FORGOTTEN, the same
 * as a rebuild reads from the log once the customer's key is destroyed; times and SLA stay.
 */
export function forgetTicket(ticket: TicketFields): TicketFields {
  const forget = (text: string | null) => (text === null ? null : FORGOTTEN);
  return {
    ...ticket,
    subject: forget(ticket.subject),
    resolution: forget(ticket.resolution),
    replies: ticket.replies.map((reply) => ({ ...reply, body: FORGOTTEN })),
  };
}

export const ticketProjection: Projection = {
  name: 'tickets',
  collections: [
    {
      name: TICKETS_COLLECTION,
      indexes: [
        { fields: [{ field: 'customerId', direction: 'asc' }, { field: 'openedAt', direction: 'desc' }] },
        { fields: [{ field: 'status', direction: 'asc' }, { field: 'resolutionDueAt', direction: 'asc' }] },
      ],
    },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    if (!isTicketEvent(event)) return [];
    return [{ collection: TICKETS_COLLECTION, id: event.data.ticketId }];
  },

  touchesWhere(event: RecordedEvent): readonly DocumentQuery[] {
    return event.type === CUSTOMER_FORGOTTEN ? [{ collection: TICKETS_COLLECTION, filter: { customerId: event.metadata.customerId } }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    if (event.type === CUSTOMER_FORGOTTEN) {
      return view.found<TicketDocument>(TICKETS_COLLECTION).map((doc) => ({ collection: TICKETS_COLLECTION, id: doc.id, doc: forgetTicket(fieldsOf(doc)) }));
    }
    if (!isTicketEvent(event)) return [];
    const { ticketId } = event.data;
    const current = view.get<TicketDocument & ReadDocument>(TICKETS_COLLECTION, ticketId);
    const ticket = current ? fieldsOf(current) : emptyTicket(ticketId, event.metadata.customerId);
    return [{ collection: TICKETS_COLLECTION, id: ticketId, doc: evolveTicket(ticket, event) }];
  },
};
