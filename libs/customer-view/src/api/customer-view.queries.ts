// Queries on the customer read models: the 360 view, the timeline with cursor paging, and search.
import { Inject, Optional } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { pastKeys, READ_STORE, type Filter, type KeysetField, type ReadStore } from '@app/read-store';
import { REGISTERED_CUSTOMERS, type RegisteredCustomers } from '@app/customers';
import { CHRONICLE_CONFIG, ChronicleConfig, CLOCK, decodePageCursor, encodePageCursor, notFoundOrNotProjectedYet, PROJECTION_PROGRESS, RequestValidationError, waitUntilCaughtUp, type PagedQuery, type ProjectionProgress } from '@app/platform';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '../projections/customer-360.document';
import { TIMELINE_COLLECTION, type TimelineEntryDocument } from '../projections/timeline.projection';
import { CUSTOMER_LOOKUP_COLLECTION, lookupPrefix, type CustomerLookupDocument, type LookupKind } from '../projections/customer-lookup.projection';

import type { Consistency } from '@app/platform';
export type { Consistency };

/**
 * Adds what other capabilities know about a customer to the 360 view (segments, loyalty...):
 * provided by the composition root, so this lib depends on none of them.
 */
export type Customer360Enricher = (customerId: string) => Promise<Record<string, unknown>>;
export const CUSTOMER_360_ENRICHERS = Symbol('Customer360Enrichers');

/**
 * Makes the enrichers over a given set of read models and clock: the live ones, or those of a view
 * as of an earlier instant (the audit views), so both run the same code.
 */
export type Customer360EnricherFactory = (store: ReadStore, clock: Clock) => readonly Customer360Enricher[];
export const CUSTOMER_360_ENRICHER_FACTORY = Symbol('Customer360EnricherFactory');

/** The 360 view as the API shows it: the document plus what needs a clock (overdue tickets). */
export type Customer360View = Omit<Customer360Document, 'emails'> & {
  readonly emails: Omit<Customer360Document['emails'], 'openedMessageIds' | 'clickedMessageIds'>;
  readonly overdueTickets: readonly { ticketId: string; subject: string | null; breach: 'firstResponse' | 'resolution'; dueAt: string }[];
};

export class GetCustomer360 extends Query<{ view: Customer360View } & Consistency> {
  constructor(readonly customerId: string, readonly minPosition?: number) {
    super();
  }
}

export interface TimelinePage {
  readonly items: readonly TimelineEntryDocument[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  readonly nextCursor: string | null;
}

export class GetTimeline extends Query<TimelinePage & Consistency> {
  constructor(
    readonly customerId: string,
    readonly options: { limit: number; cursor?: string; channel?: string; kind?: string; minPosition?: number },
  ) {
    super();
  }
}

export interface CustomerSearchHit {
  readonly customerId: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly externalId: string | null;
  /** The search key that matched, e.g. `email:ada@example.com`. */
  readonly matched: string;
}

export type SearchCriterion = 'email' | 'phone' | 'name' | 'externalId' | 'id' | 'q';

/** What a customer search answers. */
export interface CustomerSearchResult {
  readonly items: readonly CustomerSearchHit[];
}

export class SearchCustomers extends Query<CustomerSearchResult> {
  constructor(readonly by: SearchCriterion, readonly value: string, readonly limit: number) {
    super();
  }
}

/**
 * The phone search key of what an agent typed, if it reads as a phone number: separators and a
 * `(0)` trunk marker dropped, `00` read as `+`; null for text that is not a number.
 */
export function typedPhone(text: string): string | null {
  if (!/^[+\d\s().\/-]+$/.test(text) || (text.match(/\d/g) ?? []).length < 3) return null;
  const digits = text.replace(/\(0\)/g, '').replace(/[^\d+]/g, '');
  const key = digits.startsWith('00') ? `+${digits.slice(2)}` : digits;
  // Nothing but trunk markers or the `00` itself (`(0)(0)(0)`, `00(0)`) is no number to look up.
  return /\d/.test(key) ? key : null;
}

/** What a timeline page is of: the customer and the filters (the live and the as-of timeline page alike). */
function timelineQuery(customerId: string, options: TimelinePageOptions): PagedQuery {
  return { timeline: customerId, channel: options.channel ?? null, kind: options.kind ?? null };
}

function encodeCursor(entry: TimelineEntryDocument, query: PagedQuery): string {
  return encodePageCursor([entry.occurredAt, entry.eventId], query);
}

abstract class ReadModelQuery {
  constructor(
    @Inject(READ_STORE) protected readonly store: ReadStore,
    @Inject(CHRONICLE_CONFIG) protected readonly config: ChronicleConfig,
    @Optional() @Inject(PROJECTION_PROGRESS) protected readonly progress?: ProjectionProgress,
  ) {}

  /** Waits (bounded) until the customer's 360 document has applied `minPosition`. */
  protected caughtUp(customerId: string, minPosition: number | undefined): Promise<boolean> {
    return waitUntilCaughtUp(
      minPosition,
      async () => ((await this.store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId))?.lastPosition ?? 0) >= (minPosition ?? 0),
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
  }
}

@QueryHandler(GetCustomer360)
export class GetCustomer360Handler extends ReadModelQuery implements IQueryHandler<GetCustomer360> {
  @Inject(CLOCK) private readonly clock!: Clock;
  @Optional() @Inject(CUSTOMER_360_ENRICHERS) private readonly enrichers?: readonly Customer360Enricher[];
  @Optional() @Inject(EVENT_STORE) private readonly events?: EventStore;

  async execute({ customerId, minPosition }: GetCustomer360): Promise<{ view: Customer360View } & Consistency> {
    const consistent = await this.caughtUp(customerId, minPosition);
    const view = await customer360View(this.store, this.enrichers ?? [], customerId, this.clock.now());
    if (view === null) throw await notFoundOrNotProjectedYet(`Customer ${customerId}`, 'customerId', minPosition, consistent, this.events ? () => (this.events as EventStore).headPosition() : undefined);
    return { view, consistent };
  }
}

/**
 * The 360 view as a set of read models shows it at an instant (null for a customer never
 * registered there): the one code path of the live view and of the view as of a past instant.
 */
export async function customer360View(
  store: ReadStore,
  enrichers: readonly Customer360Enricher[],
  customerId: string,
  now: Date,
): Promise<Customer360View | null> {
  const doc = await store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId);
  if (!doc || doc.registeredAt === null) return null;
  const extra = await Promise.all(enrichers.map((enrich) => enrich(customerId)));
  return Object.assign(toView(doc, now), ...extra) as Customer360View;
}

export function toView(doc: Customer360Document, now: Date): Customer360View {
  const { openedMessageIds: _opened, clickedMessageIds: _clicked, ...emails } = doc.emails;
  const overdue: Customer360View['overdueTickets'][number][] = [];
  for (const ticket of Object.values(doc.tickets.openTickets)) {
    if (ticket.status !== 'open') continue;
    if (ticket.firstResponseAt === null && ticket.firstResponseDueAt !== null && ticket.firstResponseDueAt < now.toISOString()) {
      overdue.push({ ticketId: ticket.ticketId, subject: ticket.subject, breach: 'firstResponse', dueAt: ticket.firstResponseDueAt });
    } else if (ticket.firstResolvedAt === null && ticket.resolutionDueAt !== null && ticket.resolutionDueAt < now.toISOString()) {
      overdue.push({ ticketId: ticket.ticketId, subject: ticket.subject, breach: 'resolution', dueAt: ticket.resolutionDueAt });
    }
  }
  return { ...doc, emails, overdueTickets: overdue };
}

@QueryHandler(GetTimeline)
export class GetTimelineHandler extends ReadModelQuery implements IQueryHandler<GetTimeline> {
  @Inject(REGISTERED_CUSTOMERS) private readonly customers!: RegisteredCustomers;

  async execute({ customerId, options }: GetTimeline): Promise<TimelinePage & Consistency> {
    await this.customers.assertRegistered(customerId, options.minPosition);
    // The timeline's own rows decide: a store without cross-collection transactions may write the
    // 360 document a moment before the timeline rows of the same batch.
    const consistent = await waitUntilCaughtUp(
      options.minPosition,
      async () => (await this.store.count(TIMELINE_COLLECTION, { customerId, lastPosition: { gte: options.minPosition ?? 0 } })) > 0,
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
    return { ...(await timelinePage(this.store, customerId, options)), consistent };
  }
}

export interface TimelinePageOptions {
  readonly limit: number;
  readonly cursor?: string;
  readonly channel?: string;
  readonly kind?: string;
}

/** Newest first, then by event id: every timeline row has both. */
const TIMELINE_ORDER: readonly KeysetField[] = [{ field: 'occurredAt', direction: 'desc' }, { field: 'eventId', direction: 'desc' }];

/** One page of a customer's timeline from a set of read models: the live timeline's and the as-of timeline's code path. */
export async function timelinePage(store: ReadStore, customerId: string, options: TimelinePageOptions): Promise<TimelinePage> {
  const conditions: Filter[] = [{ customerId }];
  if (options.channel) conditions.push({ channel: options.channel });
  if (options.kind) conditions.push({ kind: options.kind });
  if (options.cursor) {
    const [occurredAt, eventId] = decodePageCursor(options.cursor, ['instant', 'eventId'], timelineQuery(customerId, options));
    conditions.push(pastKeys(TIMELINE_ORDER, [occurredAt, eventId]));
  }
  const rows = await store.find<TimelineEntryDocument>(TIMELINE_COLLECTION, { and: conditions }, { sort: TIMELINE_ORDER, limit: options.limit + 1 });
  const items = rows.slice(0, options.limit);
  return { items, nextCursor: rows.length > options.limit ? encodeCursor(items[items.length - 1], timelineQuery(customerId, options)) : null };
}

/** Refusal of a phone search term with no digit (`abc`, `--`, `+`): it normalises to nothing. */
export const PHONE_WITHOUT_DIGIT = 'phone must contain a digit';

/** A search term with nothing to search by: a 400 naming the criterion, never a match of everyone. */
function blankTerm(by: SearchCriterion): RequestValidationError {
  return new RequestValidationError([{ field: by, message: by === 'phone' ? PHONE_WITHOUT_DIGIT : `${by} must not be empty or only white space` }]);
}

@QueryHandler(SearchCustomers)
export class SearchCustomersHandler extends ReadModelQuery implements IQueryHandler<SearchCustomers> {
  async execute({ by, value, limit }: SearchCustomers): Promise<CustomerSearchResult> {
    const matches = new Map<string, string>();
    const text = value.trim();
    if (text === '') throw blankTerm(by);
    if (by === 'id' || by === 'q') {
      const doc = await this.store.get<Customer360Document>(CUSTOMER_360_COLLECTION, text);
      if (doc && doc.registeredAt !== null) matches.set(doc.customerId, `id:${doc.customerId}`);
    }
    if (by !== 'id') {
      // `q`: whatever the agent typed, as every kind of key at once; the most specific kinds first.
      // A phone is read as dialled (`0044…`, `+44 (0) …`) by `q` and `phone` alike; a `phone` term
      // typedPhone does not read as a number keeps its digits, and one without any is refused by lookup.
      const phone = by === 'q' || by === 'phone' ? typedPhone(text) : null;
      const searches: readonly (readonly [LookupKind, string])[] = by === 'q'
        ? [['externalId', text], ['email', text], ...(phone !== null ? [['phone', phone] as const] : []), ['name', text]]
        : [[by, phone ?? value]];
      const found = await Promise.all(searches.map(([kind, term]) => this.lookup(by, kind, term, limit * 4)));
      for (const row of found.flat()) if (!matches.has(row.customerId) && matches.size < limit) matches.set(row.customerId, row.key);
    }
    const docs = await this.store.getMany<Customer360Document>(CUSTOMER_360_COLLECTION, [...matches.keys()]);
    const items: CustomerSearchHit[] = [];
    for (const [customerId, matched] of matches) {
      const doc = docs.get(customerId);
      if (!doc || doc.registeredAt === null) continue;
      items.push({ customerId, displayName: doc.displayName, email: doc.profile.email, phone: doc.profile.phone, externalId: doc.externalId, matched });
    }
    return { items };
  }

  /** Lookup rows whose key starts with the term's key (email and phone match from the start too, so results come as the agent types). */
  private lookup(by: SearchCriterion, kind: LookupKind, term: string, limit: number): Promise<CustomerLookupDocument[]> {
    const prefix = lookupPrefix(kind, term);
    // Refused here too, whatever the caller checked: an empty term is the bare `phone:` prefix, every customer.
    if (prefix === null) throw blankTerm(by);
    return this.store.find<CustomerLookupDocument>(CUSTOMER_LOOKUP_COLLECTION, { key: { prefix } }, { sort: [{ field: 'key', direction: 'asc' }], limit });
  }
}
