// A customer as Chronicle knew them at an earlier point: that customer's events up to then, run
// through the same projections the live projector runs, into read models of their own (an
// in-memory SQLite read store, dropped after the request), then read with the same query code as
// the live 360 view and timeline.
//
// What "as of" means:
// - `asOf=<ISO instant>`: what was recorded by then (recordedAt ≤ instant: knowledge time, not
//   business time, so a back-dated event recorded later is not yet known); time-dependent figures
//   (overdue tickets, churn risk, CLV) are evaluated at that instant.
// - `asOf=<position>`: the customer's events up to that global position; time-dependent figures
//   at the instant the log reached it (the recordedAt of the event at that position; now when the
//   log has not reached it yet).
// - no asOf: now, everything; equal to the live view field for field once the projector caught up.
// Enrichers are replayed, not read from live models: loyalty balance and tier from the customer's
// loyalty events, segment membership as recorded by membership events (not re-evaluated against
// today's rules), CLV and churn risk from the customer's own analytics facts at the as-of instant.
import type { Clock, RecordedEvent } from '@app/event-sourcing';
import type { EventStore, LogQuery } from '@app/event-store';
import { SqliteReadStore, type Projection } from '@app/read-store';
import { ProjectorRunner } from '@app/transport';
import { customer360View, isRegisteredIn, timelinePage, type Customer360EnricherFactory, type Customer360View, type TimelinePage, type TimelinePageOptions } from '@app/customer-view';

export type AsOf = { readonly kind: 'now' } | { readonly kind: 'instant'; readonly at: Date } | { readonly kind: 'position'; readonly position: number };

export interface AsOfContext {
  /** The instant time-dependent figures were evaluated at. */
  readonly at: string;
  /** The newest global position of the customer's events included (0: none). */
  readonly position: number;
  /** How many of the customer's events were replayed. */
  readonly events: number;
}

/** DI token: every projection the live projector runs (provided by the composition root). */
export const AUDIT_PROJECTIONS = Symbol('AuditProjections');

/** The provider of AUDIT_PROJECTIONS, typed: the composition root cannot hand over anything but projections. */
export function auditProjectionsProvider(projections: readonly Projection[]): { provide: typeof AUDIT_PROJECTIONS; useValue: readonly Projection[] } {
  return { provide: AUDIT_PROJECTIONS, useValue: projections };
}

const PAGE = 2_000;

/**
 * Events recorded at or before `at`, as a bound the store takes (an instant, isInstant): past year 9999
 * Date writes six-digit years (+010000-…), which the store refuses and no recordedAt reaches, so every
 * event is in; before year 1 (year 0 is no instant for isISO8601 either) none is.
 */
function recordedUpTo(at: Date): Pick<LogQuery, 'recordedBefore'> {
  const bound = new Date(at.getTime() + 1);
  if (bound.getUTCFullYear() > 9999) return {};
  return { recordedBefore: bound.getUTCFullYear() < 1 ? '0001-01-01T00:00:00.000Z' : bound.toISOString() };
}

export class CustomerAsOf {
  constructor(
    /** The event store as readers see it (current schema versions, decrypted where allowed). */
    private readonly events: EventStore,
    private readonly projections: readonly Projection[],
    private readonly enrichers: Customer360EnricherFactory,
    private readonly clock: Clock,
  ) {}

  async view360(customerId: string, asOf: AsOf): Promise<{ view: Customer360View | null; context: AsOfContext }> {
    return this.withReadModels(customerId, asOf, async (store, now) => customer360View(store, this.enrichers(store, { now: () => new Date(now.getTime()) }), customerId, now));
  }

  /** The timeline as of then; null when the customer was not registered by then (as the 360 view as of then, and the live timeline). */
  async timeline(customerId: string, asOf: AsOf, options: TimelinePageOptions): Promise<{ page: TimelinePage | null; context: AsOfContext }> {
    const { view, context } = await this.withReadModels(customerId, asOf, async (store) =>
      (await isRegisteredIn(store, customerId)) ? timelinePage(store, customerId, options) : null,
    );
    return { page: view, context };
  }

  private async withReadModels<T>(customerId: string, asOf: AsOf, read: (store: SqliteReadStore, now: Date) => Promise<T>): Promise<{ view: T; context: AsOfContext }> {
    const store = new SqliteReadStore(':memory:');
    try {
      const runner = new ProjectorRunner(store, this.projections, { name: 'as-of' });
      await runner.start();
      const query: LogQuery =
        asOf.kind === 'position'
          ? { customerId, until: asOf.position }
          : asOf.kind === 'instant'
            ? { customerId, ...recordedUpTo(asOf.at) }
            : { customerId };
      let last: RecordedEvent | undefined;
      let count = 0;
      for (;;) {
        const page = await this.events.queryLog({ ...query, after: last?.position ?? 0, maxCount: PAGE });
        if (page.length === 0) break;
        await runner.applyBatch(page);
        last = page[page.length - 1];
        count += page.length;
      }
      const now = await this.instantOf(asOf, last);
      const view = await read(store, now);
      return { view, context: { at: now.toISOString(), position: last?.position ?? 0, events: count } };
    } finally {
      await store.close();
    }
  }

  private async instantOf(asOf: AsOf, lastOfCustomer: RecordedEvent | undefined): Promise<Date> {
    switch (asOf.kind) {
      case 'now':
        return this.clock.now();
      case 'instant':
        return asOf.at;
      case 'position': {
        const [atPosition] = await this.events.queryLog({ after: asOf.position - 1, until: asOf.position, maxCount: 1 });
        if (atPosition) return new Date(atPosition.recordedAt);
        if (asOf.position >= (await this.events.headPosition())) return this.clock.now();
        // A store whose positions have gaps (EventStoreDB): the customer's own newest event before it.
        return lastOfCustomer ? new Date(lastOfCustomer.recordedAt) : this.clock.now();
      }
    }
  }
}
