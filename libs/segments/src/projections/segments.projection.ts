// The segment read models: `segments` (definitions), `segmentMembers` (one row per member, id
// `${segmentId}|${customerId}`) and `customerSegments` (the segment ids of a customer, for the 360
// view to merge). Member counts are counted from segmentMembers at query time rather than kept on
// the segment document: membership events come from every customer's partition, and a counter
// written from several partitions would lose updates to the position guard (a lower position
// arriving after a higher one is skipped). Every document here is written from one key's events.
import type { RecordedEvent } from '@app/event-sourcing';
import type { DocumentChange, DocumentRef, Projection, ProjectionView, ReadDocument } from '@app/read-store';
import { dependsOnTime, usesRfm, type ConsentPurposeName, type SegmentRule } from '../domain/segment-rule';
import { isMembershipEvent, isSegmentEvaluated, isSegmentEvent } from './segment-event';

export const SEGMENTS_COLLECTION = 'segments';
export const SEGMENT_MEMBERS_COLLECTION = 'segmentMembers';
export const CUSTOMER_SEGMENTS_COLLECTION = 'customerSegments';

export type SegmentStatus = 'active' | 'archived';

export type SegmentFields = {
  readonly segmentId: string;
  readonly name: string;
  readonly description: string;
  readonly rule: SegmentRule;
  /** The consent purpose the segment is used for (only consenting customers are members); null: none. */
  readonly purpose: ConsentPurposeName | null;
  readonly status: SegmentStatus;
  /** The rule can change its verdict as time passes (windows, relative dates, age): swept periodically. */
  readonly timeBound: boolean;
  /** The rule needs RFM scores ranked over the whole population. */
  readonly usesRfm: boolean;
  readonly definedAt: string;
  /** Latest definition change (defined, rule changed, archived). */
  readonly updatedAt: string;
  /** The latest definition change's event, whose evaluation `evaluation` follows. */
  readonly definitionEventId: string;
  readonly evaluation: SegmentEvaluation;
};
export type SegmentDocument = SegmentFields & ReadDocument;

/**
 * Whether the memberships of the latest definition (or rule, or archive) are all decided: `running`
 * while the segments reactor goes through every customer, `done` once it recorded them all (read the
 * members with minPosition = `position` for the complete list).
 */
export interface SegmentEvaluation {
  /** `unknown`: the segment's latest definition was recorded before evaluations were (rebuild to know). */
  readonly state: 'running' | 'done' | 'unknown';
  /** When the evaluation finished; null while running. */
  readonly completedAt: string | null;
  /** The global position of its SegmentEvaluated event (a whole number); null while running. */
  readonly position: number | null;
}

const RUNNING: SegmentEvaluation = { state: 'running', completedAt: null, position: null };

/**
 * A customer who is or was in a segment. Leaving keeps the row with `member: false` rather than
 * deleting it, so its lastPosition still guards against an older "entered" delivered late.
 */
export type SegmentMemberFields = {
  readonly segmentId: string;
  readonly customerId: string;
  readonly member: boolean;
  /** When the customer (last) entered. */
  readonly since: string;
  /** When the customer last left; null while a member who never left. */
  readonly leftAt: string | null;
};
export type SegmentMemberDocument = SegmentMemberFields & ReadDocument;

export type CustomerSegmentsFields = {
  readonly customerId: string;
  /** Sorted. */
  readonly segmentIds: readonly string[];
};
export type CustomerSegmentsDocument = CustomerSegmentsFields & ReadDocument;

export function segmentMemberId(segmentId: string, customerId: string): string {
  return `${segmentId}|${customerId}`;
}

function strip<T extends ReadDocument>(doc: T): Omit<T, 'id' | 'lastPosition'> {
  const { id: _id, lastPosition: _position, ...fields } = doc;
  return fields;
}

export const segmentsProjection: Projection = {
  name: 'segments',
  collections: [
    { name: SEGMENTS_COLLECTION, indexes: [{ fields: [{ field: 'status', direction: 'asc' }] }] },
    {
      name: SEGMENT_MEMBERS_COLLECTION,
      indexes: [{ fields: [{ field: 'segmentId', direction: 'asc' }, { field: 'member', direction: 'asc' }, { field: 'customerId', direction: 'asc' }] }],
    },
    { name: CUSTOMER_SEGMENTS_COLLECTION, indexes: [] },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    if (isSegmentEvent(event) || isSegmentEvaluated(event)) return [{ collection: SEGMENTS_COLLECTION, id: event.data.segmentId }];
    if (isMembershipEvent(event)) {
      return [
        { collection: SEGMENT_MEMBERS_COLLECTION, id: segmentMemberId(event.data.segmentId, event.data.customerId) },
        { collection: CUSTOMER_SEGMENTS_COLLECTION, id: event.data.customerId },
      ];
    }
    return [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    const at = event.metadata.occurredAt;
    if (isSegmentEvaluated(event)) {
      const stored = view.get<SegmentDocument>(SEGMENTS_COLLECTION, event.data.segmentId);
      // The evaluation of an older definition (the rule changed again meanwhile) says nothing of the latest.
      if (!stored || stored.definitionEventId !== event.data.definitionEventId) return [];
      const evaluation: SegmentEvaluation = { state: 'done', completedAt: event.data.at, position: event.position };
      return [{ collection: SEGMENTS_COLLECTION, id: event.data.segmentId, doc: { ...strip(stored), evaluation } }];
    }
    if (isSegmentEvent(event)) {
      const { segmentId } = event.data;
      const stored = view.get<SegmentDocument>(SEGMENTS_COLLECTION, segmentId);
      switch (event.type) {
        case 'SegmentDefined': {
          const { name, description, rule } = event.data;
          const doc: SegmentFields = {
            segmentId, name, description, rule, purpose: event.data.purpose ?? null, status: 'active', timeBound: dependsOnTime(rule), usesRfm: usesRfm(rule), definedAt: at, updatedAt: at,
            definitionEventId: event.eventId, evaluation: RUNNING,
          };
          return [{ collection: SEGMENTS_COLLECTION, id: segmentId, doc }];
        }
        case 'SegmentRuleChanged': {
          if (!stored) return [];
          const { rule } = event.data;
          return [{ collection: SEGMENTS_COLLECTION, id: segmentId, doc: { ...strip(stored), rule, timeBound: dependsOnTime(rule), usesRfm: usesRfm(rule), updatedAt: at, definitionEventId: event.eventId, evaluation: RUNNING } }];
        }
        case 'SegmentArchived':
          if (!stored) return [];
          return [{ collection: SEGMENTS_COLLECTION, id: segmentId, doc: { ...strip(stored), status: 'archived', updatedAt: at, definitionEventId: event.eventId, evaluation: RUNNING } }];
        default: {
          const unhandled: never = event;
          throw new Error(`Unhandled segment event type ${String((unhandled as { type?: unknown }).type)}`);
        }
      }
    }
    if (isMembershipEvent(event)) {
      const { segmentId, customerId } = event.data;
      const memberId = segmentMemberId(segmentId, customerId);
      const row = view.get<SegmentMemberDocument>(SEGMENT_MEMBERS_COLLECTION, memberId);
      const entering = event.type === 'CustomerEnteredSegment';
      // The membership stream never repeats a transition; a repeat here would be a replayed event, so it changes nothing.
      if (entering === (row?.member ?? false)) return [];
      const changes: DocumentChange[] = [];
      const member: SegmentMemberFields = entering
        ? { segmentId, customerId, member: true, since: event.data.at, leftAt: row?.leftAt ?? null }
        : { segmentId, customerId, member: false, since: row?.since ?? event.data.at, leftAt: event.data.at };
      changes.push({ collection: SEGMENT_MEMBERS_COLLECTION, id: memberId, doc: member });
      const current = view.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, customerId)?.segmentIds ?? [];
      const segmentIds = entering ? [...current.filter((id) => id !== segmentId), segmentId].sort() : current.filter((id) => id !== segmentId);
      changes.push({ collection: CUSTOMER_SEGMENTS_COLLECTION, id: customerId, doc: { customerId, segmentIds } satisfies CustomerSegmentsFields });
      return changes;
    }
    return [];
  },
};
