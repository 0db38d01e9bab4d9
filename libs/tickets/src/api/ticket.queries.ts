// Ticket queries: one ticket with its thread and SLA state now, a customer's tickets, and the work
// queue (open tickets of an assignee, or none, or due soon, most urgent first).
import { Inject, Optional } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { refuse, type Clock } from '@app/event-sourcing';
import { pastKeys, READ_STORE, type Filter, type KeysetField, type ReadStore } from '@app/read-store';
import { CUSTOMER_NAMES, REGISTERED_CUSTOMERS, type CustomerNames, type RegisteredCustomers } from '@app/customers';
import { CHRONICLE_CONFIG, ChronicleConfig, CLOCK, decodePageCursor, encodePageCursor, PROJECTION_PROGRESS, waitUntilCaughtUp, type PagedQuery, type ProjectionProgress } from '@app/platform';
import { NO_DUE_TIME, slaSettledAt, TICKETS_COLLECTION, type TicketDocument } from '../projections/ticket.projection';
import type { TicketStatus } from '../domain/ticket.decider';

/** Where a ticket stands against its SLA at this moment. */
export type SlaState = 'met' | 'breached' | 'at_risk' | 'on_track' | 'overdue';

export type TicketView = TicketDocument & {
  /** First response: met/breached once answered; otherwise on_track, at_risk (last 20% of the window) or overdue. */
  readonly firstResponseSla: SlaState;
  readonly resolutionSla: SlaState;
};

function slaState(doneAt: string | null, breached: boolean, start: string | null, dueAt: string | null, now: Date): SlaState {
  if (doneAt !== null) return breached ? 'breached' : 'met';
  if (dueAt === null || start === null) return 'on_track';
  const due = Date.parse(dueAt);
  if (now.getTime() > due) return 'overdue';
  const window = due - Date.parse(start);
  return due - now.getTime() <= window * 0.2 ? 'at_risk' : 'on_track';
}

export function toTicketView(doc: TicketDocument, now: Date): TicketView {
  // Once the ticket has left the open state (resolved, or closed unresolved) both verdicts are final.
  const settledAt = slaSettledAt(doc);
  return {
    ...doc,
    // Projected before the field existed: not known to be forgotten until the next rebuild.
    customerForgottenAt: doc.customerForgottenAt ?? null,
    firstResponseSla: slaState(doc.firstResponseAt ?? settledAt, doc.breaches.firstResponse, doc.openedAt, doc.firstResponseDueAt, now),
    resolutionSla: slaState(settledAt, doc.breaches.resolution, doc.openedAt, doc.resolutionDueAt, now),
  };
}

/** A ticket as the queue lists it: everything but its thread, plus who it waits on and the customer's name. */
export type TicketQueueItem = Omit<TicketView, 'replies' | 'notes' | 'activity'> & {
  /** `agent` while the customer's message (or the opening) is the latest word, `customer` once an agent answered it. */
  readonly waitingOn: 'agent' | 'customer';
  /** The customer's display name; null when the customer has none (show the id). */
  readonly customerName: string | null;
};

export function toQueueItem(doc: TicketDocument, now: Date, customerName: string | null): TicketQueueItem {
  const { replies, notes: _notes, activity: _activity, ...rest } = toTicketView(doc, now);
  return { ...rest, waitingOn: replies.at(-1)?.author === 'agent' ? 'customer' : 'agent', customerName };
}

/** Which tickets the queue lists: `assignee` is an agent id, or null for the unassigned ones. */
export interface TicketQueueFilter {
  readonly status: TicketStatus;
  readonly assignee?: string | null;
  /** Only tickets whose next SLA deadline is before now + this many minutes (breached ones included). */
  readonly dueWithinMinutes?: number;
}

/** One page of the work queue, with how many tickets match in all. */
export interface TicketQueuePage {
  readonly items: readonly TicketQueueItem[];
  /** How many tickets match the filter in all, on every page. */
  readonly total: number;
  /** Pass as `cursor` for the page after this one; null on the last page. */
  readonly nextCursor: string | null;
}

/** A page of a list: how many, and after which row (a cursor this API returned). */
export interface TicketPaging {
  readonly limit: number;
  readonly cursor?: string;
}

/** A list and whether it is known to include `minPosition` (the X-Chronicle-Consistent header). */
export interface ConsistentAnswer<T> {
  readonly answer: T;
  readonly consistent: boolean;
}

export class ListTicketQueue extends Query<ConsistentAnswer<TicketQueuePage>> {
  constructor(readonly filter: TicketQueueFilter, readonly paging: TicketPaging, readonly minPosition?: number) {
    super();
  }
}

/**
 * The queue's order: next SLA deadline (breached ones first), priority, age, id. A ticket projected
 * before its opening has no openedAt yet (null sorts first). Pages follow each other by these keys,
 * so a ticket whose deadline moves meanwhile is listed at its new place if that lies ahead.
 */
const QUEUE_ORDER: readonly KeysetField[] = [
  { field: 'dueSort', direction: 'asc' }, { field: 'priorityRank', direction: 'asc' },
  { field: 'openedAt', direction: 'asc', nullable: true }, { field: 'ticketId', direction: 'asc' },
];
/** A customer's tickets: newest opening first (those not opened yet last), then id. */
const CUSTOMER_ORDER: readonly KeysetField[] = [{ field: 'openedAt', direction: 'desc', nullable: true }, { field: 'ticketId', direction: 'desc' }];

/**
 * One page of tickets in `order`: the filter narrowed past the cursor's row, one more read than
 * asked to tell whether a next page exists, and the cursor of this page's last ticket. `query` is
 * what the caller asked for (the filter may hold the time of the request, which moves between pages).
 */
async function ticketPage(
  store: ReadStore,
  query: PagedQuery,
  filter: Filter,
  order: readonly KeysetField[],
  cursorKeys: Parameters<typeof decodePageCursor>[1],
  paging: TicketPaging,
): Promise<{ docs: TicketDocument[]; nextCursor: string | null }> {
  const where = paging.cursor === undefined ? filter : { and: [filter, pastKeys(order, decodePageCursor(paging.cursor, cursorKeys, query))] };
  const rows = await store.find<TicketDocument>(TICKETS_COLLECTION, where, { sort: order, limit: paging.limit + 1 });
  const docs = rows.slice(0, paging.limit);
  const last = docs[docs.length - 1];
  const keysOf = (doc: TicketDocument) => order.map((field) => (doc as unknown as Record<string, string | number | null>)[field.field] ?? null);
  return { docs, nextCursor: rows.length > paging.limit && last ? encodePageCursor(keysOf(last), query) : null };
}

/** One ticket as GET /v1/tickets/:ticketId answers it: the view with the customer's display name. */
export type TicketDetail = TicketView & {
  /** The customer's display name; null when the customer has none (show the id). */
  readonly customerName: string | null;
};

export class GetTicket extends Query<{ view: TicketDetail; consistent: boolean }> {
  constructor(readonly ticketId: string, readonly minPosition?: number) {
    super();
  }
}

/** A customer's tickets, newest first. */
export interface TicketList {
  readonly items: readonly TicketView[];
  /** Pass as `cursor` for the page after this one; null on the last page. */
  readonly nextCursor: string | null;
}

export class ListCustomerTickets extends Query<ConsistentAnswer<TicketList>> {
  constructor(readonly customerId: string, readonly status: TicketStatus | undefined, readonly paging: TicketPaging, readonly minPosition?: number) {
    super();
  }
}

@QueryHandler(GetTicket)
export class GetTicketHandler implements IQueryHandler<GetTicket> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
    @Optional() @Inject(CUSTOMER_NAMES) private readonly names?: CustomerNames,
  ) {}

  async execute({ ticketId, minPosition }: GetTicket) {
    const consistent = await waitUntilCaughtUp(
      minPosition,
      async () => ((await this.store.get<TicketDocument>(TICKETS_COLLECTION, ticketId))?.lastPosition ?? 0) >= (minPosition ?? 0),
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
    const doc = await this.store.get<TicketDocument>(TICKETS_COLLECTION, ticketId);
    if (!doc) throw refuse.notFound(`Ticket ${ticketId} not found`, 'ticketId');
    const names = this.names ? await this.names.namesOf([doc.customerId]) : new Map<string, string>();
    return { view: { ...toTicketView(doc, this.clock.now()), customerName: names.get(doc.customerId) ?? null }, consistent };
  }
}

@QueryHandler(ListTicketQueue)
export class ListTicketQueueHandler implements IQueryHandler<ListTicketQueue> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    @Optional() @Inject(CUSTOMER_NAMES) private readonly names?: CustomerNames,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
  ) {}

  async execute({ filter, paging, minPosition }: ListTicketQueue): Promise<ConsistentAnswer<TicketQueuePage>> {
    // Read-your-writes for the agent who just changed a ticket (which one, the query does not know): the
    // projector got there. "Some ticket has reached the position" is no proof with Kafka, where a
    // ticket in a partition ahead may have while the agent's lags.
    const consistent = await waitUntilCaughtUp(minPosition, async () => false, this.progress, this.config.READ_WAIT_TIMEOUT_MS);
    const now = this.clock.now();
    const conditions: Filter[] = [{ status: filter.status }];
    if (filter.assignee !== undefined) conditions.push({ assigneeId: filter.assignee });
    if (filter.dueWithinMinutes !== undefined) {
      // dueSort is NO_DUE_TIME without a deadline, so the bound never lets those in.
      const until = new Date(now.getTime() + filter.dueWithinMinutes * 60_000).toISOString();
      conditions.push({ dueSort: { lt: until < NO_DUE_TIME ? until : NO_DUE_TIME } });
    }
    const where: Filter = { and: conditions };
    const [{ docs, nextCursor }, total] = await Promise.all([
      ticketPage(this.store, { queue: filter }, where, QUEUE_ORDER, ['instant', 'rank', 'instantOrNull', 'id'], paging),
      this.store.count(TICKETS_COLLECTION, where),
    ]);
    const names = this.names ? await this.names.namesOf(docs.map((doc) => doc.customerId)) : new Map<string, string>();
    return { answer: { items: docs.map((doc) => toQueueItem(doc, now, names.get(doc.customerId) ?? null)), total, nextCursor }, consistent };
  }
}

@QueryHandler(ListCustomerTickets)
export class ListCustomerTicketsHandler implements IQueryHandler<ListCustomerTickets> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REGISTERED_CUSTOMERS) private readonly customers: RegisteredCustomers,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
  ) {}

  async execute({ customerId, status, paging, minPosition }: ListCustomerTickets): Promise<ConsistentAnswer<TicketList>> {
    await this.customers.assertRegistered(customerId, minPosition);
    const consistent = await waitUntilCaughtUp(
      minPosition,
      async () => (await this.store.count(TICKETS_COLLECTION, { customerId, lastPosition: { gte: minPosition ?? 0 } })) > 0,
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
    const filter: Filter = status ? { customerId, status } : { customerId };
    const { docs, nextCursor } = await ticketPage(this.store, { customerTickets: filter }, filter, CUSTOMER_ORDER, ['instantOrNull', 'id'], paging);
    const now = this.clock.now();
    return { answer: { items: docs.map((doc) => toTicketView(doc, now)), nextCursor }, consistent };
  }
}
