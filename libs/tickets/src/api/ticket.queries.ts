// Ticket queries: one ticket with its SLA state now, and a customer's tickets.
import { Inject, NotFoundException, Optional } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import { READ_STORE, type Filter, type ReadStore } from '@app/read-store';
import { REGISTERED_CUSTOMERS, type RegisteredCustomers } from '@app/customers';
import { CHRONICLE_CONFIG, ChronicleConfig, CLOCK, PROJECTION_PROGRESS, waitUntilCaughtUp, type ProjectionProgress } from '@app/platform';
import { TICKETS_COLLECTION, type TicketDocument } from '../projections/ticket.projection';
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
  const closedEarly = doc.status !== 'open';
  return {
    ...doc,
    firstResponseSla: slaState(doc.firstResponseAt ?? (closedEarly ? doc.firstResolvedAt : null), doc.breaches.firstResponse, doc.openedAt, doc.firstResponseDueAt, now),
    resolutionSla: slaState(doc.firstResolvedAt, doc.breaches.resolution, doc.openedAt, doc.resolutionDueAt, now),
  };
}

export class GetTicket extends Query<{ view: TicketView; consistent: boolean }> {
  constructor(readonly ticketId: string, readonly minPosition?: number) {
    super();
  }
}

/** A customer's tickets, newest first. */
export interface TicketList {
  readonly items: readonly TicketView[];
}

export class ListCustomerTickets extends Query<TicketList> {
  constructor(readonly customerId: string, readonly status: TicketStatus | undefined, readonly limit: number, readonly minPosition?: number) {
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
  ) {}

  async execute({ ticketId, minPosition }: GetTicket) {
    const consistent = await waitUntilCaughtUp(
      minPosition,
      async () => ((await this.store.get<TicketDocument>(TICKETS_COLLECTION, ticketId))?.lastPosition ?? 0) >= (minPosition ?? 0),
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
    const doc = await this.store.get<TicketDocument>(TICKETS_COLLECTION, ticketId);
    if (!doc) throw new NotFoundException(`Ticket ${ticketId} not found`);
    return { view: toTicketView(doc, this.clock.now()), consistent };
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

  async execute({ customerId, status, limit, minPosition }: ListCustomerTickets): Promise<TicketList> {
    await this.customers.assertRegistered(customerId, minPosition);
    await waitUntilCaughtUp(
      minPosition,
      async () => (await this.store.count(TICKETS_COLLECTION, { customerId, lastPosition: { gte: minPosition ?? 0 } })) > 0,
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
    const filter: Filter = status ? { customerId, status } : { customerId };
    const docs = await this.store.find<TicketDocument>(TICKETS_COLLECTION, filter, { sort: [{ field: 'openedAt', direction: 'desc' }], limit });
    const now = this.clock.now();
    return { items: docs.map((doc) => toTicketView(doc, now)) };
  }
}
