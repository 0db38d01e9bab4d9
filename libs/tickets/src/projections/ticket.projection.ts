// The `tickets` read model: one document per support ticket, for the agent console (the thread,
// internal notes, the ticket's history), SLA reports and the work queue (open tickets by urgency).
import type { Actor, DomainEvent, RecordedEvent } from '@app/event-sourcing';
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
import { firstReplyBreached, minutesBetween, slaBreachesOnLeavingOpen, slaDueTimes, utcInstant } from './ticket-sla';

export const TICKETS_COLLECTION = 'tickets';

/** Replies (and notes, and history entries) kept on the document; older ones stay in the event stream and the timeline. */
export const TICKET_REPLIES_KEPT = 100;

import type { TicketStatus } from '../domain/ticket.decider';

/** Who recorded an entry: the API key's identity from the event's metadata (an agent's own key, for the console). */
export type TicketEntryActor = {
  readonly type: Actor['type'];
  readonly id: string;
  /** The key's label, e.g. the agent's name; null when the key has none. */
  readonly name: string | null;
};

/** Sorts after every real due time, so tickets without one come last in the queue (portable: never null). */
export const NO_DUE_TIME = '9999-12-31T23:59:59.999Z';

/** Queue order within one due time: the more urgent priority first. */
export const PRIORITY_RANK: Readonly<Record<TicketPriority, number>> = { urgent: 0, high: 1, normal: 2, low: 3 };

export type TicketReplyEntry = {
  /** The TicketReplied event's id. */
  readonly eventId: string;
  /** `agent` or `customer`. */
  readonly author: ReplyAuthor;
  /** Agent id, or the customer's id in the source system; null when the source did not say. */
  readonly authorId: string | null;
  readonly body: string;
  /** Business time of the reply (UTC ISO-8601). */
  readonly at: string;
  /** Who recorded it (for a customer's message, the helpdesk's key). */
  readonly actor: TicketEntryActor;
};

/** An internal note: agents only, never part of `replies`. */
export type TicketNoteEntry = {
  readonly eventId: string;
  readonly body: string;
  readonly at: string;
  readonly actor: TicketEntryActor;
};

/** One step of the ticket's life besides messages, for its history. */
export type TicketActivityEntry = {
  readonly eventId: string;
  readonly kind: 'opened' | 'assigned' | 'priorityChanged' | 'resolved' | 'reopened' | 'closed';
  readonly at: string;
  readonly actor: TicketEntryActor;
  /** The assignee id, `high → urgent`, the resolution or the reopen reason; null when there is nothing to say. */
  readonly detail: string | null;
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
  /**
   * When the ticket first left the open state (its first resolve, or its close if it was never
   * resolved): both SLA verdicts are final from then on. Null while it has never left.
   */
  readonly slaSettledAt: string | null;
  /**
   * When the customer was forgotten (right to erasure): the ticket's text reads [forgotten], and
   * nothing more can be recorded on it but its close. Null otherwise.
   */
  readonly customerForgottenAt: string | null;
  readonly reopenCount: number;
  /** The last TICKET_REPLIES_KEPT replies, oldest first. */
  readonly replies: readonly TicketReplyEntry[];
  /** All replies ever, including those no longer in `replies`. */
  readonly replyCount: number;
  /** The last TICKET_REPLIES_KEPT internal notes, oldest first: for agents, never shown to the customer. */
  readonly notes: readonly TicketNoteEntry[];
  readonly noteCount: number;
  /** The last TICKET_REPLIES_KEPT lifecycle steps (opened, assigned, priority, resolved, reopened, closed), oldest first. */
  readonly activity: readonly TicketActivityEntry[];
  /** Business time of the latest event of the ticket. */
  readonly lastActivityAt: string | null;
  /**
   * The next SLA deadline still to meet: the first-response due time until an agent answers, then
   * the resolution due time until the first resolve; null once both are decided or the ticket is
   * not open (a reopened ticket has no SLA left to meet).
   */
  readonly nextDueAt: string | null;
  /** nextDueAt, or NO_DUE_TIME without one: the queue sorts and filters on it in every read store. */
  readonly dueSort: string;
  /** PRIORITY_RANK of the priority (4 when unknown): the queue's second sort key. */
  readonly priorityRank: number;
  /**
   * firstResponse: the first agent reply came after firstResponseDueAt, or the ticket left the open
   * state (first resolved, or closed unresolved) after that time without any agent reply.
   * resolution: it left the open state after resolutionDueAt. Breaches not yet decided (still
   * open, overdue) are for the query side to compute from the due times, since a projection has
   * no clock.
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
    customerForgottenAt: null,
    firstResponseAt: null,
    firstResponseDueAt: null,
    resolutionDueAt: null,
    resolvedAt: null,
    firstResolvedAt: null,
    resolutionMinutes: null,
    closedAt: null,
    slaSettledAt: null,
    reopenCount: 0,
    replies: [],
    replyCount: 0,
    notes: [],
    noteCount: 0,
    activity: [],
    lastActivityAt: null,
    nextDueAt: null,
    dueSort: NO_DUE_TIME,
    priorityRank: 4,
    breaches: { firstResponse: false, resolution: false },
    resolution: null,
  };
}

function fieldsOf(doc: TicketDocument): TicketFields {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

function actorOf(event: RecordedTicketEvent): TicketEntryActor {
  const { type, id, name } = event.metadata.actor;
  return { type, id, name: name ?? null };
}

function kept<T>(entries: readonly T[], entry: T): T[] {
  return [...entries, entry].slice(-TICKET_REPLIES_KEPT);
}

/** The next deadline still to meet (see TicketFields.nextDueAt). */
export function nextDueAt(ticket: TicketFields): string | null {
  if (ticket.status !== 'open' || slaSettledAt(ticket) !== null) return null;
  const due = ticket.firstResponseAt === null ? [ticket.firstResponseDueAt, ticket.resolutionDueAt] : [ticket.resolutionDueAt];
  const known = due.filter((at): at is string => at !== null).sort();
  return known[0] ?? null;
}

/** Applies one ticket event to the ticket's fields, then the fields the queue sorts on. */
export function evolveTicket(ticket: TicketFields, event: RecordedTicketEvent): TicketFields {
  const next = evolveLifecycle(ticket, event);
  const at = utcInstant(event.metadata.occurredAt);
  const due = nextDueAt(next);
  return {
    ...next,
    lastActivityAt: next.lastActivityAt === null || at > next.lastActivityAt ? at : next.lastActivityAt,
    nextDueAt: due,
    dueSort: due ?? NO_DUE_TIME,
    priorityRank: next.priority === null ? 4 : PRIORITY_RANK[next.priority],
  };
}

function evolveLifecycle(ticket: TicketFields, event: RecordedTicketEvent): TicketFields {
  const at = utcInstant(event.metadata.occurredAt);
  const step = (kind: TicketActivityEntry['kind'], detail: string | null = null): readonly TicketActivityEntry[] =>
    kept(ticket.activity, { eventId: event.eventId, kind, at, actor: actorOf(event), detail });
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
        ...slaDueTimes(at, sla),
        activity: step('opened'),
      };
    }
    case 'TicketAssigned':
      return { ...ticket, assigneeId: event.data.agentId, activity: step('assigned', event.data.agentId) };
    case 'TicketReplied': {
      const reply: TicketReplyEntry = {
        eventId: event.eventId,
        author: event.data.author,
        authorId: event.data.authorId ?? null,
        body: event.data.body,
        at,
        actor: actorOf(event),
      };
      const isFirstResponse = event.data.author === 'agent' && ticket.firstResponseAt === null;
      return {
        ...ticket,
        replies: kept(ticket.replies, reply),
        replyCount: ticket.replyCount + 1,
        firstResponseAt: isFirstResponse ? at : ticket.firstResponseAt,
        // Once settled, the first-response verdict is final (a reply after a reopen is not judged).
        breaches: isFirstResponse && slaSettledAt(ticket) === null
          ? { ...ticket.breaches, firstResponse: firstReplyBreached(at, ticket.firstResponseDueAt) }
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
        activity: step('resolved', event.data.resolution),
        firstResolvedAt: first ? at : ticket.firstResolvedAt,
        resolutionMinutes: first && ticket.openedAt !== null ? minutesBetween(ticket.openedAt, at) : ticket.resolutionMinutes,
        ...leavingOpen(ticket, at),
      };
    }
    case 'TicketReopened':
      return {
        ...ticket, status: 'open', reopenCount: ticket.reopenCount + 1, resolvedAt: null, resolution: null, closedAt: null,
        activity: step('reopened', event.data.reason ?? null),
      };
    case 'TicketClosed':
      return { ...ticket, status: 'closed', closedAt: at, activity: step('closed'), ...leavingOpen(ticket, at) };
    case 'TicketNoteAdded': {
      const note: TicketNoteEntry = { eventId: event.eventId, body: event.data.body, at, actor: actorOf(event) };
      return { ...ticket, notes: kept(ticket.notes, note), noteCount: ticket.noteCount + 1 };
    }
    case 'TicketPriorityChanged': {
      const { priority, previousPriority, sla } = event.data;
      // Due times follow the new policy from the opening; verdicts already given stay.
      return {
        ...ticket,
        priority,
        sla,
        ...(ticket.openedAt === null ? {} : slaDueTimes(ticket.openedAt, sla)),
        activity: step('priorityChanged', `${previousPriority} → ${priority}`),
      };
    }
  }
}

/**
 * When the SLA verdicts became final. A document written before `slaSettledAt` existed has none:
 * there the first resolve is the only way it can have been settled (rebuild to judge closes).
 */
export function slaSettledAt(ticket: Pick<TicketFields, 'slaSettledAt' | 'firstResolvedAt'>): string | null {
  return ticket.slaSettledAt ?? ticket.firstResolvedAt ?? null;
}

/** The SLA verdicts when a ticket leaves the open state for the first time; none again after. */
function leavingOpen(ticket: TicketFields, at: string): Pick<TicketFields, 'slaSettledAt' | 'breaches'> {
  const settled = slaSettledAt(ticket);
  if (settled !== null) return { slaSettledAt: settled, breaches: ticket.breaches };
  const firstResponseBreached = ticket.firstResponseAt === null ? null : ticket.breaches.firstResponse;
  return { slaSettledAt: at, breaches: slaBreachesOnLeavingOpen({ ...ticket, firstResponseBreached }, at) };
}

/**
 * The ticket of a forgotten customer: its text (subject, replies, internal notes, resolution and
 * reopen reasons) FORGOTTEN, the same as a rebuild reads from the log once the customer's key is
 * destroyed; times, SLA, agents and priority changes stay.
 */
export function forgetTicket(ticket: TicketFields, at: string): TicketFields {
  const forget = (text: string | null) => (text === null ? null : FORGOTTEN);
  const personalDetail: ReadonlySet<TicketActivityEntry['kind']> = new Set(['resolved', 'reopened']);
  return {
    ...ticket,
    subject: forget(ticket.subject),
    resolution: forget(ticket.resolution),
    replies: ticket.replies.map((reply) => ({ ...reply, body: FORGOTTEN })),
    notes: ticket.notes.map((note) => ({ ...note, body: FORGOTTEN })),
    activity: ticket.activity.map((step) => (personalDetail.has(step.kind) ? { ...step, detail: forget(step.detail) } : step)),
    customerForgottenAt: ticket.customerForgottenAt ?? at,
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
        // The work queue: open tickets of one assignee (or none) by urgency.
        {
          fields: [
            { field: 'status', direction: 'asc' }, { field: 'assigneeId', direction: 'asc' },
            { field: 'dueSort', direction: 'asc' }, { field: 'priorityRank', direction: 'asc' }, { field: 'openedAt', direction: 'asc' },
          ],
        },
        { fields: [{ field: 'status', direction: 'asc' }, { field: 'dueSort', direction: 'asc' }, { field: 'priorityRank', direction: 'asc' }] },
        // Live streams replay what a reconnecting client missed: tickets changed after a position.
        { fields: [{ field: 'lastPosition', direction: 'asc' }] },
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
      return view.found<TicketDocument>(TICKETS_COLLECTION).map((doc) => ({ collection: TICKETS_COLLECTION, id: doc.id, doc: forgetTicket(fieldsOf(doc), utcInstant(event.metadata.occurredAt)) }));
    }
    if (!isTicketEvent(event)) return [];
    const { ticketId } = event.data;
    const current = view.get<TicketDocument & ReadDocument>(TICKETS_COLLECTION, ticketId);
    const ticket = current ? fieldsOf(current) : emptyTicket(ticketId, event.metadata.customerId);
    return [{ collection: TICKETS_COLLECTION, id: ticketId, doc: evolveTicket(ticket, event) }];
  },
};
