// Segment queries: definitions with member counts, members paged by customer id, a customer's
// segments, and a preview of a rule over the read models (nothing recorded).
import { Inject, Optional } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { refuse, type Clock } from '@app/event-sourcing';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { REGISTERED_CUSTOMERS, type RegisteredCustomers } from '@app/customers';
import { CHRONICLE_CONFIG, ChronicleConfig, CLOCK, decodePageCursor, encodePageCursor, PROJECTION_PROGRESS, waitUntilCaughtUp, type ProjectionProgress } from '@app/platform';
import type { ConsentPurposeName, SegmentRule } from '../domain/segment-rule';
import { CustomerFactsReader } from '../evaluation/customer-facts';
import { previewSegment, type SegmentPreview } from '../evaluation/segment-evaluator';
import {
  CUSTOMER_SEGMENTS_COLLECTION, SEGMENT_MEMBERS_COLLECTION, SEGMENTS_COLLECTION,
  type CustomerSegmentsDocument, type SegmentDocument, type SegmentFields, type SegmentMemberDocument, type SegmentStatus,
} from '../projections/segments.projection';
import { SEGMENTS_ANALYTICS_SETTINGS, SEGMENTS_CONFIG } from './segments-tokens';
import type { AnalyticsSettings } from '@app/analytics';
import type { SegmentsConfig } from './segments-config';

/** A definition as the API shows it, with its current member count. */
// From the fields, not the stored document: the store's open index signature would make Omit drop every named field.
export type SegmentView = Omit<SegmentFields, 'definitionEventId'> & { readonly definitionEventId: string | null; readonly lastPosition: number; readonly memberCount: number };

/** Segment definitions with their member counts. */
export interface SegmentList {
  readonly items: readonly SegmentView[];
}

export interface SegmentMembersPage {
  readonly items: readonly { readonly customerId: string; readonly since: string }[];
  /** Pass as `cursor` for the next page; null at the end. */
  readonly nextCursor: string | null;
}

export interface CustomerSegmentsView {
  readonly customerId: string;
  readonly segments: readonly { readonly segmentId: string; readonly name: string | null }[];
}

export class ListSegments extends Query<readonly SegmentView[]> {
  constructor(readonly status?: SegmentStatus) {
    super();
  }
}

export class GetSegment extends Query<{ view: SegmentView; consistent: boolean }> {
  constructor(readonly segmentId: string, readonly minPosition?: number) {
    super();
  }
}

export class GetSegmentMembers extends Query<{ page: SegmentMembersPage; consistent: boolean }> {
  constructor(readonly segmentId: string, readonly limit: number, readonly cursor?: string, readonly minPosition?: number) {
    super();
  }
}

export class GetCustomerSegments extends Query<{ view: CustomerSegmentsView; consistent: boolean }> {
  constructor(readonly customerId: string, readonly minPosition?: number) {
    super();
  }
}

export class PreviewSegment extends Query<SegmentPreview> {
  constructor(readonly rule: SegmentRule, readonly sampleSize: number, readonly purpose: ConsentPurposeName | null = null) {
    super();
  }
}

function toView(doc: SegmentDocument, memberCount: number): SegmentView {
  const { id: _id, ...rest } = doc;
  // Projected before evaluations were recorded: whether it is done, the read model cannot say.
  return { ...rest, definitionEventId: doc.definitionEventId ?? null, evaluation: doc.evaluation ?? { state: 'unknown', completedAt: null, position: null }, memberCount };
}

@QueryHandler(ListSegments)
export class ListSegmentsHandler implements IQueryHandler<ListSegments> {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}

  async execute({ status }: ListSegments): Promise<readonly SegmentView[]> {
    const docs = await this.store.find<SegmentDocument>(SEGMENTS_COLLECTION, status ? { status } : {}, { sort: [{ field: 'segmentId', direction: 'asc' }] });
    if (docs.length === 0) return [];
    const rows = await this.store.aggregate(SEGMENT_MEMBERS_COLLECTION, { segmentId: { in: docs.map((doc) => doc.segmentId) }, member: true }, { groupBy: ['segmentId'] });
    const counts = new Map(rows.map((row) => [row.key.segmentId, row.count]));
    return docs.map((doc) => toView(doc, counts.get(doc.segmentId) ?? 0));
  }
}

@QueryHandler(GetSegment)
export class GetSegmentHandler implements IQueryHandler<GetSegment> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
  ) {}

  async execute({ segmentId, minPosition }: GetSegment): Promise<{ view: SegmentView; consistent: boolean }> {
    const consistent = await waitUntilCaughtUp(
      minPosition,
      async () => ((await this.store.get(SEGMENTS_COLLECTION, segmentId))?.lastPosition ?? 0) >= (minPosition ?? 0),
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
    const doc = await this.store.get<SegmentDocument>(SEGMENTS_COLLECTION, segmentId);
    if (!doc) throw refuse.notFound(`Segment ${segmentId} does not exist`, 'segmentId');
    return { view: toView(doc, await this.store.count(SEGMENT_MEMBERS_COLLECTION, { segmentId, member: true })), consistent };
  }
}

@QueryHandler(GetSegmentMembers)
export class GetSegmentMembersHandler implements IQueryHandler<GetSegmentMembers> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
  ) {}

  async execute({ segmentId, limit, cursor, minPosition }: GetSegmentMembers): Promise<{ page: SegmentMembersPage; consistent: boolean }> {
    const after = cursor === undefined ? undefined : decodePageCursor(cursor, ['id'], { segmentId })[0];
    const consistent = await waitUntilCaughtUp(minPosition, async () => false, this.progress, this.config.READ_WAIT_TIMEOUT_MS);
    if (!(await this.store.get(SEGMENTS_COLLECTION, segmentId))) throw refuse.notFound(`Segment ${segmentId} does not exist`, 'segmentId');
    const rows = await this.store.find<SegmentMemberDocument>(
      SEGMENT_MEMBERS_COLLECTION,
      after === undefined ? { segmentId, member: true } : { segmentId, member: true, customerId: { gt: after } },
      { sort: [{ field: 'customerId', direction: 'asc' }], limit: limit + 1 },
    );
    const page = rows.slice(0, limit);
    return {
      page: {
        items: page.map((row) => ({ customerId: row.customerId, since: row.since })),
        nextCursor: rows.length > limit ? encodePageCursor([page[page.length - 1].customerId], { segmentId }) : null,
      },
      consistent,
    };
  }
}

@QueryHandler(GetCustomerSegments)
export class GetCustomerSegmentsHandler implements IQueryHandler<GetCustomerSegments> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(REGISTERED_CUSTOMERS) private readonly customers: RegisteredCustomers,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
  ) {}

  async execute({ customerId, minPosition }: GetCustomerSegments): Promise<{ view: CustomerSegmentsView; consistent: boolean }> {
    await this.customers.assertRegistered(customerId, minPosition);
    // The read models got to minPosition (a membership document changes only when a membership does,
    // so it cannot tell); memberships an event there causes follow once the segments reactor evaluated it.
    const consistent = await waitUntilCaughtUp(minPosition, async () => false, this.progress, this.config.READ_WAIT_TIMEOUT_MS);
    const doc = await this.store.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, customerId);
    const ids = doc?.segmentIds ?? [];
    const segments = await this.store.getMany<SegmentDocument>(SEGMENTS_COLLECTION, ids);
    return { view: { customerId, segments: ids.map((segmentId) => ({ segmentId, name: segments.get(segmentId)?.name ?? null })) }, consistent };
  }
}

@QueryHandler(PreviewSegment)
export class PreviewSegmentHandler implements IQueryHandler<PreviewSegment> {
  private readonly facts: CustomerFactsReader;

  constructor(
    @Inject(READ_STORE) store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SEGMENTS_CONFIG) private readonly config: SegmentsConfig,
    @Inject(CHRONICLE_CONFIG) chronicle: ChronicleConfig,
    @Inject(SEGMENTS_ANALYTICS_SETTINGS) analytics: AnalyticsSettings,
  ) {
    this.facts = new CustomerFactsReader(store, chronicle.REPORTING_CURRENCY, { clock, analytics });
  }

  execute({ rule, sampleSize, purpose }: PreviewSegment): Promise<SegmentPreview> {
    return previewSegment(this.facts, rule, this.clock.now(), sampleSize, this.config.SEGMENTS_PAGE_SIZE, purpose);
  }
}
