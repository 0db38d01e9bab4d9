// Subject access: everything Chronicle holds about one customer as one JSON document, decrypted:
// every event of every stream of theirs (read through the decoding event store), and every
// read-model document about them (profile, contact points, consents with their history, all
// interactions, tickets, loyalty, segments, analytics with the scores their profiling consent
// allows). A forgotten customer's export says so and shows `[forgotten]` where personal values were.
import { Inject, Optional } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { DomainError, DomainErrorCode, refuse, type Clock, type RecordedEvent } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { KEY_STORE, type DataKeyLookup, type KeyStore } from '@app/key-store';
import { READ_STORE, type ReadDocument, type ReadStore } from '@app/read-store';
import { CHRONICLE_CONFIG, ChronicleConfig, CLOCK, PROJECTION_PROGRESS, waitUntilCaughtUp, type ProjectionProgress } from '@app/platform';
import { customerStreamId } from '@app/customers';
import { CUSTOMER_360_COLLECTION, TIMELINE_COLLECTION, type Customer360Document, type TimelineEntryDocument } from '@app/customer-view';
import { TICKETS_COLLECTION } from '@app/tickets';
import { LOYALTY_ACCOUNTS_COLLECTION, LOYALTY_HISTORY_COLLECTION } from '@app/loyalty';
import { CUSTOMER_SEGMENTS_COLLECTION, SEGMENT_MEMBERS_COLLECTION, type CustomerSegmentsDocument } from '@app/segments';
import { CUSTOMER_ANALYTICS_COLLECTION, GetCustomerAnalytics, type CustomerAnalyticsView } from '@app/analytics';

export const EXPORT_FORMAT = 'chronicle-subject-access/1';

export interface ExportedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly actor: RecordedEvent['metadata']['actor'];
  readonly source: string;
  readonly data: unknown;
}

export interface ConsentDecision {
  readonly purpose: string;
  readonly granted: boolean;
  readonly via: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
}

/** A read-model document as exported: its fields, without the store's bookkeeping (id, lastPosition). */
export type ExportedDocument = { readonly [field: string]: unknown };

export interface CustomerExport {
  readonly format: typeof EXPORT_FORMAT;
  readonly customerId: string;
  readonly exportedAt: string;
  /**
   * Whether the read-model sections include every event of the customer (the export waits up to
   * READ_WAIT_TIMEOUT_MS for their newest, or for `minPosition` if further). While a forget the log
   * holds is not yet applied to them, those sections are empty and this is false.
   */
  readonly consistent: boolean;
  readonly forgotten: boolean;
  /** The data key's state (never the key): live, destroyed (forgotten), or none (nothing encrypted yet). */
  readonly dataKey: { readonly state: 'live' | 'destroyed' | 'none'; readonly keyId: string | null; readonly destroyedAt?: string; readonly reason?: string };
  readonly profile: (Customer360Document['profile'] & { readonly externalId: string | null; readonly registeredAt: string | null }) | null;
  readonly contactPoints: Customer360Document['contactPoints'];
  readonly consents: { readonly current: Customer360Document['consents']; readonly history: readonly ConsentDecision[] };
  /** Every interaction and profile change, oldest first, as the timeline holds it (payload included). */
  readonly interactions: readonly Omit<TimelineEntryDocument, 'id' | 'lastPosition'>[];
  readonly tickets: readonly ExportedDocument[];
  readonly loyalty: { readonly account: ExportedDocument | null; readonly history: readonly ExportedDocument[] };
  readonly segments: { readonly current: readonly string[]; readonly memberships: readonly ExportedDocument[] };
  readonly analytics: { readonly facts: ExportedDocument | null; readonly scores: CustomerAnalyticsView | null };
  /** Every event whose metadata names the customer, from the log, oldest first, decrypted. */
  readonly events: readonly ExportedEvent[];
}

export class ExportCustomer extends Query<CustomerExport> {
  constructor(readonly customerId: string, readonly minPosition?: number) {
    super();
  }
}

function exported(event: RecordedEvent): ExportedEvent {
  return {
    streamId: event.streamId, revision: event.revision, position: event.position, eventId: event.eventId, type: event.type,
    schemaVersion: event.metadata.schemaVersion, occurredAt: event.metadata.occurredAt, recordedAt: event.recordedAt,
    actor: event.metadata.actor, source: event.metadata.source, data: event.data,
  };
}

function withoutBookkeeping<T extends ReadDocument>(doc: T): Omit<T, 'id' | 'lastPosition'> {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

@QueryHandler(ExportCustomer)
export class ExportCustomerHandler implements IQueryHandler<ExportCustomer, CustomerExport> {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(KEY_STORE) private readonly keys: KeyStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    private readonly queryBus: QueryBus,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
  ) {}

  async execute({ customerId, minPosition }: ExportCustomer): Promise<CustomerExport> {
    // Every event of the customer, from the log's by-customer index: not from the streams a read
    // model names (found from outside: with the timeline behind, the export left events out while it
    // said consistent).
    const events = await this.events.queryLog({ customerId });
    const own = events.filter((event) => event.streamId === customerStreamId(customerId));
    if (own.length === 0) throw refuse.notFound(`Customer ${customerId} is not registered`, 'customerId');
    // The read models are waited for up to the customer's newest event (and minPosition, if further):
    // `consistent` says whether every section below includes everything the log holds of them.
    const newest = events[events.length - 1]?.position ?? 0;
    const target = Math.max(minPosition ?? 0, newest);
    const consistent = await waitUntilCaughtUp(
      target,
      async () => ((await this.store.get(CUSTOMER_360_COLLECTION, customerId))?.lastPosition ?? 0) >= target,
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );

    const byCustomer = { customerId };
    const [c360, timeline, tickets, account, history, current, memberships, facts, key] = await Promise.all([
      this.store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId),
      this.store.find<TimelineEntryDocument>(TIMELINE_COLLECTION, byCustomer, { sort: [{ field: 'position', direction: 'asc' }] }),
      this.store.find(TICKETS_COLLECTION, byCustomer, { sort: [{ field: 'id', direction: 'asc' }] }),
      this.store.get(LOYALTY_ACCOUNTS_COLLECTION, customerId),
      this.store.find(LOYALTY_HISTORY_COLLECTION, byCustomer, { sort: [{ field: 'position', direction: 'asc' }] }),
      this.store.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, customerId),
      this.store.find(SEGMENT_MEMBERS_COLLECTION, byCustomer, { sort: [{ field: 'id', direction: 'asc' }] }),
      this.store.get(CUSTOMER_ANALYTICS_COLLECTION, customerId),
      this.keys.get(customerId),
    ]);
    const forgotten = own.some((event) => event.type === 'CustomerForgotten');
    // Forgotten in the log, not yet scrubbed in the read models: their sections would hand out what
    // the forget erased (found from outside: plaintext beside `dataKey: destroyed`). Left empty, and
    // the export says it is not consistent; the events (decoded after the forget) are already scrubbed.
    if (forgotten && !c360?.forgottenAt) return this.answer(customerId, false, true, key, own, events, null);
    const scores = await this.queryBus.execute(new GetCustomerAnalytics(customerId)).then(
      (result) => result.view,
      (error: unknown) => {
        if (error instanceof DomainError && error.code === DomainErrorCode.NotFound) return null;
        throw error;
      },
    );
    return this.answer(customerId, consistent, forgotten, key, own, events, { c360, timeline, tickets, account, history, current, memberships, facts, scores });
  }

  private answer(
    customerId: string,
    consistent: boolean,
    forgotten: boolean,
    key: DataKeyLookup,
    own: readonly RecordedEvent[],
    events: readonly RecordedEvent[],
    models: ReadModels | null,
  ): CustomerExport {
    const consents: ConsentDecision[] = own
      .filter((event) => event.type === 'ConsentGiven' || event.type === 'ConsentWithdrawn')
      .map((event) => {
        const data = event.data as { purpose: string; via: string };
        return { purpose: data.purpose, granted: event.type === 'ConsentGiven', via: data.via, occurredAt: event.metadata.occurredAt, recordedAt: event.recordedAt };
      });
    const c360 = models?.c360 ?? null;
    return {
      format: EXPORT_FORMAT,
      customerId,
      exportedAt: this.clock.now().toISOString(),
      consistent,
      forgotten,
      dataKey:
        key.state === 'live'
          ? { state: 'live', keyId: key.key.keyId }
          : key.state === 'destroyed'
            ? { state: 'destroyed', keyId: key.erasure.keyId, destroyedAt: key.erasure.destroyedAt, reason: key.erasure.request.reason }
            : { state: 'none', keyId: null },
      profile: c360 ? { externalId: c360.externalId, registeredAt: c360.registeredAt, ...c360.profile } : null,
      contactPoints: c360?.contactPoints ?? [],
      consents: { current: c360?.consents ?? {}, history: consents },
      interactions: (models?.timeline ?? []).map((row) => withoutBookkeeping(row)),
      tickets: (models?.tickets ?? []).map(withoutBookkeeping),
      loyalty: { account: models?.account ? withoutBookkeeping(models.account) : null, history: (models?.history ?? []).map(withoutBookkeeping) },
      segments: { current: models?.current?.segmentIds ?? [], memberships: (models?.memberships ?? []).map(withoutBookkeeping) },
      analytics: { facts: models?.facts ? withoutBookkeeping(models.facts) : null, scores: models?.scores ?? null },
      events: events.map(exported),
    };
  }
}

/** The read models' sections of an export, as read. */
interface ReadModels {
  readonly c360: Customer360Document | null;
  readonly timeline: readonly TimelineEntryDocument[];
  readonly tickets: readonly ReadDocument[];
  readonly account: ReadDocument | null;
  readonly history: readonly ReadDocument[];
  readonly current: CustomerSegmentsDocument | null;
  readonly memberships: readonly ReadDocument[];
  readonly facts: ReadDocument | null;
  readonly scores: CustomerAnalyticsView | null;
}
